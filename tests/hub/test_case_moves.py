"""The case after 收件 through the real API: every move, its event in order, bad moves refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from devices.idnumber import check_digit
from hub.server import Hub, open_hub
from sync.clock import FixedClock
from tests.conftest import queue_hall

ARCHIVE = "jjb-170"  # 知青子女入户档案查阅: materials ID_COPY, REASON, FORM
ID_COPY, REASON, FORM = "申请人居民身份证原件", "查阅事由说明", "申请表（窗口领取或现场填写）"
BASIS = "档案局相关法律法规及本市就近办实施方案"


def person(serial: str) -> str:
    first17 = f"32040219800101{serial}"
    return first17 + check_digit(first17)


@pytest.fixture
def hub(tmp_path: Path, clock: FixedClock) -> Iterator[Hub]:
    opened = open_hub(tmp_path / "hub", clock=clock, config=queue_hall())
    yield opened
    opened.store.close()


@pytest.fixture
def api(hub: Hub) -> TestClient:
    return TestClient(hub.app, raise_server_exceptions=False)


@pytest.fixture
def counter(hub: Hub) -> dict[str, str]:
    _, secret = hub.registry.add("counter", "counter-7", 7)
    return {"Authorization": f"Bearer {secret}"}


def accept(api: TestClient, counter: dict[str, str], **extra: Any) -> str:
    body = {"window": 7, "item_id": ARCHIVE, "materials_received": [ID_COPY], **extra}
    made = api.post("/api/v1/cases", json=body, headers=counter)
    assert made.status_code == 201, made.text
    return str(made.json()["receipt"])


def move(api: TestClient, counter: dict[str, str], receipt: str, **body: Any) -> Any:
    return api.post(f"/api/v1/cases/{receipt}/status", json={"window": 7, **body}, headers=counter)


def case_events(hub: Hub) -> list[dict[str, Any]]:
    return [e.payload for e in hub.engine.events_after(0) if e.type == "case.status"]


def test_a_case_walks_every_state_with_its_events_in_order(
    hub: Hub, api: TestClient, counter: dict[str, str]
) -> None:
    receipt = accept(api, counter)
    steps = [
        {"status": "processing"},
        {"status": "correction", "missing": [REASON, FORM]},
        {"status": "processing"},
        {"status": "ready", "pickup_window": 3},
    ]
    for step in steps:
        answer = move(api, counter, receipt, **step)
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == step["status"]
    ready = answer.json()
    assert (ready["status_text"], ready["pickup_window"]) == ("已办结，待领取", 3)
    assert ready["missing"] == [REASON, FORM]  # the last 补正 request stays on the case
    delivered = api.post(
        f"/api/v1/cases/{receipt}/deliver", json={"window": 7, "confirmed": True}, headers=counter
    )
    assert delivered.status_code == 200, delivered.text
    assert delivered.json()["status"] == "delivered"
    assert delivered.json()["delivered_window"] == 7
    assert delivered.json()["delivered_at"].startswith("2025-03-12T09:30")

    events = case_events(hub)
    assert [(e["previous"], e["status"]) for e in events] == [
        ("accepted", "processing"),
        ("processing", "correction"),
        ("correction", "processing"),
        ("processing", "ready"),
        ("ready", "delivered"),
    ]
    assert events[1]["missing"] == [REASON, FORM]
    assert (events[3]["pickup_window"], events[3]["window"]) == (3, 7)
    assert {e["source"] for e in events} == {"hall"}
    for payload in events:  # no name, phone or ID number
        assert set(payload) == {
            "receipt", "status", "previous", "source", "window", "pickup_window", "missing",
            "reason", "basis", "changed_at", "clerk_id", "central_change",
        }  # fmt: skip
    history = hub.engine.case_history(receipt)
    assert [h["status"] for h in history] == [e["status"] for e in events]
    shown = api.get(f"/api/v1/cases/{receipt}", headers=counter).json()
    assert (shown["status"], shown["status_text"]) == ("delivered", "已领取")


def test_a_completed_case_is_delivered_and_central_withdraws_one_awaiting_correction(
    hub: Hub, api: TestClient, counter: dict[str, str]
) -> None:
    done, waiting = accept(api, counter), accept(api, counter)
    for status in ("processing", "completed"):
        assert move(api, counter, done, status=status).status_code == 200
    delivered = api.post(
        f"/api/v1/cases/{done}/deliver", json={"window": 7, "confirmed": True}, headers=counter
    )
    assert delivered.json()["status"] == "delivered"
    assert move(api, counter, waiting, status="correction", missing=[FORM]).status_code == 200
    change = {"change_id": 1, "receipt": waiting, "status": "withdrawn"}
    assert hub.engine.apply_central_change(change) == "applied"
    assert hub.engine.case(waiting).status == "withdrawn"
    last = case_events(hub)[-1]
    assert (last["previous"], last["status"], last["source"]) == (
        "correction",
        "withdrawn",
        "central",
    )
    assert move(api, counter, waiting, status="processing").status_code == 409  # finished


def test_a_move_the_table_does_not_allow_is_409_with_a_sentence(
    hub: Hub, api: TestClient, counter: dict[str, str]
) -> None:
    receipt = accept(api, counter)
    early = api.post(
        f"/api/v1/cases/{receipt}/deliver", json={"window": 7, "confirmed": True}, headers=counter
    )
    assert (early.status_code, early.json()["error"]) == (409, "bad_case_move")
    assert "已受理" in early.json()["message"]
    assert move(api, counter, receipt, status="completed").status_code == 409
    assert move(api, counter, receipt, status="ready").status_code == 200
    again = move(api, counter, receipt, status="processing")
    assert (again.status_code, again.json()["error"]) == (409, "bad_case_move")
    assert "已办结，待领取" in again.json()["message"]
    assert case_events(hub)[-1]["status"] == "ready"  # nothing written by the refusals
    unconfirmed = api.post(
        f"/api/v1/cases/{receipt}/deliver", json={"window": 7, "confirmed": False}, headers=counter
    )
    assert (unconfirmed.status_code, unconfirmed.json()["error"]) == (422, "not_confirmed")
    unknown = move(api, counter, "SJ202503129999", status="processing")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_case")


def test_correction_needs_missing_materials_from_the_items_list(
    api: TestClient, counter: dict[str, str]
) -> None:
    receipt = accept(api, counter)
    none = move(api, counter, receipt, status="correction")
    assert (none.status_code, none.json()["error"]) == (422, "missing_required")
    foreign = move(api, counter, receipt, status="correction", missing=["结婚证原件"])
    assert (foreign.status_code, foreign.json()["error"]) == (422, "unknown_material")
    assert "结婚证原件" in foreign.json()["message"]
    assert move(api, counter, receipt, status="correction", missing=[REASON]).status_code == 200


def test_a_rejection_needs_a_reason_and_carries_the_catalogs_basis(
    hub: Hub, api: TestClient, counter: dict[str, str]
) -> None:
    receipt = accept(api, counter)
    bare = move(api, counter, receipt, status="rejected")
    assert (bare.status_code, bare.json()["error"]) == (422, "reason_required")
    rejected = move(api, counter, receipt, status="rejected", reason="不属于本中心受理范围")
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["reason"], rejected.json()["basis"]) == ("不属于本中心受理范围", BASIS)
    assert case_events(hub)[-1] | {"changed_at": None} == {
        "receipt": receipt,
        "status": "rejected",
        "previous": "accepted",
        "source": "hall",
        "window": 7,
        "pickup_window": None,
        "missing": [],
        "reason": "不属于本中心受理范围",
        "basis": BASIS,
        "changed_at": None,
        "clerk_id": None,
        "central_change": 0,
    }


def test_a_kiosk_token_may_not_move_a_case(
    hub: Hub, api: TestClient, counter: dict[str, str]
) -> None:
    receipt = accept(api, counter)
    _, secret = hub.registry.add("kiosk", "kiosk-1")
    answer = move(api, {"Authorization": f"Bearer {secret}"}, receipt, status="processing")
    assert (answer.status_code, answer.json()["error"]) == (403, "wrong_role")


def test_lookup_by_id_number_finds_the_persons_cases_newest_first_and_no_one_elses(
    hub: Hub, api: TestClient, counter: dict[str, str]
) -> None:
    first = accept(api, counter, id_number=person("123"))
    accept(api, counter, id_number=person("567"))
    accept(api, counter)
    body = {"window": 7, "item_id": ARCHIVE, "id_number": person("123")}
    made = api.post("/api/v1/cases", json=body, headers=counter).json()
    latest = made["receipt"]
    found = api.post("/api/v1/cases/lookup", json={"id_number": person("123")}, headers=counter)
    assert found.status_code == 200, found.text
    assert [c["receipt"] for c in found.json()["cases"]] == [latest, first]
    assert found.json()["cases"][0]["phone_url"] == made["phone_url"]  # the case's phone page
    nobody = api.post("/api/v1/cases/lookup", json={"id_number": person("999")}, headers=counter)
    assert nobody.json() == {"cases": []}
    good = person("123")
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")  # a check digit that does not match
    bad = api.post("/api/v1/cases/lookup", json={"id_number": wrong}, headers=counter)
    assert (bad.status_code, bad.json()["error"]) == (422, "invalid_id_number")
    refused = api.post(
        "/api/v1/cases", json={"window": 7, "item_id": ARCHIVE, "id_number": wrong}, headers=counter
    )
    assert (refused.status_code, refused.json()["error"]) == (422, "invalid_id_number")
    stored = hub.store.reader().execute("SELECT * FROM cases").fetchall()
    assert person("123") not in repr(stored)  # only its keyed hash is kept
    assert all(person("123") not in repr(e.payload) for e in hub.engine.events_after(0))
