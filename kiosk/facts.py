"""What the kiosk says about its hall beyond the catalog: opening hours, the hall's phone and
the supervision line (监督电话), from the box's configuration file (the hub's catalog carries
only the name). Plain values, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """The opening hours in one line: 周一至周五 09:00–12:00、13:00–17:00."""
    periods = "、".join(p.replace("-", "–") for p in service.hours)
    return f"{days_text(service.days)} {periods}".strip()


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
