"""Store: WAL and FULL sync, BEGIN IMMEDIATE writes, numbered migrations, refusing bad files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sync.errors import StoreError
from sync.store import Migration, Store

NOTES_V1 = Migration(
    "notes",
    1,
    "notes table",
    """
    CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
    INSERT INTO notes (text) VALUES ('created by migration 1');
    """,
)
NOTES_V2 = Migration("notes", 2, "note authors", "ALTER TABLE notes ADD COLUMN author TEXT;")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


def count(store: Store, sql: str) -> int:
    return int(store.db.execute(sql).fetchone()[0])


def test_store_file_is_in_wal_mode(path: Path) -> None:
    Store(path, [NOTES_V1]).close()
    other = sqlite3.connect(path)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    other.close()


def test_writer_and_readers_use_full_sync_foreign_keys_and_a_busy_timeout(path: Path) -> None:
    store = Store(path, [NOTES_V1])
    for db in (store.db, store.reader()):
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    store.close()


def test_reader_cannot_write(path: Path) -> None:
    store = Store(path, [NOTES_V1])
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        store.reader().execute("INSERT INTO notes (text) VALUES ('x')")
    store.close()


def test_write_takes_the_database_lock_at_begin(path: Path) -> None:
    store = Store(path, [NOTES_V1])
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    # Nothing is written inside: only BEGIN IMMEDIATE (not a deferred BEGIN) holds the lock.
    with store.write(), pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()
    store.close()


def test_committed_write_is_visible_to_other_connections(path: Path) -> None:
    store = Store(path, [NOTES_V1])
    with store.write() as db:
        db.execute("INSERT INTO notes (text) VALUES ('kept')")
    other = sqlite3.connect(path)
    assert other.execute("SELECT text FROM notes ORDER BY id").fetchall() == [
        ("created by migration 1",),
        ("kept",),
    ]
    other.close()
    store.close()


def test_failed_write_rolls_back_and_releases_the_lock(path: Path) -> None:
    store = Store(path, [NOTES_V1])
    with pytest.raises(RuntimeError, match="boom"), store.write() as db:
        db.execute("INSERT INTO notes (text) VALUES ('lost')")
        raise RuntimeError("boom")
    assert count(store, "SELECT COUNT(*) FROM notes WHERE text = 'lost'") == 0
    assert not store.db.conn.in_transaction
    with store.write() as db:
        db.execute("INSERT INTO notes (text) VALUES ('after')")
    assert count(store, "SELECT COUNT(*) FROM notes WHERE text = 'after'") == 1
    store.close()


def test_nested_write_joins_the_outer_transaction(path: Path) -> None:
    store = Store(path, [NOTES_V1])
    with pytest.raises(RuntimeError), store.write() as outer:
        with store.write() as inner:
            inner.execute("INSERT INTO notes (text) VALUES ('inner')")
        outer.execute("INSERT INTO notes (text) VALUES ('outer')")
        raise RuntimeError("outer fails")
    assert count(store, "SELECT COUNT(*) FROM notes") == 1  # only the migration's row
    store.close()


def test_migrations_are_applied_and_recorded(path: Path) -> None:
    store = Store(path, [NOTES_V1, NOTES_V2])
    rows = store.db.execute(
        "SELECT component, version, name FROM schema_migrations ORDER BY version"
    ).fetchall()
    assert [tuple(r) for r in rows] == [("notes", 1, "notes table"), ("notes", 2, "note authors")]
    assert "author" in {c.name for c in store.db["notes"].columns}
    store.close()


def test_migrations_run_in_version_order_whatever_the_list_order(path: Path) -> None:
    store = Store(path, [NOTES_V2, NOTES_V1])
    assert "author" in {c.name for c in store.db["notes"].columns}
    store.close()


def test_reopening_does_not_reapply_migrations(path: Path) -> None:
    Store(path, [NOTES_V1]).close()
    store = Store(path, [NOTES_V1])
    assert count(store, "SELECT COUNT(*) FROM notes") == 1
    assert count(store, "SELECT COUNT(*) FROM schema_migrations") == 1
    store.close()


def test_reopening_with_a_new_migration_applies_only_that_one(path: Path) -> None:
    Store(path, [NOTES_V1]).close()
    store = Store(path, [NOTES_V1, NOTES_V2])
    assert count(store, "SELECT COUNT(*) FROM notes") == 1
    assert count(store, "SELECT MAX(version) FROM schema_migrations") == 2
    store.close()


def test_components_are_migrated_independently(path: Path) -> None:
    other = Migration("tags", 1, "tags", "CREATE TABLE tags (name TEXT PRIMARY KEY);")
    Store(path, [NOTES_V1, NOTES_V2]).close()
    store = Store(path, [NOTES_V1, NOTES_V2, other])
    rows = store.db.execute(
        "SELECT component, MAX(version) FROM schema_migrations GROUP BY component ORDER BY 1"
    ).fetchall()
    assert [tuple(r) for r in rows] == [("notes", 2), ("tags", 1)]
    store.close()


def test_failed_migration_is_rolled_back_whole_and_not_recorded(path: Path) -> None:
    broken = Migration(
        "notes",
        2,
        "broken",
        "CREATE TABLE half (x INTEGER);\nINSERT INTO no_such_table VALUES (1);",
    )
    Store(path, [NOTES_V1]).close()
    with pytest.raises(StoreError, match="no_such_table"):
        Store(path, [NOTES_V1, broken])
    store = Store(path, [NOTES_V1])
    assert not store.db["half"].exists()
    assert count(store, "SELECT MAX(version) FROM schema_migrations") == 1
    store.close()


def test_store_written_by_a_newer_version_is_refused(path: Path) -> None:
    Store(path, [NOTES_V1, NOTES_V2]).close()
    with pytest.raises(StoreError, match="newer"):
        Store(path, [NOTES_V1])
    # Refusing does not touch the file: the newer software still opens it.
    Store(path, [NOTES_V1, NOTES_V2]).close()


def _store_with_many_pages(path: Path) -> int:
    store = Store(path, [NOTES_V1])
    with store.write() as db:
        db.conn.executemany(
            "INSERT INTO notes (text) VALUES (?)",
            [(f"note {i} " + "x" * 200,) for i in range(2000)],
        )
    page_size = count(store, "PRAGMA page_size")
    store.close()
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    return page_size


def test_corrupted_store_is_refused(path: Path) -> None:
    page_size = _store_with_many_pages(path)
    pages = path.stat().st_size // page_size
    assert pages > 20
    with path.open("r+b") as handle:
        handle.seek((pages // 2) * page_size)
        handle.write(b"\xa5" * page_size * 3)
    with pytest.raises(StoreError, match=r"integrity|malformed"):
        Store(path, [NOTES_V1])


def test_file_that_is_not_a_database_is_refused(path: Path) -> None:
    path.write_bytes(b"definitely not an SQLite file\n" * 200)
    with pytest.raises(StoreError):
        Store(path, [NOTES_V1])


def test_store_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        Store(tmp_path / "no" / "such" / "folder" / "store.db", [NOTES_V1])


def test_in_memory_store_migrates_and_writes() -> None:
    store = Store(":memory:", [NOTES_V1])
    with store.write() as db:
        db.execute("INSERT INTO notes (text) VALUES ('memo')")
    assert count(store, "SELECT COUNT(*) FROM notes") == 2
    assert store.reader() is store.db
    store.close()
