"""GB/T 39046 rating records: the one place satisfaction codes change direction.

The hub stores every rating in the standard's order (1 非常满意 … 5 非常不满意), which is also
what the window keypad sends. Some provincial platforms count the other way (5 非常满意 … 1
非常不满意); central declares which scale it wants as ``rating_scale`` at enrollment and in
its status answer. The uplink calls :func:`with_gbt39046` on each ``rating.recorded`` event as
it sends it, so the stored event never changes; the reference central turns the code back with
:func:`from_scale` and the same table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sync.errors import SyncError

GBT39046 = "gbt39046"
REVERSE = "reverse"

SATISFACTION_NAMES = {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}
"""GB/T 39046 satisfaction codes in the standard's order."""

_TO_SCALE: dict[str, dict[int, int]] = {
    GBT39046: {code: code for code in SATISFACTION_NAMES},
    REVERSE: {code: 6 - code for code in SATISFACTION_NAMES},
}
"""GB code → the scale's code, per scale. Inverted below for the way back."""

_FROM_SCALE: dict[str, dict[int, int]] = {
    scale: {theirs: ours for ours, theirs in table.items()} for scale, table in _TO_SCALE.items()
}

CHANNEL_HALL_TERMINAL = "5"
"""GB/T 39046 channel code of a hall terminal: the window's rating keypad."""

CASE_NO_MAX = 50


class RatingError(SyncError):
    """A rating cannot be turned into a GB/T 39046 record (unknown scale, bad code or field)."""


def scales() -> tuple[str, ...]:
    """The rating scales a central may declare."""
    return tuple(_TO_SCALE)


def _table(tables: dict[str, dict[int, int]], scale: str) -> dict[int, int]:
    try:
        return tables[scale]
    except KeyError:
        raise RatingError(
            f"unknown rating scale {scale!r}; expected one of {', '.join(_TO_SCALE)}"
        ) from None


def to_scale(level: int, scale: str) -> int:
    """The GB/T 39046 code ``level`` (1 非常满意 … 5) as a code of ``scale``.

    Raises RatingError for an unknown scale or a level outside 1–5.
    """
    try:
        return _table(_TO_SCALE, scale)[level]
    except KeyError:
        raise RatingError(f"satisfaction level must be 1–5, got {level!r}") from None


def from_scale(code: int, scale: str) -> int:
    """A satisfaction ``code`` of ``scale`` back as the GB/T 39046 code (1 非常满意 … 5).

    Raises RatingError for an unknown scale or a code outside 1–5.
    """
    try:
        return _table(_FROM_SCALE, scale)[code]
    except KeyError:
        raise RatingError(f"satisfaction code must be 1–5, got {code!r}") from None


def case_number(payload: dict[str, Any]) -> str:
    """The record's ``case_no``: the acceptance case number when the service produced one,
    else ``<service day YYYYMMDD>-<ticket number>``; at most 50 characters.

    Raises RatingError when the payload has neither.
    """
    case_no = payload.get("case_no")
    if not case_no:
        day, number = payload.get("service_day"), payload.get("number")
        if not day or not number:
            raise RatingError("a rating needs a case_no, or a service_day and a ticket number")
        case_no = f"{str(day).replace('-', '')}-{number}"
    return str(case_no)[:CASE_NO_MAX]


def rated_at(stamp: str, zone: ZoneInfo) -> str:
    """An ISO 8601 instant as ``YYYYMMDDThhmmss`` in the hall's time zone.

    A stamp without an offset is taken as already local. Raises RatingError if unreadable.
    """
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError) as err:
        raise RatingError(f"rated_at is not an ISO 8601 time: {stamp!r}") from err
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone)
    return moment.strftime("%Y%m%dT%H%M%S")


def gbt39046_record(payload: dict[str, Any], scale: str, zone: ZoneInfo) -> dict[str, Any]:
    """The ``gbt39046`` block of a ``rating.recorded`` payload (docs/sync-protocol.md).

    ``payload`` is the hub's stored payload (``level`` in GB order); ``satisfaction`` comes out
    in ``scale``. ``rating_no`` is the rating's number within its case: the hub takes one
    rating per service, so it is always 1. Raises RatingError for a payload that lacks a field.
    """
    try:
        level = int(payload["level"])
        stamp = str(payload["rated_at"])
    except (KeyError, TypeError, ValueError) as err:
        raise RatingError(f"a rating payload needs level and rated_at ({err})") from err
    return {
        "case_no": case_number(payload),
        "channel": CHANNEL_HALL_TERMINAL,
        "rater": "",
        "rated_at": rated_at(stamp, zone),
        "rating_no": 1,
        "satisfaction": to_scale(level, scale),
        "text": str(payload.get("reason") or ""),
        "division_code": str(payload.get("division_code") or ""),
    }


def with_gbt39046(payload: dict[str, Any], scale: str, zone: ZoneInfo) -> dict[str, Any]:
    """A copy of a ``rating.recorded`` payload with its ``gbt39046`` block added."""
    return {**payload, "gbt39046": gbt39046_record(payload, scale, zone)}
