"""The tables the figures live in: rollups, histograms, and the fold's own state.

``figures_counts`` and ``figures_hist`` are the rollups a report reads; ``figures_tickets`` and
``figures_windows`` are what the fold must remember between events (a ticket's attribution at
its finish, the miss a re-queue undoes, the clerk signed in at a window, an open pause).
``figures_meta`` holds ``rebuild = pending`` while the figures still have to be rebuilt from the
outbox (a store that had events before it got these tables).

Dimension codes (``dim``): ``t`` the day's total (key ``""``), ``h`` local hour (``"09"``),
``w`` window (``"3"``), ``c`` clerk (staff number, ``""`` for nobody signed in), ``g`` category
(``"A"``), ``i`` item (item id, ``""`` for a ticket taken for a category). Histogram metrics:
``w`` wait until first call, ``s`` service time; buckets are :func:`sync.figures.grid.quantise`
values in seconds.
"""

from __future__ import annotations

FIGURES_SQL = """
CREATE TABLE figures_counts (
    dim TEXT NOT NULL,
    day TEXT NOT NULL,
    key TEXT NOT NULL,
    issued INTEGER NOT NULL DEFAULT 0,
    called INTEGER NOT NULL DEFAULT 0,
    served INTEGER NOT NULL DEFAULT 0,
    missed INTEGER NOT NULL DEFAULT 0,
    transferred INTEGER NOT NULL DEFAULT 0,
    r1 INTEGER NOT NULL DEFAULT 0,
    r2 INTEGER NOT NULL DEFAULT 0,
    r3 INTEGER NOT NULL DEFAULT 0,
    r4 INTEGER NOT NULL DEFAULT 0,
    r5 INTEGER NOT NULL DEFAULT 0,
    wait_max REAL,
    service_max REAL,
    signed_in_s REAL NOT NULL DEFAULT 0,
    pauses INTEGER NOT NULL DEFAULT 0,
    pause_s REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (dim, day, key)
) WITHOUT ROWID;
CREATE TABLE figures_hist (
    dim TEXT NOT NULL,
    day TEXT NOT NULL,
    key TEXT NOT NULL,
    metric TEXT NOT NULL CHECK (metric IN ('w', 's')),
    bucket INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (dim, day, key, metric, bucket)
) WITHOUT ROWID;
CREATE TABLE figures_tickets (
    id TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    category TEXT NOT NULL,
    item TEXT NOT NULL,
    called_windows TEXT NOT NULL DEFAULT ',',
    waited INTEGER NOT NULL DEFAULT 0,
    miss_hour TEXT,
    miss_window TEXT,
    miss_clerk TEXT,
    miss_category TEXT,
    fin_hour TEXT,
    fin_window TEXT,
    fin_clerk TEXT,
    fin_category TEXT,
    level INTEGER
) WITHOUT ROWID;
CREATE INDEX figures_tickets_by_day ON figures_tickets (day);
CREATE TABLE figures_windows (
    window TEXT PRIMARY KEY,
    clerk TEXT,
    clerk_day TEXT,
    clerk_since TEXT,
    paused_clerk TEXT,
    paused_day TEXT,
    paused_since TEXT
);
CREATE TABLE figures_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO figures_meta (key, value)
    SELECT 'rebuild', 'pending' WHERE EXISTS
        (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox');
"""
"""Creates the figures tables; on a store that already has an outbox (a new store gets the
hub's migrations before the outbox's) marks a rebuild from its events pending."""
