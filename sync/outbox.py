"""The transactional outbox: every domain change writes its event in the same transaction.

``seq`` is SQLite's ``AUTOINCREMENT`` key, so it only grows and is never reused, even after
acknowledged events are purged. The uplink drains events in ``seq`` order; the LAN event stream
replays them for clients that resume with ``Last-Event-ID``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from sync.clock import Clock
from sync.store import Migration

SCHEMA_VERSION = 1

OUTBOX_MIGRATIONS = [
    Migration(
        "outbox",
        1,
        "outbox and sync state",
        """
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            schema_version INTEGER NOT NULL,
            payload TEXT NOT NULL,
            wall_time TEXT NOT NULL,
            mono_ns INTEGER NOT NULL,
            boot_id TEXT NOT NULL,
            clock_trusted INTEGER NOT NULL
        );
        CREATE TABLE sync_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        INSERT INTO sync_state (key, value) VALUES ('acked_seq', '0');
        """,
    ),
    # The uplink's own table, as its own component so other sync parts can add theirs freely.
    Migration(
        "uplink",
        1,
        "events central rejected",
        """
        CREATE TABLE sync_rejections (
            seq INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL,
            type TEXT,
            reason TEXT NOT NULL,
            rejected_at TEXT NOT NULL
        );
        """,
    ),
]


@dataclass(frozen=True)
class Event:
    """One outbox event, as stored and as streamed."""

    seq: int
    event_id: str
    type: str
    schema_version: int
    payload: dict[str, Any]
    wall_time: str
    mono_ns: int
    boot_id: str
    clock_trusted: bool

    def to_dict(self) -> dict[str, Any]:
        """The event as plain JSON-ready data."""
        return {
            "seq": self.seq,
            "event_id": self.event_id,
            "type": self.type,
            "schema_version": self.schema_version,
            "payload": self.payload,
            "wall_time": self.wall_time,
            "mono_ns": self.mono_ns,
            "boot_id": self.boot_id,
            "clock_trusted": self.clock_trusted,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Event:
        return cls(
            seq=int(row["seq"]),
            event_id=str(row["event_id"]),
            type=str(row["type"]),
            schema_version=int(row["schema_version"]),
            payload=json.loads(row["payload"]),
            wall_time=str(row["wall_time"]),
            mono_ns=int(row["mono_ns"]),
            boot_id=str(row["boot_id"]),
            clock_trusted=bool(row["clock_trusted"]),
        )


class Outbox:
    """Appends events inside the caller's write transaction and reads them back in order."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def append(self, db: sqlite_utils.Database, type_: str, payload: dict[str, Any]) -> Event:
        """Write one event; must be called inside :meth:`sync.store.Store.write`.

        Returns the stored event with its new ``seq``.
        """
        wall = self.clock.now().isoformat(timespec="milliseconds")
        event_id = str(uuid.uuid4())
        mono = self.clock.monotonic_ns()
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        cursor = db.execute(
            "INSERT INTO outbox (event_id, type, schema_version, payload, wall_time, mono_ns,"
            " boot_id, clock_trusted) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event_id,
                type_,
                SCHEMA_VERSION,
                body,
                wall,
                mono,
                self.clock.boot_id,
                int(self.clock.trusted),
            ),
        )
        seq = cursor.lastrowid
        if seq is None:  # pragma: no cover - sqlite always sets it for an INSERT
            raise RuntimeError("outbox insert returned no rowid")
        return Event(
            seq,
            event_id,
            type_,
            SCHEMA_VERSION,
            payload,
            wall,
            mono,
            self.clock.boot_id,
            self.clock.trusted,
        )

    @staticmethod
    def after(db: sqlite_utils.Database, seq: int, limit: int = 1000) -> list[Event]:
        """Up to ``limit`` events with ``seq`` greater than ``seq``, in order."""
        rows = db.query("SELECT * FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit))
        return [Event.from_row(row) for row in rows]

    @staticmethod
    def iter_all(db: sqlite_utils.Database, batch: int = 5000) -> Iterator[Event]:
        """Every stored event in ``seq`` order."""
        last = 0
        while True:
            events = Outbox.after(db, last, batch)
            if not events:
                return
            yield from events
            last = events[-1].seq

    @staticmethod
    def last_seq(db: sqlite_utils.Database) -> int:
        """Highest ``seq`` ever handed out (0 if none); survives purges."""
        row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def acked_seq(db: sqlite_utils.Database) -> int:
        """Highest ``seq`` central has acknowledged holding contiguously."""
        row = db.execute("SELECT value FROM sync_state WHERE key = 'acked_seq'").fetchone()
        return int(row[0]) if row else 0
