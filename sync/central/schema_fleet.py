"""Central's migration 9: fleet updates (docs/fleet-updates.md).

``releases``: the version of hallkit each hall should run, named by ``hall central repo release
VERSION [--region CODE]``; ``scope`` is ``''`` for every hall or a region's code (a hall takes the
release of its nearest region that has one, else the all-halls one). ``box_updates``: each box's
latest update state, from the ``box.update`` events its hub sends (one row per hall and box).
"""

from __future__ import annotations

from sync.store import Migration

_SQL = """
CREATE TABLE releases (
    scope TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    named_at TEXT NOT NULL
);
CREATE TABLE box_updates (
    hall TEXT NOT NULL REFERENCES halls(id),
    box TEXT NOT NULL,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    message TEXT NOT NULL,
    installed TEXT NOT NULL,
    previous TEXT NOT NULL,
    release TEXT,
    at TEXT NOT NULL,
    seq BIGINT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (hall, box)
);
"""

_NAME = "fleet updates: the release each hall should run, and each box's update state"
MIGRATION_SQLITE = Migration("central", 9, _NAME, _SQL)
MIGRATION_PG = Migration("central", 9, _NAME, _SQL)
