"""Central's migration 5: each hall's figures, day by day, as its hub computed them.

``hall_figures_counts`` and ``hall_figures_hist`` are the hub's ``figures_counts`` and
``figures_hist`` (:mod:`sync.figures.schema`) with the hall in front; ``hall_followups`` the
day's follow-ups with the date each turns overdue; ``hall_figures_open`` the sign-ins and pauses
under way when the snapshot was made; ``hall_figure_days`` which snapshot each day holds.
``hall_figures_counts_month`` and ``hall_figures_hist_month`` are each hall's days of a month
added up (``day``: the month's first day), kept by :func:`sync.central.figures.store_day`, so a report
over whole months reads one row where it would read a row per day.
"""

from __future__ import annotations

from sync.store import Migration

_COUNTS = """
CREATE TABLE {name} (
    hall TEXT NOT NULL,
    day TEXT NOT NULL,
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
    issued BIGINT NOT NULL DEFAULT 0,
    called BIGINT NOT NULL DEFAULT 0,
    served BIGINT NOT NULL DEFAULT 0,
    missed BIGINT NOT NULL DEFAULT 0,
    transferred BIGINT NOT NULL DEFAULT 0,
    r1 BIGINT NOT NULL DEFAULT 0,
    r2 BIGINT NOT NULL DEFAULT 0,
    r3 BIGINT NOT NULL DEFAULT 0,
    r4 BIGINT NOT NULL DEFAULT 0,
    r5 BIGINT NOT NULL DEFAULT 0,
    signed_in_s DOUBLE PRECISION NOT NULL DEFAULT 0,
    pauses BIGINT NOT NULL DEFAULT 0,
    pause_s DOUBLE PRECISION NOT NULL DEFAULT 0,
    wait_max DOUBLE PRECISION,
    service_max DOUBLE PRECISION,
    PRIMARY KEY (hall, day, dim, key)
);
"""
_HIST = """
CREATE TABLE {name} (
    hall TEXT NOT NULL,
    day TEXT NOT NULL,
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
    metric TEXT NOT NULL,
    bucket BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (hall, day, dim, key, metric, bucket)
);
"""

_TABLES = """
CREATE TABLE hall_figure_days (
    hall TEXT NOT NULL REFERENCES halls(id),
    day TEXT NOT NULL,
    digest TEXT NOT NULL,
    as_of TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (hall, day)
);
{counts_day}{hist_day}CREATE TABLE hall_followups (
    hall TEXT NOT NULL,
    day TEXT NOT NULL,
    id TEXT NOT NULL,
    hour TEXT,
    win TEXT,
    clerk TEXT,
    category TEXT,
    item TEXT,
    late_from TEXT,
    PRIMARY KEY (hall, day, id)
);
CREATE INDEX hall_followups_late ON hall_followups (late_from);
CREATE TABLE hall_figures_open (
    hall TEXT NOT NULL,
    day TEXT NOT NULL,
    win TEXT NOT NULL,
    clerk TEXT NOT NULL,
    signed_in_s DOUBLE PRECISION NOT NULL,
    pause_s DOUBLE PRECISION NOT NULL
);
CREATE INDEX hall_figures_open_by_day ON hall_figures_open (hall, day)
"""
_SQL = _TABLES.format(
    counts_day=_COUNTS.format(name="hall_figures_counts")
    + _COUNTS.format(name="hall_figures_counts_month"),
    hist_day=_HIST.format(name="hall_figures_hist") + _HIST.format(name="hall_figures_hist_month"),
)
"""The day tables and their month twins have the same columns (a month row: its first day)."""

_NAME = "each hall's figures per day (sync/central/figures.py)"
MIGRATION_SQLITE = Migration("central", 5, _NAME, _SQL)
MIGRATION_PG = Migration(
    "central",
    5,
    _NAME,
    _SQL
    + """;
CREATE INDEX hall_figures_hist_month_report
    ON hall_figures_hist_month (dim, day, hall, key, metric, bucket) INCLUDE (n)
""",
)
"""On PostgreSQL a report over whole months reads the month histograms of one dimension from
this index alone (an index-only scan), not the whole table."""
