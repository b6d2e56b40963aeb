"""GB/T 39046 records: satisfaction codes change direction in one table, both ways."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.central.validate import validate_event
from sync.ratings import (
    SATISFACTION_NAMES,
    RatingError,
    from_scale,
    gbt39046_record,
    rated_at,
    scales,
    to_scale,
    with_gbt39046,
)
from sync.wire import RatingScale, WireEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")


def rating_payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "level": 1,
        "reason": None,
        "rated_at": "2026-11-22T09:35:12.345+08:00",
        "number": "A001",
        "service_day": "2026-11-22",
        "division_code": "320411100",
    }
    payload.update(changes)
    return payload


def test_the_standard_scale_keeps_the_keypads_codes() -> None:
    assert [to_scale(c, "gbt39046") for c in range(1, 6)] == [1, 2, 3, 4, 5]


def test_the_reverse_scale_counts_from_the_other_end() -> None:
    # 1 非常满意 is 5 on a reverse platform; 5 非常不满意 is 1; 3 基本满意 stays in the middle.
    assert [to_scale(c, "reverse") for c in range(1, 6)] == [5, 4, 3, 2, 1]
    assert [from_scale(c, "reverse") for c in (5, 4, 3, 2, 1)] == [1, 2, 3, 4, 5]


@given(st.sampled_from(sorted(SATISFACTION_NAMES)), st.sampled_from(["gbt39046", "reverse"]))
def test_every_code_comes_back_unchanged_both_ways(level: int, scale: str) -> None:
    assert from_scale(to_scale(level, scale), scale) == level


def test_an_unknown_scale_or_code_is_refused_with_its_name() -> None:
    with pytest.raises(RatingError, match="'upside-down'"):
        to_scale(1, "upside-down")
    with pytest.raises(RatingError, match="1–5"):
        to_scale(0, "gbt39046")
    with pytest.raises(RatingError, match="1–5"):
        from_scale(6, "reverse")
    assert set(scales()) == {"gbt39046", "reverse"}


def test_the_record_has_the_standards_fields_for_a_keypad_rating() -> None:
    record = gbt39046_record(rating_payload(level=4, reason="等候时间长"), "reverse", SHANGHAI)
    assert record == {
        "case_no": "20261122-A001",
        "channel": "5",
        "rater": "",
        "rated_at": "20261122T093512",
        "rating_no": 1,
        "satisfaction": 2,
        "text": "等候时间长",
        "division_code": "320411100",
    }


def test_rated_at_is_written_in_the_halls_zone_whatever_zone_the_stamp_has() -> None:
    assert rated_at("2026-11-22T01:35:12.000+00:00", SHANGHAI) == "20261122T093512"
    assert rated_at("2026-11-22T23:59:59+00:00", SHANGHAI) == "20261123T075959"
    assert rated_at("2026-11-22T09:35:12", SHANGHAI) == "20261122T093512"
    with pytest.raises(RatingError, match="ISO 8601"):
        rated_at("yesterday", SHANGHAI)


def test_a_case_number_from_the_service_wins_and_is_cut_to_50_characters() -> None:
    record = gbt39046_record(rating_payload(case_no="X" * 60), "gbt39046", SHANGHAI)
    assert record["case_no"] == "X" * 50
    with pytest.raises(RatingError, match="case_no"):
        gbt39046_record(rating_payload(number=None), "gbt39046", SHANGHAI)


def test_adding_the_record_leaves_the_stored_payload_as_it_was() -> None:
    stored = rating_payload(level=5, reason="态度差")
    sent = with_gbt39046(stored, "reverse", SHANGHAI)
    assert "gbt39046" not in stored and stored["level"] == 5
    assert sent["gbt39046"]["satisfaction"] == 1 and sent["level"] == 5


@pytest.mark.parametrize("scale", ["gbt39046", "reverse"])
@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_the_reference_central_reads_every_record_back_to_the_same_level(
    scale: Any, level: int
) -> None:
    event = WireEvent(
        seq=1,
        event_id="e1",
        type="rating.recorded",
        schema_version=1,
        wall_time="2026-11-22T01:35:12.345+00:00",
        mono_ns=1,
        boot_id="b",
        clock_trusted=True,
        payload=with_gbt39046(rating_payload(level=level), scale, SHANGHAI),
    )
    assert validate_event(event, scale) is None
    other: RatingScale = "reverse" if scale == "gbt39046" else "gbt39046"
    assert (validate_event(event, other) is None) == (level == 3)
