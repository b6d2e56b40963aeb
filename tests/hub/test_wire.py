"""The hub's wire (hub.wire): each answer an app reads is read by its model and written back
exactly (every key, no more), and the OpenAPI document shows each such answer's schema."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from config import HallConfig
from config.pins import hash_pin
from devices.idnumber import check_digit
from hub import wire
from hub.client import HubClient, HubUnavailable
from hub.server import Hub, open_hub
from sync.clock import FixedClock

PIN = "1234"
ARCHIVE = "jjb-170"  # 知青子女入户档案查阅
ID_COPY = "申请人居民身份证原件"

APP_ROUTES: dict[tuple[str, str], type[BaseModel]] = {
    ("get", "/api/v1/health"): wire.Health,
    ("post", "/api/v1/tickets"): wire.Ticket,
    ("get", "/api/v1/tickets/{ticket_id}"): wire.Ticket,
    ("get", "/api/v1/tickets/by-number/{number}"): wire.Ticket,
    ("post", "/api/v1/tickets/requeue"): wire.Ticket,
    ("post", "/api/v1/tickets/{ticket_id}/sms"): wire.SmsSubscribed,
    ("get", "/api/v1/sms"): wire.SmsStatus,
    ("get", "/api/v1/windows"): wire.Windows,
    ("get", "/api/v1/windows/{n}"): wire.WindowState,
    ("post", "/api/v1/windows/{n}/call-next"): wire.TicketAnswer,
    ("post", "/api/v1/windows/{n}/call"): wire.TicketAnswer,
    ("post", "/api/v1/windows/{n}/recall"): wire.TicketAnswer,
    ("post", "/api/v1/windows/{n}/skip"): wire.TicketAnswer,
    ("post", "/api/v1/windows/{n}/finish"): wire.TicketAnswer,
    ("post", "/api/v1/windows/{n}/transfer"): wire.TicketAnswer,
    ("post", "/api/v1/windows/{n}/pause"): wire.WindowState,
    ("post", "/api/v1/windows/{n}/resume"): wire.WindowState,
    ("post", "/api/v1/windows/{n}/rating"): wire.Rating,
    ("post", "/api/v1/windows/{n}/sign-in"): wire.WindowState,
    ("post", "/api/v1/windows/{n}/sign-out"): wire.WindowState,
    ("post", "/api/v1/staff/confirm"): wire.StaffMember,
    ("get", "/api/v1/queue"): wire.QueueOverview,
    ("get", "/api/v1/catalog"): wire.Catalog,
    ("post", "/api/v1/alerts"): wire.Alert,
    ("post", "/api/v1/feedback"): wire.Stored,
    ("post", "/api/v1/cases"): wire.Case,
    ("get", "/api/v1/cases/{receipt}"): wire.Case,
    ("post", "/api/v1/cases/lookup"): wire.Cases,
    ("post", "/api/v1/cases/{receipt}/status"): wire.Case,
    ("post", "/api/v1/cases/{receipt}/deliver"): wire.Case,
}
"""Every 2xx JSON answer the kiosk, the counter and the boards read, with its model."""


def person(serial: str = "123") -> str:
    first17 = f"32040219800101{serial}"
    return first17 + check_digit(first17)


@pytest.fixture
def hub(tmp_path: Path, clock: FixedClock, hall_with: Callable[..., HallConfig]) -> Iterator[Hub]:
    fast = hash_pin(PIN, iterations=1000, salt=b"test-salt-16byte")
    hall = hall_with(staff=[{"number": "3001", "name": "王丽华", "pin_hash": fast}])
    opened = open_hub(tmp_path / "hub", clock=clock, config=hall, always_open=True)
    yield opened
    opened.store.close()


@pytest.fixture
def api(hub: Hub) -> TestClient:
    return TestClient(hub.app, raise_server_exceptions=False)


def bearer(hub: Hub, role: str, window: int | None = None) -> dict[str, str]:
    _, secret = hub.registry.add(role, f"{role}-{window}", window)
    return {"Authorization": f"Bearer {secret}"}


def same(model: type[BaseModel], answer: Any) -> Any:
    """``answer``'s JSON, asserted to be what ``model`` reads of it and writes back."""
    assert answer.status_code < 300, answer.text
    data = answer.json()
    assert model.model_validate(data).model_dump(mode="json", exclude_unset=True) == data
    return data


