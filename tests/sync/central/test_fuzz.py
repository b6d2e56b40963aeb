"""Schemathesis against a real central process: every check passes, nothing crashes.

``st run`` fuzzes central's OpenAPI document (examples, coverage, fuzzing and the stateful phase
along its links) with every check schemathesis has: server errors, status codes, content types,
headers and bodies against the declared schemas, refusals of invalid data, acceptance of valid
data, authentication that is really enforced. Requests are signed with an enrolled hall's key by
tests/sync/central/fuzz_hooks.py, so the fuzzing reaches central's intake.

``HALLKIT_FUZZ_EXAMPLES`` sets the cases per operation (default 50: about 900 cases in all; the
longer run in docs/fuzzing.md used 500: 6,758 cases).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import requests

from sync.central.process import CentralProcess
from tests.fuzz_report import assert_clean_run
from tests.sync.central.centralapp import event
from tests.sync.central.rawhttp import EnrolledHall
from tests.timing import PATIENCE

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
EXAMPLES = int(os.environ.get("HALLKIT_FUZZ_EXAMPLES", "50"))
RECEIPT = "SJ-FUZZ-0001"


def _hold_a_case(hall: EnrolledHall) -> None:
    case = event(
        1,
        "case.accepted",
        {
            "receipt": RECEIPT,
            "item_id": "i-1",
            "item_name": "户口迁移",
            "accepted_on": "2026-11-22",
        },
    )
    body = json.dumps({"hall": hall.hall, "hub_last_seq": 1, "sent_at": "now", "events": [case]})
    target = hall.path("events")
    answer = requests.post(
        hall.central.base_url + target,
        data=body.encode(),
        headers=hall.signed("POST", target, body.encode()),
        timeout=PATIENCE,
    )
    assert answer.json()["stored"] == 1


def test_schemathesis_finds_no_failure_in_central(tmp_path: Path) -> None:
    report = tmp_path / "schemathesis.json"
    with CentralProcess(tmp_path / "central") as central:
        hall = EnrolledHall.enroll(central, "模糊测试大厅")
        _hold_a_case(hall)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "SCHEMATHESIS_HOOKS": "tests.sync.central.fuzz_hooks",
            "HALLKIT_FUZZ_HALL": hall.hall,
            "HALLKIT_FUZZ_KEY": hall.key_id,
            "HALLKIT_FUZZ_SECRET": base64.b64encode(hall.secret).decode(),
            "HALLKIT_FUZZ_DB": str(central.data_dir / "central.db"),
            "HALLKIT_FUZZ_ADMIN_TOKEN": (central.data_dir / "admin.token").read_text().strip(),
            "HALLKIT_FUZZ_RECEIPT": RECEIPT,
        }
        command = [sys.executable, "-m", "schemathesis.cli"]
        command += ["--config-file", str(HERE / "schemathesis.toml"), "--no-color", "run"]
        command += [central.base_url + "/openapi.json", "--checks", "all", "--workers", "1"]
        command += [
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            "15",
            "--generation-database",
            "none",
        ]
        command += ["--report", "json", "--report-json-path", str(report)]
        run = subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, text=True, check=False
        )
        output = central.output()
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert_clean_run(report, EXAMPLES)
    assert "Traceback" not in output
