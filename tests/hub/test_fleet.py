"""The hub keeps each box's update state and runs the hall's rollout with the hub box first
(hub/fleet.py, hub/api_update.py); a live hub, real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from hub.fleet import FLEET_MIGRATIONS
from hub.server import Hub
from hub.tables import ALL_MIGRATIONS
from sync.errors import StoreError
from sync.store import Migration, Store
from tests.hub.hubapp import served

API = "/api/v1/update"


def _report(state: str = "updated", version: str = "1.4.0", **extra: Any) -> dict[str, Any]:
    return {
        "state": state,
        "message": f"hallkit 1.3.2 → {version}" if state == "updated" else "…",
        "installed": {"hallkit": version, "hallkit-screen": version},
        "previous": {"hallkit": "1.3.2"},
        "at": "2026-12-08T02:07:00+08:00",
        "release": version,
        **extra,
    }


class Hall:
    def __init__(self, hub: Hub, url: str, data: Path) -> None:
        self.hub, self.url, self.data = hub, url, data

    def token(
        self, role: str = "kiosk", name: str = "一楼取号机", window: int | None = None
    ) -> str:
        return self.hub.registry.add(role, name, window)[1]

    def put(self, token: str, body: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return requests.put(f"{self.url}{API}/state", json=body, headers=headers, timeout=10)

    def get(self, what: str, token: str | None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.get(f"{self.url}{API}/{what}", headers=headers, timeout=10)

    def hub_box_writes(self, report: dict[str, Any]) -> None:
        """What `hall update run` on the hub box leaves in the hub's data folder."""
        folder = self.data / "update"
        folder.mkdir(exist_ok=True)
        (folder / "update.json").write_text(json.dumps(report))

    def box_events(self) -> list[dict[str, Any]]:
        return [e.payload for e in self.hub.engine.events_after(0) if e.type == "box.update"]


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[Hall]:
    with served(tmp_path) as (hub, url):
        yield Hall(hub, url, tmp_path)


def test_a_box_reports_its_state_and_a_change_goes_up_once(hall: Hall) -> None:
    token = hall.token()
    answer = hall.put(token, _report("waiting", "1.3.2"))
    assert answer.status_code == 200, answer.text
    box = answer.json()["box"]
    assert (box["name"], box["role"], box["state"], box["version"]) == (
        "一楼取号机",
        "kiosk",
        "waiting",
        "1.3.2",
    )
    assert hall.put(token, _report("waiting", "1.3.2")).status_code == 200  # the same again
    assert hall.put(token, _report("updated", "1.4.0")).status_code == 200
    events = hall.box_events()
    assert [(e["name"], e["state"], e["installed"]["hallkit"]) for e in events] == [
        ("一楼取号机", "waiting", "1.3.2"),
        ("一楼取号机", "updated", "1.4.0"),
    ]
    assert set(events[0]) == {
        "box",
        "role",
        "name",
        "state",
        "message",
        "installed",
        "previous",
        "release",
        "at",
        "rollback",
    }


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"state": "exploded", "message": "", "installed": {}, "at": "x"},
        _report(installed={"hallkit": 5}),
        _report(installed={f"p{i}": "1" for i in range(9)}),
        _report(message="x" * 1001),
        _report(at=None),
    ],
    ids=["list", "state", "version-number", "too-many", "long-message", "no-time"],
)
def test_a_report_that_hall_update_run_never_writes_is_refused(hall: Hall, body: Any) -> None:
    answer = hall.put(hall.token(), body)
    assert answer.status_code == 422
    assert answer.json()["error"] in ("bad_report", "bad_request")
    assert hall.box_events() == []


def test_only_the_halls_devices_report_and_only_the_admin_lists(hall: Hall) -> None:
    assert hall.put("nope", _report()).status_code == 401
    assert hall.get("plan", None).status_code == 401
    kiosk = hall.token()
    assert hall.get("boxes", kiosk).status_code == 403
    admin = hall.token("admin", "technician")
    assert hall.get("boxes", admin).status_code == 200
    assert hall.put(admin, _report()).status_code == 403  # the hub box's state is its file


