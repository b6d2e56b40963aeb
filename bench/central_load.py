"""Light simulated halls for central's benchmarks: pre-built batches, raw HTTP/1.1 on asyncio.

Every batch body is built and gzip-compressed before the clock starts; sending one costs the
generator one SHA-256 of the compressed body and one HMAC (``sync.signing.sign_headers``) and
a socket write, so one process drives thousands of halls without starving central of CPU.
A hall sends its batches in order over one keep-alive connection, as a hub's uplink does:
after a 429/503 it waits the answer's ``Retry-After`` (with jitter), after a lost connection
it reconnects and sends the same batch again (same Idempotency-Key); it moves on only when
central's answer acknowledges the batch's last seq.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from bench.central_intake import ticket_event
from sync.signing import sign_headers
from sync.wire import API_PREFIX

DAY = "2026-11-23"
WALL_TIME = f"{DAY}T09:29:58.120+08:00"


_MARK = "@@@@@@@@"
"""Stands for a hall's own 8 hex digits in the events' ids of a cached batch."""


def _events_json(first: int, count: int) -> str:
    """``count`` ticket.issued events from seq ``first``, as the hub's wire JSON (≈700 B each);
    their ids are random UUIDs whose first 8 hex digits are ``_MARK``."""
    parts = []
    for seq in range(first, first + count):
        event = ticket_event(
            seq, _MARK + str(uuid.uuid4())[8:], _MARK + str(uuid.uuid4())[8:], day=DAY
        )
        parts.append(json.dumps(event, ensure_ascii=False, separators=(",", ":")))
    return ",".join(parts)


class BodyMaker:
    """Batch bodies for many halls: each span of seqs is made into JSON once, and each hall's
    copy gets the hall's own ids (8 hex digits of its own in every event and ticket id)."""

    def __init__(self) -> None:
        self._spans: dict[tuple[int, int], str] = {}

    def body(self, hall: str, hall_hex: str, first: int, count: int, hub_last_seq: int) -> bytes:
        """One gzip-compressed batch body (level 5, as the hub's uplink sends it)."""
        span = self._spans.get((first, count))
        if span is None:
            span = self._spans[(first, count)] = _events_json(first, count)
        head = f'{{"hall":{json.dumps(hall)},"hub_last_seq":{hub_last_seq},"sent_at":"{WALL_TIME}"'
        text = f'{head},"events":[{span.replace(_MARK, hall_hex)}]}}'
        return gzip.compress(text.encode("utf-8"), compresslevel=5)


@dataclass
class Hall:
    """One simulated hall: its key, and its backlog as pre-built bodies (seqs 1..last)."""

    id: str
    key_id: str
    secret: bytes
    bodies: list[tuple[int, bytes]] = field(default_factory=list)
    """(last seq of the batch, gzip body), in order."""
    acked: int = 0
    sent_batches: int = 0


@dataclass
class LoadStats:
    """What the simulated halls saw, and when each event was acknowledged (for rates)."""

    statuses: Counter[int] = field(default_factory=Counter)
    lost_connections: int = 0
    lost_kinds: Counter[str] = field(default_factory=Counter)
    """Lost connections by what was seen: the exception's class name."""
    retry_after_missing: int = 0
    acked_events: int = 0
    timeline: list[tuple[float, int]] = field(default_factory=list)
    """(perf_counter, acked_events so far) after each acknowledged batch."""


class _Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, head: bytes, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.reader is not None and self.reader.at_eof():
            self.close()  # central closed it while idle (keep-alive timeout), as urllib3 sees
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(head)
        self.writer.write(body)
        await self.writer.drain()
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        content = await self.reader.readexactly(length) if length else b""
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, content

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _head(hall: Hall, port: int, body: bytes, key: str) -> bytes:
    target = f"{API_PREFIX}/halls/{hall.id}/events"
    signed = sign_headers(hall.secret, hall.key_id, "POST", target, body, int(time.time()))
    lines = [
        f"POST {target} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        "Content-Encoding: gzip",
        f"Content-Length: {len(body)}",
        f"Idempotency-Key: {key}",
        *(f"{name}: {value}" for name, value in signed.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


async def _run_hall(
    hall: Hall, port: int, stats: LoadStats, stop: asyncio.Event, start_delay: float
) -> None:
    await asyncio.sleep(start_delay)
    conn = _Connection("127.0.0.1", port)
    rng = random.Random(hall.id)  # noqa: S311 - jitter
    failures = 0
    try:
        for last_seq, body in hall.bodies:
            key = f"{hall.id}-{last_seq}"
            while not stop.is_set():
                try:
                    status, headers, content = await conn.request(
                        _head(hall, port, body, key), body
                    )
                except (OSError, asyncio.IncompleteReadError, ValueError) as err:
                    conn.close()
                    stats.lost_connections += 1
                    stats.lost_kinds[type(err).__name__] += 1
                    failures += 1
                    await asyncio.sleep(min(5.0, 0.2 * 2**failures) * (0.5 + rng.random()))
                    continue
                stats.statuses[status] += 1
                if status == 200:
                    acked = int(json.loads(content)["acked_seq"])
                    if acked >= last_seq:
                        stats.acked_events += last_seq - hall.acked
                        hall.acked = last_seq
                        hall.sent_batches += 1
                        stats.timeline.append((time.perf_counter(), stats.acked_events))
                        failures = 0
                        break
                    raise RuntimeError(f"{hall.id}: central acked {acked}, sent up to {last_seq}")
                if status in (429, 503):
                    wait = headers.get("retry-after")
                    if wait is None:
                        stats.retry_after_missing += 1
                    # The uplink honours Retry-After; jitter spreads a storm's retries.
                    await asyncio.sleep(float(wait or 1) * (0.5 + rng.random()))
                    continue
                raise RuntimeError(f"{hall.id}: central answered {status}: {content[:300]!r}")
            if stop.is_set():
                return
    finally:
        conn.close()


async def _run_all(
    halls: list[Hall], port: int, stats: LoadStats, seconds: float | None, ramp: float
) -> None:
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(_run_hall(hall, port, stats, stop, ramp * i / max(1, len(halls))))
        for i, hall in enumerate(halls)
    ]
    if seconds is not None:
        await asyncio.wait(tasks, timeout=seconds)
        stop.set()
    await asyncio.gather(*tasks)


def run_halls(
    halls: list[Hall],
    port: int,
    seconds: float | None = None,
    ramp: float = 1.0,
    stats: LoadStats | None = None,
) -> LoadStats:
    """Drive every hall until its backlog is acknowledged (or ``seconds`` have passed).

    Hall starts are spread over ``ramp`` seconds (0: all at once); ``stats`` may be read by
    another thread meanwhile. Raises RuntimeError when central answers anything but
    200/429/503 or acknowledges less than a batch it stored.
    """
    stats = LoadStats() if stats is None else stats
    asyncio.run(_run_all(halls, port, stats, seconds, ramp))
    return stats
