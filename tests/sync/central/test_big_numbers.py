"""Integers past SQLite's 64 bits in a batch are a 400 with a sentence, never a traceback.

Every integer of the upload (``seq``, ``hub_last_seq``, ``schema_version``, ``mono_ns``) against
a real central process; the largest 64-bit ``seq`` is still taken.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sync.central.process import CentralProcess
from sync.wire import MAX_WIRE_INT
from tests.sync.central.centralapp import event
from tests.sync.central.rawhttp import EnrolledHall
from tests.timing import PATIENCE

OUT_OF_RANGE = {"2^63": 2**63, "10^30": 10**30, "-2^63-1": -(2**63) - 1, "-1": -1}
CASES = [
    (where, value)
    for where in ("seq", "hub_last_seq", "schema_version", "mono_ns")
    for value in OUT_OF_RANGE
    if (where, value) != ("mono_ns", "-1")  # a monotonic reading may be negative
]


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralProcess]:
    folder: Path = tmp_path_factory.mktemp("numbers") / "central"
    with CentralProcess(folder) as process:
        yield process
        assert "Traceback" not in process.output()


@pytest.fixture(scope="module")
def hall(central: CentralProcess) -> EnrolledHall:
    return EnrolledHall.enroll(central)


def _upload(hall: EnrolledHall, batch: dict[str, Any]) -> requests.Response:
    body = json.dumps(batch).encode()
    target = hall.path("events")
    return requests.post(
        hall.central.base_url + target,
        data=body,
        headers={**hall.signed("POST", target, body), "Content-Type": "application/json"},
        timeout=PATIENCE,
    )


def _batch(hall: EnrolledHall, where: str, value: int) -> dict[str, Any]:
    one = event(1)
    batch: dict[str, Any] = {"hall": hall.hall, "hub_last_seq": 1, "sent_at": "now"}
    if where == "hub_last_seq":
        batch["hub_last_seq"] = value
    else:
        one[where] = value
    batch["events"] = [one]
    return batch


@pytest.mark.parametrize(("where", "value"), CASES)
def test_an_integer_outside_its_range_is_a_bad_batch_naming_the_field(
    hall: EnrolledHall, where: str, value: str
) -> None:
    answer = _upload(hall, _batch(hall, where, OUT_OF_RANGE[value]))
    assert answer.status_code == 400, answer.text
    refusal = answer.json()
    assert refusal["error"] == "bad_batch"
    assert where in refusal["message"]


def test_the_largest_64_bit_seq_is_taken(central: CentralProcess) -> None:
    hall = EnrolledHall.enroll(central, "序号上限大厅")  # its own hall: nothing held before
    batch = _batch(hall, "seq", MAX_WIRE_INT)
    batch["hub_last_seq"] = MAX_WIRE_INT
    answer = _upload(hall, batch)
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored"] == 1
    assert answer.json()["resend_from"] == 1  # seqs 1 .. 2^63-2 are still missing
