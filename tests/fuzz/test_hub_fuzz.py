"""Schemathesis against a real hub process: every check passes, nothing crashes.

``st run`` fuzzes the hub's OpenAPI document (coverage, fuzzing and the stateful phase along its
links: a ticket issued, then looked up by id and by number; a case, an alert, a feedback) with
every check schemathesis has: server errors, status codes, content types, headers and bodies
against the declared schemas, refusals of invalid data, acceptance of valid data, authentication
that is really enforced, 405 answers with ``Allow``. Each request carries the token of the role
its route is for (tests/fuzz/hub_hooks.py). The event stream is left out: an answer that never
ends is not something a fuzzer can check (tests/hub/test_events_stream.py and its neighbours
cover it).

``HALLKIT_FUZZ_EXAMPLES`` sets the cases per operation (default 15; the longer run in
docs/fuzzing.md used 200: 14,560 cases).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import tomli_w

from hall.hubprocess import HubProcess
from tests.conftest import queue_hall_data
from tests.fuzz_report import assert_clean_run

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
EXAMPLES = int(os.environ.get("HALLKIT_FUZZ_EXAMPLES", "15"))
WINDOW = 1


def _tokens(hub: HubProcess) -> dict[str, str]:
    admin = hub.client()
    tokens = {"admin": hub.admin_token}
    for role, window in (
        ("kiosk", None),
        ("counter", WINDOW),
        ("board", WINDOW),
        ("display", None),
    ):
        tokens[role] = admin.add_device(role, f"fuzz-{role}", window)["token"]
    return tokens


def test_schemathesis_finds_no_failure_in_the_hub(tmp_path: Path) -> None:
    config = tmp_path / "hall.toml"
    config.write_text(tomli_w.dumps(queue_hall_data()), encoding="utf-8")
    report = tmp_path / "schemathesis.json"
    with HubProcess(tmp_path / "hub", config, log_path=tmp_path / "hub.log") as hub:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "SCHEMATHESIS_HOOKS": "tests.fuzz.hub_hooks",
            "HALLKIT_FUZZ_TOKENS": ",".join(f"{r}={t}" for r, t in _tokens(hub).items()),
            "HALLKIT_FUZZ_WINDOW": str(WINDOW),
        }
        command = [sys.executable, "-m", "schemathesis.cli"]
        command += ["--config-file", str(HERE / "schemathesis.toml"), "--no-color", "run"]
        command += [hub.base_url + "/api/v1/openapi.json", "--checks", "all", "--workers", "1"]
        command += ["--exclude-path", "/api/v1/events"]
        command += ["--max-examples", str(EXAMPLES), "--seed", "15"]
        command += ["--generation-database", "none"]
        command += ["--report", "json", "--report-json-path", str(report)]
        run = subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, text=True, check=False
        )
    (tmp_path / "schemathesis.txt").write_text(run.stdout, encoding="utf-8")
    output = (tmp_path / "hub.log").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert_clean_run(report, EXAMPLES)
    assert "Traceback" not in output
