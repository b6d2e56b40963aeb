"""Writing rollup deltas: one attribution (:class:`Where`), every dimension it belongs to.

A delta is added to the row of each dimension the attribution names (the day's total, the
hour, the window, the clerk, the category, the item) with one upsert per dimension, inside the
caller's transaction. A dimension whose key is None is left out (a ticket issued has no window
yet, a sign-in has no hour), which is why a report's window rows carry ``issued: null``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sync.figures.grid import quantise

SUMMED = (
    "issued",
    "called",
    "served",
    "missed",
    "transferred",
    "r1",
    "r2",
    "r3",
    "r4",
    "r5",
    "signed_in_s",
    "pauses",
    "pause_s",
)
"""Columns of ``figures_counts`` that add up."""

MAXED = ("wait_max", "service_max")
"""Columns of ``figures_counts`` that keep the largest value."""


class Cursor(Protocol):
    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Sql(Protocol):
    """What the figures need of a database handle (``sqlite3.Connection`` and
    ``sqlite_utils.Database`` both fit)."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...


@dataclass(frozen=True)
class Where:
    """Where a figure belongs: the service day, and its key in each dimension (None: none).

    ``hour`` is the hall's local hour ``"00"``–``"23"``; ``window`` the window number as text;
    ``clerk`` a staff number (``""``: nobody signed in); ``category`` a letter; ``item`` an item
    id (``""``: a ticket taken for a category, not an item).
    """

    day: str
    hour: str | None = None
    window: str | None = None
    clerk: str | None = None
    category: str | None = None
    item: str | None = None

    def rows(self) -> list[tuple[str, str]]:
        """(dimension code, key) of every row this attribution adds to; always the total."""
        pairs = [("t", "")]
        for dim, key in (
            ("h", self.hour),
            ("w", self.window),
            ("c", self.clerk),
            ("g", self.category),
            ("i", self.item),
        ):
            if key is not None:
                pairs.append((dim, key))
        return pairs


_statements: dict[tuple[str, ...], str] = {}


def _upsert_sql(columns: tuple[str, ...]) -> str:
    sql = _statements.get(columns)
    if sql is None:
        sets = []
        for column in columns:
            if column in MAXED:
                # max() of SQLite is NULL if any argument is: coalesce keeps the known one.
                sets.append(
                    f"{column} = max(coalesce({column}, excluded.{column}),"
                    f" coalesce(excluded.{column}, {column}))"
                )
            elif column in SUMMED:
                sets.append(f"{column} = {column} + excluded.{column}")
            else:  # pragma: no cover - a programming error
                raise ValueError(f"not a figures column: {column}")
        marks = ", ".join("?" for _ in columns)
        sql = (
            f"INSERT INTO figures_counts (dim, day, key, {', '.join(columns)})"  # noqa: S608
            f" VALUES (?, ?, ?, {marks})"
            f" ON CONFLICT (dim, day, key) DO UPDATE SET {', '.join(sets)}"
        )
        _statements[columns] = sql
    return sql


def add(db: Sql, where: Where, **deltas: float) -> None:
    """Add ``deltas`` (column → amount; max columns → a candidate maximum) to every row of
    ``where``. Raises ValueError for an unknown column."""
    columns = tuple(sorted(deltas))
    sql = _upsert_sql(columns)
    values = [deltas[c] for c in columns]
    for dim, key in where.rows():
        db.execute(sql, (dim, where.day, key, *values))


_HIST_SQL = (
    "INSERT INTO figures_hist (dim, day, key, metric, bucket, n) VALUES (?, ?, ?, ?, ?, 1)"
    " ON CONFLICT (dim, day, key, metric, bucket) DO UPDATE SET n = n + 1"
)


def sample(db: Sql, where: Where, metric: str, seconds: float) -> None:
    """Count one duration (``metric`` ``w`` wait or ``s`` service) in the histograms of every
    row of ``where``, and keep the exact maximum beside them."""
    bucket = quantise(seconds)
    exact = round(max(0.0, seconds), 3)
    for dim, key in where.rows():
        db.execute(_HIST_SQL, (dim, where.day, key, metric, bucket))
    add(db, where, **{"wait_max" if metric == "w" else "service_max": exact})
