"""Case lookup end to end: the hub asks the reference central, and answers alone when it is down."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from hub.downlink import start_downlink
from hub.server import open_hub
from sync.central.cases import set_case_status
from sync.clock import FixedClock
from tests.hub.test_downlink_central import enroll, reference_central, wait_for

ARCHIVE_CASE = {"window": 7, "item_id": "jjb-170", "materials_received": ["查阅事由说明"]}


def test_a_receipt_is_looked_up_at_central_and_at_the_hall_when_central_is_down(
    tmp_path: Path, clock: FixedClock
) -> None:
    with reference_central(tmp_path / "central") as (central, base_url):
        enroll(central, base_url).save(tmp_path / "hub")
        hub = open_hub(tmp_path / "hub", clock=clock, always_open=True)
        api = TestClient(hub.app, raise_server_exceptions=False)
        _, secret = hub.registry.add("counter", "counter-7", 7)
        counter = {"Authorization": f"Bearer {secret}"}
        made = api.post("/api/v1/cases", json=ARCHIVE_CASE, headers=counter)
        assert made.status_code == 201, made.text
        receipt = made.json()["receipt"]

        not_sent_yet = api.get(f"/api/v1/cases/{receipt}", headers=counter).json()
        assert (not_sent_yet["source"], not_sent_yet["central_reachable"]) == ("hall", True)

        assert hub.uplink is not None
        assert hub.uplink.drain(give_up_after=10).backlog == 0
        set_case_status(central, receipt, "ready")
        at_central = api.get(f"/api/v1/cases/{receipt}", headers=counter).json()
        expected = {
            "receipt": receipt,
            "item_name": "知青子女入户档案查阅",
            "status": "ready",
            "status_text": "已办结，待领取",
            "accepted_on": "2025-03-12",
            "promised_on": "2025-03-13",
            "source": "central",
            "central_reachable": True,
        }
        # central's answer on top of the hall's whole record (a window's view of the case)
        assert {key: at_central[key] for key in expected} == expected
        assert at_central["item_id"] == ARCHIVE_CASE["item_id"]
        unknown = api.get("/api/v1/cases/SJ202503129999", headers=counter)
        assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_case")
        downlink = start_downlink(tmp_path / "hub", hub.engine, hub.catalog, hub.config.sync)
        assert downlink is not None
        wait_for(lambda: hub.engine.case(receipt).status == "ready")  # central's change, down
        downlink.stop()

    central_down = api.get(f"/api/v1/cases/{receipt}", headers=counter).json()
    assert central_down["source"] == "hall"
    assert central_down["central_reachable"] is False
    assert central_down["status"] == "ready"  # the last status central sent this hub
    unavailable = api.get("/api/v1/cases/SJ202503129999", headers=counter)
    assert (unavailable.status_code, unavailable.json()["error"]) == (503, "central_unavailable")
    hub.store.close()
