"""Calling: lanes, anti-starvation, a window's own categories, call by number, recall, races."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from config import HallConfig
from hub.engine import QueueEngine
from hub.errors import Conflict, NotFound
from hub.models import Lane, TicketStatus, WindowStatus
from hub.tables import ALL_MIGRATIONS
from sync.clock import FixedClock
from sync.store import Store


def call_all(engine: QueueEngine, window: int) -> list[str]:
    """Call and finish at ``window`` until nobody waits for it; the numbers in call order."""
    called: list[str] = []
    while (ticket := engine.call_next(window)) is not None:
        called.append(ticket.number)
        engine.finish(window)
    return called


def issue(engine: QueueEngine, clock: FixedClock, lane: str, category: str = "A") -> str:
    clock.advance(10)
    if lane == "green":
        return engine.issue_ticket(category=category, lane="green", green_group="残疾人").number
    return engine.issue_ticket(category=category).number


def test_call_next_gives_the_earliest_ticket_first(engine: QueueEngine, clock: FixedClock) -> None:
    for _ in range(3):
        issue(engine, clock, "ordinary")
    assert call_all(engine, 1) == ["A001", "A002", "A003"]


def test_tickets_of_different_categories_are_called_in_issue_order(
    engine: QueueEngine, clock: FixedClock
) -> None:
    for code in "BAB":
        issue(engine, clock, "ordinary", code)
    assert call_all(engine, 1) == ["B001", "A001", "B002"]


def test_tickets_issued_in_the_same_instant_are_called_in_issue_order(
    engine: QueueEngine,
) -> None:
    # The clock does not move: a coarse or stalled clock must not reorder the queue.
    for code in "BABAB":
        engine.issue_ticket(category=code)
    assert call_all(engine, 1) == ["B001", "A001", "B002", "A002", "B003"]


def test_ticket_issued_after_the_clock_stepped_back_still_queues_behind(
    engine: QueueEngine, clock: FixedClock
) -> None:
    engine.issue_ticket(category="A")
    clock.advance(120)
    engine.issue_ticket(category="A")
    clock.advance(-90)  # the wall clock is corrected backwards (NTP, central's time)
    engine.issue_ticket(category="A")
    assert call_all(engine, 1) == ["A001", "A002", "A003"]


def test_lanes_go_appointment_then_green_then_ordinary(
    engine: QueueEngine, clock: FixedClock
) -> None:
    engine.add_appointment(
        code="YY0001", service_day="2025-03-12", slot_start="10:00", slot_end="10:30", category="A"
    )
    ordinary = issue(engine, clock, "ordinary")
    green = issue(engine, clock, "green")
    clock.advance(10)
    booked = engine.issue_ticket(appointment_code="YY0001")
    assert booked.lane is Lane.APPOINTMENT
    assert call_all(engine, 1) == [booked.number, green, ordinary]


@pytest.mark.parametrize(
    ("per_ordinary", "expected"),
    [
        (3, ["G1", "G2", "G3", "O1", "G4", "G5", "G6", "O2", "O3"]),
        (1, ["G1", "O1", "G2", "O2", "G3", "O3", "G4", "G5", "G6"]),
    ],
)
def test_ordinary_ticket_is_called_after_n_priority_calls_in_a_row(
    make_engine: Callable[..., QueueEngine],
    hall_with: Callable[..., HallConfig],
    clock: FixedClock,
    per_ordinary: int,
    expected: list[str],
) -> None:
    engine = make_engine(hall_with(priority={"priority_per_ordinary": per_ordinary}))
    names: dict[str, str] = {}
    for index in range(1, 4):
        names[issue(engine, clock, "ordinary")] = f"O{index}"
    for index in range(1, 7):
        names[issue(engine, clock, "green")] = f"G{index}"
    assert [names[n] for n in call_all(engine, 1)] == expected


def test_priority_streak_is_kept_per_window(engine: QueueEngine, clock: FixedClock) -> None:
    ordinary = issue(engine, clock, "ordinary")
    greens = [issue(engine, clock, "green") for _ in range(4)]
    # Window 1 makes three priority calls; window 2 has made none, so it may still call green.
    assert call_all_n(engine, 1, 3) == greens[:3]
    first_at_2 = engine.call_next(2)
    assert first_at_2 is not None
    assert first_at_2.number == greens[3]
    engine.finish(2)
    assert call_all(engine, 1) == [ordinary]


def call_all_n(engine: QueueEngine, window: int, count: int) -> list[str]:
    called = []
    for _ in range(count):
        ticket = engine.call_next(window)
        assert ticket is not None
        called.append(ticket.number)
        engine.finish(window)
    return called


def test_window_calls_only_from_its_own_categories(engine: QueueEngine, clock: FixedClock) -> None:
    issue(engine, clock, "ordinary", "C")
    issue(engine, clock, "ordinary", "J")
    assert engine.call_next(1) is None  # window 1 serves A and B
    at_2 = engine.call_next(2)  # window 2 serves A and C
    assert at_2 is not None
    assert at_2.number == "C001"
    assert call_all(engine, 8) == ["J001"]  # window 8 serves B, D, F, J


def test_call_next_returns_none_and_changes_nothing_when_nobody_waits(
    engine: QueueEngine,
) -> None:
    seq = engine.last_seq()
    assert engine.call_next(1) is None
    assert engine.window_state(1).status is WindowStatus.IDLE
    assert engine.events_after(seq) == []


def test_called_ticket_is_at_the_window(engine: QueueEngine) -> None:
    issued = engine.issue_ticket(category="A")
    called = engine.call_next(3)
    assert called is not None
    assert called.id == issued.id
    assert called.status is TicketStatus.CALLED
    assert called.window == 3
    assert called.call_count == 1
    state = engine.window_state(3)
    assert state.status is WindowStatus.SERVING
    assert state.current is not None
    assert state.current.number == "A001"


def test_busy_window_cannot_call_again(engine: QueueEngine) -> None:
    engine.issue_ticket(category="A")
    engine.issue_ticket(category="A")
    engine.call_next(1)
    with pytest.raises(Conflict) as caught:
        engine.call_next(1)
    assert caught.value.code == "window_busy"


def test_unknown_window_is_not_found(engine: QueueEngine) -> None:
    with pytest.raises(NotFound):
        engine.call_next(99)


def test_call_number_calls_that_ticket_out_of_turn(engine: QueueEngine, clock: FixedClock) -> None:
    for _ in range(3):
        issue(engine, clock, "ordinary")
    called = engine.call_number(1, "a003")
    assert called.number == "A003"
    assert called.window == 1
    engine.finish(1)
    assert call_all(engine, 1) == ["A001", "A002"]


def test_call_number_refuses_finished_and_unknown_numbers(engine: QueueEngine) -> None:
    engine.issue_ticket(category="A")
    engine.call_next(1)
    engine.finish(1)
    with pytest.raises(Conflict) as caught:
        engine.call_number(1, "A001")
    assert caught.value.code == "not_callable"
    with pytest.raises(NotFound):
        engine.call_number(1, "A777")


def test_call_number_can_call_a_missed_ticket_that_came_back(engine: QueueEngine) -> None:
    engine.issue_ticket(category="A")
    engine.call_next(1)
    engine.skip(1)
    called = engine.call_number(2, "A001")
    assert called.status is TicketStatus.CALLED
    assert called.window == 2
    assert called.call_count == 2


def test_recall_is_counted_on_the_ticket(engine: QueueEngine) -> None:
    engine.issue_ticket(category="A")
    engine.call_next(1)
    engine.recall(1)
    again = engine.recall(1)
    assert again.recall_count == 2
    assert again.call_count == 3
    assert engine.window_state(1).current is not None


def test_recall_needs_a_current_ticket(engine: QueueEngine) -> None:
    with pytest.raises(Conflict) as caught:
        engine.recall(1)
    assert caught.value.code == "no_current_ticket"


def test_finish_frees_the_window(engine: QueueEngine) -> None:
    engine.issue_ticket(category="A")
    engine.call_next(1)
    done = engine.finish(1)
    assert done.status is TicketStatus.FINISHED
    assert engine.window_state(1).status is WindowStatus.IDLE
    assert engine.window_state(1).current is None


def _race(engines: list[QueueEngine], windows: list[int]) -> list[str]:
    """Each window on its own thread calls and finishes until nobody waits; ids as called."""
    called: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(windows))
    errors: list[BaseException] = []

    def counter(engine: QueueEngine, window: int) -> None:
        try:
            start.wait()
            while (ticket := engine.call_next(window)) is not None:
                with lock:
                    called.append(ticket.id)
                engine.finish(window)
        except BaseException as err:
            errors.append(err)
            raise

    threads = [
        threading.Thread(target=counter, args=(engines[i % len(engines)], w))
        for i, w in enumerate(windows)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return called


def test_windows_calling_at_once_never_get_the_same_ticket(
    make_engine: Callable[..., QueueEngine],
) -> None:
    engine = make_engine(enforce_hours=False)
    issued = [engine.issue_ticket(category=c).id for c in "ABC" * 60]
    called = _race([engine], list(range(1, 9)))
    assert len(called) == len(set(called))
    assert sorted(called) == sorted(issued)


def test_two_hub_processes_calling_at_once_never_get_the_same_ticket(
    engine: QueueEngine, store_path: Path, clock: FixedClock, secret: bytes
) -> None:
    issued = [engine.issue_ticket(category=c).id for c in "AB" * 50]
    second_store = Store(store_path, ALL_MIGRATIONS)
    second = QueueEngine(second_store, engine.config, clock, secret)
    called = _race([engine, second], [1, 4, 2, 5, 7, 8])  # windows serving A or B
    second_store.close()
    assert len(called) == len(set(called))
    assert sorted(called) == sorted(issued)
