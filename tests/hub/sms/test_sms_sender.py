"""The sender: oldest first, pointless messages dropped with the reason, failures kept or marked
(hub.sms.sender), driven step by step against a recording gateway."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from config import HallConfig
from hub.engine import QueueEngine
from hub.sms.sender import DROPPED, FAILED, IDLE, RETRY, SENT, SmsSender
from hub.sms.service import SmsService
from sync.backoff import Backoff
from sync.store import Store
from tests.hub.sms.helpers import RecordingGateway, outbox, sms_engine
from tests.timing import wait_for

PHONE = "13900000000"


@pytest.fixture
def sms(
    make_engine: Callable[..., QueueEngine], hall_with: Callable[..., HallConfig]
) -> tuple[QueueEngine, SmsService]:
    return sms_engine(make_engine, hall_with)


def _sender(engine: QueueEngine, gateway: RecordingGateway, day: list[str]) -> SmsSender:
    return SmsSender(
        engine.store,
        gateway,
        lambda: day[0],
        lambda: engine.calendar.local(engine.clock.now()),
        Backoff(0.01, 0.01),
    )


def test_messages_go_oldest_first_and_are_marked_sent(
    sms: tuple[QueueEngine, SmsService], store: Store
) -> None:
    engine, service = sms
    a, b = engine.issue_ticket(category="D"), engine.issue_ticket(category="D")
    service.subscribe(a.id, PHONE)
    service.subscribe(b.id, "13900000001")
    engine.call_next(3)  # a's call, then b's near (0 ahead)
    gateway = RecordingGateway()
    sender = _sender(engine, gateway, [a.service_day])
    assert [sender.step(), sender.step(), sender.step()] == [SENT, SENT, IDLE]
    assert [(m.kind, m.phone) for m in gateway.taken] == [("call", PHONE), ("near", "13900000001")]
    rows = outbox(store)
    assert [r["state"] for r in rows] == ["sent", "sent"]
    assert all(r["sent_at"] and r["attempts"] == 1 for r in rows)
    assert gateway.taken[0].id == rows[0]["message_id"]


def test_a_near_whose_ticket_was_called_meanwhile_is_dropped_not_sent(
    sms: tuple[QueueEngine, SmsService], store: Store
) -> None:
    engine, service = sms
    a, b = engine.issue_ticket(category="D"), engine.issue_ticket(category="D")
    service.subscribe(b.id, PHONE)
    engine.call_next(3)  # b: near queued
    engine.finish(3)
    engine.call_next(3)  # b called: its call queued, the near is now pointless
    gateway = RecordingGateway()
    sender = _sender(engine, gateway, [a.service_day])
    assert [sender.step(), sender.step()] == [DROPPED, SENT]
    assert [m.kind for m in gateway.taken] == ["call"]
    near = outbox(store)[0]
    assert (near["kind"], near["state"], near["drop_reason"]) == ("near", "dropped", "called")


def test_a_call_after_its_ticket_finished_and_anything_of_a_past_day_is_dropped(
    sms: tuple[QueueEngine, SmsService], store: Store
) -> None:
    engine, service = sms
    a = engine.issue_ticket(category="D")
    b = engine.issue_ticket(category="D")
    service.subscribe(a.id, PHONE)
    service.subscribe(b.id, "13900000001")
    engine.call_next(3)
    engine.finish(3)
    gateway = RecordingGateway()
    tomorrow = (date.fromisoformat(a.service_day) + timedelta(days=1)).isoformat()
    sender = _sender(engine, gateway, [tomorrow])
    assert [sender.step(), sender.step(), sender.step()] == [DROPPED, DROPPED, IDLE]
    assert gateway.taken == []
    assert [r["drop_reason"] for r in outbox(store)] == ["finished", "past_day"]


def test_an_unreachable_gateway_keeps_the_message_first_and_a_refusal_marks_it_failed(
    sms: tuple[QueueEngine, SmsService], store: Store
) -> None:
    engine, service = sms
    a, b = engine.issue_ticket(category="D"), engine.issue_ticket(category="D")
    service.subscribe(a.id, PHONE)
    service.subscribe(b.id, "13900000001")
    engine.call_next(3)
    gateway = RecordingGateway()
    gateway.down = True
    sender = _sender(engine, gateway, [a.service_day])
    assert [sender.step(), sender.step()] == [RETRY, RETRY]
    first = outbox(store)[0]
    assert (first["state"], first["attempts"]) == ("queued", 2)
    assert "down" in first["last_error"] and first["next_try_at"]
    gateway.down, gateway.refuse = False, True
    assert sender.step() == FAILED
    gateway.refuse = False
    assert sender.step() == SENT
    assert [r["state"] for r in outbox(store)] == ["failed", "sent"]


class RecordingWaits:
    """A WaitClock that never sleeps and remembers which event each wait was for."""

    def __init__(self) -> None:
        self.events: list[threading.Event] = []

    def monotonic(self) -> float:
        return 0.0

    def wait(self, event: threading.Event, seconds: float) -> bool:
        self.events.append(event)
        time.sleep(0.001)
        return event.is_set()


def test_during_an_outage_new_calls_do_not_cut_the_backoff_short(
    sms: tuple[QueueEngine, SmsService],
) -> None:
    engine, service = sms
    ticket = engine.issue_ticket(category="D")
    service.subscribe(ticket.id, PHONE)
    engine.call_next(3)
    gateway = RecordingGateway()
    gateway.down = True
    waits = RecordingWaits()
    sender = SmsSender(engine.store, gateway, lambda: ticket.service_day,
                       lambda: engine.calendar.local(engine.clock.now()), Backoff(0.01, 0.01),
                       wait_clock=waits)  # fmt: skip
    sender.start()
    wait_for(lambda: len(waits.events) >= 5, "the sender retries")
    sender.wake()  # what every call does
    wait_for(lambda: len(waits.events) >= 10, "the sender retries on")
    sender.stop()
    assert waits.events and all(e is sender._stop for e in waits.events[:10])
