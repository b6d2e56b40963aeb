"""Purging acknowledged events from the hub's outbox after ``sync.retention_days``.

Only events at or below the acknowledged mark are ever deleted: an event central has not
confirmed holding stays, however old. Deletion goes in small transactions so the queue's
writes (a ticket being issued) never wait behind one long delete. ``seq`` is never reused after
a purge (the outbox's ``AUTOINCREMENT``), so central never sees a number twice.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sync.outbox import Outbox
from sync.store import Store

log = logging.getLogger(__name__)

PURGE_CHUNK = 500
"""Events deleted per transaction: a few milliseconds of the writer lock at most."""


@dataclass(frozen=True)
class PurgeResult:
    deleted: int
    acked_seq: int
    cutoff: str
    seconds: float


def purge_acknowledged(
    store: Store, retention_days: int, now: datetime, *, chunk: int = PURGE_CHUNK
) -> PurgeResult:
    """Delete events acknowledged by central whose wall time is older than ``retention_days``
    before ``now`` (timezone-aware); returns how many went.

    Wall times are compared as instants (SQLite's ``julianday`` reads the stored offsets), so
    events stamped in UTC and in the hall's zone compare correctly. Raises StoreError/sqlite3
    errors from the store as they come.
    """
    if now.tzinfo is None:
        raise ValueError("purge needs a timezone-aware now")
    started = time.monotonic()
    cutoff = (now - timedelta(days=retention_days)).isoformat(timespec="milliseconds")
    acked = Outbox.acked_seq(store.reader())
    deleted = 0
    reader = store.reader()
    while True:
        # Found on this thread's reader connection, outside the writer lock: with nothing old
        # enough the search reads every acknowledged row, and the queue must not wait for that.
        seqs = [
            row[0]
            for row in reader.execute(
                "SELECT seq FROM outbox WHERE seq <= ? AND julianday(wall_time) < julianday(?)"
                " ORDER BY seq LIMIT ?",
                (acked, cutoff, chunk),
            )
        ]
        if not seqs:
            break
        with store.write() as db:
            # The mark is checked again under the lock: it only moves forward, but a restored
            # store's lower one is the truth.
            db.execute(
                "DELETE FROM outbox WHERE seq BETWEEN ? AND ? AND seq <= (SELECT CAST(value AS"
                " INTEGER) FROM sync_state WHERE key = 'acked_seq') AND seq IN (SELECT value"
                " FROM json_each(?))",
                (seqs[0], seqs[-1], json.dumps(seqs)),
            )
            count = db.execute("SELECT changes()").fetchone()[0]
        deleted += count
        if len(seqs) < chunk or count == 0:
            break
    if deleted:
        log.info("purged %d acknowledged events older than %s", deleted, cutoff)
    return PurgeResult(deleted, acked, cutoff, time.monotonic() - started)
