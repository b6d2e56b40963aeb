"""Opening hours per weekday (service.weekday_hours): a Saturday morning, a Thursday 延时."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from config import HallCalendar
from config.errors import ConfigError
from config.loader import config_from_dict
from config.sample import sample_hall_data

ZONE = ZoneInfo("Asia/Shanghai")

# 2026-12-03 is a Thursday, 12-05 a Saturday, 12-06 a Sunday, 12-07 a Monday.
WEEK = {
    "days": [1, 2, 3, 4, 5, 6],
    "hours": ["09:00-12:00", "13:00-17:00"],
    "weekday_hours": {"4": ["09:00-12:00", "13:00-19:00"], "6": ["09:00-12:00"]},
}


def calendar(**service: Any) -> HallCalendar:
    data = sample_hall_data()
    data["service"] = {**WEEK, **service}
    return HallCalendar(config_from_dict(data))


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=ZONE)


def test_a_weekday_with_its_own_hours_opens_and_closes_by_them() -> None:
    cal = calendar()
    assert cal.is_open(at("2026-12-03", "18:30"))  # Thursday 延时
    assert not cal.is_open(at("2026-12-03", "19:00"))
    assert not cal.is_open(at("2026-12-07", "18:30"))  # Monday: the ordinary hours
    assert cal.is_open(at("2026-12-05", "11:59"))  # Saturday morning
    assert not cal.is_open(at("2026-12-05", "13:30"))
    assert cal.closing_time(date(2026, 12, 3)) == time(19, 0)
    assert cal.closing_time(date(2026, 12, 5)) == time(12, 0)
    assert cal.closing_time(date(2026, 12, 7)) == time(17, 0)
    assert cal.closing_time() == time(17, 0)


def test_periods_of_a_day_are_empty_when_closed() -> None:
    cal = calendar(holidays=["2026-12-03"])
    assert cal.periods_of(date(2026, 12, 3)) == []
    assert cal.periods_of(date(2026, 12, 6)) == []  # Sunday, not served
    assert cal.periods_of(date(2026, 12, 5)) == [(time(9), time(12))]
    assert cal.has_own_hours(date(2026, 12, 5))
    assert not cal.has_own_hours(date(2026, 12, 7))


def test_a_make_up_working_day_keeps_the_ordinary_hours() -> None:
    cal = calendar(working_days=["2026-12-05"])  # a Saturday worked as a weekday
    assert cal.periods_of(date(2026, 12, 5)) == [(time(9), time(12)), (time(13), time(17))]
    assert cal.is_open(at("2026-12-05", "16:00"))


def test_next_open_follows_the_days_own_hours() -> None:
    cal = calendar()
    # Saturday after noon: closed until Monday 09:00 (Sunday is not served).
    assert cal.next_open(at("2026-12-05", "12:30")) == at("2026-12-07", "09:00")
    assert cal.next_open(at("2026-12-03", "17:30")) == at("2026-12-03", "17:30")


@pytest.mark.parametrize(
    ("weekday_hours", "words"),
    [
        ({"6": ["09:00-12:00", "11:00-13:00"]}, "overlaps"),
        ({"6": ["9-12"]}, "HH:MM"),
        ({"6": []}, "no service period"),
        ({"7": ["09:00-12:00"]}, "not in `days`"),
        ({"8": ["09:00-12:00"]}, "less than or equal"),
    ],
)
def test_bad_weekday_hours_are_refused_naming_the_key(
    weekday_hours: dict[str, list[str]], words: str
) -> None:
    data = sample_hall_data()
    data["service"] = {**WEEK, "weekday_hours": weekday_hours}
    with pytest.raises(ConfigError) as caught:
        config_from_dict(data)
    text = str(caught.value)
    assert "service" in text and words in text


def test_weekday_hours_survive_a_json_round_trip() -> None:
    data = sample_hall_data()
    data["service"] = WEEK
    config = config_from_dict(data)
    again = config_from_dict(config.model_dump(mode="json"))
    assert again.service.weekday_hours == {4: ["09:00-12:00", "13:00-19:00"], 6: ["09:00-12:00"]}
    assert again.service.hours_of_weekday(6) == ["09:00-12:00"]
    assert again.service.hours_of_weekday(1) == WEEK["hours"]
