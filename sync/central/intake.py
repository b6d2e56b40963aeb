"""Storing an uploaded batch: each ``(hall, seq)`` once, applied once, counters kept incrementally.

One batch is one transaction that first takes the hall's row (``FOR UPDATE`` on PostgreSQL;
SQLite's writer is alone anyway), so two workers never store the same hall's batches at once:
a range read of what is already held, one insert statement for the events (``COPY`` on
PostgreSQL), one upsert of the per-type applied counts and one update of the hall's counters. ``acked_seq`` (highest contiguous seq held) moves without a scan in the usual case —
when the hall holds as many events as its highest seq, seqs 1..max are all there — and otherwise
walks the index forward from the old mark, so the cost is proportional to what the batch adds.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic_core import to_json

from sync.central.cases import INSERT_CASE, apply_case_moves, case_row
from sync.central.db import PostgresDb, month_of
from sync.central.schema_console import note_batch_clock
from sync.central.store import CentralStore, iso_now
from sync.central.validate import validate_event
from sync.wire import Batch, BatchAnswer, Rejection, WireEvent

CONFLICT = "conflict"
EVENT_COLUMNS = (
    "hall",
    "seq",
    "event_id",
    "type",
    "schema_version",
    "payload",
    "wall_time",
    "clock_trusted",
    "status",
    "reason",
    "received_at",
)
_WALK_CHUNK = 1000


def receive_batch(
    central: CentralStore, hall_id: str, batch: Batch, key: str | None
) -> BatchAnswer:
    """Store the batch's events for ``hall_id`` and answer as the protocol says.

    ``batch.events`` must be in strictly increasing ``seq`` order (the caller checks; a batch
    that is not is ``400 bad_batch``). ``key`` is the request's Idempotency-Key, remembered with
    how often it was seen. Raises UnknownHall.
    """
    hall = central.hall(hall_id)
    now = central.now()
    received_at = iso_now(now)
    events = batch.events
    reasons = {event.seq: validate_event(event, hall.rating_scale) for event in events}
    month = month_of(now)
    if isinstance(central.db, PostgresDb):
        central.db.ensure_month("events", month)
    with central.db.write() as db:
        state = db.execute(
            "SELECT acked_seq, max_seq, held FROM halls WHERE id = ?"  # noqa: S608 - a fixed clause
            + db.for_update,
            (hall_id,),
        ).fetchone()
        held: dict[int, tuple[str, str, str | None]] = {}
        if events:
            for row in db.execute(
                "SELECT seq, event_id, status, reason FROM events"
                " WHERE hall = ? AND seq BETWEEN ? AND ?",
                (hall_id, events[0].seq, events[-1].seq),
            ):
                held[row[0]] = (row[1], row[2], row[3])
        rows: list[tuple[Any, ...]] = []
        cases: list[tuple[Any, ...]] = []
        rejected: list[Rejection] = []
        applied: list[WireEvent] = []
        applied_types: Counter[str] = Counter()
        duplicates = conflicts = new_rejected = 0
        for event in events:
            old = held.get(event.seq)
            if old is not None:
                old_id, old_status, old_reason = old
                if old_id != event.event_id:
                    conflicts += 1
                    rejected.append(
                        Rejection(seq=event.seq, event_id=event.event_id, reason=CONFLICT)
                    )
                else:
                    duplicates += 1
                    if old_status == "rejected":
                        # Said again, so a hub whose first answer was lost still learns of it.
                        rejected.append(
                            Rejection(
                                seq=event.seq, event_id=event.event_id, reason=old_reason or ""
                            )
                        )
                continue
            reason = reasons[event.seq]
            if reason is None:
                applied_types[event.type] += 1
                applied.append(event)
                if event.type == "case.accepted":
                    cases.append(case_row(hall_id, event.payload, received_at))
            else:
                new_rejected += 1
                rejected.append(Rejection(seq=event.seq, event_id=event.event_id, reason=reason))
            rows.append(
                (
                    hall_id,
                    event.seq,
                    event.event_id,
                    event.type,
                    event.schema_version,
                    _payload_text(event.payload),
                    event.wall_time,
                    int(event.clock_trusted),
                    "applied" if reason is None else "rejected",
                    reason,
                    received_at,
                )
            )
        if rows:
            if db.dialect == "postgresql":
                db.insert_rows("events", (*EVENT_COLUMNS, "month"), [(*r, month) for r in rows])
            else:
                db.insert_rows("events", EVENT_COLUMNS, rows)
        db.executemany(INSERT_CASE, cases)
        apply_case_moves(db, hall_id, applied, received_at)  # case.status, after case.accepted
        for sink in central.sinks:
            sink(db, hall, applied, received_at)
        note_batch_clock(db, hall_id, batch.sent_at, now)
        db.executemany(
            "INSERT INTO applied_counts (hall, type, count) VALUES (?, ?, ?)"
            " ON CONFLICT (hall, type) DO UPDATE"
            " SET count = applied_counts.count + excluded.count",
            [(hall_id, type_, count) for type_, count in applied_types.items()],
        )
        acked, max_seq, held_count = int(state[0]), int(state[1]), int(state[2])
        if rows:
            held_count += len(rows)
            max_seq = max(max_seq, rows[-1][1])
            # seqs are distinct and >= 1, so holding max_seq of them means holding 1..max_seq.
            acked = max_seq if held_count == max_seq else _walk(db, hall_id, acked)
        db.execute(
            "UPDATE halls SET acked_seq = ?, max_seq = ?, held = ?, applied = applied + ?,"
            " rejected = rejected + ?, conflicts = conflicts + ?, hub_last_seq = ?"
            " WHERE id = ?",
            (
                acked,
                max_seq,
                held_count,
                sum(applied_types.values()),
                new_rejected,
                conflicts,
                batch.hub_last_seq,
                hall_id,
            ),
        )
        if key:
            db.execute(
                "INSERT INTO idempotency_keys (hall, key, first_seen) VALUES (?, ?, ?)"
                " ON CONFLICT (hall, key) DO UPDATE SET times = idempotency_keys.times + 1",
                (hall_id, key[:200], received_at),
            )
    return BatchAnswer(
        acked_seq=acked,
        stored=len(rows),
        duplicates=duplicates,
        rejected=rejected,
        resend_from=acked + 1 if max_seq > acked else None,
        server_time=received_at,
    )


def _payload_text(payload: dict[str, Any]) -> str:
    """The payload as compact JSON text, non-ASCII kept as is (what ``json.dumps(payload,
    ensure_ascii=False, separators=(",", ":"))`` writes, numbers perhaps spelt otherwise: 1e-7
    for 1e-07). pydantic-core's encoder: a quarter of the intake's CPU went to json.dumps."""
    return to_json(payload).decode("utf-8")


def _walk(db: Any, hall_id: str, acked: int) -> int:
    """Advance ``acked`` over the contiguous seqs held above it (index range reads)."""
    while True:
        seqs = [
            row[0]
            for row in db.execute(
                "SELECT seq FROM events WHERE hall = ? AND seq > ? ORDER BY seq LIMIT ?",
                (hall_id, acked, _WALK_CHUNK),
            )
        ]
        for seq in seqs:
            if seq != acked + 1:
                return acked
            acked = seq
        if len(seqs) < _WALK_CHUNK:
            return acked
