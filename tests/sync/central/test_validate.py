"""Central's per-event validation: which events are applied and which are rejected, and why."""

from __future__ import annotations

from typing import Any

import pytest

from sync.central.validate import validate_event
from sync.wire import RatingScale, WireEvent
from tests.sync.central.centralapp import event


def _check(
    type_: str, payload: dict[str, Any] | None, scale: RatingScale = "gbt39046"
) -> str | None:
    return validate_event(WireEvent.model_validate(event(1, type_, payload)), scale)


def _rating(
    level: int, satisfaction: int | None = None, case_no: str = "20261122-A001"
) -> dict[str, Any]:
    payload: dict[str, Any] = {"level": level, "window": 3, "channel": 5}
    if satisfaction is not None:
        payload["gbt39046"] = {"case_no": case_no, "channel": "5", "satisfaction": satisfaction}
    return payload


def test_every_protocol_type_with_a_good_payload_is_applied() -> None:
    for type_ in ("ticket.issued", "ticket.called", "ticket.finished", "ticket.transferred"):
        assert _check(type_, None) is None
    assert _check("window.status", {"number": 1}) is None
    assert _check("day.closed", {}) is None
    assert _check("rating.recorded", _rating(2)) is None


def test_a_later_type_with_a_dot_is_applied_and_one_without_is_rejected() -> None:
    assert _check("appointment.checked_in", {}) is None
    assert _check("ticket.printed_later", {}) is None  # not ours to judge yet
    assert _check("whatever", {}) == "type: unknown event type 'whatever'"


@pytest.mark.parametrize(
    ("type_", "payload", "reason"),
    [
        ("ticket.issued", {}, "payload.ticket: missing"),
        ("ticket.issued", {"ticket": {"id": "t"}}, "payload.ticket.number: missing"),
        ("ticket.called", {"ticket": {"id": "t", "number": "A001"}}, "payload.window: missing"),
        (
            "ticket.finished",
            {"ticket": {"id": "t", "number": "A1"}, "window": "3"},
            "payload.window",
        ),
        ("rating.recorded", {}, "payload.level: must be 1–5"),
        ("rating.recorded", {"level": True}, "payload.level: must be 1–5"),
        ("rating.recorded", {"level": 6}, "payload.level: must be 1–5"),
    ],
)
def test_missing_or_wrong_payload_fields_are_named(
    type_: str, payload: dict[str, Any], reason: str
) -> None:
    found = _check(type_, payload)
    assert found is not None and found.startswith(reason)


def test_gbt39046_satisfaction_is_read_in_the_halls_declared_scale() -> None:
    # 非常满意 is level 1 in GB/T 39046 order; a reverse-scale platform calls it 5.
    assert _check("rating.recorded", _rating(1, 1), "gbt39046") is None
    assert _check("rating.recorded", _rating(1, 5), "reverse") is None
    assert _check("rating.recorded", _rating(4, 2), "reverse") is None
    mismatch = _check("rating.recorded", _rating(1, 1), "reverse")
    assert mismatch is not None and "does not match level 1" in mismatch


def test_a_gbt39046_record_needs_a_short_case_number_and_a_valid_code() -> None:
    assert _check("rating.recorded", _rating(1, 0)) == "payload.gbt39046.satisfaction: must be 1–5"
    too_long = _check("rating.recorded", _rating(1, 1, "x" * 51))
    assert too_long == "payload.gbt39046.case_no: must be 1–50 characters"
