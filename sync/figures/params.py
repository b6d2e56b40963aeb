"""A report's parameters as people type them: the date range and the groupings.

Shared by the hub's API and ``hall report`` so both refuse the same things with the same
sentence, which always names the parameter.
"""

from __future__ import annotations

from datetime import date

from sync.errors import SyncError

GROUPINGS: dict[str, str] = {
    "window": "窗口",
    "clerk": "工作人员",
    "category": "业务类别",
    "item": "办理事项",
    "hour": "时段",
    "day": "日期",
}
"""Each grouping a report can be made by, with its name in the hall's words."""

MAX_RANGE_DAYS = 3 * 365 + 1
"""The longest range a report covers: three years (one of them a leap year)."""


class ReportError(SyncError):
    """A report's parameter is wrong: ``parameter`` names it, the message is a Chinese
    sentence saying what is expected."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


def parse_day(parameter: str, text: str | None) -> date:
    """A hall day written ``YYYY-MM-DD``; raises ReportError naming ``parameter``."""
    if text is None or not text.strip():
        raise ReportError(parameter, f"缺少参数{parameter}：请给出日期，格式为YYYY-MM-DD")
    value = text.strip()
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as err:
        raise ReportError(
            parameter, f"参数{parameter}的日期“{value}”无效：格式应为YYYY-MM-DD，如2025-03-12"
        ) from err


def parse_range(start: str | None, end: str | None) -> tuple[date, date]:
    """``from`` and ``to`` (both included); raises ReportError for a missing or bad date, a
    ``from`` after ``to``, or a range of more than :data:`MAX_RANGE_DAYS` days."""
    first, last = parse_day("from", start), parse_day("to", end)
    if first > last:
        raise ReportError("from", f"参数from（{first}）不能晚于参数to（{last}）")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise ReportError("to", "报表的日期范围（from到to）不能超过三年，请缩小范围或分段导出")
    return first, last


def parse_groupings(text: str | None, *, many: bool) -> list[str]:
    """The groupings asked for (``by``): one name, or with ``many`` a comma list, in the
    order given, without repeats. Raises ReportError for a missing, unknown or (without
    ``many``) repeated grouping."""
    choices = "、".join(GROUPINGS)
    if text is None or not text.strip():
        raise ReportError("by", f"缺少参数by：请选择分组方式（{choices}）")
    names: list[str] = []
    for part in text.split(","):
        name = part.strip().lower()
        if name not in GROUPINGS:
            raise ReportError("by", f"参数by的分组“{part.strip()}”无效，可选：{choices}")
        if name not in names:
            names.append(name)
    if len(names) > 1 and not many:
        raise ReportError("by", "参数by只能给出一种分组（多种分组请导出xlsx，如by=window,clerk）")
    return names
