"""Opening the hub's SQLite store by the project's rules.

- WAL journal, ``synchronous=FULL`` (a commit is on disk before we answer), foreign keys on, a
  busy timeout;
- every write in ``BEGIN IMMEDIATE`` under one writer lock (:meth:`Store.write`);
- schema changes only through numbered migrations, each in its own transaction, recorded per
  component in ``schema_migrations``;
- ``PRAGMA integrity_check`` when the store is opened: a damaged file is refused, not used.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from sync.errors import StoreError, StoreFull

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class Migration:
    """One numbered schema change of one component (``hub``, ``outbox``, …)."""

    component: str
    version: int
    name: str
    sql: str


def _connect(path: str) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=5)
    except sqlite3.Error as err:
        raise StoreError(f"cannot open the store {path}: {err}") from err
    conn.row_factory = sqlite3.Row
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        # Setting synchronous reads the schema, so a file that is not a database fails here.
        conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.Error as err:
        conn.close()
        raise StoreError(f"cannot open the store {path}: {err}") from err
    return conn


class Store:
    """The hub's database: one writer connection behind a lock, readers per thread.

    Raises :class:`StoreError` if the file cannot be opened, fails its integrity check, or was
    written by a newer hallkit (a migration number we do not know).
    """

    def __init__(self, path: str | Path, migrations: Sequence[Migration] = ()) -> None:
        self.path = str(path)
        self._memory = self.path == ":memory:"
        self._lock = threading.RLock()
        self._local = threading.local()
        self._conn = _connect(self.path)
        try:
            mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if not self._memory and str(mode).lower() != "wal":
                raise StoreError(f"{self.path}: the store could not switch to WAL (got {mode})")
            self._check_integrity()
            self._migrate(migrations)
        except sqlite3.Error as err:
            self._conn.close()
            raise StoreError(f"{self.path}: {err}") from err
        except StoreError:
            self._conn.close()
            raise
        self.db = sqlite_utils.Database(self._conn)

    # -- opening ---------------------------------------------------------------------------

    def _check_integrity(self) -> None:
        rows = [r[0] for r in self._conn.execute("PRAGMA integrity_check").fetchall()]
        if rows != ["ok"]:
            shown = "; ".join(str(r) for r in rows[:5])
            raise StoreError(
                f"{self.path} failed its integrity check ({shown}). The hub will not use a damaged "
                "store: stop the hub, keep this file for analysis, and restore the latest backup."
            )

    def _migrate(self, migrations: Sequence[Migration]) -> None:
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " component TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
            " PRIMARY KEY (component, version))"
        )
        applied: dict[str, int] = {}
        for row in self._conn.execute(
            "SELECT component, MAX(version) FROM schema_migrations GROUP BY component"
        ):
            applied[row[0]] = row[1]
        refuse_newer(self.path, applied, migrations)
        for migration in sorted(migrations, key=lambda m: (m.component, m.version)):
            if migration.version <= applied.get(migration.component, 0):
                continue
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(migration.sql):
                    self._conn.execute(statement)
                self._conn.execute(
                    "INSERT INTO schema_migrations (component, version, name) VALUES (?, ?, ?)",
                    (migration.component, migration.version, migration.name),
                )
            except sqlite3.Error:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            log.info(
                "applied migration %s %d %s", migration.component, migration.version, migration.name
            )

    # -- use ---------------------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """A write transaction (``BEGIN IMMEDIATE``): commits on success, rolls back on error.

        Writers are serialised by a lock, so a transaction never waits on SQLite's busy handler
        against another thread of this process. Nested calls join the outer transaction.
        """
        with self._lock:
            if self._conn.in_transaction:
                yield self.db
                return
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self.db
                except BaseException:
                    self._rollback()
                    raise
                try:
                    self._conn.execute("COMMIT")
                except sqlite3.Error:
                    self._rollback()  # a failed COMMIT may leave the transaction open
                    raise
            except sqlite3.Error as err:
                if _is_full(err):
                    raise StoreFull(f"{self.path}: the disk is full ({err})") from err
                raise

    def _rollback(self) -> None:
        """Roll back unless SQLite already did (it may, after a full disk or an I/O error)."""
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    @property
    def lock(self) -> threading.RLock:
        """The writer lock; hold it to do something right after a commit, before the next write."""
        return self._lock

    def reader(self) -> sqlite_utils.Database:
        """A read-only view for the calling thread (its own connection; sees committed data)."""
        if self._memory:
            return self.db
        db: sqlite_utils.Database | None = getattr(self._local, "db", None)
        if db is None:
            conn = _connect(self.path)
            conn.execute("PRAGMA query_only = ON")
            db = sqlite_utils.Database(conn)
            self._local.db = db
        return db

    def close(self) -> None:
        """Close the writer connection (readers close with their threads)."""
        with self._lock:
            self._conn.close()


def refuse_newer(where: str, applied: dict[str, int], migrations: Sequence[Migration]) -> None:
    """Raise StoreError if a store at ``where`` has, per component, a migration ``applied``
    that is newer than any of ``migrations`` (it was written by a newer hallkit)."""
    known: dict[str, int] = {}
    for migration in migrations:
        known[migration.component] = max(known.get(migration.component, 0), migration.version)
    for component, version in applied.items():
        if component in known and version > known[component]:
            raise StoreError(
                f"{where} has {component} schema version {version}, newer than this hallkit "
                f"knows ({known[component]}): install the newer hallkit or restore a backup"
            )


def _is_full(err: sqlite3.Error) -> bool:
    """Whether ``err`` is SQLite's "database or disk is full" (SQLITE_FULL)."""
    return getattr(err, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (sqlite3 runs one at a time)."""
    parts: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                parts.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        parts.append(buffer.strip())
    return parts
