"""People ahead and estimated wait: what a ticket tells the citizen."""

from __future__ import annotations

import pytest

from hub.engine import QueueEngine
from hub.errors import NotFound
from sync.clock import FixedClock


def test_waiting_ahead_counts_earlier_tickets_of_the_same_category(
    engine: QueueEngine, clock: FixedClock
) -> None:
    ahead = []
    for code in "ABAAB":
        clock.advance(10)
        ahead.append(engine.issue_ticket(category=code).waiting_ahead)
    assert ahead == [0, 0, 1, 2, 1]


def test_tickets_of_the_same_instant_count_each_other_in_issue_order(
    engine: QueueEngine,
) -> None:
    assert [engine.issue_ticket(category="A").waiting_ahead for _ in range(4)] == [0, 1, 2, 3]


def test_priority_lanes_count_ahead_of_ordinary_but_not_behind(
    engine: QueueEngine, clock: FixedClock
) -> None:
    ordinary = engine.issue_ticket(category="A")
    clock.advance(10)
    green = engine.issue_ticket(category="A", lane="green", green_group="孕妇")
    assert green.waiting_ahead == 0
    assert engine.get_ticket(ordinary.id).waiting_ahead == 1


def test_estimate_is_people_ahead_times_service_time_over_open_windows(
    engine: QueueEngine,
) -> None:
    # Category A: 4 windows (1, 2, 3, 7), 8 minutes assumed per service.
    tickets = [engine.issue_ticket(category="A") for _ in range(4)]
    assert [t.estimated_wait_minutes for t in tickets] == [0, 2, 4, 6]


def test_paused_windows_lengthen_the_estimate(engine: QueueEngine) -> None:
    tickets = [engine.issue_ticket(category="A") for _ in range(3)]
    engine.pause(1, "午休")
    engine.pause(2, "午休")
    assert engine.get_ticket(tickets[2].id).estimated_wait_minutes == 8  # 2 × 8 / 2


def test_measured_service_times_replace_the_assumed_one(
    engine: QueueEngine, clock: FixedClock
) -> None:
    for _ in range(2):
        engine.issue_ticket(category="A")
        engine.call_next(1)
        clock.advance(120)  # two-minute services
        engine.finish(1)
    tickets = [engine.issue_ticket(category="A") for _ in range(5)]
    assert tickets[4].estimated_wait_minutes == 2  # 4 ahead × 2 min / 4 windows


def test_place_moves_up_as_people_are_called(engine: QueueEngine) -> None:
    last = [engine.issue_ticket(category="A") for _ in range(3)][-1]
    engine.call_next(1)
    assert engine.get_ticket(last.id).waiting_ahead == 1
    assert engine.find_ticket("a003").waiting_ahead == 1


def test_ticket_no_longer_waiting_has_no_estimate(engine: QueueEngine) -> None:
    engine.issue_ticket(category="A")
    called = engine.call_next(1)
    assert called is not None
    ticket = engine.get_ticket(called.id)
    assert ticket.waiting_ahead is None
    assert ticket.estimated_wait_minutes is None


def test_unknown_ticket_is_not_found(engine: QueueEngine) -> None:
    with pytest.raises(NotFound):
        engine.get_ticket("no-such-id")
    with pytest.raises(NotFound):
        engine.find_ticket("A999")


def test_waiting_counts_per_category_and_lane(engine: QueueEngine) -> None:
    engine.issue_ticket(category="A")
    engine.issue_ticket(category="A", lane="green", green_group="孕妇")
    engine.issue_ticket(category="C")
    engine.call_next(6)  # takes C001
    counts = engine.waiting_counts()
    assert counts["A"] == {"appointment": 0, "green": 1, "ordinary": 1}
    assert counts["C"] == {"appointment": 0, "green": 0, "ordinary": 0}
    assert set(counts) == {c.code for c in engine.config.categories}


def test_today_stats_count_issued_and_finished(engine: QueueEngine, clock: FixedClock) -> None:
    for _ in range(3):
        engine.issue_ticket(category="A")
    engine.call_next(1)
    clock.advance(180)
    engine.finish(1)
    stats = engine.today_stats()
    assert stats == {
        "service_day": "2025-03-12",
        "issued": 3,
        "finished": 1,
        "average_service_minutes": 3.0,
    }
    assert engine.today_stats(window=2)["finished"] == 0


def test_category_waits_give_each_queue_its_count_estimate_and_longest_waiting_ticket(
    engine: QueueEngine, clock: FixedClock
) -> None:
    first = engine.issue_ticket(category="A")
    clock.advance(60)
    engine.issue_ticket(category="A")
    waits = engine.category_waits()
    assert set(waits) == {c.code for c in engine.config.categories}
    a = waits["A"]
    assert (a["waiting"], a["oldest_number"]) == (2, first.number)
    assert a["oldest_issued_at"] == first.issued_at
    assert a["estimated_wait_minutes"] == engine.estimate_minutes("A", 2)
    assert waits["B"] == {
        "waiting": 0,
        "estimated_wait_minutes": 0,
        "oldest_number": None,
        "oldest_issued_at": None,
    }
