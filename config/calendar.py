"""The hall's calendar: working days, service periods, service-day boundary, working-day sums."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from config.schema import HallConfig, parse_hhmm, parse_period


class HallCalendar:
    """Answers "is the hall open?" and "which service day is it?" for one hall.

    Datetimes passed in must be timezone-aware; they are converted to the hall's zone.
    """

    def __init__(self, config: HallConfig) -> None:
        service = config.service
        self.zone = ZoneInfo(config.hall.timezone)
        self._days = frozenset(service.days)
        self._holidays = frozenset(service.holidays)
        self._working_days = frozenset(service.working_days)
        self.periods: list[tuple[time, time]] = [parse_period(p) for p in service.hours]
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

    def is_open(self, moment: datetime) -> bool:
        """Whether ``moment`` falls inside a service period of a working day."""
        local = self.local(moment)
        if not self.is_working_day(local.date()):
            return False
        now = local.time()
        return any(start <= now < end for start, end in self.periods)

    def closing_time(self) -> time:
        """End of the day's last service period."""
        return self.periods[-1][1]

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
            if not self.is_working_day(day):
                continue
            for start, end in self.periods:
                opening = datetime.combine(day, start, tzinfo=self.zone)
                closing = datetime.combine(day, end, tzinfo=self.zone)
                if closing > local:
                    return max(opening, local)
        return None
