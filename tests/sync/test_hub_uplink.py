"""The uplink inside the hub: built by open_hub, woken by every commit, reported at /api/v1/sync."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from config import HallConfig
from hub.client import HubClient, HubRefused
from sync.enroll import enroll
from tests.hub.hubapp import served
from tests.sync.central_thread import central_in_thread
from tests.timing import wait_for


def test_an_enrolled_hub_sends_each_commit_by_itself_and_reports_at_the_sync_endpoint(
    tmp_path: Path, hall_with: Callable[..., HallConfig]
) -> None:
    # An hour between check-ins: only the commits themselves can get their events sent now.
    config = hall_with(sync={"heartbeat_seconds": 3600})
    with central_in_thread(tmp_path / "central") as central:
        hall, code = central.store.add_hall("示例镇")
        enroll(central.base_url, code, tmp_path / "hub", "hub-1")
        with served(tmp_path / "hub", config=config) as (hub, url):
            assert hub.uplink is not None
            hub.uplink.start()
            try:
                admin = HubClient(url, hub.admin_token_path.read_text().strip())
                kiosk = HubClient(url, admin.add_device("kiosk", "k1")["token"])
                for category in ("A", "B", "C"):
                    kiosk.issue_ticket(category=category)
                wait_for(
                    lambda: central.store.hall(hall.id).acked_seq == hub.engine.last_seq(),
                    "the commits sent by themselves",
                )
                # Central stores a batch before its answer reaches the hub: wait for the hub to
                # have recorded the acknowledgement too, then read its report.
                wait_for(
                    lambda: admin.request("GET", "/sync")["backlog"] == 0,
                    "the hub recording central's acknowledgement",
                )
                status = admin.request("GET", "/sync")
                try:
                    kiosk.request("GET", "/sync")
                    refused = None
                except HubRefused as err:
                    refused = err.status
            finally:
                hub.uplink.stop()
    assert status["enrolled"] is True and status["hall"] == hall.id
    assert status["acked_seq"] == status["last_seq"] > 0 and status["backlog"] == 0
    assert status["state"] in ("idle", "sending") and status["clock_trusted"] is True
    assert refused == 403


def test_a_hub_never_enrolled_says_so_and_counts_its_backlog(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        kiosk = HubClient(url, admin.add_device("kiosk", "k1")["token"])
        kiosk.issue_ticket(category="A")
        status = admin.request("GET", "/sync")
    assert status["state"] == "not enrolled" and status["enrolled"] is False
    assert status["backlog"] == status["last_seq"] > 0
    assert status["downlink"] is None  # served() never starts the downlink: nothing to pull
