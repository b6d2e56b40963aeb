"""Central's migration 6: the console's accounts, its audit log, and each hall's clock.

- ``console_accounts``: people who sign in to ``/console/``, with a role (``admin``: everything;
  ``supervisor`` 督查: reads everything) and optionally a region (``regions.code``): such an
  account sees only the halls of that region's subtree. Passwords only as scrypt hashes
  (:mod:`weblogin.passwords`).
- ``console_sessions`` / ``console_lockout``: who is signed in (the session id only as its
  SHA-256) and the wrong-password counts, in the database so that every worker process of
  ``hall central serve --workers N`` knows them (:mod:`sync.central.console.stored`).
- ``console_audit``: every change made through the console or ``hall central account|region``:
  when, who, what, on what, and the detail (JSON).
- ``halls.last_sent_at`` / ``halls.clock_offset``: the ``sent_at`` of the hall's latest batch
  as its hub wrote it, and how far the hub's clock was ahead of central's when the batch came
  (seconds, negative when behind; the network's delay included), set by
  :func:`note_batch_clock` inside the batch's transaction (:mod:`sync.central.intake`).
"""

from __future__ import annotations

from datetime import datetime

from sync.central.db import Tx
from sync.store import Migration

ROLES = ("admin", "supervisor")

_ACCOUNTS = """
CREATE TABLE console_accounts (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor')),
    region TEXT REFERENCES regions(code),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL,
    disabled_at TEXT
);
"""
_KEPT = """
CREATE TABLE console_sessions (
    id_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    account_id TEXT NOT NULL,
    password_changed_at TEXT NOT NULL,
    csrf TEXT NOT NULL,
    last_seen_ns BIGINT NOT NULL
);
CREATE INDEX console_sessions_by_user ON console_sessions (username);
CREATE TABLE console_lockout (
    username TEXT PRIMARY KEY,
    wrong INTEGER NOT NULL,
    locked_until {real}
);
"""
_HALLS = """
ALTER TABLE halls ADD COLUMN last_sent_at TEXT;
ALTER TABLE halls ADD COLUMN clock_offset {real};
CREATE INDEX console_audit_by_time ON console_audit (at)
"""

_AUDIT = """
CREATE TABLE console_audit (
    id {id} PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{{}}'
);
"""


def _sql(id_column: str, real: str) -> str:
    return (
        _ACCOUNTS + _AUDIT.format(id=id_column) + _KEPT.format(real=real) + _HALLS.format(real=real)
    )


_SQLITE = _sql("INTEGER", "REAL")  # an INTEGER PRIMARY KEY numbers itself
_PG = _sql("BIGINT GENERATED ALWAYS AS IDENTITY", "DOUBLE PRECISION")

_NAME = "console accounts, sessions, lockout and audit; each hall's sent_at and clock offset"
MIGRATION_SQLITE = Migration("central", 6, _NAME, _SQLITE)
MIGRATION_PG = Migration("central", 6, _NAME, _PG)


def note_batch_clock(tx: Tx, hall: str, sent_at: str, received: float) -> None:
    """Remember a batch's ``sent_at`` (the hub's clock, ISO 8601 with offset) and the hub
    clock's offset from central's (``received``, Unix seconds), inside the batch's
    transaction ``tx``. A ``sent_at`` that is no time with an offset leaves the offset as it
    was (the batch itself is stored all the same)."""
    try:
        sent = datetime.fromisoformat(sent_at)
    except ValueError:
        return
    if sent.tzinfo is None:
        return
    tx.execute(
        "UPDATE halls SET last_sent_at = ?, clock_offset = ? WHERE id = ?",
        (sent_at[:64], round(sent.timestamp() - received, 3), hall),
    )
