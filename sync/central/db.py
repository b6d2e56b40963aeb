"""Central's database engines: SQLite (the embedded default) and PostgreSQL (a district or more).

Central's code writes its SQL once, with ``?`` placeholders and SQL both engines understand
(``ON CONFLICT … DO UPDATE``, row values, ``RETURNING``), and runs it through a :class:`Tx`:

- ``with db.write() as tx:`` is one transaction (SQLite: ``BEGIN IMMEDIATE`` behind the
  process's writer lock; PostgreSQL: a pooled connection's transaction, READ COMMITTED). Work
  that must not interleave with another process's (a hall's batch) takes the hall's row with
  ``tx.for_update`` first.
- ``with db.read() as tx:`` sees committed data.
- ``tx.insert_rows(table, columns, rows)`` stores many rows in one statement (PostgreSQL:
  ``COPY``; SQLite: one prepared ``executemany``).

Rows answer both ``row[0]`` and ``row["name"]``. Migrations are numbered per engine and
checked as the hub's are: a database written by a newer hallkit is refused.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from sync.errors import StoreError, StoreUnavailable
from sync.store import Migration, Store, refuse_newer

log = logging.getLogger(__name__)

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
CONNECTION_WAIT_SECONDS = 5.0
"""How long a request waits for a free pooled connection before central answers 503."""
MIGRATION_LOCK = 7_274_001
"""The advisory lock key central's processes take to migrate one at a time."""


def is_postgres_url(location: str | Path) -> bool:
    """Whether ``location`` names a PostgreSQL database rather than a SQLite file."""
    return isinstance(location, str) and location.startswith(POSTGRES_SCHEMES)


def shown_location(location: str | Path) -> str:
    """``location`` fit to print: a PostgreSQL URL without its password."""
    text = str(location)
    return re.sub(r"(postgres(?:ql)?://[^:/@]+):[^@]*@", r"\1:***@", text)


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Tx(Protocol):
    """One transaction on central's database (see the module docstring)."""

    dialect: str
    for_update: str
    """`` FOR UPDATE`` on PostgreSQL, empty on SQLite (whose writer is already alone)."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None: ...


class CentralDb(Protocol):
    """Central's database, whichever engine holds it."""

    dialect: str
    location: str
    """What was opened: the SQLite file's path, or the PostgreSQL URL without its password."""

    def write(self) -> AbstractContextManager[Tx]: ...

    def read(self) -> AbstractContextManager[Tx]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Migrations:
    """Central's numbered migrations, one list per engine (same numbers, same meaning)."""

    sqlite: Sequence[Migration]
    postgresql: Sequence[Migration]


def open_db(location: str | Path, migrations: Migrations, *, pool_size: int = 10) -> CentralDb:
    """Open (and migrate) the database at ``location``: a ``postgresql://`` URL or a file path.

    Raises StoreError naming the location (without its password) and what failed.
    """
    if is_postgres_url(location):
        return PostgresDb(str(location), migrations.postgresql, pool_size=pool_size)
    return SqliteDb(location, migrations.sqlite)


# -- SQLite ---------------------------------------------------------------------------------


class _SqliteTx:
    dialect = "sqlite"
    for_update = ""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.conn.execute(sql, tuple(params))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self.conn.execute(sql, tuple(params)).fetchall()

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.conn.executemany(sql, rows)

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        marks = ", ".join("?" for _ in columns)
        self.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
            rows,
        )


class SqliteDb:
    """One SQLite file through :class:`sync.store.Store` (WAL, one writer, readers per thread)."""

    dialect = "sqlite"

    def __init__(self, path: str | Path, migrations: Sequence[Migration]) -> None:
        self.store = Store(path, migrations)
        self.location = self.store.path

    @contextmanager
    def write(self) -> Iterator[Tx]:
        with self.store.write() as db:
            yield _SqliteTx(db.conn)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        yield _SqliteTx(self.store.reader().conn)

    def close(self) -> None:
        self.store.close()


# -- PostgreSQL -----------------------------------------------------------------------------


class Row(Sequence[Any]):
    """A result row read by position or by column name, as ``sqlite3.Row`` is."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = tuple(values)
        self._index = index

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._index)

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._index, self._values, strict=True))!r})"


def _row_factory(cursor: Any) -> Any:
    description = cursor.description or []
    index = {column.name: i for i, column in enumerate(description)}

    def make(values: Sequence[Any]) -> Row:
        return Row(values, index)

    return make


def _pg_sql(sql: str) -> str:
    """Our ``?`` placeholders as psycopg's ``%s`` (a literal ``%`` doubled first)."""
    return sql.replace("%", "%%").replace("?", "%s")


class _PgTx:
    dialect = "postgresql"
    for_update = " FOR UPDATE"

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.conn.execute(_pg_sql(sql), tuple(params))  # type: ignore[no-any-return]

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self.execute(sql, params).fetchall()

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self.conn.cursor() as cursor:
                cursor.executemany(_pg_sql(sql), rows)

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        if not rows:
            return
        with (
            self.conn.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)


def _statements(sql: str) -> list[str]:
    return [part.strip() for part in sql.split(";") if part.strip()]


