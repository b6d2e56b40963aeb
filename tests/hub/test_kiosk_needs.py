"""What the kiosk needs beyond tickets: check-in by card alone, retries that keep one number,
alerts to staff, feedback kept privately, and a catalog that is not sent twice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.actors import Actor
from hub.client import HubClient, HubRefused
from hub.engine import QueueEngine
from hub.errors import Conflict, NotFound
from hub.models import Lane
from hub.server import Hub, open_hub
from sync.clock import FixedClock
from tests.hub.hubapp import served

TODAY = "2025-03-12"  # the clock stands at 09:30 that day


def book(engine: QueueEngine, person: str, start: str = "10:00", category: str = "B") -> None:
    engine.add_appointment(
        code=f"YY{start.replace(':', '')}{category}",
        service_day=TODAY,
        slot_start=start,
        slot_end="23:00",
        category=category,
        id_number=person,
    )


# -- check-in by card without a category ---------------------------------------------------------


def test_a_card_alone_checks_in_its_appointment_of_today(
    engine: QueueEngine, id_number: Callable[..., str]
) -> None:
    person = id_number()
    book(engine, person, category="C")
    ticket = engine.issue_ticket(lane="appointment", id_number=person)
    assert (ticket.lane, ticket.category, ticket.number) == (Lane.APPOINTMENT, "C", "C001")


def test_a_card_with_no_appointment_today_is_told_so(
    engine: QueueEngine, id_number: Callable[..., str]
) -> None:
    book(engine, id_number())  # someone else's
    with pytest.raises(NotFound) as caught:
        engine.issue_ticket(lane="appointment", id_number=id_number())
    assert caught.value.code == "appointment_required"
    assert "今天没有" in caught.value.message


def test_a_card_whose_slot_is_still_far_is_told_when_to_come(
    engine: QueueEngine, id_number: Callable[..., str]
) -> None:
    person = id_number()
    book(engine, person, start="11:00")
    with pytest.raises(Conflict) as caught:
        engine.issue_ticket(lane="appointment", id_number=person)
    assert caught.value.code == "appointment_too_early"
    assert "10:00以后" in caught.value.message


# -- Idempotency-Key -----------------------------------------------------------------------------


def test_a_retry_with_the_same_key_answers_the_same_ticket_once(engine: QueueEngine) -> None:
    first = engine.issue_ticket(category="A", idempotency_key="kiosk-1:42")
    before = engine.last_seq()
    again = engine.issue_ticket(category="A", idempotency_key="kiosk-1:42")
    assert (again.id, again.number) == (first.id, "A001")
    assert engine.last_seq() == before  # no second ticket.issued
    assert engine.issue_ticket(category="A", idempotency_key="kiosk-1:43").number == "A002"


def test_a_retry_after_a_restart_still_finds_its_ticket(
    make_engine: Callable[..., QueueEngine],
) -> None:
    first = make_engine().issue_ticket(category="A", idempotency_key="k")
    restarted = make_engine()  # the key was committed with the ticket
    assert restarted.issue_ticket(category="A", idempotency_key="k").id == first.id


def test_a_key_is_good_for_one_service_day(engine: QueueEngine, clock: FixedClock) -> None:
    engine.issue_ticket(category="A", idempotency_key="k")
    clock.advance(timedelta(days=1).total_seconds())
    tomorrow = engine.issue_ticket(category="A", idempotency_key="k")
    assert (tomorrow.service_day, tomorrow.number) == ("2025-03-13", "A001")


def test_a_refused_request_keeps_no_key(engine: QueueEngine, id_number: Callable[..., str]) -> None:
    person = id_number()
    engine.issue_ticket(category="A", id_number=person)
    with pytest.raises(Conflict):
        engine.issue_ticket(category="A", id_number=person, idempotency_key="k")
    assert engine.issue_ticket(category="B", idempotency_key="k").number == "B001"


def test_the_hub_client_retry_with_a_key_gets_the_same_number(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (hub, url):
        _, secret = hub.registry.add("kiosk", "kiosk-1")
        client = HubClient(url, secret)
        first = client.issue_ticket(category="A", idempotency_key="kiosk-1:7")
        again = client.issue_ticket(category="A", idempotency_key="kiosk-1:7")
        assert again.number == first.number == "A001"
        assert client.issue_ticket(category="A").number == "A002"
        etag = client.catalog().version
        assert client.catalog(if_none_match=etag) is None
        assert client.catalog(if_none_match='"stale"') is not None


# -- alerts and feedback through the API ---------------------------------------------------------


@pytest.fixture
def hub(tmp_path: Path, clock: FixedClock) -> Iterator[Hub]:
    opened = open_hub(tmp_path / "hub", clock=clock)
    yield opened
    opened.store.close()


def token(hub: Hub, role: str, window: int | None = None) -> dict[str, str]:
    _, secret = hub.registry.add(role, f"{role}-1", window)
    return {"Authorization": f"Bearer {secret}"}


def test_an_alert_from_any_device_reaches_staff_as_an_event(hub: Hub) -> None:
    api = TestClient(hub.app)
    body = {"source": "kiosk-1", "device": "printer", "problem": "缺纸", "detail": "paper end"}
    answer = api.post("/api/v1/alerts", json=body, headers=token(hub, "kiosk"))
    assert answer.status_code == 201
    event = hub.engine.events_after(0)[-1]
    assert event.type == "staff.alert"
    assert {k: event.payload[k] for k in body} == body
    assert event.payload["sent_by"] == "kiosk-1"


def test_feedback_is_stored_and_announced_with_the_phone_masked(hub: Hub) -> None:
    api = TestClient(hub.app)
    body = {"kind": "unresolved", "reason": "社保卡补办要跑两次", "phone": "13800001234"}
    answer = api.post("/api/v1/feedback", json=body, headers=token(hub, "kiosk"))
    assert answer.status_code == 201
    event, opened = hub.engine.events_after(0)[-2:]
    assert (event.type, opened.type) == ("feedback.received", "followup.opened")
    assert event.payload["id"] == opened.payload["feedback_id"] == answer.json()["id"]
    assert event.payload["phone"] == "138****1234"
    row = hub.store.reader().execute("SELECT kind, reason, phone FROM feedback").fetchone()
    assert tuple(row) == ("unresolved", "社保卡补办要跑两次", "13800001234")


@pytest.mark.parametrize(
    ("role", "body", "status"),
    [
        ("counter", {"kind": "suggestion", "reason": "好"}, 403),
        ("kiosk", {"kind": "praise", "reason": "好"}, 422),
        ("kiosk", {"kind": "suggestion", "reason": ""}, 422),
        ("kiosk", {"kind": "suggestion", "reason": "好", "phone": "call me"}, 422),
    ],
)
def test_feedback_from_other_roles_or_malformed_is_refused(
    hub: Hub, role: str, body: dict[str, str], status: int
) -> None:
    headers = token(hub, role, 1 if role == "counter" else None)
    answer = TestClient(hub.app).post("/api/v1/feedback", json=body, headers=headers)
    assert answer.status_code == status


def test_feedback_loses_its_phone_after_the_retention_period_and_is_deleted_once_closed(
    hub: Hub, clock: FixedClock
) -> None:
    kept = hub.engine.add_feedback(kind="suggestion", reason="座椅不够", phone="13800001234")
    done = hub.engine.add_feedback(kind="suggestion", reason="饮水机没水")
    hub.engine.close_feedback(Actor("admin", "admin", "token"), done["id"], "已加水")
    clock.advance(timedelta(days=31).total_seconds())
    hub.engine.alert(source="kiosk-1", device="printer", problem="缺纸")  # opens the day
    rows = hub.store.reader().execute("SELECT id, phone FROM feedback").fetchall()
    assert [tuple(r) for r in rows] == [(kept["id"], None)]  # still to be handled


def test_the_hub_client_sends_alerts_and_feedback(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (hub, url):
        _, secret = hub.registry.add("kiosk", "kiosk-1")
        client = HubClient(url, secret)
        assert client.alert(source="kiosk-1", device="printer", problem="缺纸").problem == "缺纸"
        assert client.feedback(kind="suggestion", reason="多开一个窗口").id
        with pytest.raises(HubRefused) as refused:
            client.feedback(kind="suggestion", reason="")
        assert refused.value.status == 422
