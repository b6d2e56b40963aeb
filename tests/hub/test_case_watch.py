"""电子监察: open cases warned two working days before their promised date and found overdue the
day after, by the hall's working days and the hall's day (never the machine's), once per case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from config import HallConfig
from hub import case_watch
from hub.accounts import CLI_ACTOR
from hub.engine import QueueEngine
from sync.clock import FixedClock
from tests.hub.hubapp import served
from tests.hub.test_manage_pages import PASSWORD, signed_in

FIVE_DAYS = "jjb-001"  # promised in 5 working days
DAY = 24 * 3600


@pytest.fixture
def watched(
    make_engine: Callable[..., QueueEngine], hall_with: Callable[..., HallConfig]
) -> QueueEngine:
    """The sample hall with Monday 2025-03-17 a holiday (the clock: Wednesday 03-12, 09:30)."""
    return make_engine(hall_with(service={"holidays": ["2025-03-17"]}))


def alerts(engine: QueueEngine, kind: str) -> list[dict[str, object]]:
    return [a for a in engine.alerts() if a["kind"] == kind]


def events(engine: QueueEngine, type_: str) -> list[dict[str, object]]:
    return [e.payload for e in engine.events_after(0) if e.type == type_]


def test_an_open_case_is_warned_then_overdue_across_a_weekend_and_a_holiday_once_each(
    watched: QueueEngine, clock: FixedClock
) -> None:
    case = watched.accept_case(window=7, item_id=FIVE_DAYS, materials_received=[])
    finished = watched.accept_case(window=7, item_id=FIVE_DAYS, materials_received=[])
    watched.move_case(finished.receipt, "ready", window=7)
    # Thu 13, Fri 14, (weekend, Mon 17 holiday), Tue 18, Wed 19, Thu 20.
    assert case.promised_on == "2025-03-20"
    for _ in range(5):  # Thursday to the holiday Monday: nothing due yet
        clock.advance(DAY)
        assert watched.check_alerts() == []
        assert not watched.case(case.receipt).due_soon

    clock.advance(DAY)  # Tuesday 18: two working days before Thursday 20
    raised = watched.check_alerts()
    assert [(a["kind"], a["subject"]) for a in raised] == [("case_due", case.receipt)]
    assert raised[0]["kind_name"] == "办件即将到期"
    assert watched.check_alerts() == []  # once per case
    due = watched.case(case.receipt)
    assert (due.due_soon, due.overdue) == (True, False)

    clock.advance(2 * DAY)  # Thursday 20, the promised day: still only due
    assert watched.check_alerts() == []
    assert not watched.case(case.receipt).overdue

    # 17:00 UTC on Thursday is 01:00 on Friday in the hall, before the service-day boundary:
    # the hall's day is still Thursday, the promised day (the local date would say Friday).
    clock.advance(15.5 * 3600)  # from 09:30 in the hall (01:30 UTC)
    assert clock.now().astimezone(UTC) == datetime(2025, 3, 20, 17, 0, tzinfo=UTC)
    assert watched.check_alerts() == []
    clock.advance(5 * 3600)  # 22:00 UTC (still Thursday there): Friday 06:00 in the hall
    overdue = watched.check_alerts()
    assert [(a["kind"], a["subject"]) for a in overdue] == [("case_overdue", case.receipt)]
    assert overdue[0]["problem"].startswith(f"办件{case.receipt}已超过承诺时限（承诺3月20日办结）")
    clock.advance(DAY)
    assert watched.check_alerts() == []
    view = watched.case(case.receipt).to_dict()
    assert (view["overdue"], view["due_soon"]) == (True, False)

    assert [p["receipt"] for p in events(watched, "case.due_soon")] == [case.receipt]
    assert [p["receipt"] for p in events(watched, "case.overdue")] == [case.receipt]
    assert events(watched, "case.overdue")[0]["promised_on"] == "2025-03-20"
    assert alerts(watched, "case_due") and alerts(watched, "case_overdue")
    assert not any(a["subject"] == finished.receipt for a in watched.alerts())


def test_a_case_accepted_within_two_working_days_of_its_promise_is_not_warned_that_day(
    engine: QueueEngine, clock: FixedClock
) -> None:
    case = engine.accept_case(window=7, item_id="jjb-170", materials_received=[])  # 1 day
    assert engine.check_alerts() == []
    clock.advance(DAY)  # the promised day
    assert [a["kind"] for a in engine.check_alerts()] == ["case_due"]
    engine.move_case(case.receipt, "processing", window=7)
    clock.advance(DAY)
    assert [a["kind"] for a in engine.check_alerts()] == ["case_overdue"]
    engine.move_case(case.receipt, "ready", window=7)
    assert not engine.case(case.receipt).overdue  # finished late: no longer watched


def test_the_console_shows_overdue_cases_in_its_alert_inbox_and_reports(
    tmp_path: Path, clock: FixedClock
) -> None:
    with served(tmp_path / "hub", clock=clock) as (hub, url):
        hub.accounts.add(CLI_ACTOR, "zhang.san", "manager", PASSWORD)
        late = hub.engine.accept_case(window=7, item_id="jjb-170", materials_received=[])
        soon = hub.engine.accept_case(window=7, item_id="jjb-001", materials_received=[])
        clock.advance(2 * DAY)  # Friday: jjb-170 was promised for Thursday
        hub.engine.check_alerts()
        browser = signed_in(url)
        inbox = browser.get(f"{url}/manage/alerts", timeout=30).text
        assert "办件超期" in inbox
        assert f"办件{late.receipt}已超过承诺时限（承诺3月13日办结）" in inbox
        reports = browser.get(f"{url}/manage/reports", timeout=30).text
        table = reports[reports.index('id="supervision"') :]
        assert "在办 2 件 · 即将到期 0 · 已超期 1" in table
        assert late.receipt in table and "已超期" in table
        assert soon.receipt not in table  # promised for 03-19: not yet two working days away


def test_a_backlog_is_noted_a_round_at_a_time_most_urgent_first(
    engine: QueueEngine, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(case_watch, "ROUND_LIMIT", 1)
    later = engine.accept_case(window=7, item_id="jjb-001", materials_received=[])  # 03-19
    first = engine.accept_case(window=7, item_id="jjb-170", materials_received=[])  # 03-13
    clock.advance(14 * DAY)  # both long overdue (a hub back after two weeks off)
    assert [a["subject"] for a in engine.check_alerts()] == [first.receipt]
    assert [a["subject"] for a in engine.check_alerts()] == [later.receipt]
    assert engine.check_alerts() == []