class PostgresDb:
    """A PostgreSQL database through a psycopg connection pool (thread-safe).

    Every central process opens its own pool; the database is what they share, so any process
    answers any hall (nonces, enrollment codes, counters all live here).
    """

    dialect = "postgresql"

    def __init__(self, url: str, migrations: Sequence[Migration], *, pool_size: int = 10) -> None:
        # Imported here: a box whose central runs on SQLite need not load the driver at all.
        try:
            import psycopg  # noqa: PLC0415
            from psycopg_pool import ConnectionPool, PoolTimeout  # noqa: PLC0415
        except ImportError as err:  # the hub box's package has no PostgreSQL driver
            raise StoreError(
                f"{shown_location(url)}: PostgreSQL support is not installed ({err}); install "
                "central's package: apt install hallkit-central (in a source tree: make deps). "
                "本机没有安装 PostgreSQL 驱动，请安装 hallkit-central"
            ) from err

        self.url = url
        self.location = shown_location(url)
        self._psycopg = psycopg
        self._pool_timeout = PoolTimeout
        self._months: set[str] = set()
        self._months_lock = threading.Lock()
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, pool_size),
            # prepare_threshold None: no server-side prepared statements. psycopg prepares a
            # statement run five times on a connection, and PostgreSQL then plans it without
            # its values (a generic plan): a month's report over 1,000 halls (a thousand
            # parameters) took 20 s instead of 2 s (docs/benchmarks.md, scenario m).
            kwargs={"row_factory": _row_factory, "connect_timeout": 10, "prepare_threshold": None},
            check=ConnectionPool.check_connection,  # a restarted server's dead links are dropped
            open=False,
            name="central",
        )
        try:
            # One plain connection first: a refused port, a wrong password or a missing
            # database is told at once in the server's words, not after the pool's retries.
            psycopg.connect(url, connect_timeout=10).close()
            self.pool.open(wait=True, timeout=15)
            self._migrate(migrations)
        except PoolTimeout as err:
            self.pool.close()
            raise StoreError(f"cannot connect to {self.location}: {err}") from err
        except psycopg.Error as err:
            self.pool.close()
            raise StoreError(f"{self.location}: {err}") from err
        except StoreError:
            self.pool.close()
            raise

    def _migrate(self, migrations: Sequence[Migration]) -> None:
        with self.pool.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
            try:
                self._migrate_locked(conn, migrations)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))

    def _migrate_locked(self, conn: Any, migrations: Sequence[Migration]) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " component TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),"
            " PRIMARY KEY (component, version))"
        )
        conn.commit()
        applied = {
            row[0]: row[1]
            for row in conn.execute(
                "SELECT component, MAX(version) FROM schema_migrations GROUP BY component"
            )
        }
        conn.commit()
        refuse_newer(self.location, applied, migrations)
        for migration in sorted(migrations, key=lambda m: (m.component, m.version)):
            if migration.version <= applied.get(migration.component, 0):
                continue
            with conn.transaction():
                for statement in _statements(migration.sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (component, version, name) VALUES (%s, %s, %s)",
                    (migration.component, migration.version, migration.name),
                )
            log.info(
                "applied migration %s %d %s", migration.component, migration.version, migration.name
            )

    @contextmanager
    def write(self) -> Iterator[Tx]:
        with self._connection() as conn, conn.transaction():
            yield _PgTx(conn)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self._connection() as conn, conn.transaction():
            yield _PgTx(conn)

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        """A pooled connection; a lost server or an exhausted pool is StoreUnavailable.

        The transaction of a connection lost midway was not committed (or, if the loss came
        after COMMIT, is committed whole): either way, trying again stores nothing twice.
        """
        try:
            with self.pool.connection(timeout=CONNECTION_WAIT_SECONDS) as conn:
                yield conn
        except (self._psycopg.OperationalError, self._pool_timeout) as err:
            raise StoreUnavailable(f"{self.location}: {err}") from err

    def ensure_month(self, table: str, day: date) -> None:
        """The monthly partition of ``table`` that holds ``day``, created if missing.

        Created in its own short transaction (DDL locks the parent table until commit), under an
        advisory lock so two processes never race to create the same one.
        """
        name = f"{table}_{day:%Y_%m}"
        with self._months_lock:
            if name in self._months:
                return
        first = day.replace(day=1)
        after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        with self._connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK + 1,))
            exists = conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()
            if exists is None or exists[0] is None:
                try:
                    with conn.transaction():  # a savepoint: a refusal leaves the rest usable
                        conn.execute(
                            f"CREATE TABLE {name} PARTITION OF {table}"
                            f" FOR VALUES FROM ('{first.isoformat()}') TO ('{after.isoformat()}')"
                        )
                    log.info("created partition %s", name)
                except self._psycopg.OperationalError:
                    raise
                except self._psycopg.Error as err:
                    # e.g. the default partition already holds rows of that month: they, and
                    # this month's next ones, stay there, which loses nothing.
                    log.warning("partition %s not made (rows go to the default one): %s", name, err)
        with self._months_lock:
            self._months.add(name)

    def close(self) -> None:
        self.pool.close()


def month_of(now: float) -> date:
    """The first day of the UTC month of ``now`` (Unix seconds): the key of a monthly partition."""
    return datetime.fromtimestamp(now, UTC).date().replace(day=1)
