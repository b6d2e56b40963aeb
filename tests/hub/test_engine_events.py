"""Every engine operation writes its outbox events in the same transaction, in order."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hub.engine import QueueEngine
from hub.errors import Conflict
from sync.clock import FixedClock
from sync.outbox import Event


def types_of(engine: QueueEngine, operation: Callable[[], object]) -> list[str]:
    seq = engine.last_seq()
    operation()
    return [event.type for event in engine.events_after(seq)]


def test_each_operation_writes_its_events_in_order(engine: QueueEngine, clock: FixedClock) -> None:
    engine.add_appointment(
        code="YY1", service_day="2025-03-12", slot_start="10:00", slot_end="10:30", category="A"
    )

    def issue() -> object:
        return engine.issue_ticket(category="A")

    expected: list[tuple[Callable[[], object], list[str]]] = [
        (issue, ["ticket.issued"]),
        (lambda: engine.issue_ticket(appointment_code="YY1"), ["ticket.issued"]),
        (issue, ["ticket.issued"]),
        (issue, ["ticket.issued"]),
        (lambda: engine.call_next(1), ["ticket.called", "window.status"]),
        (lambda: engine.recall(1), ["ticket.recalled"]),
        (lambda: engine.skip(1), ["ticket.skipped", "window.status"]),
        (lambda: engine.requeue("A002"), ["ticket.requeued"]),
        (lambda: engine.call_number(1, "A003"), ["ticket.called", "window.status"]),
        (lambda: engine.transfer(1, category="B"), ["ticket.transferred", "window.status"]),
        (lambda: engine.call_next(4), ["ticket.called", "window.status"]),
        (lambda: engine.transfer(4, to_window=2), ["ticket.transferred", "window.status"]),
        (lambda: engine.call_next(2), ["ticket.called", "window.status"]),
        (
            lambda: engine.finish(2),
            ["ticket.finished", "rating.requested", "window.status"],
        ),
        (lambda: engine.rate(2, 4, "等候时间过长"), ["rating.recorded", "followup.opened"]),
        (lambda: engine.pause(5, "午休"), ["window.paused", "window.status"]),
        (lambda: engine.resume(5), ["window.resumed", "window.status"]),
    ]
    for operation, types in expected:
        clock.advance(5)
        assert types_of(engine, operation) == types


def test_refused_operation_writes_no_event(engine: QueueEngine) -> None:
    engine.issue_ticket(category="A")
    engine.issue_ticket(category="A")
    engine.call_next(1)
    seq = engine.last_seq()
    with pytest.raises(Conflict):
        engine.call_next(1)
    with pytest.raises(Conflict):
        engine.pause(1, "午休")
    assert engine.events_after(seq) == []


def test_event_payloads_describe_the_change(engine: QueueEngine) -> None:
    seq = engine.last_seq()
    engine.issue_ticket(category="A")
    engine.call_next(3)
    issued, called, window = engine.events_after(seq)
    assert issued.payload["ticket"]["number"] == "A001"
    assert issued.payload["ticket"]["waiting_ahead"] == 0
    assert called.payload["window"] == 3
    assert called.payload["ticket"]["status"] == "called"
    assert window.payload["number"] == 3
    assert window.payload["status"] == "serving"
    assert window.payload["current"]["number"] == "A001"


def test_rating_event_carries_the_gbt_39046_fields(engine: QueueEngine) -> None:
    engine.issue_ticket(item_id="jjb-001")
    engine.call_next(1)
    engine.finish(1)
    seq = engine.last_seq()
    engine.rate(1, 5, "服务态度不好")
    event, opened = engine.events_after(seq)
    assert opened.type == "followup.opened"
    assert event.payload["level"] == 5
    assert event.payload["level_name"] == "非常不满意"
    assert event.payload["division_code"] == "320402100"
    assert event.payload["channel"] == 5
    assert event.payload["item_id"] == "jjb-001"
    assert event.payload["followup_due"] == "2025-04-02"


def test_listeners_hear_the_committed_events_in_order(engine: QueueEngine) -> None:
    heard: list[Event] = []
    engine.subscribe(heard.extend)
    engine.issue_ticket(category="A")
    engine.call_next(1)
    engine.finish(1)
    assert [e.seq for e in heard] == [e.seq for e in engine.events_after(0)]
    assert [e.type for e in heard][:3] == ["ticket.issued", "ticket.called", "window.status"]


def test_failing_listener_does_not_undo_the_operation(engine: QueueEngine) -> None:
    def broken(events: list[Event]) -> None:
        raise RuntimeError("display gone")

    engine.subscribe(broken)
    ticket = engine.issue_ticket(category="A")
    assert engine.get_ticket(ticket.id).number == "A001"
    assert [e.type for e in engine.events_after(0)] == ["ticket.issued"]


def test_listener_is_not_called_when_nothing_happened(engine: QueueEngine) -> None:
    heard: list[list[Event]] = []
    engine.subscribe(heard.append)
    assert engine.call_next(1) is None
    assert heard == []
