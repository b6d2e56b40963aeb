"""How the console writes days, times, durations and rates (one clock format everywhere)."""

from __future__ import annotations

from datetime import date, datetime

from sync.figures.labels import WEEKDAYS


def day_text(day: date) -> str:
    """``2025-03-12 周三``."""
    return f"{day.isoformat()} {WEEKDAYS[day.weekday()]}"


def clock_text(moment: datetime) -> str:
    """``10:26`` (the hall's local time of an aware ``moment``, as given)."""
    return moment.strftime("%H:%M")


def stamp_text(iso: str | None) -> str:
    """An ISO stamp of the hub (hall time with offset) as ``03-12 10:26``; "" for none."""
    if not iso:
        return ""
    return datetime.fromisoformat(iso).strftime("%m-%d %H:%M")


def duration_text(seconds: float | None) -> str:
    """``45秒``, ``12分钟``, ``2小时03分`` (as the floor's script writes them); ``—`` for
    none."""
    if seconds is None:
        return "—"
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    if hours:
        return f"{hours}小时{rest // 60:02d}分"
    if whole >= 60:
        return f"{whole // 60}分钟"
    return f"{whole}秒"


def percent_text(rate: float | None) -> str:
    """``92.5%`` of a rate in 0…1; ``—`` when there is none (nothing to divide by)."""
    if rate is None:
        return "—"
    return f"{rate * 100:.1f}%"
