"""Central's roll-up report over a month of 1,000 halls (about 10 million events) on PostgreSQL.

Each hall's month is what its hub sends: one figures snapshot per service day
(:func:`sync.figures.snapshot.day_snapshot`), made from events folded by the real fold
(:class:`sync.figures.FigureFold`), the day's events simulated as bench/reports_year.py does
for the sample hall, at about 450 events a working day (10 million events / 1,000 halls / 22
working days). ``VARIANTS`` hall-months are simulated with different random seeds and every
hall gets one of them, loaded with COPY as the rows :func:`sync.central.figures.store_day`
writes, its month totals then added up by :func:`sync.central.figures.refresh_months`.
Then :func:`sync.central.figures.central_report` is timed for the whole month over all halls:
by hall, by a grouping of halls (towns), by category and by day.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from bench.central_pg import new_cluster
from bench.hubproc import percentile
from bench.report import Measure, Target
from bench.reports_year import _Day
from config import HallCalendar, sample_hall
from hub.tables import ALL_MIGRATIONS
from sync.central.figures import DayFigures, central_report, refresh_months
from sync.central.store import CentralStore
from sync.figures import FigureFold
from sync.figures.snapshot import COUNT_COLUMNS, day_snapshot
from sync.store import Store

REPORT_TARGET_S = 2.0
HALLS = 1000
VARIANTS = 8
TOWNS = 20
EVENTS_PER_HALL_MONTH = 10_000
FIRST_DAY = date(2026, 11, 1)
LAST_DAY = date(2026, 11, 30)


def _hall_month(
    folder: Path, seed: int, tickets: int
) -> tuple[list[tuple[str, dict[str, Any]]], int]:
    """One simulated hall-month: (day, snapshot body) per working day, and its events."""
    config = sample_hall()
    calendar = HallCalendar(config)
    fold = FigureFold(calendar)
    rng = random.Random(seed)  # noqa: S311 - a reproducible simulation
    store = Store(folder / f"hall-{seed}.db", ALL_MIGRATIONS)
    conn = store.db.conn
    days = [FIRST_DAY + timedelta(days=n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]
    days = [d for d in days if calendar.is_working_day(d)]
    events = 0
    snapshots = []
    try:
        for number, day in enumerate(days):
            simulated = _Day(config, calendar, day, rng)
            simulated.staff()
            for index in range(int(tickets * rng.uniform(0.85, 1.15))):
                simulated.ticket(index)
            simulated.events.sort(key=lambda e: e[0])
            with store.write():
                for when, type_, payload in simulated.events:
                    fold.apply(conn, type_, payload, when)
                if number + 1 < len(days):
                    closing = simulated.at("23:59")
                    fold.apply(conn, "day.closed", {"service_day": day.isoformat()}, closing)
            events += len(simulated.events) + 1
        end = datetime.combine(LAST_DAY, datetime.min.time(), tzinfo=calendar.zone)
        for day in days:
            snapshot = day_snapshot(store.reader(), day.isoformat(), calendar, end)
            snapshots.append((snapshot.day, snapshot.body))
    finally:
        store.close()
    return snapshots, events


def _tickets_per_day(folder: Path) -> int:
    """Tickets a day that give about EVENTS_PER_HALL_MONTH events in the month."""
    probe, events = _hall_month(folder, 999, 50)
    per_ticket_day = events / len(probe) / 50  # staff events included, roughly
    return max(5, round(EVENTS_PER_HALL_MONTH / len(probe) / per_ticket_day))


def run(quick: bool, work: Path) -> list[Measure]:
    """Load a month of snapshots for HALLS halls (a tenth with ``quick``) and time reports."""
    halls_n = HALLS // 10 if quick else HALLS
    with tempfile.TemporaryDirectory(prefix="rollup-", dir=work) as temp:
        folder = Path(temp)
        tickets = _tickets_per_day(folder)
        months = [_hall_month(folder, seed, tickets) for seed in range(VARIANTS)]
    cluster = new_cluster()
    try:
        central = CentralStore(cluster.database("central"), pool_size=4)
        try:
            return _measure(central, months, halls_n)
        finally:
            central.close()
    finally:
        cluster.remove()


def _bulk_store(
    central: CentralStore,
    halls: list[str],
    offset: int,
    parsed: list[list[tuple[str, DayFigures]]],
) -> None:
    """The day rows :func:`store_day` would write for these halls' days, in one COPY per table
    (21,000 store_day transactions would make the set-up, not the report, the long part); the
    caller then adds up the months with :func:`refresh_months`."""
    counts, hist, followups, opened, days = [], [], [], [], []
    for index, hall in enumerate(halls, start=offset):
        for day, figures in parsed[index % VARIANTS]:
            counts += [(hall, day, *row) for row in figures.counts]
            hist += [(hall, day, *row) for row in figures.hist]
            followups += [(hall, day, *row) for row in figures.followups]
            opened += [(hall, day, *row) for row in figures.open]
            days.append((hall, day, f"{index % VARIANTS}-{day}", figures.as_of, figures.as_of))
    with central.db.write() as db:
        db.insert_rows("hall_figures_counts", ("hall", "day", "dim", "key", *COUNT_COLUMNS), counts)
        db.insert_rows(
            "hall_figures_hist", ("hall", "day", "dim", "key", "metric", "bucket", "n"), hist
        )
        db.insert_rows(
            "hall_followups",
            ("hall", "day", "id", "hour", "win", "clerk", "category", "item", "late_from"),
            followups,
        )
        db.insert_rows(
            "hall_figures_open", ("hall", "day", "win", "clerk", "signed_in_s", "pause_s"), opened
        )
        db.insert_rows("hall_figure_days", ("hall", "day", "digest", "as_of", "received_at"), days)


def _measure(
    central: CentralStore, months: list[tuple[list[tuple[str, dict[str, Any]]], int]], halls_n: int
) -> list[Measure]:
    halls = [central.add_hall(f"汇总大厅{i:04d}")[0].id for i in range(halls_n)]
    parsed = [
        [(day, DayFigures.model_validate(body)) for day, body in snapshots]
        for snapshots, _ in months
    ]
    started = time.perf_counter()
    for first in range(0, halls_n, 50):
        _bulk_store(central, halls[first : first + 50], first, parsed)
    refresh_months(central)  # the month totals store_day keeps as days arrive
    # What autovacuum does soon after a bulk load: without statistics the planner takes the
    # freshly filled tables for empty ones and picks nested loops (reports ~10× slower), and
    # without the visibility map an index-only scan still visits the table.
    with psycopg.connect(central.location, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    with central.db.read() as db:
        served = db.execute(
            "SELECT SUM(served) FROM hall_figures_counts WHERE dim = 't' AND day BETWEEN ? AND ?",
            (FIRST_DAY.isoformat(), LAST_DAY.isoformat()),
        ).fetchone()[0]
    loaded = time.perf_counter() - started
    events = sum(months[i % VARIANTS][1] for i in range(halls_n))
    with central.db.read() as db:
        rows = sum(
            int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608
            for table in ("hall_figures_counts", "hall_figures_hist", "hall_followups")
        )
    towns = {hall: f"town-{i % TOWNS:02d}" for i, hall in enumerate(halls)}
    group = "central on PostgreSQL: month roll-up report"
    note = (
        f"{halls_n} halls × {len(parsed[0])} working days of figures snapshots ({events} events"
        f" folded by the hubs' fold, {rows} rows at central; loaded in {loaded:.0f} s by COPY as"
        f" store_day would store them, then refresh_months and VACUUM ANALYZE); report of"
        f" {FIRST_DAY:%Y-%m} over every hall, median of 3 after one warm-up, durable PostgreSQL"
    )
    measures = []
    for by in ("hall", "group", "category", "day"):
        times = []
        for attempt in range(4):
            t0 = time.perf_counter()
            report = central_report(
                central,
                FIRST_DAY,
                LAST_DAY,
                by,
                halls=halls,
                today=LAST_DAY,
                groups=towns if by == "group" else None,
            )
            if attempt:
                times.append(time.perf_counter() - t0)
        if report["total"]["halls"] != halls_n or report["total"]["served"] != served:
            raise RuntimeError(f"the report by {by} does not add up: {report['total']}")
        measures.append(
            Measure(
                group,
                f"month report by {by}",
                percentile(times, 50),
                "s",
                len(times),
                Target(at_most=REPORT_TARGET_S),
                note=note,
            )
        )
    return measures


if __name__ == "__main__":
    import sys

    from bench.report import print_measures

    with tempfile.TemporaryDirectory(prefix="central-rollup-") as temp:
        print_measures(run("--full" not in sys.argv, Path(temp)))
