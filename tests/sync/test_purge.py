"""Purge: acknowledged events go after the retention days; unacknowledged ones never do."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sync.clock import FixedClock
from sync.outbox import OUTBOX_MIGRATIONS, Outbox
from sync.purge import purge_acknowledged
from sync.store import Store

START = datetime(2025, 3, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def outbox_store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "purge.db", OUTBOX_MIGRATIONS)
    yield store
    store.close()


def write_days(store: Store, clock: FixedClock, per_day: int, days: int) -> None:
    """``per_day`` events on each of ``days`` days, one day apart."""
    outbox = Outbox(clock)
    for _ in range(days):
        with store.write() as db:
            for i in range(per_day):
                outbox.append(db, "ticket.issued", {"i": i})
        clock.advance(86_400)


def set_acked(store: Store, seq: int) -> None:
    with store.write() as db:
        db.execute("UPDATE sync_state SET value = ? WHERE key = 'acked_seq'", (str(seq),))


def seqs(store: Store) -> list[int]:
    return [e.seq for e in Outbox.iter_all(store.db)]


def test_acknowledged_events_older_than_the_retention_go_and_newer_ones_stay(
    outbox_store: Store,
) -> None:
    clock = FixedClock(START)
    write_days(outbox_store, clock, per_day=10, days=10)  # day d holds seqs 10d+1 .. 10d+10
    set_acked(outbox_store, 100)
    now = START + timedelta(days=10)
    result = purge_acknowledged(outbox_store, 7, now)
    # Days 0, 1 and 2 are more than 7 days before day 10; day 3 is exactly 7 days: kept.
    assert result.deleted == 30
    assert seqs(outbox_store) == list(range(31, 101))


def test_unacknowledged_events_are_never_purged_however_old(outbox_store: Store) -> None:
    clock = FixedClock(START)
    write_days(outbox_store, clock, per_day=5, days=4)
    set_acked(outbox_store, 7)
    result = purge_acknowledged(outbox_store, 1, START + timedelta(days=400))
    assert result.deleted == 7
    assert seqs(outbox_store) == list(range(8, 21))
    set_acked(outbox_store, 0)
    assert purge_acknowledged(outbox_store, 1, START + timedelta(days=800)).deleted == 0
    assert seqs(outbox_store) == list(range(8, 21))


def test_wall_times_in_different_zones_compare_as_instants(outbox_store: Store) -> None:
    # 2025-03-02 07:00 in Shanghai is 2025-03-01 23:00 UTC: older than a cutoff of
    # 2025-03-02 00:00 UTC although its text sorts after it.
    shanghai = FixedClock(datetime(2025, 3, 2, 7, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    utc = FixedClock(datetime(2025, 3, 2, 1, 0, tzinfo=UTC))
    with outbox_store.write() as db:
        Outbox(shanghai).append(db, "a.old", {})
        Outbox(utc).append(db, "a.new", {})
    set_acked(outbox_store, 2)
    result = purge_acknowledged(outbox_store, 1, datetime(2025, 3, 3, 0, 0, tzinfo=UTC))
    assert result.deleted == 1
    assert [e.type for e in Outbox.iter_all(outbox_store.db)] == ["a.new"]


def test_a_large_purge_goes_in_small_transactions_and_lets_other_writers_in(
    outbox_store: Store,
) -> None:
    clock = FixedClock(START)
    write_days(outbox_store, clock, per_day=2000, days=1)
    set_acked(outbox_store, 2000)
    waits: list[float] = []
    done = threading.Event()

    def writer() -> None:
        outbox = Outbox(FixedClock(START + timedelta(days=30)))
        while not done.is_set():
            started = time.perf_counter()
            with outbox_store.write() as db:
                outbox.append(db, "ticket.issued", {})
            waits.append(time.perf_counter() - started)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        result = purge_acknowledged(outbox_store, 7, START + timedelta(days=30), chunk=50)
    finally:
        done.set()
        thread.join()
    assert result.deleted == 2000
    assert len(waits) > 5, "no write got in while the purge ran"
    assert Outbox.last_seq(outbox_store.db) == 2000 + len(waits)


def test_purge_needs_an_aware_time(outbox_store: Store) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        purge_acknowledged(outbox_store, 7, datetime(2025, 3, 1))
