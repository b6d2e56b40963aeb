"""Central faces the WAN: every route refuses an oversize body before holding it.

Against a real ``hall central serve`` process. A body declared too large is refused at once; a
chunked one is refused once it passes the route's limit, before the client has sent it all, and
central's peak memory (``VmHWM``) does not grow by anything like the body; a gzip bomb is refused
without being inflated.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.central.limits import SMALL_BODY_BYTES
from sync.central.process import CentralProcess
from sync.wire import API_PREFIX, MAX_BATCH_BYTES
from tests.rawhttp import post_chunked, request
from tests.sync.central.rawhttp import EnrolledHall

BIG = 200 * 1024 * 1024
"""A body central must never hold: 200 MiB."""
HELD_AT_MOST_KIB = 48 * 1024
"""Growth of central's peak memory allowed while it refuses BIG: a quarter of it."""


def _peak_kib(pid: int) -> int:
    """Peak resident memory (``VmHWM``) of ``pid`` in KiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmHWM for process {pid}")


@pytest.fixture
def central(tmp_path: Path) -> Iterator[CentralProcess]:
    """A fresh central process per test, so one test's peak memory never hides another's."""
    with CentralProcess(tmp_path / "central") as process:
        yield process


def _targets(hall: EnrolledHall) -> dict[str, tuple[str, str, int]]:
    """Every route: (method, target, its body limit)."""
    return {
        "enroll": ("POST", API_PREFIX + "/enroll", SMALL_BODY_BYTES),
        "events": ("POST", hall.path("events"), MAX_BATCH_BYTES),
        "status": ("GET", hall.path("status"), SMALL_BODY_BYTES),
        "catalog": ("GET", hall.path("catalog"), SMALL_BODY_BYTES),
        "appointments": ("GET", hall.path("appointments?date=2026-11-22"), SMALL_BODY_BYTES),
        "case": ("GET", hall.path("cases/SJ1"), SMALL_BODY_BYTES),
        "admin": ("GET", "/admin?token=x", SMALL_BODY_BYTES),
        "unknown": ("POST", "/no/such/route", SMALL_BODY_BYTES),
    }


def test_every_route_refuses_a_declared_oversize_body_before_it_is_sent(
    central: CentralProcess,
) -> None:
    hall = EnrolledHall.enroll(central)
    for name, (method, target, limit) in _targets(hall).items():
        headers = [("Content-Length", str(limit + 1).encode()), ("Content-Type", b"text/plain")]
        if name not in ("enroll", "admin", "unknown"):
            headers += [(k, v.encode()) for k, v in hall.signed(method, target).items()]
        # Only the head goes out: the answer must come without central waiting for the body.
        answer = request(central.port, method, target, headers)
        assert answer.status == 413, (name, answer)
        assert answer.json()["error"] == "too_large", name
        assert str(limit) in str(answer.json()["message"]), name


def test_a_chunked_upload_without_a_signature_is_refused_without_reading_it(
    central: CentralProcess,
) -> None:
    hall = EnrolledHall.enroll(central)
    peak = _peak_kib(central.pid)
    answer = post_chunked(central.port, hall.path("events"), BIG)
    assert (answer.status, answer.json()["error"]) == (401, "unsigned")
    assert answer.sent < BIG
    assert _peak_kib(central.pid) - peak < HELD_AT_MOST_KIB


def test_a_signed_chunked_upload_over_the_batch_limit_is_refused_at_the_limit(
    central: CentralProcess,
) -> None:
    hall = EnrolledHall.enroll(central)
    target = hall.path("events")
    signed = hall.signed("POST", target, b"claimed body")
    peak = _peak_kib(central.pid)
    answer = post_chunked(central.port, target, BIG, [(k, v.encode()) for k, v in signed.items()])
    assert (answer.status, answer.json()["error"]) == (413, "too_large")
    assert MAX_BATCH_BYTES < answer.sent < BIG
    assert _peak_kib(central.pid) - peak < HELD_AT_MOST_KIB


def test_a_chunked_enrollment_over_a_few_kilobytes_is_refused(central: CentralProcess) -> None:
    peak = _peak_kib(central.pid)
    answer = post_chunked(central.port, API_PREFIX + "/enroll", BIG, chunk=1024)
    assert (answer.status, answer.json()["error"]) == (413, "too_large")
    assert answer.sent < BIG
    assert _peak_kib(central.pid) - peak < HELD_AT_MOST_KIB


def _gzip_bomb(inflated: int) -> bytes:
    """Gzip of ``inflated`` zero bytes, made without holding them."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1024 * 1024)
    parts = [packer.compress(block) for _ in range(inflated // len(block))]
    return b"".join([*parts, packer.flush()])


def test_a_signed_gzip_bomb_is_refused_without_inflating_it(central: CentralProcess) -> None:
    hall = EnrolledHall.enroll(central)
    target = hall.path("events")
    bomb = _gzip_bomb(2 * 1024 * 1024 * 1024)
    assert len(bomb) < MAX_BATCH_BYTES
    headers = [(k, v.encode()) for k, v in hall.signed("POST", target, bomb).items()]
    headers += [("Content-Encoding", b"gzip"), ("Content-Type", b"application/json")]
    peak = _peak_kib(central.pid)
    answer = request(central.port, "POST", target, headers, bomb)
    assert (answer.status, answer.json()["error"]) == (413, "too_large")
    assert _peak_kib(central.pid) - peak < HELD_AT_MOST_KIB
    assert "Traceback" not in central.output()
