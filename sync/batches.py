"""Reading the outbox into upload batches: in ``seq`` order, bounded by count and bytes.

The body is assembled from the payload text exactly as the outbox stored it (the outbox wrote
it with ``json.dumps``), instead of parsing and re-encoding every event: a 250,000-event
backlog must drain in under a minute on a small box that is serving the hall at the same time.
Only ``rating.recorded`` payloads are parsed, to add their GB/T 39046 block.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from sync.ratings import RatingError, with_gbt39046
from sync.wire import idempotency_key

log = logging.getLogger(__name__)

RATING_RECORDED = "rating.recorded"

_COLUMNS = (
    "seq, event_id, type, schema_version, payload, wall_time, mono_ns, boot_id, clock_trusted"
)


@dataclass(frozen=True)
class OutgoingBatch:
    """One batch ready to send: its seq range, the uncompressed JSON body and its key."""

    first_seq: int
    last_seq: int
    count: int
    hub_last_seq: int
    body: bytes
    key: str


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def encode_event(row: Any, scale: str, zone: ZoneInfo) -> bytes:
    """One outbox row (``_COLUMNS``) as the wire's event object, UTF-8 JSON."""
    payload: str = row[4]
    if row[2] == RATING_RECORDED:
        try:
            payload = json.dumps(
                with_gbt39046(json.loads(payload), scale, zone),
                ensure_ascii=False,
                separators=(",", ":"),
                sort_keys=True,
            )
        except (RatingError, ValueError) as err:
            # Sent as stored: central's validation rejects it, the rejection is recorded and
            # reported, and the events behind it are not held up.
            log.warning("rating event seq %d has no GB/T 39046 record: %s", row[0], err)
    head = _dumps(
        {
            "seq": row[0],
            "event_id": row[1],
            "type": row[2],
            "schema_version": row[3],
            "wall_time": row[5],
            "mono_ns": row[6],
            "boot_id": row[7],
            "clock_trusted": bool(row[8]),
        }
    )
    return (head[:-1] + ',"payload":' + payload + "}").encode("utf-8")


def read_batch(
    db: sqlite_utils.Database,
    after: int,
    *,
    hall: str,
    hub_last_seq: int,
    max_events: int,
    max_bytes: int,
    scale: str,
    zone: ZoneInfo,
    sent_at: str,
) -> OutgoingBatch | None:
    """The next batch of events with ``seq`` above ``after``; None when there are none.

    At most ``max_events`` events and, past the first event, at most ``max_bytes`` bytes of
    body JSON, uncompressed (a single larger event still goes, alone).
    """
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",  # noqa: S608
        (after, max(1, max_events)),
    ).fetchall()
    if not rows:
        return None
    # hub_last_seq is at least the batch's last seq; its digits are counted at their widest.
    envelope = _dumps(
        {"hall": hall, "hub_last_seq": max(hub_last_seq, rows[-1][0]), "sent_at": sent_at}
    )
    size = len(envelope.encode("utf-8")) + len(',"events":[]')
    parts: list[bytes] = []
    last = after
    for row in rows:
        part = encode_event(row, scale, zone)
        if parts and size + len(part) + 1 > max_bytes:
            break
        parts.append(part)
        size += len(part) + 1
        last = int(row[0])
    head = _dumps({"hall": hall, "hub_last_seq": max(hub_last_seq, last), "sent_at": sent_at})
    body = head[:-1].encode("utf-8") + b',"events":[' + b",".join(parts) + b"]}"
    first = int(rows[0][0])
    return OutgoingBatch(
        first_seq=first,
        last_seq=last,
        count=len(parts),
        hub_last_seq=max(hub_last_seq, last),
        body=body,
        key=idempotency_key(hall, first, last, body),
    )
