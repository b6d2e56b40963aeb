"""Helpers for the follow-up, feedback and alert tests: actors of each role, a served and
rated ticket, and the calendar days those tests move the hall's clock to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.actors import Actor
from hub.engine import QueueEngine
from hub.models import Rating
from sync.clock import FixedClock
from tests.conftest import HALL_ZONE

ADMIN = Actor("admin-token", "admin", "token")
MANAGER = Actor("wangfang", "manager", "session")
SUPERVISOR = Actor("lidu", "supervisor", "session")
TECHNICIAN = Actor("zhaoji", "technician", "session")

CLERK = ("1001", "王丽华")
DEMO_PIN = "2580"


def at(day: str, hhmm: str = "09:30") -> datetime:
    """An instant of the hall's zone: ``at("2025-03-19", "10:00")``."""
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=HALL_ZONE)


def rated(
    engine: QueueEngine,
    clock: FixedClock,
    level: int = 5,
    reason: str = "等候时间过长",
    window: int = 1,
) -> Rating:
    """Clerk 1001 signs in at ``window``, serves one A ticket for a minute, and the citizen
    rates it ``level``."""
    engine.sign_in(window, CLERK[0], DEMO_PIN)
    engine.issue_ticket(category="A")
    engine.call_next(window)
    clock.advance(60)
    engine.finish(window)
    return engine.rate(window, level, reason)


def the_followup(engine: QueueEngine, **filters: Any) -> dict[str, Any]:
    """The one follow-up the engine lists (with ``filters``); fails if there are others."""
    [found] = engine.followups(**filters)
    return found


STEP_BODIES: dict[str, dict[str, Any]] = {
    "verify": {"assignee": "王丽华", "note": "经核实，当日取号人数多，等候超过40分钟"},
    "invalid": {"reason": "经调取录像，评价人当日未到本窗口办事"},
    "rectify": {"measures": "高峰时段增开3号窗口，并设导办员分流"},
    "revisit": {"method": "电话", "answer": "群众表示认可整改", "satisfied": True},
}
"""A valid body for each step."""
