"""Central's figures: each hall's days as its hub computed them, combined by the same report.

A hub sends each service day's figures as one snapshot (:mod:`sync.figures.snapshot`,
``PUT /api/central/v1/halls/{hall}/figures/{day}``); :func:`store_day` replaces that day's rows
with it whole (an older snapshot arriving late is ignored). :func:`central_report` reads them
with the hub's own report code (:mod:`sync.figures.report`: the same sums, the same percentiles
over merged histograms, the same :func:`~sync.figures.figures.make`), for one hall or many:
grouped as the hub groups (window, clerk, category, item, hour, day), or by hall, or by any
grouping of halls (a region's children). The same data gives the same numbers on both sides;
only sign-ins still under way are counted up to the snapshot's time, not to the report's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from sync.central.db import Tx
from sync.central.store import CentralStore, iso_now
from sync.figures.figures import make
from sync.figures.labels import NO_CLERK, NO_ITEM, WEEKDAYS
from sync.figures.report import DIMENSIONS, WITH_PRESENCE, Source, _counts, sql_percentiles
from sync.figures.rollup import MAXED
from sync.figures.snapshot import COUNT_COLUMNS

MAX_ROWS = 200_000
"""Most rows of each kind one day's snapshot may carry (a big hall has a few thousand)."""

CENTRAL_GROUPINGS = (*DIMENSIONS, "hall", "group")
"""The hub's groupings, and by hall, and by a grouping of halls the caller gives."""

Key = Annotated[str, StringConstraints(max_length=64, pattern=r"^[^\x00]*$")]
Day = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]


def _not_bool(value: Any) -> Any:
    """JSON's true/false are not numbers here (pydantic would read them as 1/0)."""
    if isinstance(value, bool):
        raise ValueError("a number is required, not true/false")
    return value


_BIG = 10**15  # exact as a float and in BIGINT; far past any real count or duration
Count = Annotated[int, Field(ge=0, le=_BIG), BeforeValidator(_not_bool)]
Seconds = Annotated[float, Field(ge=0, le=_BIG), BeforeValidator(_not_bool)]
Dim = Literal["t", "h", "w", "c", "g", "i"]
CountRow = tuple[
    Dim, Key, Count, Count, Count, Count, Count, Count, Count, Count, Count, Count,
    Seconds, Count, Seconds, Seconds | None, Seconds | None,
]  # fmt: skip
HistRow = tuple[Dim, Key, Literal["w", "s"], Count, Count]
FollowupRow = tuple[Key, Key | None, Key | None, Key | None, Key | None, Key | None, Day | None]
OpenRow = tuple[Key, Key, Seconds, Seconds]


class DayFigures(BaseModel):
    """One service day's snapshot as a hub sends it (docs/sync-protocol.md, "Figures")."""

    model_config = ConfigDict(extra="forbid")

    counts: list[CountRow] = Field(max_length=MAX_ROWS)
    hist: list[HistRow] = Field(max_length=MAX_ROWS)
    followups: list[FollowupRow] = Field(default_factory=list, max_length=MAX_ROWS)
    open: list[OpenRow] = Field(default_factory=list, max_length=MAX_ROWS)
    as_of: Annotated[
        str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.+Z-]{2,30}$")
    ]


class FiguresAnswer(BaseModel):
    """Central's answer to a day's figures: whether they replaced what it held."""

    day: str
    stored: bool
    """False: central holds a snapshot of that day made later, and kept it."""
    server_time: str


def store_day(central: CentralStore, hall: str, day: str, figures: DayFigures, digest: str) -> bool:
    """Replace the hall's rows of service day ``day`` with ``figures``; False (nothing
    changed) when central already holds a snapshot of that day made later. Raises
    UnknownHall."""
    central.hall(hall)
    with central.db.write() as db:
        db.execute("SELECT id FROM halls WHERE id = ?" + db.for_update, (hall,))  # noqa: S608
        held = db.execute(
            "SELECT as_of FROM hall_figure_days WHERE hall = ? AND day = ?", (hall, day)
        ).fetchone()
        if held is not None and str(held[0]) > figures.as_of:
            return False
        for table in ("hall_figures_counts", "hall_figures_hist", "hall_followups"):
            db.execute(f"DELETE FROM {table} WHERE hall = ? AND day = ?", (hall, day))  # noqa: S608
        db.execute("DELETE FROM hall_figures_open WHERE hall = ? AND day = ?", (hall, day))
        db.insert_rows(
            "hall_figures_counts",
            ("hall", "day", "dim", "key", *COUNT_COLUMNS),
            [(hall, day, *row) for row in _last_of(figures.counts, 2)],
        )
        db.insert_rows(
            "hall_figures_hist",
            ("hall", "day", "dim", "key", "metric", "bucket", "n"),
            [(hall, day, *row) for row in _last_of(figures.hist, 4)],
        )
        db.insert_rows(
            "hall_followups",
            ("hall", "day", "id", "hour", "win", "clerk", "category", "item", "late_from"),
            [(hall, day, *row) for row in _last_of(figures.followups, 1)],
        )
        db.insert_rows(
            "hall_figures_open",
            ("hall", "day", "win", "clerk", "signed_in_s", "pause_s"),
            [(hall, day, *row) for row in figures.open],
        )
        _refresh_month(db, hall, day)
        db.execute(
            "INSERT INTO hall_figure_days (hall, day, digest, as_of, received_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (hall, day) DO UPDATE SET"
            " digest = excluded.digest, as_of = excluded.as_of,"
            " received_at = excluded.received_at",
            (hall, day, digest, figures.as_of, iso_now(central.now())),
        )
    return True


