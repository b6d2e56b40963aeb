"""Pushing a ticket's view to the phones that follow it (server-sent events).

The engine's listener (:meth:`PhoneStreams.heard`, on the committing thread, never blocking) only
notes what the events touched: the categories whose queue moved, the tickets that changed. The
server's loop then makes the views of the followed tickets so touched in one batch on a worker
thread (:func:`hub.phone.views.ticket_views`: one read per category) and wakes each page whose view
changed; events that arrive meanwhile are folded into the next batch. A page never waits for the
writer, and the writer never waits for a page. A ticket's own change (its call, its rating) is
made and sent at once; a move of its queue (people ahead, minutes) at most every
:data:`MINOR_GAP_SECONDS` per ticket, so a busy hall's calls do not remake every page each time.

A page's stream lives :data:`STREAM_SECONDS`, then asks the page to ``renew`` it: the page opens
a new stream (sent the current view first) and closes the old one, so no update falls into a gap;
the old stream goes on carrying views for :data:`RENEW_GRACE_SECONDS` and then ends. A page that
does not renew (a phone whose screen went off or whose Wi-Fi is gone) therefore holds nothing on
the hub after under a minute, whether or not TCP noticed; a browser without the script's renewal
simply reconnects (``retry``). Streams are
capped: :data:`MAX_STREAMS` in all and :data:`MAX_PER_TICKET` per ticket (503 beyond; the page
falls back to asking every few seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from hub.errors import Busy
from hub.phone.views import ticket_views
from sync.outbox import Event

if TYPE_CHECKING:
    from hub.engine import QueueEngine

log = logging.getLogger(__name__)

MAX_STREAMS = 1000
MAX_PER_TICKET = 4
STREAM_SECONDS = 45.0
RENEW_GRACE_SECONDS = 10.0
KEEPALIVE_SECONDS = 15.0
RETRY_MS = 2000
RETRY_AFTER_SECONDS = 10
MINOR_GAP_SECONDS = 2.0
"""A page is sent a view whose status is unchanged (people ahead, wait) at most this often; a
call, a finish or a rating goes at once."""
READERS = 2
"""Threads (each with its own store connection) that read for every phone page together."""

T = TypeVar("T")

_ALL = "*"


class PhonePage:
    """One open page: the newest view not yet sent, and a flag that wakes its stream."""

    def __init__(self, ticket_id: str) -> None:
        self.ticket_id = ticket_id
        self.category: str | None = None
        self.sent: dict[str, Any] | None = None
        self.pending: dict[str, Any] | None = None
        self.wake = asyncio.Event()

    def offer(self, view: dict[str, Any]) -> None:
        if view != self.sent:
            self.pending = view
            self.wake.set()


class PhoneStreams:
    """The open phone pages and the batches that bring them up to date."""

    def __init__(
        self,
        engine: QueueEngine,
        *,
        max_streams: int = MAX_STREAMS,
        per_ticket: int = MAX_PER_TICKET,
        views: Callable[[QueueEngine, list[str]], dict[str, dict[str, Any]]] = ticket_views,
    ) -> None:
        self._engine = engine
        self._views = views
        self.max_streams = max_streams
        self.per_ticket = per_ticket
        self.life = STREAM_SECONDS
        self.grace = RENEW_GRACE_SECONDS
        self.minor_gap = MINOR_GAP_SECONDS
        self._readers = ThreadPoolExecutor(READERS, thread_name_prefix="phone-pages")
        self.keepalive = KEEPALIVE_SECONDS
        self._pages: dict[str, set[PhonePage]] = {}
        self._count = 0
        self.opened = 0  # streams opened since start (renewals included)
        self._lock = threading.Lock()  # guards the dirty sets (the writer thread adds to them)
        self._dirty_categories: set[str] = set()
        self._dirty_tickets: set[str] = set()
        self._kick_pending = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._stale: set[str] = set()  # followed tickets whose view may have changed
        self._made: dict[str, float] = {}  # ticket → when its view was last made (loop time)
        self._timer: asyncio.TimerHandle | None = None
        engine.subscribe(self.heard)

    @property
    def open_pages(self) -> int:
        return self._count

    # -- the writer's side (any thread) ------------------------------------------------------

    def heard(self, events: list[Event]) -> None:
        """Note what committed ``events`` touched; schedule a batch on the loop. Never blocks."""
        categories: set[str] = set()
        tickets: set[str] = set()
        for event in events:
            payload = event.payload
            ticket = payload.get("ticket")
            if isinstance(ticket, dict):
                tickets.add(str(ticket.get("id")))
                categories.add(str(ticket.get("category")))
            if event.type == "ticket.transferred" or event.type in ("config.applied", "day.closed"):
                categories.add(_ALL)
            elif event.type.startswith("window."):
                number = payload.get("window") or payload.get("number")
                spec = self._engine.config.window(number) if isinstance(number, int) else None
                categories.update(spec.categories if spec else [_ALL])
            elif event.type == "rating.recorded":
                tickets.add(str(payload.get("ticket_id")))
        if not (categories or tickets) or self._loop is None:
            return
        with self._lock:
            self._dirty_categories |= categories
            self._dirty_tickets |= tickets
            if self._kick_pending:
                return
            self._kick_pending = True
        with contextlib.suppress(RuntimeError):  # the loop has closed (the server stops)
            self._loop.call_soon_threadsafe(self._kick)

    # -- the loop's side ---------------------------------------------------------------------

    def _kick(self) -> None:
        with self._lock:
            self._kick_pending = False
        self._timer = None
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._refresh())

    async def _refresh(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                categories, self._dirty_categories = self._dirty_categories, set()
                tickets, self._dirty_tickets = self._dirty_tickets, set()
            for tid, pages in self._pages.items():
                if (
                    _ALL in categories
                    or tid in tickets
                    or any(p.category in categories or p.category is None for p in pages)
                ):
                    self._stale.add(tid)
            # A ticket's own change (its call, its rating) now; a move of its queue at most
            # every minor_gap per ticket: a busy hall's calls do not remake every page each time.
            now = loop.time()
            due = [
                tid
                for tid in self._stale
                if tid in tickets or now - self._made.get(tid, -1e9) >= self.minor_gap
            ]
            if not due:
                self._stale &= set(self._pages)
                if self._stale and self._timer is None:
                    wait = min(self._made.get(t, now) for t in self._stale) + self.minor_gap - now
                    self._timer = loop.call_later(max(wait, 0.05), self._kick)
                return
            self._stale.difference_update(due)
            try:
                views = await self.read(self._views, self._engine, due)
            except Exception:
                log.exception("phone pages: could not make the views; the next event retries")
                continue
            for tid, view in views.items():
                self._made[tid] = now
                self._deliver(tid, view)

    async def read(self, work: Callable[..., T], *args: Any) -> T:
        """Run ``work(*args)`` on the phone pages' own reader threads: however many phones
        open at once, they hold :data:`READERS` store connections, not one per request."""
        return await asyncio.get_running_loop().run_in_executor(self._readers, work, *args)

    def _deliver(self, ticket_id: str, view: dict[str, Any]) -> None:
        for page in self._pages.get(ticket_id, ()):
            page.category = view.get("category_code")
            page.offer(view)

    def open(self, ticket_id: str) -> PhonePage:
        """A new page for ``ticket_id``; raises Busy past the caps (before any answer)."""
        self._loop = asyncio.get_running_loop()
        pages = self._pages.get(ticket_id, set())
        if self._count >= self.max_streams:
            raise Busy(
                "phone_streams_full",
                "当前查看排队进度的人数较多，页面将每隔几秒自动刷新",
                status=503,
                retry_after=RETRY_AFTER_SECONDS,
            )
        if len(pages) >= self.per_ticket:
            raise Busy(
                "too_many_phone_pages",
                "这张号票已在多部手机上打开，请关闭其他页面",
                status=429,
                retry_after=RETRY_AFTER_SECONDS,
            )
        page = PhonePage(ticket_id)
        self._pages.setdefault(ticket_id, set()).add(page)
        self._count += 1
        self.opened += 1
        return page

    def close(self, page: PhonePage) -> None:
        pages = self._pages.get(page.ticket_id)
        if pages is None or page not in pages:
            return
        pages.discard(page)
        self._count -= 1
        if not pages:
            del self._pages[page.ticket_id]
            self._made.pop(page.ticket_id, None)

    async def follow(
        self,
        page: PhonePage,
        first: dict[str, Any],
        disconnected: Callable[[], Awaitable[bool]],
    ) -> AsyncIterator[str]:
        """The SSE body of ``page``: the view ``first``, then each changed view; after
        :attr:`life` seconds a ``renew`` message, and the end :attr:`grace` seconds later (or
        when the client went away); the page is closed however it ends."""
        loop = asyncio.get_running_loop()
        renew_at: float | None = loop.time() + self.life
        end = loop.time() + self.life + self.grace
        try:
            yield f"retry: {RETRY_MS}\n\n"
            page.category = first.get("category_code")
            page.sent = first
            yield _message(first)
            last_sent = written = loop.time()
            while (now := loop.time()) < end:
                if renew_at is not None and now >= renew_at:
                    renew_at = None
                    yield "event: renew\ndata: {}\n\n"
                    written = now
                page.wake.clear()  # before reading pending: an offer after this wakes us
                view, wait = page.pending, min(self.keepalive - (now - written), end - now)
                if renew_at is not None:
                    wait = min(wait, renew_at - now)
                if view is not None and view != page.sent:
                    if not _minor(page.sent, view) or now >= last_sent + self.minor_gap:
                        page.pending, page.sent = None, view
                        last_sent = written = now
                        yield _message(view)
                        continue
                    wait = min(wait, last_sent + self.minor_gap - now)
                elif view is not None:
                    page.pending = None
                try:
                    await asyncio.wait_for(page.wake.wait(), timeout=max(wait, 0.0))
                except TimeoutError:
                    if loop.time() - written >= self.keepalive:
                        if await disconnected():
                            return
                        written = loop.time()
                        yield ": keepalive\n\n"
        finally:
            self.close(page)


def _minor(sent: dict[str, Any] | None, view: dict[str, Any]) -> bool:
    """Whether ``view`` differs from ``sent`` only in counts (people ahead, minutes)."""
    if sent is None:
        return False
    keep = ("ahead", "wait_minutes")
    return {k: v for k, v in sent.items() if k not in keep} == {
        k: v for k, v in view.items() if k not in keep
    }


def _message(view: dict[str, Any]) -> str:
    body = json.dumps(view, ensure_ascii=False, separators=(",", ":"))
    return f"event: view\ndata: {body}\n\n"
