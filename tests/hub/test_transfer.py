"""Transfer: to another category or to one window, keeping the ticket's original place."""

from __future__ import annotations

import pytest

from hub.engine import QueueEngine
from hub.errors import Conflict, Invalid
from hub.models import TicketStatus, WindowStatus
from sync.clock import FixedClock


def first_a_at_window_1(engine: QueueEngine, clock: FixedClock) -> None:
    """A001 issued first and called at window 1; B001, B002, A002 issued after it."""
    engine.issue_ticket(category="A")
    for code in "BBA":
        clock.advance(30)
        engine.issue_ticket(category=code)
    clock.advance(30)
    engine.call_next(1)


def next_number(engine: QueueEngine, window: int) -> str | None:
    ticket = engine.call_next(window)
    if ticket is None:
        return None
    engine.finish(window)
    return ticket.number


def test_transfer_to_a_category_keeps_the_original_place(
    engine: QueueEngine, clock: FixedClock
) -> None:
    first_a_at_window_1(engine, clock)
    moved = engine.transfer(1, category="B", reason="需社保窗口办理")
    assert moved.number == "A001"
    assert moved.category == "B"
    assert moved.status is TicketStatus.WAITING
    assert moved.transfer_count == 1
    assert moved.waiting_ahead == 0
    # Window 4 serves B (not A): the transferred ticket comes before the later B tickets.
    assert [next_number(engine, 4) for _ in range(3)] == ["A001", "B001", "B002"]


def test_transfer_frees_the_source_window(engine: QueueEngine, clock: FixedClock) -> None:
    first_a_at_window_1(engine, clock)
    engine.transfer(1, category="C")
    assert engine.window_state(1).status is WindowStatus.IDLE
    assert engine.window_state(1).current is None


def test_transfer_to_a_window_is_called_only_there(engine: QueueEngine, clock: FixedClock) -> None:
    first_a_at_window_1(engine, clock)
    engine.transfer(1, to_window=3)
    # Window 2 serves A too, but the ticket now waits for window 3 only.
    assert next_number(engine, 2) == "A002"
    assert next_number(engine, 2) is None
    assert next_number(engine, 3) == "A001"


def test_transfer_to_a_window_of_other_categories_still_reaches_it(
    engine: QueueEngine, clock: FixedClock
) -> None:
    first_a_at_window_1(engine, clock)
    engine.issue_ticket(category="D")
    engine.transfer(1, to_window=6)  # window 6 serves C, D and H, not A
    assert next_number(engine, 6) == "A001"
    assert next_number(engine, 6) == "D001"


def test_ticket_transferred_on_to_a_category_is_open_to_all_its_windows(
    engine: QueueEngine, clock: FixedClock
) -> None:
    first_a_at_window_1(engine, clock)
    engine.transfer(1, to_window=3)
    engine.call_next(3)
    engine.transfer(3, category="B")
    assert next_number(engine, 5) == "A001"  # window 5 serves B


@pytest.mark.parametrize(
    "target",
    [{}, {"category": "B", "to_window": 4}, {"to_window": 1}, {"to_window": 99}, {"category": "Z"}],
)
def test_transfer_needs_exactly_one_valid_target(
    engine: QueueEngine, clock: FixedClock, target: dict[str, object]
) -> None:
    first_a_at_window_1(engine, clock)
    with pytest.raises(Invalid) as caught:
        engine.transfer(1, **target)  # type: ignore[arg-type]
    assert caught.value.code in {"transfer_target", "unknown_window", "unknown_category"}
    state = engine.window_state(1)
    assert state.current is not None
    assert state.current.number == "A001"


def test_transfer_needs_a_current_ticket(engine: QueueEngine) -> None:
    with pytest.raises(Conflict):
        engine.transfer(1, category="B")