_MONTH_COUNTS = ", ".join(f"MAX({c})" if c in MAXED else f"SUM({c})" for c in COUNT_COLUMNS)


def _month_of(day: str) -> tuple[str, str]:
    """The first and last day (ISO) of the month of ``day``."""
    first = date.fromisoformat(day).replace(day=1)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first.isoformat(), (after - timedelta(days=1)).isoformat()


_MONTH = "substr(day, 1, 8) || '01'"
"""The first day of a row's month, in SQL both engines run."""


def _add_up_months(db: Tx, where: str, params: Sequence[Any]) -> None:
    """Insert the month totals of the day rows ``where`` selects (the month rows they replace
    must be gone already)."""
    db.execute(
        f"INSERT INTO hall_figures_counts_month (hall, day, dim, key, {', '.join(COUNT_COLUMNS)})"  # noqa: S608
        f" SELECT hall, {_MONTH}, dim, key, {_MONTH_COUNTS} FROM hall_figures_counts"
        f" WHERE {where} GROUP BY hall, {_MONTH}, dim, key",
        params,
    )
    db.execute(
        "INSERT INTO hall_figures_hist_month (hall, day, dim, key, metric, bucket, n)"  # noqa: S608
        f" SELECT hall, {_MONTH}, dim, key, metric, bucket, SUM(n) FROM hall_figures_hist"
        f" WHERE {where} GROUP BY hall, {_MONTH}, dim, key, metric, bucket",
        params,
    )


def _refresh_month(db: Tx, hall: str, day: str) -> None:
    """Add up again the hall's days of the month of ``day`` into the month tables."""
    first, last = _month_of(day)
    for table in ("hall_figures_counts_month", "hall_figures_hist_month"):
        db.execute(f"DELETE FROM {table} WHERE hall = ? AND day = ?", (hall, first))  # noqa: S608
    _add_up_months(db, "hall = ? AND day BETWEEN ? AND ?", (hall, first, last))


def refresh_months(central: CentralStore) -> None:
    """Add up every hall's every month again from the day rows (after rows were loaded into
    the day tables by other means than :func:`store_day`, e.g. a bulk load)."""
    with central.db.write() as db:
        for table in ("hall_figures_counts_month", "hall_figures_hist_month"):
            db.execute(f"DELETE FROM {table}")  # noqa: S608
        _add_up_months(db, "1 = 1", ())


def _last_of(rows: Sequence[tuple[Any, ...]], width: int) -> list[tuple[Any, ...]]:
    """``rows`` with one row per key (its first ``width`` values): a repeated row replaces the
    earlier one, as a later snapshot replaces an earlier (a hub never repeats one)."""
    return list({row[:width]: row for row in rows}.values())


# -- reports ------------------------------------------------------------------------------------


_FOLLOWUP_KEY = {
    "hour": "hour",
    "window": "win",
    "clerk": "clerk",
    "category": "category",
    "item": "item",
    "day": "day",
}
_OPEN_KEY = {"window": "win", "clerk": "clerk", "day": "day"}


