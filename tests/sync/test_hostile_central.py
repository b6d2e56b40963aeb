"""A hostile central cannot eat the hub's memory: its answers are read only up to a cap.

The hub's signed client (uplink, downlink, case lookup), its enrollment and its uplink against a
central process that answers 500 MB (declared, chunked, as a gzip bomb, or as an error body). Memory is
measured with tracemalloc around the one call: every buffer ``requests`` and ``urllib3`` fill is
a Python allocation it sees.
"""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config.schema import SyncSettings
from sync.clock import FixedClock
from sync.enroll import EnrollError, enroll
from sync.http import (
    MAX_ANSWER_BYTES,
    AnswerTooLarge,
    CentralClient,
    CentralRefused,
    CentralUnreachable,
)
from sync.outbox import Outbox
from sync.store import Store
from sync.uplink import Step, Uplink
from sync.uplink_status import UplinkState
from tests.sync.fakecentral import FakeCentral
from tests.sync.hostilecentral import HUGE, HostileCentral
from tests.timing import wait_for

HELD_AT_MOST = 3 * MAX_ANSWER_BYTES
"""Peak Python memory allowed for one call to a hostile central (HUGE is 500 MB)."""


def _peak_bytes(call: Callable[[], object]) -> tuple[int, BaseException | None]:
    """Peak traced memory while ``call`` runs, and what it raised (None if it returned)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        try:
            call()
        except Exception as err:  # what was raised is part of the result
            raised: BaseException | None = err
        else:
            raised = None
        return tracemalloc.get_traced_memory()[1], raised
    finally:
        tracemalloc.stop()


def _answered(central: HostileCentral, requests: int) -> list[int]:
    """Body bytes central sent per answer, once it has given up on ``requests`` requests (after
    the one of its start-up probe)."""
    wait_for(lambda: len(central.sent()) == 1 + requests, "central's answers cut short")
    return central.sent()


def _client(base_url: str) -> CentralClient:
    fake = FakeCentral(base_url=base_url)
    return CentralClient(fake.credential(), timeout=60.0)


@pytest.mark.parametrize("mode", ["huge", "chunked", "gzip"])
def test_a_huge_answer_is_refused_at_the_cap_without_holding_it(tmp_path: Path, mode: str) -> None:
    with HostileCentral(tmp_path, mode) as central:
        client = _client(central.base_url)
        peak, raised = _peak_bytes(lambda: client.request("GET", "/api/central/v1/halls/h/status"))
        client.close()
        sent = _answered(central, 1)
    assert isinstance(raised, AnswerTooLarge), raised
    assert str(MAX_ANSWER_BYTES) in str(raised)
    assert peak < HELD_AT_MOST
    if mode != "gzip":  # a bomb is small on the wire: only its inflating could hurt
        assert all(n < HUGE for n in sent)


def test_a_huge_error_answer_is_a_refusal_read_only_in_part(tmp_path: Path) -> None:
    with HostileCentral(tmp_path, "huge-error") as central:
        client = _client(central.base_url)
        peak, raised = _peak_bytes(lambda: client.request("GET", "/api/central/v1/halls/h/status"))
        client.close()
        sent = _answered(central, 1)
    assert isinstance(raised, CentralRefused), raised
    assert raised.status == 500
    assert peak < HELD_AT_MOST
    assert all(n < HUGE for n in sent)


@pytest.mark.parametrize("mode", ["huge", "gzip"])
def test_enrolling_with_a_hostile_central_fails_without_holding_its_answer(
    tmp_path: Path, mode: str
) -> None:
    with HostileCentral(tmp_path, mode) as central:
        peak, raised = _peak_bytes(
            lambda: enroll(central.base_url, "K7QF-M2XA-9PRD", tmp_path / "hub", timeout=60.0)
        )
    assert isinstance(raised, EnrollError), raised
    assert raised.code == "bad_answer"
    assert peak < HELD_AT_MOST
    assert not (tmp_path / "hub" / "central.json").exists()


def test_the_uplink_takes_an_endless_answer_as_no_answer_and_backs_off(
    tmp_path: Path, store: Store, clock: FixedClock
) -> None:
    with store.write() as db:
        for n in range(3):
            Outbox(clock).append(db, "ticket.issued", {"ticket": {"id": f"t{n}"}})
    with HostileCentral(tmp_path, "chunked") as central:
        client = _client(central.base_url)
        uplink = Uplink(
            store,
            SyncSettings(),
            client,
            clock,
            zone=ZoneInfo("Asia/Shanghai"),
            rng=random.Random(7),
            backoff_base=30.0,
            purge_every=None,
        )
        steps: list[tuple[Step, float]] = []
        peak, raised = _peak_bytes(lambda: steps.extend(uplink.step() for _ in range(3)))
        status = uplink.status()
        client.close()
        sent = _answered(central, 3)
    assert raised is None
    assert [step for step, _ in steps] == [Step.FAILED] * 3
    assert all(delay > 0 for _, delay in steps)
    assert status.state is UplinkState.UNREACHABLE
    assert status.last_error is not None and str(MAX_ANSWER_BYTES) in status.last_error
    assert status.next_retry_at is not None
    assert (status.acked_seq, status.backlog) == (0, 3)
    assert peak < HELD_AT_MOST
    assert all(n < HUGE for n in sent)


def test_an_answer_dripping_in_is_dropped_once_the_request_time_is_up(tmp_path: Path) -> None:
    # One byte every 0.2 s never trips a read timeout of 1 s: only a limit on the whole
    # answer's time ends it, long before its 1,024 bytes (205 s) are in.
    with HostileCentral(tmp_path, "drip") as central:
        client = CentralClient(FakeCentral(base_url=central.base_url).credential(), timeout=1.0)
        try:
            client.request("GET", "/api/central/v1/halls/h/status")
        except CentralUnreachable as err:
            raised: CentralUnreachable | None = err
        else:
            raised = None
        client.close()
        (sent,) = _answered(central, 1)[1:]
    assert raised is not None and not isinstance(raised, AnswerTooLarge)
    assert sent < 1024
