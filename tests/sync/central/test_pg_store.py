"""Central's PostgreSQL store itself: the same numbered migrations as SQLite, refused when newer,
run once when several processes start at once, events in monthly partitions."""

from __future__ import annotations

import threading

import psycopg
import pytest

from sync.central.intake import receive_batch
from sync.central.store import MIGRATIONS, CentralStore
from sync.errors import StoreError
from sync.wire import Batch
from tests.sync.central.centralapp import FakeNow, event


def test_both_engines_have_the_same_numbered_migrations() -> None:
    def numbers(migrations: object) -> list[tuple[str, int]]:
        return [(m.component, m.version) for m in migrations]  # type: ignore[attr-defined]

    assert numbers(MIGRATIONS.sqlite) == numbers(MIGRATIONS.postgresql)
    versions = [m.version for m in MIGRATIONS.sqlite]
    assert versions == list(range(1, len(versions) + 1))


def test_a_database_written_by_a_newer_hallkit_is_refused(pg_database: str) -> None:
    CentralStore(pg_database).close()
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO schema_migrations (component, version, name) VALUES ('central', 99, 'x')"
        )
    with pytest.raises(StoreError, match="newer than this hallkit knows"):
        CentralStore(pg_database)


def test_processes_starting_at_once_migrate_once(pg_database: str) -> None:
    stores: list[CentralStore] = []
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            stores.append(CentralStore(pg_database, pool_size=1))
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == [] and len(stores) == 4
        with stores[0].db.read() as db:
            rows = db.query("SELECT version, COUNT(*) FROM schema_migrations GROUP BY version")
        assert all(count == 1 for _, count in rows)
        assert len(rows) == len(MIGRATIONS.postgresql)
    finally:
        for store in stores:
            store.close()


def test_events_are_stored_in_the_partition_of_the_month_they_arrived(pg_database: str) -> None:
    now = FakeNow()  # 2026-09-21
    store = CentralStore(pg_database, now=now)
    try:
        hall, _ = store.add_hall("示例镇")
        batch = {"hall": hall.id, "hub_last_seq": 2, "sent_at": "x", "events": [event(1), event(2)]}
        receive_batch(store, hall.id, Batch.model_validate(batch), None)
        now.t += 20 * 86400  # October
        batch = {"hall": hall.id, "hub_last_seq": 3, "sent_at": "x", "events": [event(3)]}
        receive_batch(store, hall.id, Batch.model_validate(batch), None)
        with store.db.read() as db:
            rows = db.query(
                "SELECT tableoid::regclass::text, COUNT(*) FROM events GROUP BY 1 ORDER BY 1"
            )
        assert [tuple(r) for r in rows] == [("events_2026_09", 2), ("events_2026_10", 1)]
        assert [e["seq"] for e in store.iter_events(hall.id)] == [1, 2, 3]
    finally:
        store.close()


def test_a_month_already_in_the_default_partition_keeps_taking_events(pg_database: str) -> None:
    store = CentralStore(pg_database, now=FakeNow())  # 2026-09-21, no September partition yet
    try:
        hall, _ = store.add_hall("示例镇")
        with store.db.write() as db:  # as if September's rows had landed in the default one
            db.execute(
                "INSERT INTO events (hall, seq, event_id, type, schema_version, payload,"
                " wall_time, clock_trusted, status, reason, received_at, month)"
                " VALUES (?, 1, 'e1', 'ticket.issued', 1, '{}', 'x', 1, 'applied', NULL, 'x',"
                " '2026-09-01')",
                (hall.id,),
            )
            db.execute(
                "UPDATE halls SET acked_seq = 1, max_seq = 1, held = 1 WHERE id = ?", (hall.id,)
            )
        batch = {"hall": hall.id, "hub_last_seq": 2, "sent_at": "x", "events": [event(2)]}
        answer = receive_batch(store, hall.id, Batch.model_validate(batch), None)
        assert answer.acked_seq == 2
        with store.db.read() as db:
            rows = db.query("SELECT tableoid::regclass::text, COUNT(*) FROM events GROUP BY 1")
        assert [tuple(r) for r in rows] == [("events_default", 2)]
    finally:
        store.close()
