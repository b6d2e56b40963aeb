"""The periods a manager reports on: a day, the week, the month or the quarter around a day,
or a custom range; and their names in the hall's words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

PERIODS = {"day": "日", "week": "周", "month": "月", "quarter": "季度", "custom": "自定义"}


@dataclass(frozen=True)
class Period:
    """A range of service days (both ends included) with its kind and a title."""

    kind: str
    first: date
    last: date

    @property
    def title(self) -> str:
        """``2026年12月7日``, ``2026年12月7日–13日（第50周）``, ``2026年12月``,
        ``2026年第四季度``, or ``2026-12-01 至 2026-12-15``."""
        if self.kind == "day":
            return f"{self.first.year}年{self.first.month}月{self.first.day}日"
        if self.kind == "week":
            week = self.first.isocalendar().week
            return f"{self.first.month}月{self.first.day}日–{self.last.month}月{self.last.day}日（第{week}周）"
        if self.kind == "month":
            return f"{self.first.year}年{self.first.month}月"
        if self.kind == "quarter":
            quarter = "一二三四"[(self.first.month - 1) // 3]
            return f"{self.first.year}年第{quarter}季度"
        return f"{self.first.isoformat()} 至 {self.last.isoformat()}"

    def shifted(self, steps: int) -> Period:
        """The period of the same kind ``steps`` periods later (earlier when negative); a
        custom range moves by its own length."""
        if self.kind == "custom":
            length = (self.last - self.first).days + 1
            return Period(
                "custom",
                self.first + timedelta(days=length * steps),
                self.last + timedelta(days=length * steps),
            )
        anchor = self.first
        if self.kind == "day":
            anchor += timedelta(days=steps)
        elif self.kind == "week":
            anchor += timedelta(weeks=steps)
        else:
            months = 1 if self.kind == "month" else 3
            index = anchor.year * 12 + anchor.month - 1 + steps * months
            anchor = date(index // 12, index % 12 + 1, 1)
        return period_around(self.kind, anchor)


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def period_around(kind: str, day: date) -> Period:
    """The ``kind`` period (day, week Monday–Sunday, month, quarter) that holds ``day``.
    Raises ValueError for an unknown kind (custom ranges are built directly)."""
    if kind == "day":
        return Period("day", day, day)
    if kind == "week":
        monday = day - timedelta(days=day.weekday())
        return Period("week", monday, monday + timedelta(days=6))
    if kind == "month":
        first = day.replace(day=1)
        return Period("month", first, _month_end(first))
    if kind == "quarter":
        first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        last = _month_end(date(first.year, first.month + 2, 1))
        return Period("quarter", first, last)
    raise ValueError(f"unknown period {kind!r}")
