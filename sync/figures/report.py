"""Reports over the rollups: rows and total for a range of days, and the arrivals heat map.

A report reads only the rollup tables (``figures_counts``, ``figures_hist``), the fold's open
sign-ins and pauses, and the follow-ups table: a month × window report reads about
days × windows rows, whatever the number of tickets.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from config import HallCalendar, HallConfig
from sync.figures import labels, overdue
from sync.figures.figures import Figures, make
from sync.figures.presence import open_intervals
from sync.figures.rollup import SUMMED, Sql

DIMENSIONS = {"window": "w", "clerk": "c", "category": "g", "item": "i", "hour": "h", "day": "t"}
"""Grouping → the rollup dimension its rows are read from (days from the day totals)."""

WITH_PRESENCE = ("window", "clerk", "day")
"""Groupings that have signed-in time and pauses (a sign-in has no hour, category or item)."""

_SUMS = ", ".join(f"SUM({c})" for c in SUMMED)
_COLUMNS = (*SUMMED, "wait_max", "service_max")


@dataclass(frozen=True)
class Source:
    """Where a report's rollups are read: the hub's own tables (the default), or central's
    tables of many halls narrowed to some of them (:mod:`sync.central.figures`).

    ``where`` is an extra condition (`` AND hall IN (?, ?)``) with its ``params``; ``prefix``
    a ``WITH`` clause (its ``prefix_params`` first) and ``join`` a join on it, so that a key
    may come from another table (a hall's region)."""

    counts: str = "figures_counts"
    hist: str = "figures_hist"
    where: str = ""
    params: tuple[Any, ...] = ()
    prefix: str = ""
    prefix_params: tuple[Any, ...] = ()
    join: str = ""
    counts_params: tuple[Any, ...] = ()
    """Parameters of ``counts`` when it is a subquery (``(SELECT …) AS c``)."""
    hist_params: tuple[Any, ...] = ()
    """Parameters of ``hist`` when it is a subquery."""


HUB = Source()


def _counts(
    db: Sql, dim: str, first: date, last: date, key: str, source: Source = HUB
) -> dict[str, dict[str, Any]]:
    rows = db.execute(
        f"{source.prefix} SELECT {key}, {_SUMS}, MAX(wait_max), MAX(service_max)"  # noqa: S608
        f" FROM {source.counts} {source.join}"
        f" WHERE dim = ? AND day BETWEEN ? AND ?{source.where} GROUP BY {key}",
        (
            *source.prefix_params,
            *source.counts_params,
            dim,
            first.isoformat(),
            last.isoformat(),
            *source.params,
        ),
    ).fetchall()
    return {str(r[0]): dict(zip(_COLUMNS, tuple(r)[1:], strict=True)) for r in rows}


PERCENTILES = (50, 90)
"""The percentiles a report gives of waits and service times."""


def sql_percentiles(
    db: Sql,
    dim: str,
    first: date,
    last: date,
    key: str,
    source: Source = HUB,
    *,
    total: str | None = None,
) -> dict[str, dict[str, dict[int, int]]]:
    """key → metric → {pct: value}: :func:`sync.figures.grid.percentile` (nearest rank over
    the merged histograms) computed inside SQLite, so a long report holds the hub's
    interpreter only for its result rows. ``cum * 100 >= pct * total`` is ``cum >=
    ceil(pct / 100 × total)`` for whole numbers, exactly. With ``total``, the percentiles of
    all the rows together come too, under that key, from the same merged histograms (one read
    of the rows where a second query would read them again)."""
    picks = ", ".join(
        f"MIN(CASE WHEN cum * 100 >= {p} * total THEN bucket END)" for p in PERCENTILES
    )
    found: dict[str, dict[str, dict[int, int]]] = defaultdict(dict)
    with_ = f"{source.prefix}," if source.prefix else "WITH"
    rows, with_total = "merged", ""
    if total is not None:
        rows, with_total = (
            "merged_all",
            "merged_all AS (SELECT k, metric, bucket, n FROM merged UNION ALL"
            " SELECT ?, metric, bucket, CAST(SUM(n) AS BIGINT) FROM merged GROUP BY metric, bucket),",
        )
    for row in db.execute(
        f"{with_} merged AS (SELECT {key} AS k, metric, bucket, CAST(SUM(n) AS BIGINT) AS n"  # noqa: S608
        f"   FROM {source.hist} {source.join}"
        f"   WHERE dim = ? AND day BETWEEN ? AND ?{source.where} GROUP BY {key}, metric, bucket),"
        f" {with_total}"
        " running AS (SELECT k, metric, bucket,"
        "   CAST(SUM(n) OVER (PARTITION BY k, metric ORDER BY bucket) AS BIGINT) AS cum,"
        "   CAST(SUM(n) OVER (PARTITION BY k, metric) AS BIGINT) AS total"
        f"   FROM {rows})"
        f" SELECT k, metric, {picks} FROM running WHERE total > 0 GROUP BY k, metric",
        (
            *source.prefix_params,
            *source.hist_params,
            dim,
            first.isoformat(),
            last.isoformat(),
            *source.params,
            *(() if total is None else (total,)),
        ),
    ).fetchall():
        values = tuple(row)
        found[str(values[0])][str(values[1])] = {
            p: int(v) for p, v in zip(PERCENTILES, values[2:], strict=True) if v is not None
        }
    return found


def _add_open(
    sums: dict[str, dict[str, Any]],
    db: Sql,
    calendar: HallCalendar,
    now: datetime,
    by: str | None,
    first: date,
    last: date,
) -> None:
    """Add the time of sign-ins and pauses still under way (up to ``now``) to ``sums``."""
    for interval in open_intervals(db, calendar, now):
        if not first.isoformat() <= interval["day"] <= last.isoformat():
            continue
        key = {"window": interval["window"], "clerk": interval["clerk"], "day": interval["day"]}
        row = sums.setdefault(key[by] if by else "", {})
        for column in ("signed_in_s", "pause_s"):
            row[column] = (row.get(column) or 0.0) + interval.get(column, 0.0)


def report(
    db: Sql,
    from_day: date,
    to_day: date,
    by: str,
    *,
    config: HallConfig,
    now: datetime,
) -> dict[str, Any]:
    """``{"rows": [...], "total": {...}}`` for the service days ``from_day``..``to_day``
    (both included) grouped ``by`` window, clerk, category, item, hour or day.

    Each row is :class:`sync.figures.figures.Figures` as a dict; the total has the same
    figures (key ``"total"``, label 合计) plus ``ratings_without_clerk`` (ratings of services
    with nobody signed in), ``followups_overdue_without_ticket`` (kiosk feedback follow-ups,
    in the total only), ``from``, ``to`` and ``as_of`` (the hall time the report was made,
    which open sign-ins and pauses are counted up to and overdue is judged on).
    Raises ValueError for an unknown grouping.
    """
    if by not in DIMENSIONS:
        raise ValueError(f"unknown grouping {by!r}")
    calendar = HallCalendar(config)
    today = calendar.service_day(now)
    dim = DIMENSIONS[by]
    column = "day" if by == "day" else "key"
    sums = _counts(db, dim, from_day, to_day, column)
    hists = sql_percentiles(db, dim, from_day, to_day, column)
    late = overdue.overdue(db, dim, from_day, to_day, today, by_day=by == "day")
    presence = by in WITH_PRESENCE
    if presence:
        _add_open(sums, db, calendar, now, by, from_day, to_day)
    keys = set(sums) | set(hists) | set(late) | labels.configured_keys(config, by)
    rows = [
        make(
            key,
            labels.label(config, by, key),
            sums.get(key, {}),
            hists.get(key, {}),
            issued=by not in ("window", "clerk"),
            presence=presence,
            overdue=late.get(key, 0),
        ).to_dict()
        for key in labels.order(config, by, keys)
    ]
    return {"rows": rows, "total": _total(db, calendar, config, from_day, to_day, now)}


def _total(
    db: Sql, calendar: HallCalendar, config: HallConfig, first: date, last: date, now: datetime
) -> dict[str, Any]:
    today = calendar.service_day(now)
    sums = _counts(db, "t", first, last, "key")
    _add_open(sums, db, calendar, now, None, first, last)
    without_ticket = overdue.overdue_without_ticket(db, first, last, today)
    late = sum(overdue.overdue(db, "t", first, last, today).values()) + without_ticket
    total: Figures = make(
        "total",
        "合计",
        sums.get("", {}),
        sql_percentiles(db, "t", first, last, "key").get("", {}),
        issued=True,
        presence=True,
        overdue=late,
    )
    nobody = _counts(db, "c", first, last, "key").get("", {})
    answer = total.to_dict()
    answer["ratings_without_clerk"] = sum(int(nobody.get(f"r{n}") or 0) for n in range(1, 6))
    answer["followups_overdue_without_ticket"] = without_ticket
    answer["from"], answer["to"] = first.isoformat(), last.isoformat()
    answer["as_of"] = calendar.local(now).isoformat(timespec="seconds")
    return answer


def heatmap(db: Sql, from_day: date, to_day: date) -> dict[str, Any]:
    """Arrivals (tickets issued) by weekday × local hour over the service days
    ``from_day``..``to_day``: ``issued[w][h]`` for weekday ``w`` (0 周一 … 6 周日, the
    service day's weekday) and hour ``h`` (0–23), with ``days[w]`` the number of days of that
    weekday in the range (to turn sums into averages), ``max`` and ``total``."""
    issued = [[0] * 24 for _ in range(7)]
    for day, hour, count in db.execute(
        "SELECT day, key, SUM(issued) FROM figures_counts WHERE dim = 'h' AND day BETWEEN ? AND ?"
        " GROUP BY day, key",
        (from_day.isoformat(), to_day.isoformat()),
    ).fetchall():
        issued[date.fromisoformat(day).weekday()][int(hour)] += int(count or 0)
    days = [0] * 7
    current = from_day
    while current <= to_day:
        days[current.weekday()] += 1
        current += timedelta(days=1)
    return {
        "from": from_day.isoformat(),
        "to": to_day.isoformat(),
        "weekdays": list(labels.WEEKDAYS),
        "hours": list(range(24)),
        "issued": issued,
        "days": days,
        "max": max(max(row) for row in issued),
        "total": sum(sum(row) for row in issued),
    }
