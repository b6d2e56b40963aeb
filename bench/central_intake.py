"""Central's intake of 1000-event batches: ms per batch and events per second, in process.

The batches go through the whole application (signature check, nonce, gzip, parsing,
validation, one ``BEGIN IMMEDIATE`` transaction) over Starlette's TestClient on a temp store,
as one hub draining its backlog would send them. The full run stores 250 batches (a 250,000-event
backlog) so a slowdown as the events table grows would show in the last batches' times.
"""

from __future__ import annotations

import base64
import gzip
import json
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from bench.hubproc import percentile
from bench.report import Measure, Target
from sync.central.app import create_central_app
from sync.central.intake import receive_batch
from sync.central.store import CentralStore
from sync.signing import sign_headers
from sync.wire import API_PREFIX, Batch

BATCH = 1000
BATCH_P50_MS = 40.0
BATCH_P95_MS = 100.0  # a shared 2-core box sees GC and neighbours in the tail
# A 250,000-event backlog must drain within 60 s end to end (about 4,200 events/s); central
# should take at most a fifth of that budget, leaving the rest to the hub's reads and the wire.
EVENTS_PER_S = 20_000.0


def ticket_event(
    seq: int,
    event_id: str | None = None,
    ticket_id: str | None = None,
    day: str = "2026-11-22",
) -> dict[str, Any]:
    """An event shaped like the hub's ticket.issued (about 600 bytes of JSON) on ``day``;
    ids are random UUIDs unless given."""
    return {
        "seq": seq,
        "event_id": event_id or str(uuid.uuid4()),
        "type": "ticket.issued",
        "schema_version": 1,
        "wall_time": f"{day}T09:29:58.120+08:00",
        "mono_ns": seq * 1_000_000,
        "boot_id": "4e1c2f6a-8d1b-4f7e-9a2b-3c4d5e6f7a8b",
        "clock_trusted": True,
        "payload": {
            "ticket": {
                "id": ticket_id or str(uuid.uuid4()),
                "number": f"A{seq % 1000:03d}",
                "service_day": day,
                "category": "A",
                "lane": "ordinary",
                "status": "waiting",
                "issued_at": f"{day}T01:29:58.120+00:00",
                "item_id": "jjb-001",
                "green_group": None,
                "window": None,
                "target_window": None,
                "called_at": None,
                "finished_at": None,
                "missed_at": None,
                "call_count": 0,
                "recall_count": 0,
                "requeue_count": 0,
                "transfer_count": 0,
                "name_masked": "张*三",
                "waiting_ahead": seq % 40,
                "estimated_wait_minutes": 12,
            }
        },
    }


def _bodies(hall: str, batches: int) -> list[bytes]:
    last = batches * BATCH
    out = []
    for index in range(batches):
        events = [ticket_event(index * BATCH + i + 1) for i in range(BATCH)]
        raw = json.dumps(
            {"hall": hall, "hub_last_seq": last, "sent_at": "now", "events": events},
            ensure_ascii=False,
        ).encode("utf-8")
        out.append(gzip.compress(raw, compresslevel=5))
    return out


def _over_http(folder: Path, batches: int) -> list[Measure]:
    central = CentralStore(folder / "http.db")
    hall, code = central.add_hall("基准测试大厅")
    enrolled = central.enroll(code, "127.0.0.1")
    secret = base64.b64decode(enrolled.secret_b64)
    bodies = _bodies(hall.id, batches)
    target = f"{API_PREFIX}/halls/{hall.id}/events"
    times: list[float] = []
    with TestClient(create_central_app(central)) as client:
        started = time.perf_counter()
        for body in bodies:
            headers = sign_headers(secret, enrolled.key_id, "POST", target, body, int(time.time()))
            headers["Content-Encoding"] = "gzip"
            t0 = time.perf_counter()
            answer = client.post(target, content=body, headers=headers)
            times.append((time.perf_counter() - t0) * 1000)
            answer.raise_for_status()
        elapsed = time.perf_counter() - started
    acked = central.hall(hall.id).acked_seq
    central.close()
    group = "central intake over HTTP (in process)"
    note = f"{batches} batches of {BATCH} ticket.issued events, gzip, signed; acked {acked}"
    tail = times[-max(1, batches // 10) :]
    return [
        Measure(
            group,
            "batch of 1000 p50",
            percentile(times, 50),
            "ms",
            len(times),
            Target(at_most=BATCH_P50_MS),
            note=note,
        ),
        Measure(
            group,
            "batch of 1000 p95",
            percentile(times, 95),
            "ms",
            len(times),
            Target(at_most=BATCH_P95_MS),
            note=note,
        ),
        Measure(group, "last tenth of batches p50", percentile(tail, 50), "ms", len(tail)),
        Measure(
            group,
            "events per second",
            acked / elapsed,
            "events/s",
            acked,
            Target(at_least=EVENTS_PER_S),
            note=note,
        ),
    ]


def _store_alone(folder: Path, batches: int) -> list[Measure]:
    central = CentralStore(folder / "store.db")
    hall, _ = central.add_hall("基准测试大厅")
    parsed = [
        Batch.model_validate_json(gzip.decompress(body)) for body in _bodies(hall.id, batches)
    ]
    times = []
    for batch in parsed:
        t0 = time.perf_counter()
        receive_batch(central, hall.id, batch, None)
        times.append((time.perf_counter() - t0) * 1000)
    central.close()
    group = "central intake, store alone"
    note = f"{batches} parsed batches of {BATCH}, one BEGIN IMMEDIATE each"
    return [
        Measure(
            group, "store a batch of 1000 p50", percentile(times, 50), "ms", len(times), note=note
        )
    ]


def run(quick: bool) -> list[Measure]:
    """Measure intake; ``quick`` stores 20 batches instead of 250 (a 250,000-event backlog)."""
    batches = 20 if quick else 250
    with tempfile.TemporaryDirectory(prefix="central-bench-") as temp:
        folder = Path(temp)
        return _over_http(folder, batches) + _store_alone(folder, min(batches, 50))


if __name__ == "__main__":
    from bench.report import print_measures

    print_measures(run(quick=True))
