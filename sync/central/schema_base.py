"""Central's first two migrations, once per engine: halls, enrollment, keys, nonces, events,
catalogs, appointments (1) and cases (2).

The same tables on SQLite and on PostgreSQL with each engine's types; later migrations live in
the ``schema_*`` module of the feature they serve and are listed in
:data:`sync.central.store.MIGRATIONS`.
"""

from __future__ import annotations

from sync.store import Migration

CENTRAL_MIGRATIONS = [
    Migration(
        "central",
        1,
        "halls, enrollment, keys, nonces, events, catalogs, appointments",
        """
        CREATE TABLE halls (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            created_at TEXT NOT NULL,
            rating_scale TEXT NOT NULL DEFAULT 'gbt39046'
                CHECK (rating_scale IN ('gbt39046', 'reverse')),
            catalog_version INTEGER NOT NULL DEFAULT 0,
            acked_seq INTEGER NOT NULL DEFAULT 0,
            max_seq INTEGER NOT NULL DEFAULT 0,
            held INTEGER NOT NULL DEFAULT 0,
            applied INTEGER NOT NULL DEFAULT 0,
            rejected INTEGER NOT NULL DEFAULT 0,
            conflicts INTEGER NOT NULL DEFAULT 0,
            hub_last_seq INTEGER NOT NULL DEFAULT 0,
            hub_name TEXT NOT NULL DEFAULT '',
            hub_version TEXT NOT NULL DEFAULT '',
            last_contact REAL
        );
        CREATE TABLE enrollment_codes (
            code_hash TEXT PRIMARY KEY,
            hall TEXT NOT NULL REFERENCES halls(id),
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            used_at REAL
        );
        CREATE TABLE enroll_failures (
            address TEXT NOT NULL,
            at REAL NOT NULL
        );
        CREATE INDEX enroll_failures_by_address ON enroll_failures (address, at);
        CREATE TABLE keys (
            key_id TEXT PRIMARY KEY,
            hall TEXT NOT NULL REFERENCES halls(id),
            secret TEXT NOT NULL,
            created_at REAL NOT NULL,
            revoked_at REAL
        );
        CREATE INDEX keys_by_hall ON keys (hall);
        CREATE TABLE nonces (
            key_id TEXT NOT NULL,
            nonce TEXT NOT NULL,
            seen_at REAL NOT NULL,
            PRIMARY KEY (key_id, nonce)
        ) WITHOUT ROWID;
        CREATE INDEX nonces_by_age ON nonces (seen_at);
        CREATE TABLE events (
            hall TEXT NOT NULL REFERENCES halls(id),
            seq INTEGER NOT NULL,
            event_id TEXT NOT NULL,
            type TEXT NOT NULL,
            schema_version INTEGER NOT NULL,
            payload TEXT NOT NULL,
            wall_time TEXT NOT NULL,
            clock_trusted INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('applied', 'rejected')),
            reason TEXT,
            received_at TEXT NOT NULL,
            PRIMARY KEY (hall, seq)
        );
        CREATE TABLE applied_counts (
            hall TEXT NOT NULL,
            type TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (hall, type)
        ) WITHOUT ROWID;
        CREATE TABLE idempotency_keys (
            hall TEXT NOT NULL,
            key TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            times INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (hall, key)
        ) WITHOUT ROWID;
        CREATE TABLE catalogs (
            hall TEXT NOT NULL REFERENCES halls(id),
            version INTEGER NOT NULL,
            checksum TEXT NOT NULL,
            body TEXT NOT NULL,
            published_at TEXT NOT NULL,
            PRIMARY KEY (hall, version)
        );
        CREATE TABLE appointment_days (
            hall TEXT NOT NULL REFERENCES halls(id),
            date TEXT NOT NULL,
            version INTEGER NOT NULL,
            PRIMARY KEY (hall, date)
        ) WITHOUT ROWID;
        CREATE TABLE appointments (
            hall TEXT NOT NULL REFERENCES halls(id),
            code TEXT NOT NULL,
            date TEXT NOT NULL,
            slot_start TEXT NOT NULL,
            slot_end TEXT NOT NULL,
            category TEXT NOT NULL,
            item_id TEXT,
            id_number TEXT,
            status TEXT NOT NULL CHECK (status IN ('booked', 'cancelled')),
            PRIMARY KEY (hall, code)
        );
        CREATE INDEX appointments_by_day ON appointments (hall, date);
        """,
    ),
    Migration(
        "central",
        2,
        "cases learnt from case.accepted events (sync/central/cases.py)",
        """
        CREATE TABLE cases (
            hall TEXT NOT NULL REFERENCES halls(id),
            receipt TEXT NOT NULL,
            item_id TEXT NOT NULL,
            item_name TEXT NOT NULL,
            accepted_on TEXT NOT NULL,
            promised_on TEXT,
            status TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (hall, receipt)
        );
        CREATE INDEX cases_by_receipt ON cases (receipt);
        """,
    ),
]


