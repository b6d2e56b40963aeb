"""The hall's calendar: working days, service periods (per weekday), service-day boundary,
working-day sums."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from config.schema import HallConfig, ServiceHours, parse_hhmm


class HallCalendar:
    """Answers "is the hall open?" and "which service day is it?" for one hall.

    Service periods are per day: a weekday listed in ``service.weekday_hours`` has its own
    (a Saturday morning, a Thursday 延时), every other working day has ``service.hours``, and a
    make-up working day (调休上班) has ``service.hours`` whatever its weekday.

    Datetimes passed in must be timezone-aware; they are converted to the hall's zone.
    """

    def __init__(self, config: HallConfig) -> None:
        service = config.service
        self.zone = ZoneInfo(config.hall.timezone)
        self._days = frozenset(service.days)
        self._holidays = frozenset(service.holidays)
        self._working_days = frozenset(service.working_days)
        self.periods: list[tuple[time, time]] = ServiceHours.parse_periods(service.hours)
        """The periods of an ordinary working day (``service.hours``); see :meth:`periods_of`."""
        self._weekday_periods = {
            weekday: ServiceHours.parse_periods(texts)
            for weekday, texts in service.weekday_hours.items()
        }
        self.boundary = parse_hhmm(service.day_boundary)

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the hall's time zone; raises ValueError for a naive datetime."""
        if moment.tzinfo is None:
            raise ValueError("a timezone-aware datetime is required")
        return moment.astimezone(self.zone)

    def service_day(self, moment: datetime) -> date:
        """The service day ``moment`` belongs to: the local date, shifted back before the boundary."""
        local = self.local(moment)
        if local.time() < self.boundary:
            return local.date() - timedelta(days=1)
        return local.date()

    def at(self, day: date, clock_time: time) -> datetime:
        """The instant of ``clock_time`` within service day ``day``, in the hall's zone.

        A service day runs from its boundary to the next day's boundary, so a time of day
        before the boundary (00:30 with a 03:00 boundary) falls on the next calendar date.
        """
        calendar_day = day + timedelta(days=1) if clock_time < self.boundary else day
        return datetime.combine(calendar_day, clock_time, tzinfo=self.zone)

    def day_span(self, day: date) -> tuple[datetime, datetime]:
        """The first instant of service day ``day`` and the first instant of the next one."""
        start = datetime.combine(day, self.boundary, tzinfo=self.zone)
        return start, datetime.combine(day + timedelta(days=1), self.boundary, tzinfo=self.zone)

    def is_working_day(self, day: date) -> bool:
        """Whether the hall serves on ``day`` (weekday rule, holidays, make-up working days)."""
        if day in self._working_days:
            return True
        if day in self._holidays:
            return False
        return day.isoweekday() in self._days

    def hours_of(self, day: date) -> list[tuple[time, time]]:
        """The service periods ``day`` has when the hall serves on it (whether or not it does):
        its weekday's own periods, or ``service.hours`` (always on a make-up working day)."""
        if day in self._working_days:
            return self.periods
        return self._weekday_periods.get(day.isoweekday(), self.periods)

    def periods_of(self, day: date) -> list[tuple[time, time]]:
        """The service periods of ``day``, in order; empty when the hall is closed that day."""
        return self.hours_of(day) if self.is_working_day(day) else []

    def has_own_hours(self, day: date) -> bool:
        """Whether ``day``'s periods differ from an ordinary working day's (``service.hours``)."""
        return self.hours_of(day) != self.periods

    def is_open(self, moment: datetime) -> bool:
        """Whether ``moment`` falls inside a service period of its day."""
        local = self.local(moment)
        now = local.time()
        return any(start <= now < end for start, end in self.periods_of(local.date()))

    def closing_time(self, day: date | None = None) -> time:
        """End of the last service period of ``day`` (of its weekday's periods when the hall
        is closed that day), or of an ordinary working day when ``day`` is None."""
        periods = self.periods if day is None else self.hours_of(day)
        return periods[-1][1]

    def add_working_days(self, start: date, days: int) -> date:
        """The date ``days`` working days after ``start`` (``start`` itself not counted).

        A case accepted on Friday with a promise of 1 working day is due on Monday, unless Monday
        is a holiday. ``days`` must be >= 0; 0 returns ``start``.
        """
        if days < 0:
            raise ValueError("days must be >= 0")
        current = start
        remaining = days
        while remaining:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def next_open(self, moment: datetime) -> datetime | None:
        """The next instant the hall opens at or after ``moment``, within 60 days, or None."""
        local = self.local(moment)
        for offset in range(60):
            day = local.date() + timedelta(days=offset)
            for start, end in self.periods_of(day):
                opening = datetime.combine(day, start, tzinfo=self.zone)
                closing = datetime.combine(day, end, tzinfo=self.zone)
                if closing > local:
                    return max(opening, local)
        return None
