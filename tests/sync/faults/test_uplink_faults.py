"""The uplink survives a hostile WAN: central down for the whole run, refusals, lost answers,
connections reset mid-body. After each run every event the hub committed is on central once."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.central.process import CentralProcess
from tests.sync.faults.harness import (
    Traffic,
    audit,
    enrolled_hub,
    hub_marks,
    resent_batches,
    sync_status,
    tokens,
    wait_drained,
)
from tests.sync.faults.proxy import CuttingProxy
from tests.timing import wait_for

pytestmark = pytest.mark.slow


def test_central_down_for_the_whole_run_then_back_gets_everything_once(tmp_path: Path) -> None:
    central = CentralProcess(tmp_path / "central").start()
    hub, hall = enrolled_hub(tmp_path, central)
    central.stop()  # down before the hub ever reaches it
    hub.start()
    try:
        kiosks, counters = tokens(hub, 2, [1, 2])
        traffic = Traffic(lambda: hub.base_url, kiosks, counters, pause=0.01).start()
        wait_for(
            lambda: sync_status(hub)["state"] == "unreachable" and hub_marks(hub.data_dir)[1] > 200,
            "the hub finding central unreachable, with a backlog",
            step=0.2,
        )
        status = sync_status(hub)
        assert status["state"] == "unreachable" and status["backlog"] > 0
        assert status["acked_seq"] == 0 and status["last_error"]
        central.start()  # back, on the same address
        wait_for(
            lambda: hub_marks(hub.data_dir)[0] > 0 and traffic.rated > 0,
            "central taking events again while the hall goes on",
            step=0.2,
        )
        traffic.stop()
        wait_drained(hub.data_dir)
    finally:
        hub.stop()
        central.stop()
    assert not traffic.unexpected, traffic.unexpected[:5]
    result = audit(hub.data_dir, central.data_dir, hall)
    assert result.events > 200 and result.types.get("rating.recorded", 0) > 0


def test_refusals_with_retry_after_and_lost_answers_count_each_event_once(
    tmp_path: Path,
) -> None:
    central = CentralProcess(
        tmp_path / "central", fail_rate=0.05, lose_answer_rate=0.05, seed=20261122
    ).start()
    hub, hall = enrolled_hub(tmp_path, central)
    hub.start()
    try:
        kiosks, counters = tokens(hub, 3, [1, 2, 3])
        traffic = Traffic(lambda: hub.base_url, kiosks, counters).start()
        # The hall goes on until the faults have met the uplink: answers were lost, and those
        # batches were sent again with the same Idempotency-Key.
        wait_for(
            lambda: (
                hub_marks(hub.data_dir)[1] > 500
                and "dropping the answer" in central.output()
                and resent_batches(central.data_dir) > 0
            ),
            "lost answers and their batches sent again",
            step=0.2,
        )
        traffic.stop()
        wait_drained(hub.data_dir)
    finally:
        hub.stop()
        central.stop()
    assert not traffic.unexpected, traffic.unexpected[:5]
    result = audit(hub.data_dir, central.data_dir, hall)
    assert result.events > 500


def test_connections_reset_mid_body_lose_and_double_nothing(tmp_path: Path) -> None:
    central = CentralProcess(tmp_path / "central").start()
    # Keep-alive reuses a connection for many batches, so most connections get a budget:
    # each dies at a random byte, inside a request body or an answer.
    proxy = CuttingProxy(
        central.port, cut_rate=0.8, seed=7, up_budget=(500, 150_000), down_budget=(30, 3000)
    ).start()
    hub, hall = enrolled_hub(tmp_path, central, f"http://127.0.0.1:{proxy.port}")
    hub.start()
    try:
        kiosks, counters = tokens(hub, 3, [1, 2])
        traffic = Traffic(lambda: hub.base_url, kiosks, counters).start()
        wait_for(lambda: proxy.cuts >= 3, "connections cut mid-body", step=0.2)
        traffic.stop()
        wait_drained(hub.data_dir)
    finally:
        hub.stop()
        proxy.stop()
        central.stop()
    assert not traffic.unexpected, traffic.unexpected[:5]
    assert proxy.cuts >= 3, f"only {proxy.cuts} cuts in {proxy.connections} connections"
    audit(hub.data_dir, central.data_dir, hall)