def test_a_revoked_box_is_no_longer_listed(hall: Hall) -> None:
    device, token = hall.hub.registry.add("kiosk", "旧取号机")
    assert hall.put(token, _report()).status_code == 200
    admin = hall.token("admin", "technician")
    assert [b["name"] for b in hall.get("boxes", admin).json()["boxes"]] == ["旧取号机"]
    hall.hub.registry.revoke(device.id)
    assert hall.get("boxes", admin).json()["boxes"] == []


def test_the_other_boxes_wait_for_the_hub_box_then_take_its_version(hall: Hall) -> None:
    kiosk = hall.token()
    plan = hall.get("plan", kiosk).json()
    assert plan == {
        "go": False,
        "release": None,
        "reason": "集中控制器还没有报告更新情况",
        "canary": None,
    }
    hall.hub_box_writes(_report("waiting", "1.3.2"))
    plan = hall.get("plan", kiosk).json()
    assert (plan["go"], plan["reason"]) == (
        False,
        "集中控制器还没有在维护时段运行更新",
    )
    hall.hub_box_writes(_report("updated", "1.4.0"))
    plan = hall.get("plan", kiosk).json()
    assert (plan["go"], plan["release"]) == (True, "1.4.0")
    assert plan["canary"]["name"] == "集中控制器"
    assert [e["box"] for e in hall.box_events()] == ["hub", "hub"]


def test_a_hub_box_that_rolled_back_stops_the_rollout_and_its_reason_is_kept(hall: Hall) -> None:
    kiosk = hall.token()
    hall.hub_box_writes(_report("updated", "1.4.0"))
    reason = "更新后自检未通过：比更新前差：hub；已回退到 hallkit 1.3.2，自检正常"
    hall.hub_box_writes(_report("rolled-back", "1.4.0", message=reason))
    plan = hall.get("plan", kiosk).json()
    assert plan["go"] is False and plan["release"] is None
    assert plan["reason"].startswith("集中控制器更新后已回退，本厅更新暂停（更新后自检未通过")
    # A later run that only waits keeps the rollback's reason in view.
    hall.hub_box_writes(_report("current", "1.4.0"))
    rows = hall.get("boxes", hall.token("admin", "technician")).json()["boxes"]
    assert rows[0]["box"] == "hub" and rows[0]["rollback"] == reason
    hall.hub_box_writes(_report("updated", "1.5.0"))
    rows = hall.get("boxes", hall.token("admin", "t2")).json()["boxes"]
    assert rows[0]["rollback"] is None  # a later update went through


def test_an_unreadable_hub_box_file_is_no_state_and_no_failure(hall: Hall) -> None:
    (hall.data / "update").mkdir()
    (hall.data / "update/update.json").write_text("{not json")
    plan = hall.get("plan", hall.token())
    assert plan.status_code == 200 and plan.json()["go"] is False


def test_the_previous_hub_still_opens_a_store_with_the_fleet_table(tmp_path: Path) -> None:
    # A rollback of the hub box brings back a hub that does not know the fleet component: it
    # must open the store (a hub migration it does not know would make it refuse it).
    path = tmp_path / "hub.db"
    Store(path, ALL_MIGRATIONS).close()
    previous = [m for m in ALL_MIGRATIONS if m.component != "fleet"]
    assert len(previous) == len(ALL_MIGRATIONS) - len(FLEET_MIGRATIONS)
    Store(path, previous).close()
    newer_hub = Migration("hub", 10_000, "from the future", "SELECT 1")
    Store(path, [*ALL_MIGRATIONS, newer_hub]).close()
    with pytest.raises(StoreError, match="newer than this hallkit"):
        Store(path, ALL_MIGRATIONS)
