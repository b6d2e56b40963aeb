"""Outbox: events written inside the caller's transaction, with a seq that is never reused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sync.clock import FixedClock
from sync.outbox import OUTBOX_MIGRATIONS, Outbox
from sync.store import Store

START = datetime(2025, 3, 12, 1, 30, tzinfo=UTC)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "outbox.db"


@pytest.fixture
def outbox() -> Outbox:
    return Outbox(FixedClock(START))


def append(store: Store, outbox: Outbox, type_: str, payload: dict[str, object]) -> int:
    with store.write() as db:
        return outbox.append(db, type_, payload).seq


def test_events_read_back_in_order_with_their_payloads(path: Path, outbox: Outbox) -> None:
    store = Store(path, OUTBOX_MIGRATIONS)
    payloads = [
        {"n": i, "text": "请A00" + str(i) + "号到3号窗口", "nested": {"x": [1, 2]}}
        for i in range(5)
    ]
    seqs = [append(store, outbox, "ticket.called", p) for p in payloads]
    assert seqs == [1, 2, 3, 4, 5]
    events = Outbox.after(store.db, 2)
    assert [e.seq for e in events] == [3, 4, 5]
    assert [e.payload for e in events] == payloads[2:]
    assert [e.type for e in events] == ["ticket.called"] * 3
    store.close()


def test_seq_is_never_reused_after_events_are_deleted(path: Path, outbox: Outbox) -> None:
    store = Store(path, OUTBOX_MIGRATIONS)
    for i in range(3):
        append(store, outbox, "e", {"i": i})
    with store.write() as db:
        db.execute("DELETE FROM outbox")
    assert Outbox.last_seq(store.db) == 3
    assert append(store, outbox, "e", {"i": 3}) == 4
    store.close()


def test_seq_is_never_reused_after_purge_and_reopen(path: Path, outbox: Outbox) -> None:
    store = Store(path, OUTBOX_MIGRATIONS)
    for i in range(3):
        append(store, outbox, "e", {"i": i})
    with store.write() as db:
        db.execute("DELETE FROM outbox WHERE seq >= 2")
    store.close()
    reopened = Store(path, OUTBOX_MIGRATIONS)
    assert Outbox.last_seq(reopened.db) == 3
    assert append(reopened, outbox, "e", {"i": 3}) == 4
    reopened.close()


def test_event_of_a_failed_transaction_is_not_stored(path: Path, outbox: Outbox) -> None:
    store = Store(path, OUTBOX_MIGRATIONS)
    append(store, outbox, "kept", {})
    with pytest.raises(RuntimeError), store.write() as db:
        outbox.append(db, "lost", {})
        raise RuntimeError("domain change failed")
    assert [e.type for e in Outbox.after(store.db, 0)] == ["kept"]
    store.close()


def test_last_seq_is_zero_on_an_empty_outbox(path: Path) -> None:
    store = Store(path, OUTBOX_MIGRATIONS)
    assert Outbox.last_seq(store.db) == 0
    assert Outbox.acked_seq(store.db) == 0
    store.close()


def test_event_is_stamped_from_the_clock(path: Path) -> None:
    clock = FixedClock(START)
    clock.trusted = False
    store = Store(path, OUTBOX_MIGRATIONS)
    append(store, Outbox(clock), "e", {})
    clock.advance(2.5)
    append(store, Outbox(clock), "e", {})
    first, second = Outbox.after(store.db, 0)
    assert first.wall_time == "2025-03-12T01:30:00.000+00:00"
    assert second.wall_time == "2025-03-12T01:30:02.500+00:00"
    assert second.mono_ns - first.mono_ns == 2_500_000_000
    assert first.boot_id == "fixed-clock"
    assert first.clock_trusted is False
    assert first.event_id != second.event_id
    store.close()


def test_iter_all_crosses_batches_in_order(path: Path, outbox: Outbox) -> None:
    store = Store(path, OUTBOX_MIGRATIONS)
    for i in range(7):
        append(store, outbox, "e", {"i": i})
    assert [e.payload["i"] for e in Outbox.iter_all(store.db, batch=3)] == list(range(7))
    store.close()


def test_event_to_dict_round_trips_its_fields(path: Path, outbox: Outbox) -> None:
    store = Store(path, OUTBOX_MIGRATIONS)
    append(store, outbox, "window.paused", {"window": 3, "reason": "午休"})
    event = Outbox.after(store.db, 0)[0]
    data = event.to_dict()
    assert data["seq"] == 1
    assert data["type"] == "window.paused"
    assert data["payload"] == {"window": 3, "reason": "午休"}
    assert data["schema_version"] == 1
    store.close()
