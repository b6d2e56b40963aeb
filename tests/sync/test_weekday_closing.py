"""The figures and the appointments downlink take each day's own closing time (a Thursday's
延时 to 19:00, a Saturday morning), not an ordinary day's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from config import HallCalendar
from config.loader import config_from_dict
from sync.downlink import appointment_days
from sync.figures.presence import closing_time
from tests.conftest import HALL_ZONE, queue_hall_data


def calendar() -> HallCalendar:
    data: dict[str, Any] = queue_hall_data()
    data["service"] = {
        **data["service"],
        "days": [1, 2, 3, 4, 5, 6],
        "hours": ["09:00-12:00", "13:00-17:00"],
        "weekday_hours": {4: ["09:00-12:00", "13:00-19:00"], 6: ["09:00-12:00"]},
    }
    return HallCalendar(config_from_dict(data))


THURSDAY, SATURDAY = date(2025, 3, 13), date(2025, 3, 15)


def test_an_open_sign_in_on_a_late_thursday_ends_at_19_00() -> None:
    since = datetime(2025, 3, 13, 9, 0, tzinfo=HALL_ZONE)
    assert closing_time(calendar(), THURSDAY.isoformat(), since) == datetime(
        2025, 3, 13, 19, 0, tzinfo=HALL_ZONE
    )


def test_tomorrow_s_appointments_come_after_a_saturday_s_noon() -> None:
    after_noon = datetime(2025, 3, 15, 12, 30, tzinfo=HALL_ZONE)
    assert appointment_days(calendar(), after_noon) == [SATURDAY, date(2025, 3, 16)]
    thursday_evening = datetime(2025, 3, 13, 18, 0, tzinfo=HALL_ZONE)
    assert appointment_days(calendar(), thursday_evening) == [THURSDAY]
