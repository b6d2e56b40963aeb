"""A hall's service hours (``[service]``): the weekdays and periods it serves, per-weekday
hours, holidays and make-up working days; and the ``HH:MM`` / ``HH:MM-HH:MM`` parsers every
time-of-day setting uses. Part of the schema of :mod:`config.schema`, which re-exports these.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from config.base import StrictModel

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_PERIOD = re.compile(r"^(?P<start>\d\d:\d\d)-(?P<end>\d\d:\d\d)$")


def parse_hhmm(text: str) -> time:
    """Parse ``HH:MM`` (24-hour clock) into a time; raises ValueError naming the bad text."""
    if not _HHMM.match(text):
        raise ValueError(f"expected a time as HH:MM (24-hour clock), got {text!r}")
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def parse_period(text: str) -> tuple[time, time]:
    """Parse ``HH:MM-HH:MM`` into (start, end); raises ValueError if malformed or empty."""
    match = _PERIOD.match(text)
    if not match:
        raise ValueError(f"expected a period as HH:MM-HH:MM, got {text!r}")
    start, end = parse_hhmm(match["start"]), parse_hhmm(match["end"])
    if end <= start:
        raise ValueError(f"period {text!r} ends before it starts")
    return start, end


class ServiceHours(StrictModel):
    days: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        [1, 2, 3, 4, 5], description="Service weekdays, ISO numbering (1 Monday … 7 Sunday)."
    )
    hours: list[str] = Field(
        ["09:00-12:00", "13:00-17:00"],
        min_length=1,
        description="Service periods of a working day, each HH:MM-HH:MM, in order, not overlapping.",
    )
    weekday_hours: dict[Annotated[int, Field(ge=1, le=7)], list[str]] = Field(
        {},
        description=(
            "Service periods of one weekday (ISO number → periods, same form as `hours`) "
            "where it differs from `hours`: a Saturday 09:00-12:00, a Thursday 延时 to 19:00. "
            "Only weekdays in `days`; a make-up working day (调休上班) keeps `hours`."
        ),
    )
    day_boundary: str = Field(
        "03:00",
        description="Local time at which a new service day starts and ticket numbers reset (HH:MM).",
    )
    holidays: list[date] = Field(
        [],
        description="Dates the hall is closed although they fall on a service weekday (法定节假日).",
    )
    working_days: list[date] = Field(
        [],
        description="Make-up working days (调休上班) on which the hall opens although it is a weekend.",
    )
    enforce_hours: bool = Field(
        True,
        description="Refuse tickets outside service hours and after each category's last-ticket time.",
    )
    require_sign_in: bool = Field(
        True,
        description=(
            "Refuse calling at a window until a clerk from `staff` signed in there "
            "(the counter app always asks for a sign-in; this makes the hub insist too), so "
            "every service and rating carries the clerk who served (reports, 考核)."
        ),
    )

    @field_validator("hours")
    @classmethod
    def _periods_in_order(cls, value: list[str]) -> list[str]:
        cls.parse_periods(value)
        return value

    @field_validator("weekday_hours")
    @classmethod
    def _weekday_periods_in_order(cls, value: dict[int, list[str]]) -> dict[int, list[str]]:
        for weekday, periods in value.items():
            if not periods:
                raise ValueError(
                    f"weekday {weekday} has no service period; "
                    "remove it from `days` to close the hall on that weekday"
                )
            try:
                cls.parse_periods(periods)
            except ValueError as err:
                raise ValueError(f"weekday {weekday}: {err}") from None
        return dict(sorted(value.items()))

    @field_validator("day_boundary")
    @classmethod
    def _boundary_is_time(cls, value: str) -> str:
        parse_hhmm(value)
        return value

    @model_validator(mode="after")
    def _calendar_consistent(self) -> ServiceHours:
        both = set(self.holidays) & set(self.working_days)
        if both:
            listed = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"dates listed both as holiday and as working day: {listed}")
        unserved = sorted(set(self.weekday_hours) - set(self.days))
        if unserved:
            listed = ", ".join(str(d) for d in unserved)
            raise ValueError(f"weekday_hours lists weekdays not in `days`: {listed}")
        return self

    @staticmethod
    def parse_periods(texts: list[str]) -> list[tuple[time, time]]:
        """Parse service periods (HH:MM-HH:MM) that must be in order and not overlap;
        raises ValueError naming the first bad one."""
        parsed: list[tuple[time, time]] = []
        for text in texts:
            start, end = parse_period(text)
            if parsed and start < parsed[-1][1]:
                raise ValueError(f"period {text!r} overlaps or precedes the one before it")
            parsed.append((start, end))
        return parsed

    def hours_of_weekday(self, weekday: int) -> list[str]:
        """The service periods of ISO ``weekday``: its own (``weekday_hours``) or ``hours``."""
        return self.weekday_hours.get(weekday, self.hours)
