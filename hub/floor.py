"""The live floor (实时大厅) as the manager's console shows it: per category who waits, how long
the longest has waited and how long a new ticket would wait; per window its state, clerk,
current number, time in service, and a pause's reason and length.

Read-only over the hub's store (the calling thread's read connection); times in the hall's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.engine import QueueEngine
from hub.models import WindowStatus

STATE_NAMES = {
    WindowStatus.IDLE: "空闲",
    WindowStatus.SERVING: "办理中",
    WindowStatus.PAUSED: "暂停",
}
LANE_NAMES = {"appointment": "预约", "green": "绿色通道", "ordinary": "普通"}


@dataclass(frozen=True)
class CategoryFloor:
    """One queue category now."""

    code: str
    name: str
    waiting: int
    by_lane: dict[str, int]
    longest_wait_s: int | None  # the longest-waiting ticket's wait so far; None: nobody waits
    longest_number: str | None
    estimated_wait_min: int  # for a ticket taken now
    windows: list[int]  # windows that serve it
    open_windows: list[int]  # of those, the ones with a clerk and not paused


@dataclass(frozen=True)
class WindowFloor:
    """One window now."""

    number: int
    name: str
    status: str  # idle | serving | paused
    status_name: str
    clerk: str | None  # "王丽华（1001）"
    current: str | None  # the number being served
    serving_s: int | None  # since the current number was called
    pause_reason: str | None
    paused_s: int | None  # since the pause began
    rating_pending: bool


@dataclass(frozen=True)
class Floor:
    """The whole floor at ``at`` (hall time)."""

    at: datetime
    service_day: str
    categories: list[CategoryFloor]
    windows: list[WindowFloor]

    @property
    def waiting(self) -> int:
        return sum(c.waiting for c in self.categories)

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(timespec="seconds"),
            "service_day": self.service_day,
            "waiting": self.waiting,
            "categories": [vars(c) for c in self.categories],
            "windows": [vars(w) for w in self.windows],
        }


def _seconds(since: str | None, now: datetime) -> int | None:
    if not since:
        return None
    return max(0, int((now - datetime.fromisoformat(since)).total_seconds()))


def read_floor(engine: QueueEngine) -> Floor:
    """The floor now, from the store (never blocks on the writer)."""
    db = engine.store.reader()
    now = engine.calendar.local(engine.clock.now())
    today = engine.calendar.service_day(now).isoformat()
    waiting: dict[str, dict[str, int]] = {c.code: {} for c in engine.config.categories}
    for category, lane, count in db.execute(
        "SELECT category, lane, COUNT(*) FROM tickets WHERE service_day = ? AND status = 'waiting'"
        " GROUP BY category, lane",
        (today,),
    ):
        waiting.setdefault(category, {})[lane] = int(count)
    oldest = {
        row[0]: (row[1], row[2])
        for row in db.execute(
            "SELECT category, number, MIN(issued_at) FROM tickets"
            " WHERE service_day = ? AND status = 'waiting' GROUP BY category",
            (today,),
        )
    }
    windows = engine.windows()
    paused_since = dict(db.execute("SELECT number, paused_at FROM windows"))
    staffed = {
        w.number for w in windows if w.status is not WindowStatus.PAUSED and w.clerk_id is not None
    }
    categories = []
    for category in engine.config.categories:
        lanes = waiting.get(category.code, {})
        total = sum(lanes.values())
        number, issued = oldest.get(category.code, (None, None))
        serving = [w.number for w in engine.config.windows_serving(category.code)]
        categories.append(
            CategoryFloor(
                code=category.code,
                name=category.name,
                waiting=total,
                by_lane={lane: lanes.get(lane, 0) for lane in LANE_NAMES},
                longest_wait_s=_seconds(issued, now),
                longest_number=number,
                estimated_wait_min=engine.estimate_minutes(category.code, total),
                windows=serving,
                open_windows=[n for n in serving if n in staffed],
            )
        )
    rows = []
    for state in windows:
        clerk = f"{state.clerk_name}（{state.clerk_id}）" if state.clerk_id else None
        current = state.current
        rows.append(
            WindowFloor(
                number=state.number,
                name=state.name,
                status=state.status.value,
                status_name=STATE_NAMES[state.status],
                clerk=clerk,
                current=current.number if current else None,
                serving_s=_seconds(current.called_at, now) if current else None,
                pause_reason=state.pause_reason,
                paused_s=_seconds(paused_since.get(state.number), now)
                if state.status is WindowStatus.PAUSED
                else None,
                rating_pending=state.rating_pending is not None,
            )
        )
    return Floor(now, today, categories, rows)
