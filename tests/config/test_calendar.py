"""HallCalendar: service days, working days, opening hours and working-day sums."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from config import HallCalendar
from config.loader import config_from_dict
from config.sample import sample_hall_data

ZONE = ZoneInfo("Asia/Shanghai")

# The 2025 National Day week: 10-01 … 10-08 off, Sunday 09-28 and Saturday 10-11 worked.
NATIONAL_DAY = {
    "holidays": [f"2025-10-0{d}" for d in range(1, 9)],
    "working_days": ["2025-09-28", "2025-10-11"],
}


def calendar(**service: Any) -> HallCalendar:
    data = sample_hall_data()
    data["service"] = service
    return HallCalendar(config_from_dict(data))


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=ZONE)


def test_before_the_day_boundary_belongs_to_the_previous_service_day() -> None:
    cal = calendar(day_boundary="03:00")
    assert cal.service_day(at("2025-03-13", "02:59")) == date(2025, 3, 12)
    assert cal.service_day(at("2025-03-13", "03:00")) == date(2025, 3, 13)
    assert cal.service_day(at("2025-03-12", "23:59")) == date(2025, 3, 12)


def test_service_day_is_taken_in_the_halls_zone() -> None:
    cal = calendar(day_boundary="03:00")
    # 18:59 UTC is 02:59 the next morning in Shanghai.
    assert cal.service_day(datetime(2025, 3, 12, 18, 59, tzinfo=UTC)) == date(2025, 3, 12)
    assert cal.service_day(datetime(2025, 3, 12, 19, 0, tzinfo=UTC)) == date(2025, 3, 13)


def test_midnight_boundary_makes_the_service_day_the_calendar_day() -> None:
    cal = calendar(day_boundary="00:00")
    assert cal.service_day(at("2025-03-13", "00:00")) == date(2025, 3, 13)


def test_a_time_before_the_boundary_falls_on_the_next_calendar_date_of_its_service_day() -> None:
    cal = calendar(day_boundary="03:00")
    day = date(2025, 3, 12)
    assert cal.at(day, time(0, 45)) == at("2025-03-13", "00:45")
    assert cal.at(day, time(3, 0)) == at("2025-03-12", "03:00")
    assert cal.at(day, time(23, 59)) == at("2025-03-12", "23:59")
    assert cal.service_day(cal.at(day, time(2, 59))) == day
    assert cal.day_span(day) == (at("2025-03-12", "03:00"), at("2025-03-13", "03:00"))


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar().service_day(datetime(2025, 3, 12, 9, 30))


def test_weekdays_work_and_weekends_do_not() -> None:
    cal = calendar()
    assert cal.is_working_day(date(2025, 3, 14))  # Friday
    assert not cal.is_working_day(date(2025, 3, 15))  # Saturday
    assert not cal.is_working_day(date(2025, 3, 16))  # Sunday


def test_holiday_on_a_weekday_is_not_a_working_day() -> None:
    cal = calendar(**NATIONAL_DAY)
    assert not cal.is_working_day(date(2025, 10, 1))  # Wednesday
    assert cal.is_working_day(date(2025, 10, 9))  # Thursday after the holiday


def test_make_up_weekend_day_is_a_working_day() -> None:
    cal = calendar(**NATIONAL_DAY)
    assert cal.is_working_day(date(2025, 9, 28))  # Sunday
    assert cal.is_working_day(date(2025, 10, 11))  # Saturday
    assert not cal.is_working_day(date(2025, 10, 12))  # the Sunday after stays off


def test_configured_weekend_service_days_are_working_days() -> None:
    cal = calendar(days=[1, 2, 3, 4, 5, 6])
    assert cal.is_working_day(date(2025, 3, 15))
    assert not cal.is_working_day(date(2025, 3, 16))


@pytest.mark.parametrize(
    ("hhmm", "open_"),
    [
        ("08:59", False),
        ("09:00", True),
        ("11:59", True),
        ("12:00", False),
        ("12:30", False),
        ("13:00", True),
        ("16:59", True),
        ("17:00", False),
    ],
)
def test_open_only_inside_service_periods(hhmm: str, open_: bool) -> None:
    assert calendar().is_open(at("2025-03-12", hhmm)) is open_


def test_closed_all_day_on_holidays_and_open_on_make_up_days() -> None:
    cal = calendar(**NATIONAL_DAY)
    assert not cal.is_open(at("2025-10-01", "10:00"))
    assert not cal.is_open(at("2025-03-15", "10:00"))  # an ordinary Saturday
    assert cal.is_open(at("2025-10-11", "10:00"))


def test_add_working_days_skips_the_weekend() -> None:
    cal = calendar()
    assert cal.add_working_days(date(2025, 3, 14), 1) == date(2025, 3, 17)  # Fri → Mon
    assert cal.add_working_days(date(2025, 3, 12), 10) == date(2025, 3, 26)


def test_add_working_days_skips_a_holiday_and_counts_a_make_up_day() -> None:
    cal = calendar(**NATIONAL_DAY)
    assert cal.add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)  # Fri → make-up Sun
    assert cal.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert cal.add_working_days(date(2025, 9, 29), 4) == date(2025, 10, 11)
    assert cal.add_working_days(date(2025, 9, 29), 5) == date(2025, 10, 13)


def test_add_working_days_from_a_weekend_counts_from_the_next_working_day() -> None:
    assert calendar().add_working_days(date(2025, 3, 15), 1) == date(2025, 3, 17)


def test_add_zero_working_days_is_the_start_and_negative_is_refused() -> None:
    cal = calendar()
    assert cal.add_working_days(date(2025, 3, 15), 0) == date(2025, 3, 15)
    with pytest.raises(ValueError, match=">= 0"):
        cal.add_working_days(date(2025, 3, 12), -1)


def test_next_open_after_lunch_closing_and_over_a_weekend() -> None:
    cal = calendar()
    assert cal.next_open(at("2025-03-12", "12:10")) == at("2025-03-12", "13:00")
    assert cal.next_open(at("2025-03-14", "17:30")) == at("2025-03-17", "09:00")
    assert cal.next_open(at("2025-03-12", "10:00")) == at("2025-03-12", "10:00")


def test_closing_time_is_the_end_of_the_last_period() -> None:
    assert calendar(hours=["09:00-12:00", "13:00-18:30"]).closing_time().isoformat() == "18:30:00"
