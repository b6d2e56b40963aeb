"""What the hall display shows and says, folded from the hub's events. Qt-free.

The display keeps the latest calls (number → window, newest first), the waiting count per
category and the notice line. Every call and recall that arrives becomes an
:class:`Announcement` for the voice, in the order the hub committed them: two windows calling
at the same instant give two entries and two announcements, never one.

A call is known by (ticket id, call count, recall count), so an event seen twice (a replay after
a reconnect overlapping the snapshot) is neither listed nor spoken twice, while a recall (its
recall count grows) is both.

Payloads and the snapshot are read by the wire's models (:mod:`hub.wire_events`,
:mod:`hub.wire`), once: an event type the display does not know changes nothing, and a payload
its model cannot read is logged and skipped (nothing listed, nothing said).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from pydantic import ValidationError

from hub import wire
from hub import wire_events as ev

log = logging.getLogger(__name__)

MAX_CALLS = 8
FRESH_SECONDS = 10.0  # a new call stays highlighted this long
BANNER_SECONDS = 6.0  # a new call fills the screen this long, then the list comes back
MAX_SEEN = 2000  # remembered call keys; a hall day is far fewer calls per hour

CallKind = Literal["call", "recall"]
Monotonic = Callable[[], float]


@dataclass(frozen=True)
class Call:
    """One call on the display."""

    number: str
    window: int
    kind: CallKind
    key: tuple[str, int, int]  # ticket id, call count, recall count
    at: float  # monotonic seconds when it arrived here (for the highlight)


@dataclass(frozen=True)
class Announcement:
    """One thing for the voice to say: a call or a recall of ``number`` to ``window``."""

    kind: CallKind
    number: str
    window: int


@dataclass(frozen=True)
class DisplayState:
    """Everything the hall display shows."""

    hall: str = ""
    notice: str = ""
    calls: tuple[Call, ...] = ()  # newest first
    waiting: tuple[tuple[str, str, int], ...] = ()  # (code, name, count) in catalog order
    connected: bool = False
    estimates: tuple[tuple[str, int], ...] = ()  # (code, estimated wait in minutes), if known

    def estimate(self, code: str) -> int | None:
        """The estimated wait in minutes of a ticket of ``code`` taken now, None: unknown."""
        return dict(self.estimates).get(code)

    def banner(self, now: float) -> Call | None:
        """The call the display announces full-screen at monotonic time ``now``: the newest
        call for BANNER_SECONDS after it arrived (never one found in a snapshot), else None."""
        if not self.calls or self.calls[0].at <= 0:
            return None
        call = self.calls[0]
        return call if 0 <= now - call.at < BANNER_SECONDS else None

    def fresh(self, call: Call, now: float) -> bool:
        """Whether ``call`` is still highlighted at monotonic time ``now``: only the newest call,
        for FRESH_SECONDS."""
        return bool(self.calls) and call is self.calls[0] and now - call.at < FRESH_SECONDS


def _call_key(ticket: wire.Ticket) -> tuple[str, int, int]:
    return (ticket.id or ticket.number, ticket.call_count, ticket.recall_count)


def _read(model: type[wire.Wire], data: object, what: str) -> Any:
    """``data`` read by ``model`` (a model already is), or None (logged) when it cannot be."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as err:
        log.warning("unreadable %s skipped: %s", what, err.errors()[:1])
        return None


