"""What the kiosk says about its hall beyond the catalog: opening hours, the hall's phone and
the supervision line (监督电话): from the box's configuration file at start, then from the hub's
catalog answer (a manager's console edit reaches the kiosk that way). Plain values, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from config.schema import HallConfig, ServiceHours

_DAY_NAMES = "一二三四五六日"


def days_text(days: list[int]) -> str:
    """ISO weekdays as a citizen reads them: [1..5] → 周一至周五, [1, 3] → 周一、周三."""
    ordered = sorted(set(days))
    if not ordered:
        return ""
    if ordered == list(range(1, 8)):
        return "每天"
    if len(ordered) >= 3 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"周{_DAY_NAMES[ordered[0] - 1]}至周{_DAY_NAMES[ordered[-1] - 1]}"
    return "、".join(f"周{_DAY_NAMES[d - 1]}" for d in ordered)


def hours_text(service: ServiceHours) -> str:
    """The opening hours in one line: 周一至周五 09:00–12:00、13:00–17:00, and the weekdays with
    hours of their own after it (周一至周五 09:00–17:00；周六 09:00–12:00)."""
    return schedule_text(service.days, service.hours, service.weekday_hours)


def schedule_text(
    days: list[int], hours: list[str], weekday_hours: Mapping[int, list[str]] | None = None
) -> str:
    """:func:`hours_text` of plain values (the hub's catalog answer carries them)."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for day in sorted(set(days)):
        periods = tuple((weekday_hours or {}).get(day) or hours)
        groups.setdefault(periods, []).append(day)
    parts = []
    for periods, group in groups.items():
        shown = "、".join(p.replace("-", "–") for p in periods)
        parts.append(f"{days_text(group)} {shown}".strip())
    return "；".join(parts)


@dataclass(frozen=True)
class HallFacts:
    """The hall's facts the kiosk shows and prints (empty strings: not known, not shown)."""

    name: str = ""
    hall_id: str = ""
    hours: str = ""
    phone: str = ""
    supervision_phone: str = "12345"

    @classmethod
    def from_config(cls, config: HallConfig) -> HallFacts:
        hall = config.hall
        return cls(
            name=hall.name,
            hall_id=hall.id,
            hours=hours_text(config.service),
            phone=hall.phone,
            supervision_phone=hall.supervision_phone,
        )

    def updated(self, hub_facts: Mapping[str, str]) -> HallFacts:
        """These facts with what the hub's catalog says now (a manager's edit); keys it does
        not carry keep this box's own values."""
        known = {k: v for k, v in hub_facts.items() if k in ("hours", "phone", "supervision_phone")}
        return replace(self, **known) if known else self


def facts_of_catalog(data: Mapping[str, Any]) -> dict[str, str]:
    """The hall facts in a hub's ``GET /catalog`` answer: phones (from its ``hall``) and the
    opening hours (from its ``service``), those it has."""
    facts: dict[str, str] = {}
    hall = data.get("hall")
    if isinstance(hall, Mapping):
        for key in ("phone", "supervision_phone"):
            if isinstance(hall.get(key), str):
                facts[key] = hall[key]
    service = data.get("service")
    if isinstance(service, Mapping) and isinstance(service.get("hours"), list):
        by_day = service.get("weekday_hours") or {}
        weekday_hours = {int(k): list(v) for k, v in by_day.items() if str(k).isdigit()}
        days = [int(d) for d in service.get("days") or []]
        facts["hours"] = schedule_text(days, [str(h) for h in service["hours"]], weekday_hours)
    return facts