class _Scope:
    """The halls a report covers (and, for ``group``, the group of each) as SQL pieces."""

    def __init__(self, halls: Sequence[str], groups: Mapping[str, str] | None) -> None:
        marks = ", ".join("?" for _ in halls)
        self.where = f" AND hall IN ({marks})"
        self.params = tuple(halls)
        self.prefix = ""
        self.prefix_params: tuple[Any, ...] = ()
        self.join = ""
        if groups is not None:
            pairs = [(h, groups[h]) for h in halls if h in groups]
            values = ", ".join("(?, ?)" for _ in pairs)
            self.prefix = f"WITH grp (gh, g) AS (VALUES {values})"
            self.prefix_params = tuple(v for pair in pairs for v in pair)
            self.join = "JOIN grp ON grp.gh = hall"

    def source(self, first: date, last: date, *, by_month: bool = True) -> Source:
        """Where the rows of ``first``..``last`` are read: the day tables, or (``by_month``)
        the month tables for the whole months of the range and the day tables for the rest."""
        counts, counts_params = _rows_of(
            "hall_figures_counts", COUNT_COLUMNS, first, last, by_month
        )
        hist, hist_params = _rows_of(
            "hall_figures_hist", ("metric", "bucket", "n"), first, last, by_month
        )
        return Source(
            counts,
            hist,
            self.where,
            self.params,
            self.prefix,
            self.prefix_params,
            self.join,
            counts_params,
            hist_params,
        )

    def grouped(self, db: Tx, sql: str, params: Sequence[Any]) -> list[Any]:
        """``sql`` (which may use ``grp``) run with the scope's prefix and filter added."""
        return db.query(
            f"{self.prefix} {sql}",
            (*self.prefix_params, *params, *self.params),
        )


