"""Central's migration 4: the outbox of 好差评 records for the provincial system.

``province_outbox`` holds one row per rating and per follow-up event a hall sent (written in
the batch's own transaction by :func:`sync.central.province.outbox_sink`), whether or not a
province is configured, so configuring one later sends the backlog. ``province_halls`` holds
one row per hall with such records: the lease a sending process holds on the hall (a hall's
records go out in order, by one sender at a time), when to try again after a failure, and the
last error.
"""

from __future__ import annotations

from sync.store import Migration

_SQL = """
CREATE TABLE province_outbox (
    hall TEXT NOT NULL REFERENCES halls(id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    record TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'held')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    held_reason TEXT,
    created_at {time} NOT NULL,
    sent_at {time},
    PRIMARY KEY (hall, seq)
);
CREATE INDEX province_outbox_pending ON province_outbox (hall, seq) WHERE status = 'pending';
CREATE INDEX province_outbox_by_status ON province_outbox (status);
CREATE TABLE province_halls (
    hall TEXT PRIMARY KEY REFERENCES halls(id),
    lease_until {time} NOT NULL DEFAULT 0,
    leased_by TEXT,
    next_at {time} NOT NULL DEFAULT 0,
    last_error TEXT,
    last_error_at {time}
)
"""

_NAME = "好差评 outbox for the provincial system"
MIGRATION_SQLITE = Migration("central", 4, _NAME, _SQL.format(time="REAL"))
MIGRATION_PG = Migration("central", 4, _NAME, _SQL.format(time="DOUBLE PRECISION"))
