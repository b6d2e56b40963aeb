"""Ticket numbers: a letter and a daily number per category, never repeated within a service day."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hub.engine import QueueEngine
from hub.errors import Conflict
from hub.models import TicketStatus
from hub.tables import ALL_MIGRATIONS
from sync.clock import FixedClock
from sync.store import Store

ZONE = ZoneInfo("Asia/Shanghai")


def test_numbers_count_up_from_001_per_category(engine: QueueEngine) -> None:
    numbers = [engine.issue_ticket(category=c).number for c in "AABAB"]
    assert numbers == ["A001", "A002", "B001", "A003", "B002"]


def test_ticket_for_an_item_joins_the_items_category(engine: QueueEngine) -> None:
    item = engine.config.item("jjb-140")
    assert item is not None
    ticket = engine.issue_ticket(item_id="jjb-140")
    assert ticket.category == item.category
    assert ticket.number == f"{item.category}001"
    assert ticket.item_id == "jjb-140"


def test_numbers_continue_after_reopening_the_store(
    engine: QueueEngine, store: Store, store_path: Path, clock: FixedClock, secret: bytes
) -> None:
    assert [engine.issue_ticket(category="A").number for _ in range(3)] == ["A001", "A002", "A003"]
    store.close()
    reopened = Store(store_path, ALL_MIGRATIONS)
    again = QueueEngine(reopened, engine.config, clock, secret)
    assert again.issue_ticket(category="A").number == "A004"
    assert again.issue_ticket(category="B").number == "B001"
    reopened.close()


def test_new_service_day_starts_numbers_again_and_cancels_yesterdays_queue(
    engine: QueueEngine, clock: FixedClock
) -> None:
    called = engine.issue_ticket(category="A")
    waiting = engine.issue_ticket(category="A")
    finished = engine.issue_ticket(category="B")
    engine.call_next(1)  # A001
    engine.call_next(4)  # B001
    engine.finish(4)
    seq = engine.last_seq()

    clock.set(datetime(2025, 3, 13, 9, 0, tzinfo=ZONE))
    fresh = engine.issue_ticket(category="A")

    assert fresh.number == "A001"
    assert fresh.service_day == "2025-03-13"
    assert engine.get_ticket(called.id).status is TicketStatus.CANCELLED
    assert engine.get_ticket(waiting.id).status is TicketStatus.CANCELLED
    assert engine.get_ticket(finished.id).status is TicketStatus.FINISHED
    assert engine.window_state(1).current is None
    events = engine.events_after(seq)
    assert [e.type for e in events] == ["day.closed", "ticket.issued"]
    assert events[0].payload == {
        "service_day": "2025-03-12",
        "next_day": "2025-03-13",
        "cancelled": 2,
    }


def test_rollover_frees_windows_and_ends_pauses(engine: QueueEngine, clock: FixedClock) -> None:
    engine.pause(2, "系统维护")
    engine.issue_ticket(category="A")
    engine.call_next(1)
    clock.set(datetime(2025, 3, 13, 9, 0, tzinfo=ZONE))
    engine.issue_ticket(category="A")
    assert engine.window_state(1).status.value == "idle"
    assert engine.window_state(2).status.value == "idle"
    assert engine.window_state(2).pause_reason is None


def test_before_the_day_boundary_numbers_belong_to_the_previous_day(
    make_engine: Callable[..., QueueEngine], clock: FixedClock
) -> None:
    engine = make_engine(enforce_hours=False)
    engine.issue_ticket(category="A")
    clock.set(datetime(2025, 3, 13, 2, 59, tzinfo=ZONE))
    late = engine.issue_ticket(category="A")
    assert (late.number, late.service_day) == ("A002", "2025-03-12")
    clock.set(datetime(2025, 3, 13, 3, 0, tzinfo=ZONE))
    early = engine.issue_ticket(category="A")
    assert (early.number, early.service_day) == ("A001", "2025-03-13")


def test_clock_stepping_back_a_day_does_not_reopen_the_day_before(
    engine: QueueEngine, clock: FixedClock
) -> None:
    clock.set(datetime(2025, 3, 13, 9, 0, tzinfo=ZONE))
    engine.issue_ticket(category="A")
    clock.set(datetime(2025, 3, 12, 9, 0, tzinfo=ZONE))
    ticket = engine.issue_ticket(category="A")
    assert (ticket.number, ticket.service_day) == ("A002", "2025-03-13")


def test_many_threads_issuing_at_once_never_share_a_number(engine: QueueEngine) -> None:
    threads_count, per_thread = 8, 25
    issued: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(threads_count)

    def kiosk() -> None:
        start.wait()
        for _ in range(per_thread):
            number = engine.issue_ticket(category="A").number
            with lock:
                issued.append(number)

    threads = [threading.Thread(target=kiosk) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = threads_count * per_thread
    assert sorted(issued) == [f"A{n:03d}" for n in range(1, total + 1)]


def test_two_hub_processes_on_one_file_never_share_a_number(
    engine: QueueEngine, store_path: Path, clock: FixedClock, secret: bytes
) -> None:
    # A second Store on the same file stands in for a second process: only SQLite's
    # BEGIN IMMEDIATE lock, not the in-process writer lock, keeps the two apart.
    second_store = Store(store_path, ALL_MIGRATIONS)
    second = QueueEngine(second_store, engine.config, clock, secret)
    issued: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def kiosk(on: QueueEngine) -> None:
        start.wait()
        for _ in range(30):
            number = on.issue_ticket(category="B").number
            with lock:
                issued.append(number)

    threads = [threading.Thread(target=kiosk, args=(e,)) for e in (engine, second) * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    second_store.close()
    assert sorted(issued) == [f"B{n:03d}" for n in range(1, 121)]


def test_refused_ticket_does_not_use_up_a_number(engine: QueueEngine, clock: FixedClock) -> None:
    engine.issue_ticket(category="A")
    clock.advance(timedelta(hours=3).total_seconds())  # 12:30, lunch break
    with pytest.raises(Conflict):
        engine.issue_ticket(category="A")
    clock.advance(timedelta(hours=1).total_seconds())
    assert engine.issue_ticket(category="A").number == "A002"