class DisplayModel:
    """The hall display's state. Not thread-safe: feed it from one thread."""

    def __init__(
        self,
        *,
        hall: str = "",
        notice: str = "",
        categories: Mapping[str, str] | None = None,
        max_calls: int = MAX_CALLS,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        """``categories``: code → name in the order the display lists them."""
        self._names: dict[str, str] = dict(categories or {})
        self._counts: dict[str, int] = dict.fromkeys(self._names, 0)
        self._max = max_calls
        self._clock = monotonic
        self._seen: dict[tuple[str, int, int], None] = {}
        self._per_person: dict[str, float] = {}  # minutes of wait per waiting ticket (hub's)
        self.state = DisplayState(hall=hall, notice=notice, **self._queues())

    # -- snapshot ----------------------------------------------------------------------------

    def set_hall_texts(self, texts: Mapping[str, str]) -> None:
        """The hall's notice line as the hub has it now (a console edit)."""
        if "notice" in texts:
            self.state = replace(self.state, notice=texts["notice"])

    def set_categories(self, categories: Mapping[str, str]) -> None:
        self._names = dict(categories)
        self._counts = {code: self._counts.get(code, 0) for code in self._names}
        self.state = replace(self.state, **self._queues())

    def resync(
        self,
        windows: Iterable[wire.WindowState | Mapping[str, Any]],
        queue: wire.QueueOverview | Mapping[str, Any] | None,
    ) -> DisplayState:
        """Take the hub's snapshot: ``GET /windows`` (its list) and ``GET /queue`` (their JSON
        is read by :mod:`hub.wire`'s models; a window or queue they cannot read is logged and
        left out).

        Waiting counts are replaced. Calls still on the list stay; a window serving a ticket the
        display has not listed (called while it was away) is added without an announcement.
        """
        overview = None if queue is None else _read(wire.QueueOverview, queue, "queue")
        if overview is not None:
            self._counts = {code: 0 for code in self._names}
            for code, lanes in overview.waiting.items():
                self._counts[code] = sum(lanes.values())
            if "categories" in overview.model_fields_set:  # an older hub sends no estimates
                self._take_estimates(overview.categories)
        serving: list[tuple[str, int, wire.Ticket]] = []
        for data in windows:
            window = _read(wire.WindowState, data, "window state")
            if window is not None and window.current is not None and window.status != "idle":
                serving.append((window.current.called_at or "", window.number, window.current))
        missing = []
        for _, number, ticket in sorted(serving, key=lambda s: s[0]):
            key = _call_key(ticket)
            if key not in self._seen:
                self._remember(key)
                kind: CallKind = "recall" if key[2] else "call"
                missing.append(Call(ticket.number, number, kind, key, 0.0))
        calls = tuple(reversed(missing)) + self.state.calls
        self.state = replace(self.state, calls=calls[: self._max], **self._queues())
        return self.state

    def _take_estimates(self, categories: Mapping[str, wire.CategoryWait]) -> None:
        """The hub's per-category estimates (``GET /queue``'s ``categories``) as minutes per
        waiting ticket: between snapshots an estimate follows the waiting count."""
        self._per_person = {}
        for code, entry in categories.items():
            minutes, waiting = entry.estimated_wait_minutes, entry.waiting
            if minutes is not None and waiting > 0:
                self._per_person[code] = float(minutes) / waiting

    def set_connected(self, connected: bool) -> DisplayState:
        self.state = replace(self.state, connected=connected)
        return self.state

    # -- events ------------------------------------------------------------------------------

    def apply(
        self, event_type: str, payload: ev.EventPayload | Mapping[str, Any] | None
    ) -> list[Announcement]:
        """Fold one hub event in (its payload as decoded by :func:`hub.wire_events.decode_event`,
        or its JSON, decoded here); returns what to say because of it (usually nothing). An
        event the display does not know, or a payload its model cannot read (logged), changes
        nothing and says nothing."""
        if event_type not in DISPLAY_EVENTS:
            return []
        # None: a payload its model could not read, logged where it was decoded.
        message = None if payload is None else ev.decode_event(event_type, payload)
        if isinstance(message, ev.TicketAtWindow):
            if event_type == "ticket.called":
                self._count(message.ticket, -1)
                return self._add_call("call", message.ticket, message.window)
            if event_type == "ticket.recalled":
                return self._add_call("recall", message.ticket, message.window)
        elif isinstance(message, ev.TicketIssued | ev.TicketTransferred):
            self._count(message.ticket, +1)
        elif isinstance(message, ev.DayClosed):
            self._counts = dict.fromkeys(self._names, 0)
            self._per_person.clear()
            self._seen.clear()
            self.state = replace(self.state, calls=(), **self._queues())
        return []

    def _add_call(self, kind: CallKind, ticket: wire.Ticket, window: int) -> list[Announcement]:
        number = ticket.number
        if not number:
            return []
        key = _call_key(ticket)
        if key in self._seen:
            return []
        self._remember(key)
        call = Call(number, window, kind, key, self._clock())
        # One number is on the list once: a recall or a second call moves it to the top.
        rest = tuple(c for c in self.state.calls if c.key[0] != key[0])
        self.state = replace(self.state, calls=((call, *rest))[: self._max])
        return [Announcement(kind, number, window)]

    def _remember(self, key: tuple[str, int, int]) -> None:
        self._seen[key] = None
        while len(self._seen) > MAX_SEEN:
            del self._seen[next(iter(self._seen))]

    def _count(self, ticket: wire.Ticket, delta: int) -> None:
        if delta > 0 and ticket.status != "waiting":
            return
        code = ticket.category
        self._counts[code] = max(0, self._counts.get(code, 0) + delta)
        self.state = replace(self.state, **self._queues())

    def _queues(self) -> dict[str, Any]:
        """The state's ``waiting`` and ``estimates`` fields from the counts."""
        codes = list(self._names) + [c for c in self._counts if c not in self._names]
        counts = {c: self._counts.get(c, 0) for c in codes}
        return {
            "waiting": tuple((c, self._names.get(c, c), counts[c]) for c in codes),
            "estimates": tuple(
                (c, max(1, round(self._per_person[c] * counts[c])))
                for c in codes
                if self._per_person.get(c, 0.0) > 0 and counts[c] > 0
            ),
        }


DISPLAY_EVENTS = frozenset(
    {
        "ticket.called",
        "ticket.recalled",
        "ticket.issued",
        "ticket.requeued",
        "ticket.transferred",
        "day.closed",
    }
)
"""The events the display folds in; it ignores the others without reading them."""
