"""What one window board shows, folded from the hub's events. Qt-free.

A board starts from a snapshot (``GET /api/v1/windows/N`` plus category names), then applies
every event of the stream in order. ``window.status`` carries the whole window state and wins;
the other events are applied too, so a board is right even while a ``window.status`` is still on
its way (they come in the same commit, ticket event first).

Payloads are read by the wire's models (:mod:`hub.wire_events`, :mod:`hub.wire`), once: an event
type the board does not know changes nothing, and a payload its model cannot read is logged and
skipped, the board keeps what it shows.

Only public data reaches a board: the called number, the citizen's name masked (张*三), the
clerk's staff number, name, post and photo. ID numbers are never read from a payload.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from devices.idnumber import mask_name
from hub import wire
from hub import wire_events as ev

log = logging.getLogger(__name__)

Now = Callable[[], datetime]

THANKS_SECONDS = 5.0  # how long "感谢您的评价" stays after a rating

STATUS_KEYS = {"idle": "status_idle", "serving": "status_serving", "paused": "status_paused"}


def public_name(name: object) -> str | None:
    """A citizen's name as a public screen may show it: masked (张*三), or None.

    A name the hub already masked (it contains ``*``) is kept; anything else is masked here, so
    a full name can never reach a screen even if a payload carried one.
    """
    if not isinstance(name, str) or not name.strip():
        return None
    return name.strip() if "*" in name else mask_name(name)


@dataclass(frozen=True)
class Clerk:
    """The clerk serving at a window, as the board shows them."""

    number: str
    name: str
    title: str
    photo: str | None  # URL path on the hub (GET it with the board's token), None: no photo

    @classmethod
    def from_wire(cls, clerk: wire.Clerk | None) -> Clerk | None:
        """The board's view of the wire's clerk (a window state's or ``window.clerk``'s), or
        None for nobody (or a clerk without a staff number)."""
        if clerk is None or not clerk.number:
            return None
        return cls(clerk.number, clerk.name, clerk.title, clerk.photo or None)


@dataclass(frozen=True)
class RatingPrompt:
    """A rating the hub is waiting for at this window."""

    number: str
    expires_at: datetime | None


@dataclass(frozen=True)
class BoardState:
    """Everything one window board shows."""

    window: int
    name: str = ""
    unit: str = ""
    items: tuple[str, ...] = ()  # category names the window calls from
    clerk: Clerk | None = None
    status: str = "idle"  # idle, serving, paused
    pause_reason: str | None = None
    serving: str | None = None  # the ticket number being served
    serving_name: str | None = None  # masked
    rating: RatingPrompt | None = None
    thanks_until: datetime | None = None
    connected: bool = False
    phone: str = ""  # the hall's phone (咨询电话), "" when not configured
    supervision_phone: str = ""  # the supervision line (监督电话), "" when not configured

    @property
    def status_key(self) -> str:
        """The text catalog key of the status line."""
        return STATUS_KEYS.get(self.status, "status_idle")


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        log.warning("unreadable time %r in a hub event", value)
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class BoardModel:
    """The state of window ``window``'s board. Not thread-safe: feed it from one thread."""

    def __init__(
        self,
        window: int,
        *,
        name: str = "",
        unit: str = "",
        categories: Mapping[str, str] | None = None,
        now: Now = _utc_now,
        phone: str = "",
        supervision_phone: str = "",
    ) -> None:
        """``categories`` maps category codes to names (from the catalog); ``now`` gives the
        current aware time (rating prompts expire by it); ``phone`` and ``supervision_phone``
        (config hall.phone, hall.supervision_phone) are shown when not empty."""
        self.window = window
        self._names: dict[str, str] = dict(categories or {})
        self._codes: tuple[str, ...] = ()
        self._now = now
        self.state = BoardState(
            window, name=name, unit=unit, phone=phone, supervision_phone=supervision_phone
        )

    # -- snapshot ----------------------------------------------------------------------------

    def set_categories(self, categories: Mapping[str, str]) -> None:
        """New category names (after a catalog change)."""
        self._names = dict(categories)
        self.state = replace(self.state, items=self._items(self._codes))

    def set_hall_texts(self, texts: Mapping[str, str]) -> None:
        """The hall's phones as the hub has them now (a console edit); missing keys keep ours."""
        self.state = replace(
            self.state,
            phone=texts.get("phone", self.state.phone),
            supervision_phone=texts.get("supervision_phone", self.state.supervision_phone),
        )

    def resync(self, window_state: wire.WindowState | Mapping[str, Any]) -> BoardState:
        """Replace everything with a full window state (``GET /windows/N`` or ``window.status``;
        its JSON is read by :class:`hub.wire.WindowState`, one it cannot read is logged and
        changes nothing)."""
        if not isinstance(window_state, wire.WindowState):
            try:
                window_state = wire.WindowState.model_validate(window_state)
            except ValidationError as err:
                log.warning("unreadable window state skipped: %s", err.errors()[:1])
                return self.state
        if window_state.number != self.window:
            return self.state
        self._codes = tuple(window_state.categories)
        current = window_state.current
        pending = window_state.rating_pending
        rating = None
        if pending is not None and pending.number:
            rating = RatingPrompt(pending.number, _parse_time(pending.expires_at))
        clerk = Clerk.from_wire(window_state.clerk)
        if clerk is None and window_state.clerk_id and "clerk" not in window_state.model_fields_set:
            # A hub from before the clerk field: the staff number and name only.
            clerk = Clerk(window_state.clerk_id, window_state.clerk_name or "", "", None)
        status = window_state.status or "idle"
        self.state = replace(
            self.state,
            name=window_state.name or self.state.name,
            unit=window_state.unit or self.state.unit or "",
            items=self._items(self._codes),
            clerk=clerk,
            status=status,
            pause_reason=window_state.pause_reason if status == "paused" else None,
            serving=current.number if current else None,
            serving_name=public_name(current.name_masked) if current else None,
            rating=rating,
            thanks_until=None if rating else self.state.thanks_until,
        )
        return self.state

    def set_connected(self, connected: bool) -> BoardState:
        self.state = replace(self.state, connected=connected)
        return self.state

    # -- events ------------------------------------------------------------------------------

    def apply(self, event_type: str, payload: ev.EventPayload | Mapping[str, Any] | None) -> bool:
        """Fold one hub event in (its payload as decoded by :func:`hub.wire_events.decode_event`,
        or its JSON, decoded here); True if what the board shows changed. An event the board
        does not know, or a payload its model cannot read (logged), changes nothing."""
        handler = _HANDLERS.get(event_type)
        if handler is None:
            return False
        # None: a payload its model could not read, logged where it was decoded.
        message = None if payload is None else ev.decode_event(event_type, payload)
        if message is None:
            return False
        before = self.state
        handler(self, message)
        return self.state != before

    def tick(self) -> bool:
        """Let an expired rating prompt or thank-you go; True if that changed the board."""
        now = self._now()
        before = self.state
        rating = self.state.rating
        if rating is not None and rating.expires_at is not None and rating.expires_at <= now:
            self.state = replace(self.state, rating=None)
        if self.state.thanks_until is not None and self.state.thanks_until <= now:
            self.state = replace(self.state, thanks_until=None)
        return self.state != before

    def _items(self, codes: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(self._names.get(code, code) for code in codes)

    # Each handler gets the payload's model of its event type (hub.wire_events.EVENT_MODELS).

    def _on_status(self, state: wire.WindowState) -> None:
        if state.number == self.window:
            self.resync(state)

    def _on_called(self, moved: ev.TicketAtWindow) -> None:
        if moved.window == self.window:
            self.state = replace(
                self.state,
                status="serving",
                pause_reason=None,
                serving=moved.ticket.number,
                serving_name=public_name(moved.ticket.name_masked),
                rating=None,
                thanks_until=None,
            )

    def _on_done(self, moved: ev.TicketAtWindow | ev.TicketTransferred) -> None:
        if isinstance(moved, ev.TicketTransferred):
            mine = moved.from_window == self.window
        else:
            mine = moved.window == self.window
        if mine and self.state.status == "serving":
            self.state = replace(self.state, status="idle", serving=None, serving_name=None)

    def _on_paused(self, paused: ev.WindowPaused) -> None:
        if paused.window == self.window:
            self.state = replace(self.state, status="paused", pause_reason=paused.reason or None)

    def _on_resumed(self, resumed: ev.WindowResumed) -> None:
        if resumed.window == self.window:
            status = "serving" if self.state.serving else "idle"
            self.state = replace(self.state, status=status, pause_reason=None)

    def _on_clerk(self, change: ev.WindowClerk) -> None:
        clerk = Clerk.from_wire(change.clerk)
        if change.window == self.window:
            self.state = replace(self.state, clerk=clerk)
        elif clerk is not None and self.state.clerk and clerk.number == self.state.clerk.number:
            self.state = replace(self.state, clerk=None)  # one clerk, one window: moved away

    def _on_rating_requested(self, request: ev.RatingRequested) -> None:
        if request.window == self.window:
            expires = _parse_time(request.expires_at)
            if expires is None and request.timeout_seconds is not None:
                expires = self._now() + timedelta(seconds=request.timeout_seconds)
            rating = RatingPrompt(request.number, expires)
            self.state = replace(self.state, rating=rating, thanks_until=None)

    def _on_rating_recorded(self, rating: ev.RatingRecorded) -> None:
        if rating.window == self.window:
            thanks = self._now() + timedelta(seconds=THANKS_SECONDS)
            self.state = replace(self.state, rating=None, thanks_until=thanks)

    def _on_day_closed(self, _: ev.DayClosed) -> None:
        self.state = replace(
            self.state,
            status="idle",
            pause_reason=None,
            serving=None,
            serving_name=None,
            clerk=None,
            rating=None,
            thanks_until=None,
        )


_HANDLERS: dict[str, Callable[[BoardModel, Any], None]] = {
    "window.status": BoardModel._on_status,
    "ticket.called": BoardModel._on_called,
    "ticket.recalled": BoardModel._on_called,
    "ticket.skipped": BoardModel._on_done,
    "ticket.finished": BoardModel._on_done,
    "ticket.transferred": BoardModel._on_done,
    "window.paused": BoardModel._on_paused,
    "window.resumed": BoardModel._on_resumed,
    "window.clerk": BoardModel._on_clerk,
    "rating.requested": BoardModel._on_rating_requested,
    "rating.recorded": BoardModel._on_rating_recorded,
    "day.closed": BoardModel._on_day_closed,
}

BOARD_EVENTS = frozenset(_HANDLERS)
"""The events a board folds in (each read by its model in :mod:`hub.wire_events`)."""

RESYNC_EVENTS = frozenset({"day.closed", "catalog.applied", "config.applied", "reset"})
"""After these a board or display fetches a fresh snapshot (new day, new category names, the
hall's settings changed in the console (window names, notice, phones), or
``reset``: the hub is behind the seq the feed resumed from, restored from an older backup)."""
