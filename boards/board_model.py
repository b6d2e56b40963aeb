"""What one window board shows, folded from the hub's events. Qt-free.

A board starts from a snapshot (``GET /api/v1/windows/N`` plus category names), then applies
every event of the stream in order. ``window.status`` carries the whole window state and wins;
the other events are applied too, so a board is right even while a ``window.status`` is still on
its way (they come in the same commit, ticket event first).

Only public data reaches a board: the called number, the citizen's name masked (张*三), the
clerk's staff number, name, post and photo. ID numbers are never read from a payload.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from devices.idnumber import mask_name

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
    def from_payload(cls, data: object) -> Clerk | None:
        """The clerk in a window state's ``clerk`` field, or None for none / a malformed one."""
        if not isinstance(data, Mapping) or not data.get("number"):
            return None
        photo = data.get("photo")
        return cls(
            number=str(data["number"]),
            name=str(data.get("name") or ""),
            title=str(data.get("title") or ""),
            photo=str(photo) if photo else None,
        )


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

    def resync(self, window_state: Mapping[str, Any]) -> BoardState:
        """Replace everything with a full window state (``GET /windows/N`` or ``window.status``)."""
        if window_state.get("number") not in (None, self.window):
            return self.state
        self._codes = tuple(str(c) for c in window_state.get("categories") or ())
        current = window_state.get("current")
        current = current if isinstance(current, Mapping) else None
        pending = window_state.get("rating_pending")
        rating = None
        if isinstance(pending, Mapping) and pending.get("number"):
            rating = RatingPrompt(str(pending["number"]), _parse_time(pending.get("expires_at")))
        clerk = Clerk.from_payload(window_state.get("clerk"))
        if clerk is None and window_state.get("clerk_id") and "clerk" not in window_state:
            # A hub from before the clerk field: the staff number and name only.
            clerk = Clerk(
                str(window_state["clerk_id"]), str(window_state.get("clerk_name") or ""), "", None
            )
        status = str(window_state.get("status") or "idle")
        self.state = replace(
            self.state,
            name=str(window_state.get("name") or self.state.name),
            unit=str(window_state.get("unit") or self.state.unit or ""),
            items=self._items(self._codes),
            clerk=clerk,
            status=status,
            pause_reason=window_state.get("pause_reason") if status == "paused" else None,
            serving=str(current["number"]) if current else None,
            serving_name=public_name(current.get("name_masked")) if current else None,
            rating=rating,
            thanks_until=None if rating else self.state.thanks_until,
        )
        return self.state

    def set_connected(self, connected: bool) -> BoardState:
        self.state = replace(self.state, connected=connected)
        return self.state

    # -- events ------------------------------------------------------------------------------

    def apply(self, event_type: str, payload: Mapping[str, Any]) -> bool:
        """Fold one hub event in; True if what the board shows changed."""
        before = self.state
        handler = _HANDLERS.get(event_type)
        if handler is not None:
            handler(self, payload)
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

    def _mine(self, payload: Mapping[str, Any]) -> bool:
        return payload.get("window") == self.window

    def _on_status(self, payload: Mapping[str, Any]) -> None:
        if payload.get("number") == self.window:
            self.resync(payload)

    def _on_called(self, payload: Mapping[str, Any]) -> None:
        ticket = payload.get("ticket")
        if self._mine(payload) and isinstance(ticket, Mapping):
            self.state = replace(
                self.state,
                status="serving",
                pause_reason=None,
                serving=str(ticket.get("number") or ""),
                serving_name=public_name(ticket.get("name_masked")),
                rating=None,
                thanks_until=None,
            )

    def _on_done(self, payload: Mapping[str, Any]) -> None:
        mine = self._mine(payload) or payload.get("from_window") == self.window
        if mine and self.state.status == "serving":
            self.state = replace(self.state, status="idle", serving=None, serving_name=None)

    def _on_paused(self, payload: Mapping[str, Any]) -> None:
        if self._mine(payload):
            reason = payload.get("reason")
            self.state = replace(
                self.state, status="paused", pause_reason=str(reason) if reason else None
            )

    def _on_resumed(self, payload: Mapping[str, Any]) -> None:
        if self._mine(payload):
            status = "serving" if self.state.serving else "idle"
            self.state = replace(self.state, status=status, pause_reason=None)

    def _on_clerk(self, payload: Mapping[str, Any]) -> None:
        clerk = Clerk.from_payload(payload.get("clerk"))
        if self._mine(payload):
            self.state = replace(self.state, clerk=clerk)
        elif clerk is not None and self.state.clerk and clerk.number == self.state.clerk.number:
            self.state = replace(self.state, clerk=None)  # one clerk, one window: moved away

    def _on_rating_requested(self, payload: Mapping[str, Any]) -> None:
        if self._mine(payload):
            expires = _parse_time(payload.get("expires_at"))
            if expires is None and isinstance(payload.get("timeout_seconds"), int | float):
                expires = self._now() + timedelta(seconds=float(payload["timeout_seconds"]))
            rating = RatingPrompt(str(payload.get("number") or ""), expires)
            self.state = replace(self.state, rating=rating, thanks_until=None)

    def _on_rating_recorded(self, payload: Mapping[str, Any]) -> None:
        if self._mine(payload):
            thanks = self._now() + timedelta(seconds=THANKS_SECONDS)
            self.state = replace(self.state, rating=None, thanks_until=thanks)

    def _on_day_closed(self, _: Mapping[str, Any]) -> None:
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


_HANDLERS: dict[str, Callable[[BoardModel, Mapping[str, Any]], None]] = {
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

RESYNC_EVENTS = frozenset({"day.closed", "catalog.applied", "config.applied", "reset"})
"""After these a board or display fetches a fresh snapshot (new day, new category names, the
hall's settings changed in the console (window names, notice, phones), or
``reset``: the hub is behind the seq the feed resumed from, restored from an older backup)."""