CENTRAL_MIGRATIONS_PG = [
    Migration(
        "central",
        1,
        "halls, enrollment, keys, nonces, events (partitioned by month), catalogs, appointments",
        """
        CREATE TABLE halls (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            created_at TEXT NOT NULL,
            rating_scale TEXT NOT NULL DEFAULT 'gbt39046'
                CHECK (rating_scale IN ('gbt39046', 'reverse')),
            catalog_version BIGINT NOT NULL DEFAULT 0,
            acked_seq BIGINT NOT NULL DEFAULT 0,
            max_seq BIGINT NOT NULL DEFAULT 0,
            held BIGINT NOT NULL DEFAULT 0,
            applied BIGINT NOT NULL DEFAULT 0,
            rejected BIGINT NOT NULL DEFAULT 0,
            conflicts BIGINT NOT NULL DEFAULT 0,
            hub_last_seq BIGINT NOT NULL DEFAULT 0,
            hub_name TEXT NOT NULL DEFAULT '',
            hub_version TEXT NOT NULL DEFAULT '',
            last_contact DOUBLE PRECISION
        );
        CREATE TABLE enrollment_codes (
            code_hash TEXT PRIMARY KEY,
            hall TEXT NOT NULL REFERENCES halls(id),
            created_at DOUBLE PRECISION NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL,
            used_at DOUBLE PRECISION
        );
        CREATE TABLE enroll_failures (
            address TEXT NOT NULL,
            at DOUBLE PRECISION NOT NULL
        );
        CREATE INDEX enroll_failures_by_address ON enroll_failures (address, at);
        CREATE TABLE keys (
            key_id TEXT PRIMARY KEY,
            hall TEXT NOT NULL REFERENCES halls(id),
            secret TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            revoked_at DOUBLE PRECISION
        );
        CREATE INDEX keys_by_hall ON keys (hall);
        CREATE TABLE nonces (
            key_id TEXT NOT NULL,
            nonce TEXT NOT NULL,
            seen_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (key_id, nonce)
        );
        CREATE INDEX nonces_by_age ON nonces (seen_at);
        CREATE TABLE events (
            hall TEXT NOT NULL,
            seq BIGINT NOT NULL,
            event_id TEXT NOT NULL,
            type TEXT NOT NULL,
            schema_version INTEGER NOT NULL,
            payload TEXT NOT NULL,
            wall_time TEXT NOT NULL,
            clock_trusted INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('applied', 'rejected')),
            reason TEXT,
            received_at TEXT NOT NULL,
            month DATE NOT NULL,
            PRIMARY KEY (hall, seq, month)
        ) PARTITION BY RANGE (month);
        CREATE TABLE events_default PARTITION OF events DEFAULT;
        CREATE TABLE applied_counts (
            hall TEXT NOT NULL,
            type TEXT NOT NULL,
            count BIGINT NOT NULL,
            PRIMARY KEY (hall, type)
        );
        CREATE TABLE idempotency_keys (
            hall TEXT NOT NULL,
            key TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            times BIGINT NOT NULL DEFAULT 1,
            PRIMARY KEY (hall, key)
        );
        CREATE TABLE catalogs (
            hall TEXT NOT NULL REFERENCES halls(id),
            version BIGINT NOT NULL,
            checksum TEXT NOT NULL,
            body TEXT NOT NULL,
            published_at TEXT NOT NULL,
            PRIMARY KEY (hall, version)
        );
        CREATE TABLE appointment_days (
            hall TEXT NOT NULL REFERENCES halls(id),
            date TEXT NOT NULL,
            version BIGINT NOT NULL,
            PRIMARY KEY (hall, date)
        );
        CREATE TABLE appointments (
            hall TEXT NOT NULL REFERENCES halls(id),
            code TEXT NOT NULL,
            date TEXT NOT NULL,
            slot_start TEXT NOT NULL,
            slot_end TEXT NOT NULL,
            category TEXT NOT NULL,
            item_id TEXT,
            id_number TEXT,
            status TEXT NOT NULL CHECK (status IN ('booked', 'cancelled')),
            PRIMARY KEY (hall, code)
        );
        CREATE INDEX appointments_by_day ON appointments (hall, date)
        """,
    ),
    Migration(
        "central",
        2,
        "cases learnt from case.accepted events (sync/central/cases.py)",
        """
        CREATE TABLE cases (
            hall TEXT NOT NULL REFERENCES halls(id),
            receipt TEXT NOT NULL,
            item_id TEXT NOT NULL,
            item_name TEXT NOT NULL,
            accepted_on TEXT NOT NULL,
            promised_on TEXT,
            status TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (hall, receipt)
        );
        CREATE INDEX cases_by_receipt ON cases (receipt)
        """,
    ),
]
"""The same schema on PostgreSQL, same numbers. ``events`` is partitioned by the month central
received them in (``month``, first day of the UTC month; partitions are made as months come,
``events_default`` catches anything else); ``(hall, seq)`` stays unique because a batch is
stored under its hall's row lock after reading what the hall already holds."""
