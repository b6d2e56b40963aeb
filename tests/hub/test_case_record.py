"""``GET /api/v1/cases/{receipt}``: a kiosk gets the citizen's few fields, a window the hall's
whole record of the case (what a 补正 notice is reprinted from)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from hub.server import open_hub
from sync.clock import FixedClock
from tests.conftest import queue_hall
from tests.hub.test_api import bearer, device


def test_a_window_reads_the_whole_case_and_a_kiosk_only_its_progress(
    tmp_path: Path, clock: FixedClock
) -> None:
    hub = open_hub(tmp_path / "hub", clock=clock, config=queue_hall())
    try:
        api = TestClient(hub.app, raise_server_exceptions=False)
        admin = bearer(hub.admin_token_path.read_text().strip())
        counter, kiosk = device(api, admin, "counter", 1), device(api, admin, "kiosk")
        item = next(i for i in hub.config.items if len(i.materials) > 1)
        body = {"window": 1, "item_id": item.id, "materials_received": [item.materials[0]]}
        receipt = api.post("/api/v1/cases", json=body, headers=counter).json()["receipt"]
        moved = api.post(
            f"/api/v1/cases/{receipt}/status",
            json={"status": "correction", "window": 1, "missing": [item.materials[1]]},
            headers=counter,
        )
        assert moved.status_code == 200, moved.text
        whole = api.get(f"/api/v1/cases/{receipt}", headers=counter).json()
        assert (whole["item_id"], whole["missing"]) == (item.id, [item.materials[1]])
        assert (whole["status"], whole["source"]) == ("correction", "hall")
        assert whole["phone_url"].endswith(hub.engine.phone_links.code("case", receipt))
        citizen = api.get(f"/api/v1/cases/{receipt}", headers=kiosk).json()
        assert citizen["status"] == "correction"
        assert not {"item_id", "missing", "applicant", "phone_url"} & set(citizen)
    finally:
        hub.store.close()
