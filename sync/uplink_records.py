"""What the uplink writes into the hub's store, and the reads ``hall sync status`` shares.

- ``sync_state``: ``acked_seq`` (only ever raised), ``last_contact``, ``last_error``,
  ``last_error_at``;
- ``sync_rejections``: one row per event central rejected, with its reason;
- a ``sync.rejected`` outbox event for each new rejection, so the hall's own screens and
  central's operators both hear of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from sync.clock import Clock
from sync.outbox import Event, Outbox
from sync.store import Store
from sync.wire import Rejection

SYNC_REJECTED = "sync.rejected"
REASON_MAX = 500


@dataclass(frozen=True)
class RejectedEvent:
    seq: int
    event_id: str
    type: str | None
    reason: str
    rejected_at: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "event_id": self.event_id,
            "type": self.type,
            "reason": self.reason,
            "rejected_at": self.rejected_at,
        }


def _upsert(db: sqlite_utils.Database, values: dict[str, str]) -> None:
    for key, value in values.items():
        db.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


class Records:
    """The uplink's writes (each one short ``BEGIN IMMEDIATE`` transaction) and reads."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        on_events: Callable[[list[Event]], None] | None = None,
    ) -> None:
        self.store = store
        self.outbox = Outbox(clock)
        self.on_events = on_events

    def acknowledge(self, acked: int, rejected: Sequence[Rejection], contact: str) -> int:
        """Raise the acknowledged mark to ``acked`` (never lower it), note the contact time,
        record ``rejected`` events not recorded yet; returns the mark now stored."""
        events: list[Event] = []
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        # Held across the listener call, as the engine does, so listeners hear seq order.
        with self.store.lock:
            with self.store.write() as db:
                db.execute(
                    "UPDATE sync_state SET value = ? WHERE key = 'acked_seq'"
                    " AND CAST(value AS INTEGER) < ?",
                    (str(acked), acked),
                )
                _upsert(db, {"last_contact": contact})
                for item in rejected:
                    events += self._reject(db, item, now)
                stored = Outbox.acked_seq(db)
            if events and self.on_events is not None:
                self.on_events(events)
        return stored

    def _reject(self, db: sqlite_utils.Database, item: Rejection, now: str) -> list[Event]:
        row = db.execute("SELECT type FROM outbox WHERE seq = ?", (item.seq,)).fetchone()
        kind = str(row[0]) if row else None
        reason = item.reason[:REASON_MAX]
        cursor = db.execute(
            "INSERT OR IGNORE INTO sync_rejections (seq, event_id, type, reason, rejected_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (item.seq, item.event_id, kind, reason, now),
        )
        # A rejected report is not reported again: that could go on forever.
        if cursor.rowcount != 1 or kind == SYNC_REJECTED:
            return []
        payload = {"seq": item.seq, "event_id": item.event_id, "type": kind, "reason": reason}
        return [self.outbox.append(db, SYNC_REJECTED, payload)]

    def note(self, **values: str) -> None:
        """Store facts for ``hall sync status`` (``last_error=…``) in one small transaction."""
        with self.store.write() as db:
            _upsert(db, values)


def oldest_seq(db: sqlite_utils.Database, last: int) -> int:
    """The lowest ``seq`` still in the outbox, or ``last + 1`` when it is empty."""
    row = db.execute("SELECT MIN(seq) FROM outbox").fetchone()
    return int(row[0]) if row and row[0] is not None else last + 1


def rejected_count(db: sqlite_utils.Database) -> int:
    """How many events central has rejected, ever."""
    return int(db.execute("SELECT COUNT(*) FROM sync_rejections").fetchone()[0])


def rejected_events(db: sqlite_utils.Database, limit: int = 100) -> list[RejectedEvent]:
    """The latest rejections, newest first."""
    rows = db.execute(
        "SELECT seq, event_id, type, reason, rejected_at FROM sync_rejections"
        " ORDER BY seq DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [RejectedEvent(int(r[0]), str(r[1]), r[2], str(r[3]), str(r[4])) for r in rows]


def state_value(db: sqlite_utils.Database, key: str) -> str | None:
    """One ``sync_state`` value, or None."""
    row = db.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else None