def _rows_of(
    table: str, columns: Sequence[str], first: date, last: date, by_month: bool
) -> tuple[str, tuple[str, ...]]:
    """``table``, or a subquery reading whole months from its ``_month`` twin (rows dated the
    month's first day, inside the range) and the other days from ``table`` itself."""
    start = first if first.day == 1 else _next_month(first)
    end = (
        _next_month(last) if _next_month(last) - timedelta(days=1) == last else last.replace(day=1)
    )
    if not by_month or start >= end:
        return table, ()
    names = ", ".join(("hall", "day", "dim", "key", *columns))
    head, tail = start - timedelta(days=1), end
    sql = (
        f"(SELECT {names} FROM {table}_month WHERE day >= ? AND day < ?"  # noqa: S608
        f" UNION ALL SELECT {names} FROM {table}"
        " WHERE (day >= ? AND day <= ?) OR (day >= ? AND day <= ?)) AS f"
    )
    params = (
        start.isoformat(),
        end.isoformat(),
        first.isoformat(),
        head.isoformat(),
        tail.isoformat(),
        last.isoformat(),
    )
    return sql, params


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def central_report(
    central: CentralStore,
    from_day: date,
    to_day: date,
    by: str,
    *,
    halls: Sequence[str],
    today: date,
    labels: Mapping[str, str] | None = None,
    groups: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The report of ``halls`` for service days ``from_day``..``to_day``, grouped ``by`` one of
    :data:`CENTRAL_GROUPINGS`, shaped as the hub's :func:`sync.figures.report.report` answer
    (``{"rows": [...], "total": {...}}``, rows :class:`~sync.figures.figures.Figures`).

    ``group`` needs ``groups`` (hall id → group key, e.g. the child region it lies in);
    ``labels`` names the keys of ``hall``/``group`` rows. Follow-ups are overdue as of
    ``today``. Raises ValueError for an unknown grouping.
    """
    if by not in CENTRAL_GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}")
    if by == "group" and groups is None:
        raise ValueError("grouping by group needs the groups")
    first, last = from_day.isoformat(), to_day.isoformat()
    if not halls:
        return {"rows": [], "total": _total_of({}, {}, 0, first, last)}
    scope = _Scope(halls, groups if by == "group" else None)
    source = scope.source(from_day, to_day, by_month=by != "day")
    dim = DIMENSIONS.get(by, "t")
    column = {"day": "day", "hall": "hall", "group": "grp.g"}.get(by, "key")
    all_t = dim == "t"  # each day's total rows belong to one key: the total comes along
    with central.db.read() as db:
        if db.dialect == "postgresql":
            db.execute("SET LOCAL work_mem = '64MB'")  # a month of 1,000 halls sorts in memory
        sums = _counts(db, dim, from_day, to_day, column, source)
        hists = sql_percentiles(
            db, dim, from_day, to_day, column, source, total=_TOTAL if all_t else None
        )
        total_pcts = hists.pop(_TOTAL, {})
        added = _added(sums)  # before the keys get their open sign-ins (the total gets its own)
        late = _overdue(db, scope, by, first, last, today)
        presence = by in (*WITH_PRESENCE, "hall", "group")
        if presence:
            _add_open(db, scope, by, first, last, sums)
        rows = [
            make(
                key,
                _label(by, key, labels or {}),
                sums.get(key, {}),
                hists.get(key, {}),
                issued=by not in ("window", "clerk"),
                presence=presence,
                overdue=late.get(key, 0),
            ).to_dict()
            for key in _order(by, set(sums) | set(hists) | set(late), labels or {})
        ]
        total_scope = _Scope(halls, None)
        total_source = total_scope.source(from_day, to_day)
        if all_t:
            total_sums = {"t": added}
        else:
            total_sums = _counts(db, "t", from_day, to_day, "dim", total_source)
            total_pcts = sql_percentiles(db, "t", from_day, to_day, "dim", total_source).get(
                "t", {}
            )
        _add_open(db, total_scope, None, first, last, total_sums)
        total_late = sum(_overdue(db, total_scope, None, first, last, today).values())
        nobody = _counts(db, "c", from_day, to_day, "key", total_source).get("", {})
    total = _total_of(total_sums.get("t", {}), total_pcts, total_late, first, last)
    total["ratings_without_clerk"] = sum(int(nobody.get(f"r{n}") or 0) for n in range(1, 6))
    total["halls"] = len(halls)
    return {"rows": rows, "total": total}


_TOTAL = "\t*"
"""The key the total's percentiles come back under (no hall, region or day is written so)."""


def _added(sums: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The rows' sums added up (maxima: the largest), as one row of the total."""
    out: dict[str, Any] = {}
    for row in sums.values():
        for column, value in row.items():
            if value is None:
                continue
            if column in MAXED:
                out[column] = max(float(value), float(out.get(column) or 0.0))
            else:
                out[column] = (out.get(column) or 0) + value
    return out


def _total_of(
    sums: dict[str, Any], pcts: dict[str, dict[int, int]], late: int, first: str, last: str
) -> dict[str, Any]:
    answer = make("total", "合计", sums, pcts, issued=True, presence=True, overdue=late).to_dict()
    answer["from"], answer["to"] = first, last
    return answer


def _overdue(
    db: Tx, scope: _Scope, by: str | None, first: str, last: str, today: date
) -> dict[str, int]:
    """Follow-ups overdue as of ``today`` per row key. Those without a ticket count only in the
    total and in hall/group rows, as on the hub (which counts them in its total)."""
    with_ticket = "" if by in (None, "hall", "group") else " AND win IS NOT NULL"
    join = scope.join if by == "group" else ""
    key, group = _key_of(by, _FOLLOWUP_KEY)
    rows = scope.grouped(
        db,
        f"SELECT {key}, COUNT(*) FROM hall_followups {join}"  # noqa: S608
        f" WHERE day BETWEEN ? AND ? AND late_from < ?{with_ticket}{scope.where}{group}",
        (first, last, today.isoformat()),
    )
    return {str(r[0] or ""): int(r[1]) for r in rows}


def _key_of(by: str | None, keys: Mapping[str, str]) -> tuple[str, str]:
    """The key expression of grouping ``by`` and its GROUP BY clause (the total: ``'t'``)."""
    if by is None:
        return "'t'", ""
    key = {"hall": "hall", "group": "grp.g"}.get(by) or keys[by]
    return key, f" GROUP BY {key}"


def _add_open(
    db: Tx,
    scope: _Scope,
    by: str | None,
    first: str,
    last: str,
    sums: dict[str, dict[str, Any]],
) -> None:
    """Add the sign-ins and pauses under way at each snapshot to ``sums``."""
    join = scope.join if by == "group" else ""
    key, group = _key_of(by, _OPEN_KEY)
    for row in scope.grouped(
        db,
        f"SELECT {key}, SUM(signed_in_s), SUM(pause_s) FROM hall_figures_open {join}"  # noqa: S608
        f" WHERE day BETWEEN ? AND ?{scope.where}{group}",
        (first, last),
    ):
        if row[1] is None and row[2] is None:
            continue  # the total's one row over nothing
        target = sums.setdefault(str(row[0] or ""), {})
        for column, value in (("signed_in_s", row[1]), ("pause_s", row[2])):
            target[column] = float(target.get(column) or 0.0) + float(value or 0.0)


def _label(by: str, key: str, labels: Mapping[str, str]) -> str:
    if by in ("hall", "group"):
        return labels.get(key, key)
    if by == "window":
        return f"{key}号窗口"
    if by == "clerk":
        return f"工号{key}" if key else NO_CLERK
    if by == "category":
        return labels.get(key, f"{key}类业务")
    if by == "item":
        return labels.get(key, key) if key else NO_ITEM
    if by == "hour":
        return f"{int(key):02d}:00–{(int(key) + 1) % 24:02d}:00"
    return f"{key} {WEEKDAYS[date.fromisoformat(key).weekday()]}"


def _order(by: str, keys: set[str], labels: Mapping[str, str]) -> list[str]:
    if by == "window":
        return sorted(keys, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))
    if by == "hall":
        return sorted(keys, key=lambda k: (labels.get(k, k), k))
    return sorted(keys, key=lambda k: (k == "", k))
