"""Live event fan-out for the LAN event stream (server-sent events).

The engine hands each committed batch of events to :meth:`EventBroker.publish` from whatever
thread committed it; every subscriber is an asyncio queue on the server's loop. A subscriber
that falls too far behind is cut off rather than let memory grow: its client reconnects with
``Last-Event-ID`` and replays the gap from the outbox, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

from hub.errors import Invalid
from sync.outbox import Event

log = logging.getLogger(__name__)

SEQ_MAX = 2**63 - 1
"""The largest event seq the store can hold (SQLite's INTEGER)."""

MAX_PENDING_BATCHES = 2000
KEEPALIVE_SECONDS = 15.0
RETRY_MS = 1000
RESET = "reset"
"""The event that tells a client to take a fresh snapshot: it resumed from a seq the hub never
reached (docs/hub.md, "The event stream")."""

_CUT = object()
_ENDED = object()


class Subscription:
    """One client's queue of event batches; ``owner`` is who holds it (a device id), if known."""

    def __init__(self, loop: asyncio.AbstractEventLoop, owner: str | None = None) -> None:
        self.loop = loop
        self.owner = owner
        self.queue: asyncio.Queue[list[Event] | object] = asyncio.Queue()
        self.cut = False

    def _end(self) -> None:
        if not self.cut:
            self.cut = True
            self.queue.put_nowait(_ENDED)

    def _offer(self, events: list[Event]) -> None:
        if self.cut:
            return
        if self.queue.qsize() >= MAX_PENDING_BATCHES:
            self.cut = True
            self.queue.put_nowait(_CUT)
            return
        self.queue.put_nowait(events)


class EventBroker:
    """Hands committed events to every live subscriber, in commit order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: set[Subscription] = set()

    def subscribe(self, owner: str | None = None) -> Subscription:
        sub = Subscription(asyncio.get_running_loop(), owner)
        with self._lock:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    def publish(self, events: list[Event]) -> None:
        """Called by the engine after a commit; never blocks."""
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            try:
                sub.loop.call_soon_threadsafe(sub._offer, events)
            except RuntimeError:  # the loop is closed: the server is shutting down
                self.unsubscribe(sub)

    def end_owned(self, owners: frozenset[str]) -> None:
        """End the streams held by ``owners`` (revoked devices); callable from any thread."""
        with self._lock:
            subs = [sub for sub in self._subs if sub.owner in owners]
        for sub in subs:
            try:
                sub.loop.call_soon_threadsafe(sub._end)
            except RuntimeError:  # the loop is closed: the server is shutting down
                self.unsubscribe(sub)

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subs)


def resume_point(last_event_id: str | None, since: int | None) -> int | None:
    """Where a stream resumes: ``Last-Event-ID`` (as the browser sends it) before ``?since=``.

    Returns None for "from now on". Raises Invalid ``bad_last_event_id`` when the header is not
    a seq between 0 and :data:`SEQ_MAX` (the query parameter is bounded by the route itself).
    """
    text = (last_event_id or "").strip()
    if not text:
        return since
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > SEQ_MAX:
        raise Invalid(
            "bad_last_event_id",
            "Last-Event-ID 应为事件序号（0 到 9223372036854775807 之间的整数），"
            "请去掉该请求头重新连接",
        )
    return int(text)


def format_event(event: Event) -> str:
    """One event as an SSE message: ``id`` is the outbox seq, ``event`` its type."""
    data = {
        "seq": event.seq,
        "event_id": event.event_id,
        "type": event.type,
        "time": event.wall_time,
        "payload": event.payload,
    }
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event.seq}\nevent: {event.type}\ndata: {body}\n\n"


def format_reset(seq: int, asked: int) -> str:
    """The ``reset`` message: the client asked to resume after ``asked`` but the hub is only at
    ``seq`` (its store was restored from an older backup). Its ``id`` is ``seq``, so a browser
    resumes from there next time; the client should take a fresh snapshot, then follow on.
    Sent whatever ``types`` the stream was filtered to."""
    data = {
        "seq": seq,
        "event_id": None,
        "type": RESET,
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "payload": {"seq": seq, "last_event_id": asked},
    }
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"id: {seq}\nevent: {RESET}\ndata: {body}\n\n"


async def stream(
    broker: EventBroker,
    backlog: Callable[[int], Awaitable[list[Event]]],
    current_seq: Callable[[], Awaitable[int]],
    last_event_id: int | None,
    types: frozenset[str] | None,
    disconnected: Callable[[], Awaitable[bool]],
    owner: str | None = None,
) -> AsyncIterator[str]:
    """The SSE body: replay after ``last_event_id`` (if given), then follow live events.

    ``owner`` (a device id) lets :meth:`EventBroker.end_owned` end the stream."""
    sub = broker.subscribe(owner)
    try:
        yield f"retry: {RETRY_MS}\n\n"
        now = await current_seq()
        last = last_event_id if last_event_id is not None else now
        if last > now:  # the client saw events this store never had (restored from a backup)
            log.info("event stream asked to resume after %d, the hub is at %d: reset", last, now)
            yield format_reset(now, last)
            last = now
        while True:  # replay until caught up; live events after `last` are deduplicated below
            batch = await backlog(last)
            if not batch:
                break
            for event in batch:
                if types is None or event.type in types:
                    yield format_event(event)
                last = event.seq
        while True:
            try:
                item = await asyncio.wait_for(sub.queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                if await disconnected():
                    return
                yield ": keepalive\n\n"
                continue
            if item is _CUT:
                log.info("event stream subscriber fell behind; closing it so it resumes")
                return
            if item is _ENDED:
                log.info("event stream of a revoked device closed")
                return
            if not isinstance(item, list):
                continue
            for event in item:
                if event.seq <= last:
                    continue
                while event.seq > last + 1:
                    # Missed some (cannot happen while subscribed, but be safe): replay them.
                    missed = [e for e in await backlog(last) if e.seq < event.seq]
                    if not missed:
                        break
                    for gap_event in missed:
                        if types is None or gap_event.type in types:
                            yield format_event(gap_event)
                        last = gap_event.seq
                if types is None or event.type in types:
                    yield format_event(event)
                last = event.seq
    finally:
        broker.unsubscribe(sub)
