"""Live event fan-out for the LAN event stream (server-sent events).

The engine hands each committed batch of events to :meth:`EventBroker.publish` from whatever
thread committed it; every subscriber is an asyncio queue on the server's loop. A subscriber
that falls too far behind is cut off rather than let memory grow: its client reconnects with
``Last-Event-ID`` and replays the gap from the outbox (:mod:`hub.replay`), so nothing is lost.
Streams are capped: :data:`MAX_STREAMS_PER_OWNER` per token or console session (429 beyond)
and :data:`MAX_STREAMS` in all (503 beyond), both with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from hub.errors import Busy, Invalid
from sync.outbox import Event

if TYPE_CHECKING:
    from hub.replay import ReplayBatch

log = logging.getLogger(__name__)

SEQ_MAX = 2**63 - 1
"""The largest event seq the store can hold (SQLite's INTEGER)."""

MAX_PENDING_BATCHES = 2000
MAX_STREAMS = 300
"""Event streams open at once, all clients together (the rest of the hub's 500 connections
stay free for requests)."""
MAX_STREAMS_PER_OWNER = 8
"""Event streams open at once with one token (or one console session)."""
STREAMS_RETRY_AFTER_SECONDS = 10
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
    """Hands committed events to every live subscriber, in commit order.

    At most ``max_streams`` subscriptions at once, and ``per_owner`` of them for one owner."""

    def __init__(
        self, max_streams: int = MAX_STREAMS, per_owner: int = MAX_STREAMS_PER_OWNER
    ) -> None:
        self._lock = threading.Lock()
        self._subs: set[Subscription] = set()
        self._owned: Counter[str] = Counter()
        self.max_streams = max_streams
        self.per_owner = per_owner

    def subscribe(self, owner: str | None = None) -> Subscription:
        """A new subscription for ``owner`` (a device id, a console session, or None).

        Raises Busy: 429 ``too_many_streams`` past the owner's share, 503 ``streams_full``
        past the hub's."""
        sub = Subscription(asyncio.get_running_loop(), owner)
        with self._lock:
            if owner is not None and self._owned[owner] >= self.per_owner:
                raise Busy(
                    "too_many_streams",
                    f"同一令牌最多同时打开{self.per_owner}个事件连接，请关闭多余的页面后重试",
                    status=429,
                    retry_after=STREAMS_RETRY_AFTER_SECONDS,
                )
            if len(self._subs) >= self.max_streams:
                raise Busy(
                    "streams_full",
                    "集中控制器的事件连接已满，请稍后重试",
                    status=503,
                    retry_after=STREAMS_RETRY_AFTER_SECONDS,
                )
            self._subs.add(sub)
            if owner is not None:
                self._owned[owner] += 1
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """End ``sub`` (again is harmless)."""
        with self._lock:
            if sub in self._subs:
                self._subs.discard(sub)
                if sub.owner is not None:
                    self._owned[sub.owner] -= 1
                    if not self._owned[sub.owner]:
                        del self._owned[sub.owner]

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


def stream_response(
    broker: EventBroker,
    owner: str | None,
    replay: Callable[[int], Awaitable[ReplayBatch]],
    current_seq: Callable[[], Awaitable[int]],
    last_event_id: int | None,
    types: frozenset[str] | None,
    disconnected: Callable[[], Awaitable[bool]],
) -> StreamingResponse:
    """The ``text/event-stream`` answer: subscribes for ``owner`` at once (raises Busy past the
    broker's caps, before any answer has started) and ends the subscription when the answer
    ends, however it ends. ``owner`` (a device id) also lets :meth:`EventBroker.end_owned` end
    the stream; ``replay(seq)`` gives the batch after ``seq`` (:class:`hub.replay.Replayer`)."""
    sub = broker.subscribe(owner)
    body = stream(broker, sub, replay, current_seq, last_event_id, types, disconnected)
    return _EventStreamResponse(body, broker, sub)


class _EventStreamResponse(StreamingResponse):
    def __init__(
        self, body: AsyncIterator[str | bytes], broker: EventBroker, sub: Subscription
    ) -> None:
        super().__init__(
            body,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
        self._broker = broker
        self._sub = sub

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._broker.unsubscribe(self._sub)


async def stream(
    broker: EventBroker,
    sub: Subscription,
    replay: Callable[[int], Awaitable[ReplayBatch]],
    current_seq: Callable[[], Awaitable[int]],
    last_event_id: int | None,
    types: frozenset[str] | None,
    disconnected: Callable[[], Awaitable[bool]],
) -> AsyncIterator[str | bytes]:
    """The SSE body of ``sub``: replay after ``last_event_id`` (if given) a batch at a time,
    then follow live events."""
    try:
        yield f"retry: {RETRY_MS}\n\n"
        now = await current_seq()
        last = last_event_id if last_event_id is not None else now
        if last > now:  # the client saw events this store never had (restored from a backup)
            log.info("event stream asked to resume after %d, the hub is at %d: reset", last, now)
            yield format_reset(now, last)
            last = now
        while True:  # replay until caught up; live events after `last` are deduplicated below
            batch = await replay(last)
            if batch.last_seq is None:
                break
            if chunk := batch.wire(types):
                yield chunk
            last = batch.last_seq
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
                    missed = (await replay(last)).before(event.seq)
                    if missed.last_seq is None:
                        break
                    if chunk := missed.wire(types):
                        yield chunk
                    last = missed.last_seq
                if types is None or event.type in types:
                    yield format_event(event)
                last = event.seq
    finally:
        broker.unsubscribe(sub)
