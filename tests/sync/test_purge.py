"""Purge: acknowledged events go after the retention days; unacknowledged ones never do."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sync.clock import FixedClock
from sync.outbox import OUTBOX_MIGRATIONS, Outbox
from sync.purge import purge_acknowledged
from sync.store import Store
from tests.timing import PATIENCE

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
    outbox_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FixedClock(START)
    write_days(outbox_store, clock, per_day=2000, days=1)
    set_acked(outbox_store, 2000)
    purging = threading.current_thread()
    real_write = outbox_store.write
    committed = threading.Condition()
    writes = purge_commits = 0  # the hall's writer's commits, the purge's

    @contextlib.contextmanager
    def write() -> Iterator[sqlite3.Connection]:
        nonlocal writes, purge_commits
        with real_write() as db:
            yield db
        with committed:
            if threading.current_thread() is not purging:
                writes += 1
                committed.notify_all()
                return
            purge_commits += 1
            # Between two of the purge's transactions the writer lock is free: a write that
            # waits for it gets in before the purge goes on.
            seen = writes
            got_in = committed.wait_for(lambda: writes > seen, PATIENCE)
        assert got_in, "no write got in between two purge transactions"

    monkeypatch.setattr(outbox_store, "write", write)
    done = threading.Event()

    def writer() -> None:
        outbox = Outbox(FixedClock(START + timedelta(days=30)))
        while not done.is_set():
            with outbox_store.write() as db:
                outbox.append(db, "ticket.issued", {})

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        result = purge_acknowledged(outbox_store, 7, START + timedelta(days=30), chunk=50)
    finally:
        done.set()
        thread.join()
    assert result.deleted == 2000
    assert purge_commits == 2000 // 50  # 50 events a transaction, never one big one
    assert writes >= purge_commits
    assert Outbox.last_seq(outbox_store.db) == 2000 + writes


def test_purge_needs_an_aware_time(outbox_store: Store) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        purge_acknowledged(outbox_store, 7, datetime(2025, 3, 1))
