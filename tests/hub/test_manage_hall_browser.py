"""The 窗口与业务 and 服务时间 pages in real headless Chromium against a real hub: the manager
moves a category off a window, gives today its own hours, is told which field is wrong when a
period overlaps, and every save is in force at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.accounts import CLI_ACTOR
from hub.server import Hub
from sync.clock import FixedClock
from tests.browser import PHONE, Browser, chromium, needs_chromium
from tests.hub.hubapp import served
from tests.hub.test_manage_browser import sign_in
from tests.hub.test_manage_hall import PASSWORD

pytestmark = needs_chromium


@pytest.fixture
def console(tmp_path: Path, clock: FixedClock) -> Iterator[tuple[Hub, str, Browser]]:
    with served(tmp_path / "hub", clock=clock) as (hub, url), chromium() as browser:
        hub.accounts.add(CLI_ACTOR, "zhang.san", "manager", PASSWORD)
        yield hub, url, browser


def test_the_manager_edits_windows_and_hours_in_the_browser(
    console: tuple[Hub, str, Browser],
) -> None:
    hub, url, browser = console
    sign_in(browser, url, "zhang.san", PASSWORD)
    browser.open(f"{url}/manage/hall", PHONE)
    assert browser.text("h1") == "窗口与业务"
    assert browser.eval("document.querySelector('#w1-cat-A').checked") is True

    browser.click("#w1-cat-A")
    browser.fill("#w1-unit", "公安分局")
    browser.submit("#form-windows")

    number = hub.book.history(1)[0].number
    assert browser.text("#saved-windows") == f"已保存并生效（第 {number} 版）"
    assert browser.eval("document.querySelector('#w1-cat-A').checked") is False
    assert hub.engine.config.windows[0].categories == ["B"]
    assert hub.engine.config.windows[0].unit == "公安分局"

    browser.navigate(f"{url}/manage/calendar")
    browser.fill("#hours3", "09:00-12:00、11:00-17:00")
    browser.submit("#form-hours")
    assert "星期三" in browser.text("#err-hours3") and "重叠" in browser.text("#err-hours3")
    assert hub.book.history(1)[0].number == number  # nothing changed

    browser.fill("#hours3", "13:00-17:00")
    browser.submit("#form-hours")
    assert browser.text("#saved-hours") == f"已保存并生效（第 {number + 1} 版）"
    today = browser.text("#preview-table tr.today")
    assert "13:00-17:00" in today and "本日单独时段" in today
    assert not hub.engine.calendar.is_open(hub.engine.clock.now())  # Wednesday 09:30
    assert browser.left_origin(url) == []
