"""Central's check of one uploaded event: a reason to reject it, or None.

A rejected event is still held (it never blocks the events behind it) but is not applied.
Known types are the protocol's list plus any later type with a ``.`` in its name; the
``ticket.*`` events and ``rating.recorded`` must carry the payload fields central counts with.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from sync.central.cases import check_case_payload
from sync.ratings import CASE_NO_MAX, from_scale
from sync.wire import RatingScale, WireEvent

KNOWN_TYPES = frozenset(
    {
        "ticket.issued",
        "ticket.called",
        "ticket.recalled",
        "ticket.skipped",
        "ticket.requeued",
        "ticket.transferred",
        "ticket.finished",
        "rating.requested",
        "rating.recorded",
        "window.paused",
        "window.resumed",
        "window.status",
        "window.clerk",
        "day.closed",
        "appointment.cancelled",
        "appointment.moved",
        "case.accepted",
        "staff.alert",
        "feedback.received",
        "sync.rejected",
    }
)
# The ticket events whose payload names the window they happened at.
_WINDOW_EVENTS = frozenset(
    {"ticket.called", "ticket.recalled", "ticket.skipped", "ticket.finished"}
)
_LEVELS = range(1, 6)


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_ticket(event: WireEvent) -> str | None:
    ticket = event.payload.get("ticket")
    if not isinstance(ticket, dict):
        return "payload.ticket: missing (an object is required)"
    for name in ("id", "number"):
        if not isinstance(ticket.get(name), str) or not ticket[name]:
            return f"payload.ticket.{name}: missing (a non-empty string is required)"
    if event.type in _WINDOW_EVENTS and not _is_int(event.payload.get("window")):
        return "payload.window: missing (a window number is required)"
    return None


def _check_rating(payload: dict[str, Any], scale: RatingScale) -> str | None:
    level = payload.get("level")
    if not _is_int(level) or level not in _LEVELS:
        return "payload.level: must be 1–5"
    record = payload.get("gbt39046")
    if record is None:
        return None
    if not isinstance(record, dict):
        return "payload.gbt39046: must be an object"
    satisfaction = record.get("satisfaction")
    if not _is_int(satisfaction) or satisfaction not in _LEVELS:
        return "payload.gbt39046.satisfaction: must be 1–5"
    # The one conversion table (sync.ratings) the hub used to write it, read backwards.
    if from_scale(satisfaction, scale) != level:
        return (
            f"payload.gbt39046.satisfaction: {satisfaction} in the hall's {scale} scale "
            f"does not match level {level}"
        )
    case_no = record.get("case_no")
    if not isinstance(case_no, str) or not 0 < len(case_no) <= CASE_NO_MAX:
        return f"payload.gbt39046.case_no: must be 1–{CASE_NO_MAX} characters"
    return None


def validate_event(event: WireEvent, rating_scale: RatingScale) -> str | None:
    """Why central rejects this event, or None when it is applied.

    ``rating_scale`` is the hall's declared scale of ``gbt39046.satisfaction``; ``level`` is
    always in GB/T 39046 order (the keypad's), and the two must agree.
    """
    if event.type not in KNOWN_TYPES and "." not in event.type:
        return f"type: unknown event type {event.type!r}"
    if event.type in KNOWN_TYPES and event.type.startswith("ticket."):
        return _check_ticket(event)
    if event.type == "rating.recorded":
        return _check_rating(event.payload, rating_scale)
    if event.type == "case.accepted":
        return check_case_payload(event.payload)
    return None