def test_every_answer_an_app_reads_is_its_model_key_for_key(api: TestClient, hub: Hub) -> None:
    kiosk, counter = bearer(hub, "kiosk"), bearer(hub, "counter", 1)
    same(wire.Health, api.get("/api/v1/health"))
    card = {"number": person(), "name": "张三"}
    ticket = same(wire.Ticket, api.post("/api/v1/tickets", json={"category": "A"}, headers=kiosk))
    assert "phone_url" in ticket and ticket["waiting_ahead"] == 0
    held = api.post("/api/v1/tickets", json={"category": "B", "id_card": card}, headers=kiosk)
    assert same(wire.Ticket, held)["id_masked"]
    same(wire.Ticket, api.get(f"/api/v1/tickets/{ticket['id']}", headers=kiosk))
    same(wire.Ticket, api.get(f"/api/v1/tickets/by-number/{ticket['number']}", headers=counter))
    same(wire.SmsStatus, api.get("/api/v1/sms", headers=kiosk))
    same(wire.QueueOverview, api.get("/api/v1/queue", headers=kiosk))
    catalog = api.get("/api/v1/catalog", headers=kiosk).json()
    read = wire.Catalog.model_validate(catalog)
    assert [i.id for i in read.items] == [i["id"] for i in catalog["items"]]
    assert read.version == catalog["version"] and read.hall.name == catalog["hall"]["name"]

    signed = api.post(
        "/api/v1/windows/1/sign-in", json={"staff_no": "3001", "pin": PIN}, headers=counter
    )
    assert same(wire.WindowState, signed)["clerk"]["name"] == "王丽华"
    called = same(wire.TicketAnswer, api.post("/api/v1/windows/1/call-next", headers=counter))
    assert "id_masked" in called["ticket"]
    same(wire.TicketAnswer, api.post("/api/v1/windows/1/recall", headers=counter))
    window = same(wire.WindowState, api.get("/api/v1/windows/1", headers=counter))
    assert window["current"]["number"] == ticket["number"] and "today" in window
    assert "id_masked" not in window["current"]  # a public view
    same(wire.Windows, api.get("/api/v1/windows", headers=counter))
    same(wire.TicketAnswer, api.post("/api/v1/windows/1/finish", headers=counter))
    rated = api.post("/api/v1/windows/1/rating", json={"level": 5, "reason": "慢"}, headers=counter)
    same(wire.Rating, rated)
    same(
        wire.WindowState,
        api.post("/api/v1/windows/1/pause", json={"reason": "午休"}, headers=counter),
    )
    same(wire.WindowState, api.post("/api/v1/windows/1/resume", headers=counter))
    same(wire.WindowState, api.post("/api/v1/windows/1/sign-out", headers=counter))

    body = {"window": 1, "item_id": ARCHIVE, "materials_received": [ID_COPY], "id_number": person()}
    case = same(wire.Case, api.post("/api/v1/cases", json=body, headers=counter))
    receipt = case["receipt"]
    whole = same(wire.Case, api.get(f"/api/v1/cases/{receipt}", headers=counter))
    assert whole["source"] == "hall" and whole["materials_received"] == [ID_COPY]
    few = same(wire.Case, api.get(f"/api/v1/cases/{receipt}", headers=kiosk))
    assert "materials_received" not in few  # the citizen's few fields, nothing added
    same(
        wire.Cases, api.post("/api/v1/cases/lookup", json={"id_number": person()}, headers=counter)
    )
    moved = {"status": "processing", "window": 1}
    same(wire.Case, api.post(f"/api/v1/cases/{receipt}/status", json=moved, headers=counter))
    alert = {"source": "kiosk-1", "device": "printer", "problem": "缺纸"}
    same(wire.Alert, api.post("/api/v1/alerts", json=alert, headers=kiosk))
    feedback = {"kind": "suggestion", "reason": "多开窗口"}
    same(wire.Stored, api.post("/api/v1/feedback", json=feedback, headers=kiosk))


def test_a_refusal_is_the_error_body_with_its_facts(api: TestClient, hub: Hub) -> None:
    refused = api.get("/api/v1/tickets/nope", headers=bearer(hub, "kiosk"))
    body = wire.ErrorBody.model_validate(refused.json())
    assert refused.status_code == 404 and body.error and body.message and body.facts() == {}
    bad = api.post("/api/v1/tickets", json={"lane": "vip"}, headers=bearer(hub, "kiosk"))
    problems = wire.ErrorBody.model_validate(bad.json())
    assert problems.problems == 1 and isinstance(problems.details, list) and problems.facts() == {}


def test_the_openapi_document_shows_every_app_answer_with_its_properties(api: TestClient) -> None:
    document = api.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    for (method, path), model in APP_ROUTES.items():
        responses = document["paths"][path][method]["responses"]
        success = next(code for code in responses if code.startswith("2") and code != "204")
        schema = resolve(responses[success]["content"]["application/json"]["schema"])
        assert set(schema.get("properties", {})) == set(model.model_fields), (method, path)


def test_the_client_reads_each_answer_once_and_an_unreadable_one_is_hub_unavailable(
    api: TestClient, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = HubClient("http://hub.invalid", "t")
    answers = {"/health": api.get("/api/v1/health").json()}
    monkeypatch.setattr(client, "request", lambda method, path, *more: answers[path])
    assert client.health() == wire.Health.model_validate(answers["/health"])
    answers["/health"] = {"status": "ok", "hall": "h", "name": "大厅"}  # no last_seq
    with pytest.raises(HubUnavailable, match="Health: last_seq"):
        client.health()
