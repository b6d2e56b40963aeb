"""The console's 服务时间 page (/manage/calendar) against a real hub on a fixed clock: today's
hours changed so the hall is closed now and a kiosk's ticket is refused, opened again and it is
accepted; a weekday's own hours (Saturday morning) hold for issuing; holidays and make-up days
added and removed; overlapping periods refused with the weekday named, nothing changed; the
14-day preview with the reason of each day."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from config.loader import config_from_dict
from hub.manage.calendar_page import preview
from hub.server import Hub, open_hub
from sync.clock import FixedClock
from tests.conftest import queue_hall, queue_hall_data
from tests.hub.test_manage_hall import console_hub, device, signed_in, submit, text_of

PAGE = "/manage/calendar"
WEEK = {f"day{d}": "on" for d in range(1, 6)}


@pytest.fixture
def hub(tmp_path: Path, clock: FixedClock) -> Iterator[Hub]:
    opened = console_hub(tmp_path / "hub", clock)
    yield opened
    opened.store.close()


def hours_form(**fields: str) -> dict[str, str]:
    """The hours form as the sample hall fills it (Monday to Friday, 09:00-12:00、13:00-17:00),
    with ``fields`` changed; every weekday's own field is sent, empty unless given."""
    form = {"hours": "09:00-12:00、13:00-17:00", **WEEK, **{f"hours{d}": "" for d in range(1, 8)}}
    return {**form, **fields}


def ticket(hub: Hub, kiosk: dict[str, str]) -> tuple[int, str]:
    answer = TestClient(hub.app).post("/api/v1/tickets", json={"category": "A"}, headers=kiosk)
    return answer.status_code, answer.json().get("error", "")


def test_todays_hours_changed_in_the_console_close_and_reopen_the_kiosk(
    hub: Hub, clock: FixedClock
) -> None:
    kiosk, browser = device(hub, "kiosk"), signed_in(hub)
    assert ticket(hub, kiosk)[0] == 201  # Wednesday 09:30, ordinary hours

    closed = submit(browser, PAGE, f"{PAGE}/hours", hours_form(hours3="13:00-17:00"))

    assert closed.status_code == 303
    assert ticket(hub, kiosk) == (409, "hall_closed")
    page = browser.get(closed.headers["location"]).text
    assert "已保存并生效" in text_of(page, "saved-hours")
    assert hub.book.current().service.weekday_hours == {3: ["13:00-17:00"]}

    assert submit(browser, PAGE, f"{PAGE}/hours", hours_form()).status_code == 303
    assert ticket(hub, kiosk)[0] == 201
    assert hub.book.current().service.weekday_hours == {}


def test_a_saturday_morning_opens_the_hall_by_its_own_hours(hub: Hub, clock: FixedClock) -> None:
    kiosk, browser = device(hub, "kiosk"), signed_in(hub)
    fields = hours_form(day6="on", hours6="09:00-12:00", hours4="09:00-12:00, 13:00-19:00")
    assert submit(browser, PAGE, f"{PAGE}/hours", fields).status_code == 303

    clock.set(clock.now().replace(day=15, hour=10))  # Saturday 2025-03-15 10:00
    assert ticket(hub, kiosk)[0] == 201
    clock.set(clock.now().replace(hour=13, minute=30))
    assert ticket(hub, kiosk) == (409, "hall_closed")
    clock.set(clock.now().replace(day=13, hour=18, minute=30))  # Thursday 延时 to 19:00:
    assert ticket(hub, kiosk) == (409, "last_ticket_passed")  # open, but A stops at 16:30
    clock.set(clock.now().replace(day=14))  # Friday 18:30: the ordinary hours, closed
    assert ticket(hub, kiosk) == (409, "hall_closed")


def test_overlapping_periods_are_refused_naming_the_weekday_nothing_changes(hub: Hub) -> None:
    browser, before = signed_in(hub), hub.book.history()

    answer = submit(
        browser, PAGE, f"{PAGE}/hours", hours_form(hours4="09:00-12:00、11:30-13:00", hours6="x")
    )

    assert answer.status_code == 422
    assert "星期四" in text_of(answer.text, "err-hours4")
    assert "重叠" in text_of(answer.text, "err-hours4")
    assert 'value="09:00-12:00、11:30-13:00"' in answer.text
    assert hub.book.history() == before and hub.book.current().service.weekday_hours == {}


def test_holidays_and_make_up_days_are_added_and_removed(hub: Hub) -> None:
    browser = signed_in(hub)
    add = f"{PAGE}/dates/add"
    assert submit(browser, PAGE, add, {"date": "2025-03-13", "kind": "holiday"}).status_code == 303
    assert (
        submit(browser, PAGE, add, {"date": "2025-03-15", "kind": "working_day"}).status_code == 303
    )

    page = browser.get(PAGE).text
    assert re.search(r'data-date="2025-03-13">.*?休息.*?节假日', page, re.S)
    assert re.search(r'data-date="2025-03-15">.*?服务.*?调休上班', page, re.S)
    assert hub.book.history(1)[0].note == "新增调休上班日 2025-03-15"

    both = submit(browser, PAGE, add, {"date": "2025-03-13", "kind": "working_day"})
    assert both.status_code == 422 and text_of(both.text, "err-date")
    bad = submit(browser, PAGE, add, {"date": "三月十三", "kind": "holiday"})
    assert "日期格式" in text_of(bad.text, "err-date")

    removed = submit(
        browser, PAGE, f"{PAGE}/dates/remove", {"date": "2025-03-13", "kind": "holiday"}
    )
    assert removed.status_code == 303
    assert hub.book.current().service.holidays == []
    assert hub.book.current().service.working_days == [date(2025, 3, 15)]


def test_the_preview_says_why_each_day_is_open_or_closed() -> None:
    data = queue_hall_data()
    data["service"] = {
        "days": [1, 2, 3, 4, 5, 6],
        "weekday_hours": {"4": ["09:00-12:00", "13:00-19:00"], "6": ["09:00-12:00"]},
        "holidays": ["2025-03-17"],
        "working_days": ["2025-03-16"],
    }
    rows = {row["date"]: row for row in preview(config_from_dict(data), date(2025, 3, 12))}
    assert len(rows) == 14 and rows["2025-03-12"]["today"]
    assert (rows["2025-03-13"]["reason"], rows["2025-03-13"]["hours"]) == (
        "延时服务",
        "09:00-12:00、13:00-19:00",
    )
    assert (rows["2025-03-15"]["weekday"], rows["2025-03-15"]["reason"]) == ("星期六", "周末服务")
    assert rows["2025-03-16"]["reason"] == "调休上班" and rows["2025-03-16"]["open"]
    assert rows["2025-03-17"]["reason"] == "节假日" and not rows["2025-03-17"]["open"]
    assert rows["2025-03-23"]["reason"] == "周末" and not rows["2025-03-23"]["open"]
    assert rows["2025-03-18"]["reason"] == "" and rows["2025-03-18"]["hours"].endswith("17:00")


def test_hours_per_weekday_survive_a_restart(tmp_path: Path, clock: FixedClock) -> None:
    first = console_hub(tmp_path / "hub", clock)
    fields = hours_form(day6="on", hours6="09:00-12:00")
    assert submit(signed_in(first), PAGE, f"{PAGE}/hours", fields).status_code == 303
    first.store.close()

    again = open_hub(tmp_path / "hub", clock=clock, config=queue_hall())
    try:
        assert again.engine.config.service.weekday_hours == {6: ["09:00-12:00"]}
        assert again.engine.calendar.periods_of(date(2025, 3, 15)) == [(time(9), time(12))]
    finally:
        again.store.close()
