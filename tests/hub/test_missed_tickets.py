"""过号: skipping a ticket, and re-queueing it once, in time, behind a few waiting people."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from config import HallConfig
from hub.engine import QueueEngine
from hub.errors import Conflict, NotFound
from hub.models import Lane, TicketStatus, WindowStatus
from sync.clock import FixedClock


def skipped_first(engine: QueueEngine, clock: FixedClock, waiting_after: int) -> str:
    """A001 is called and skipped at window 1; then ``waiting_after`` more A tickets wait."""
    engine.issue_ticket(category="A")
    engine.call_next(1)
    engine.skip(1)
    for _ in range(waiting_after):
        clock.advance(10)
        engine.issue_ticket(category="A")
    return "A001"


def call_order(engine: QueueEngine, window: int = 1) -> list[str]:
    called = []
    while (ticket := engine.call_next(window)) is not None:
        called.append(ticket.number)
        engine.finish(window)
    return called


def test_skip_marks_the_ticket_missed_and_frees_the_window(
    engine: QueueEngine, clock: FixedClock
) -> None:
    engine.issue_ticket(category="A")
    engine.call_next(1)
    clock.advance(60)
    missed = engine.skip(1)
    assert missed.status is TicketStatus.MISSED
    assert missed.missed_at == "2025-03-12T09:31:00.000+08:00"
    assert engine.window_state(1).status is WindowStatus.IDLE
    assert engine.call_next(1) is None


def test_skip_needs_a_current_ticket(engine: QueueEngine) -> None:
    with pytest.raises(Conflict):
        engine.skip(1)


def test_requeued_ticket_goes_in_behind_three_waiting_people(
    engine: QueueEngine, clock: FixedClock
) -> None:
    number = skipped_first(engine, clock, waiting_after=5)
    clock.advance(60)
    back = engine.requeue(number)
    assert back.status is TicketStatus.WAITING
    assert back.requeue_count == 1
    assert back.waiting_ahead == 3
    assert call_order(engine) == ["A002", "A003", "A004", "A001", "A005", "A006"]


def test_requeue_with_fewer_people_waiting_goes_to_the_end(
    engine: QueueEngine, clock: FixedClock
) -> None:
    number = skipped_first(engine, clock, waiting_after=2)
    back = engine.requeue(number)
    assert back.waiting_ahead == 2
    assert call_order(engine) == ["A002", "A003", "A001"]


def test_requeue_behind_nobody_goes_first(
    make_engine: Callable[..., QueueEngine],
    hall_with: Callable[..., HallConfig],
    clock: FixedClock,
) -> None:
    engine = make_engine(hall_with(queue={"requeue_behind": 0}))
    number = skipped_first(engine, clock, waiting_after=3)
    assert engine.requeue(number).waiting_ahead == 0
    assert call_order(engine)[0] == "A001"


def test_requeue_is_allowed_up_to_the_time_limit(engine: QueueEngine, clock: FixedClock) -> None:
    number = skipped_first(engine, clock, waiting_after=0)
    clock.advance(30 * 60)
    assert engine.requeue(number).status is TicketStatus.WAITING


def test_requeue_after_the_time_limit_is_refused(engine: QueueEngine, clock: FixedClock) -> None:
    number = skipped_first(engine, clock, waiting_after=0)
    clock.advance(30 * 60 + 1)
    with pytest.raises(Conflict) as caught:
        engine.requeue(number)
    assert caught.value.code == "requeue_expired"
    assert engine.find_ticket(number).status is TicketStatus.MISSED


def test_second_requeue_is_refused(engine: QueueEngine, clock: FixedClock) -> None:
    number = skipped_first(engine, clock, waiting_after=0)
    engine.requeue(number)
    engine.call_next(1)
    engine.skip(1)
    with pytest.raises(Conflict) as caught:
        engine.requeue(number)
    assert caught.value.code == "requeue_used"


def test_only_missed_tickets_can_be_requeued(engine: QueueEngine) -> None:
    engine.issue_ticket(category="A")
    with pytest.raises(Conflict) as caught:
        engine.requeue("A001")
    assert caught.value.code == "not_missed"
    with pytest.raises(NotFound):
        engine.requeue("A404")


def test_requeued_green_ticket_stays_in_the_green_lane(
    engine: QueueEngine, clock: FixedClock
) -> None:
    engine.issue_ticket(category="A", lane="green", green_group="孕妇")
    engine.call_next(1)
    engine.skip(1)
    clock.advance(10)
    engine.issue_ticket(category="A")
    back = engine.requeue("A001")
    assert back.lane is Lane.GREEN
    assert back.waiting_ahead == 0
    assert call_order(engine) == ["A001", "A002"]
