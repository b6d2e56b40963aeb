"""The hub's events as the apps read them: one frozen pydantic model per payload, decoded once.

``GET /api/v1/events`` sends ``{"seq","event_id","type","time","payload"}``; :func:`decode_event`
turns a type and its payload into the model of that type (:data:`EVENT_MODELS`), so the boards,
the display and the other readers of the stream read a ticket, a window state or a clerk from
:mod:`hub.wire`'s models instead of picking keys out of dicts. Field names are the wire's,
exactly: a model describes the JSON the hub has always sent, it changes none of it, and the web
board (``hub/static/board.js``) reads these same fields.

Tolerance is as before: a model ignores keys it does not know (a newer hub may send more), an
event type without a model decodes to None (a reader keeps working with events it does not
know), and a payload a model cannot read (a missing required field, a value of the wrong type)
is logged and decodes to None, so a reader skips it and no screen ever crashes on it.

Imports only pydantic (and :mod:`hub.wire`, which imports only pydantic): the apps may import
this module without FastAPI.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from pydantic import Field, ValidationError

from hub.wire import Clerk, Rating, Ticket, WindowState, Wire

log = logging.getLogger(__name__)


class TicketIssued(Wire):
    """``ticket.issued`` (issue) and ``ticket.requeued`` (re-queue at the kiosk)."""

    ticket: Ticket


class TicketAtWindow(Wire):
    """A window's move of its ticket: ``ticket.called``, ``ticket.recalled``, ``ticket.skipped``
    (and ``ticket.finished``, :class:`TicketFinished`)."""

    ticket: Ticket
    window: int
    clerk_id: str | None = None


class TicketFinished(TicketAtWindow):
    """``ticket.finished`` (办结): how long the window served it."""

    service_seconds: float | None = None


class TicketTransferred(Wire):
    """``ticket.transferred``: the ticket waits again, for ``to_category`` or ``to_window``."""

    ticket: Ticket
    from_window: int
    clerk_id: str | None = None
    to_category: str | None = None
    to_window: int | None = None
    reason: str | None = None


class WindowPaused(Wire):
    """``window.paused``: the reason its board shows."""

    window: int
    reason: str | None = None
    clerk_id: str | None = None


class WindowResumed(Wire):
    """``window.resumed``."""

    window: int


class WindowClerk(Wire):
    """``window.clerk``: who is signed in at ``window`` now and who was (None: nobody)."""

    window: int
    clerk: Clerk | None = None
    previous: Clerk | None = None


class RatingRequested(Wire):
    """``rating.requested``: the finished ticket the window's citizen may rate until
    ``expires_at`` (the hall's local time), ``timeout_seconds`` from now."""

    ticket_id: str
    number: str
    window: int
    expires_at: str | None = None
    timeout_seconds: float | None = None


class RatingRecorded(Rating):
    """``rating.recorded``: the stored rating with what central's figures need."""

    division_code: str | None = None
    clerk_id: str | None = None
    item_id: str | None = None
    service_day: str | None = None


class DayClosed(Wire):
    """``day.closed``: the first write of a new service day; ``cancelled`` tickets left over."""

    service_day: str
    next_day: str
    cancelled: int = 0


class CatalogApplied(Wire):
    """``catalog.applied``: a catalog from central swapped in (its counts)."""

    catalog_version: int | None = None
    checksum: str | None = None
    etag: str | None = None
    categories: int | None = None
    items: int | None = None


class ConfigApplied(Wire):
    """``config.applied``: a console edit or rollback of the hall's settings took effect."""

    version: int | None = None
    sections: list[str] = Field(default_factory=list)
    author: str | None = None


class Reset(Wire):
    """``reset``: the hub is behind the seq the stream resumed from (restored from an older
    backup): drop what is shown and take a fresh snapshot."""

    seq: int
    last_event_id: int | None = None


EventPayload = (
    TicketIssued
    | TicketAtWindow
    | TicketFinished
    | TicketTransferred
    | WindowState
    | WindowPaused
    | WindowResumed
    | WindowClerk
    | RatingRequested
    | RatingRecorded
    | DayClosed
    | CatalogApplied
    | ConfigApplied
    | Reset
)
"""What :func:`decode_event` gives for an event an app reads."""

EVENT_MODELS: dict[str, type[EventPayload]] = {
    "ticket.issued": TicketIssued,
    "ticket.requeued": TicketIssued,
    "ticket.called": TicketAtWindow,
    "ticket.recalled": TicketAtWindow,
    "ticket.skipped": TicketAtWindow,
    "ticket.finished": TicketFinished,
    "ticket.transferred": TicketTransferred,
    "window.status": WindowState,
    "window.paused": WindowPaused,
    "window.resumed": WindowResumed,
    "window.clerk": WindowClerk,
    "rating.requested": RatingRequested,
    "rating.recorded": RatingRecorded,
    "day.closed": DayClosed,
    "catalog.applied": CatalogApplied,
    "config.applied": ConfigApplied,
    "reset": Reset,
}
"""Every event type an app reads, with its payload's model (``window.status`` carries the
window's state, as ``GET /windows/N``)."""


def decode_event(event_type: str, payload: object) -> EventPayload | None:
    """The model of ``event_type``'s ``payload``, read once; None for a type no app reads
    (silently) and for a payload its model cannot read (logged as a warning, never raised)."""
    model = EVENT_MODELS.get(event_type)
    if model is None:
        return None
    if isinstance(payload, Wire):
        if isinstance(payload, model):
            return payload
        payload = payload.model_dump(mode="json", exclude_unset=True)
    if not isinstance(payload, Mapping):
        log.warning("hub event %s skipped: its payload is not an object", event_type)
        return None
    try:
        return model.model_validate(payload)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '-'}: {e['msg']}" for e in err.errors()
        )
        log.warning("hub event %s skipped: unreadable payload (%s)", event_type, problems)
        return None
