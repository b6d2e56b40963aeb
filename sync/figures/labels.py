"""Labels and order of a report's rows, in the hall's words, from its configuration."""

from __future__ import annotations

from datetime import date

from config import HallConfig
from config.schema import parse_hhmm

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
NO_CLERK = "（未登录）"
NO_ITEM = "（未选事项）"


def label(config: HallConfig, by: str, key: str) -> str:
    """The Chinese label of row ``key`` of grouping ``by``: "1号窗口 综合窗口",
    "王丽华（1001）", "户籍业务", an item's name, "09:00–10:00", "2025-03-12 周三".
    Keys the configuration no longer knows are shown as they are."""
    if by == "window":
        window = config.window(int(key)) if key.isdigit() else None
        return f"{key}号窗口 {window.name}" if window else f"{key}号窗口"
    if by == "clerk":
        if not key:
            return NO_CLERK
        member = config.staff_member(key)
        return f"{member.name}（{key}）" if member else f"工号{key}"
    if by == "category":
        category = config.category(key)
        return category.name if category else f"{key}类业务"
    if by == "item":
        if not key:
            return NO_ITEM
        item = config.item(key)
        return item.name if item else key
    if by == "hour":
        hour = int(key)
        return f"{hour:02d}:00–{(hour + 1) % 24:02d}:00"
    if by == "day":
        return f"{key} {WEEKDAYS[date.fromisoformat(key).weekday()]}"
    raise ValueError(f"unknown grouping {by!r}")


def order(config: HallConfig, by: str, keys: set[str]) -> list[str]:
    """``keys`` in the order a report lists them: windows by number, clerks and categories
    and items as configured (others after them, nobody-signed-in last), hours from the
    service-day boundary on, days in order."""
    if by == "window":
        return sorted(keys, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))
    if by == "hour":
        start = parse_hhmm(config.service.day_boundary).hour
        return sorted(keys, key=lambda k: ((int(k) - start) % 24, k))
    if by == "day":
        return sorted(keys)
    known: list[str]
    if by == "clerk":
        known = [m.number for m in config.staff]
    elif by == "category":
        known = [c.code for c in config.categories]
    else:
        known = [i.id for i in config.items]
    rank = {k: i for i, k in enumerate(known)}
    return sorted(keys, key=lambda k: (k == "", rank.get(k, len(rank)), k))


def configured_keys(config: HallConfig, by: str) -> set[str]:
    """Rows a report lists even with nothing in them: every window and every category."""
    if by == "window":
        return {str(w.number) for w in config.windows}
    if by == "category":
        return {c.code for c in config.categories}
    return set()
