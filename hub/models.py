"""Plain models of the hub's domain, shared by the engine, the API and the client."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Lane(StrEnum):
    """Priority lanes, best first."""

    APPOINTMENT = "appointment"
    GREEN = "green"
    ORDINARY = "ordinary"


LANE_RANK = {Lane.APPOINTMENT: 0, Lane.GREEN: 1, Lane.ORDINARY: 2}


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    FINISHED = "finished"
    MISSED = "missed"
    CANCELLED = "cancelled"


class WindowStatus(StrEnum):
    IDLE = "idle"
    SERVING = "serving"
    PAUSED = "paused"


RATING_LEVELS = {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}
"""GB/T 39046-2020 satisfaction codes, as the keypad sends them. 4 and 5 are 差评."""

BAD_LEVELS = frozenset({4, 5})


@dataclass(frozen=True)
class Ticket:
    """A queue ticket as the hub answers for it. Never carries the ID hash."""

    id: str
    number: str
    service_day: str
    category: str
    lane: Lane
    status: TicketStatus
    issued_at: str
    item_id: str | None = None
    green_group: str | None = None
    window: int | None = None
    target_window: int | None = None
    called_at: str | None = None
    finished_at: str | None = None
    missed_at: str | None = None
    call_count: int = 0
    recall_count: int = 0
    requeue_count: int = 0
    transfer_count: int = 0
    id_masked: str | None = None
    name_masked: str | None = None
    waiting_ahead: int | None = None
    estimated_wait_minutes: int | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Ticket:
        return cls(
            id=row["id"],
            number=row["number"],
            service_day=row["service_day"],
            category=row["category"],
            lane=Lane(row["lane"]),
            status=TicketStatus(row["status"]),
            issued_at=row["issued_at"],
            item_id=row["item_id"],
            green_group=row["green_group"],
            window=row["window"],
            target_window=row["target_window"],
            called_at=row["called_at"],
            finished_at=row["finished_at"],
            missed_at=row["missed_at"],
            call_count=row["call_count"],
            recall_count=row["recall_count"],
            requeue_count=row["requeue_count"],
            transfer_count=row["transfer_count"],
            id_masked=row["id_masked"],
            name_masked=row["name_masked"],
        )

    def to_dict(self, private: bool = True) -> dict[str, Any]:
        """JSON-ready data; ``private=False`` drops the masked ID (for events and public screens)."""
        data: dict[str, Any] = {
            "id": self.id,
            "number": self.number,
            "service_day": self.service_day,
            "category": self.category,
            "lane": self.lane.value,
            "status": self.status.value,
            "issued_at": self.issued_at,
            "item_id": self.item_id,
            "green_group": self.green_group,
            "window": self.window,
            "target_window": self.target_window,
            "called_at": self.called_at,
            "finished_at": self.finished_at,
            "missed_at": self.missed_at,
            "call_count": self.call_count,
            "recall_count": self.recall_count,
            "requeue_count": self.requeue_count,
            "transfer_count": self.transfer_count,
            "name_masked": self.name_masked,
            "waiting_ahead": self.waiting_ahead,
            "estimated_wait_minutes": self.estimated_wait_minutes,
        }
        if private:
            data["id_masked"] = self.id_masked
        return data


@dataclass(frozen=True)
class WindowState:
    """What a window is doing now."""

    number: int
    name: str
    categories: list[str]
    status: WindowStatus
    current: Ticket | None = None
    pause_reason: str | None = None
    clerk_id: str | None = None
    clerk_name: str | None = None
    rating_pending: dict[str, Any] | None = None
    unit: str = ""
    clerk: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "name": self.name,
            "categories": self.categories,
            "status": self.status.value,
            "current": self.current.to_dict(private=False) if self.current else None,
            "pause_reason": self.pause_reason,
            "clerk_id": self.clerk_id,
            "clerk_name": self.clerk_name,
            "rating_pending": self.rating_pending,
            "unit": self.unit,
            "clerk": dict(self.clerk) if self.clerk else None,
        }


@dataclass(frozen=True)
class Rating:
    """One 好差评 rating of one finished service."""

    id: str
    ticket_id: str
    number: str
    window: int
    level: int
    reason: str | None
    channel: int
    rated_at: str
    followup_due: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ticket_id": self.ticket_id,
            "number": self.number,
            "window": self.window,
            "level": self.level,
            "level_name": RATING_LEVELS[self.level],
            "reason": self.reason,
            "channel": self.channel,
            "rated_at": self.rated_at,
            "followup_due": self.followup_due,
        }
