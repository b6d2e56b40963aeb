"""The console's live pages in real headless Chromium against a real hub: the floor redraws
itself when a counter calls (no polling), the reports page draws its charts and downloads its
Excel file, a follow-up is worked through its form; and not one request leaves the hub."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from hub.accounts import CLI_ACTOR
from hub.client import HubClient
from hub.server import Hub
from sync.clock import FixedClock
from tests.browser import PHONE, Browser, chromium, needs_chromium
from tests.hub.followup_helpers import rated
from tests.hub.hubapp import served
from tests.hub.test_manage_browser import PASSWORD, sign_in

pytestmark = needs_chromium


@pytest.fixture
def console(tmp_path: Path, clock: FixedClock) -> Iterator[tuple[Hub, str, Browser]]:
    with served(tmp_path / "hub", clock=clock) as (hub, url), chromium() as browser:
        hub.accounts.add(CLI_ACTOR, "zhang.san", "manager", PASSWORD)
        yield hub, url, browser


def test_the_floor_follows_a_call_by_itself(console: tuple[Hub, str, Browser]) -> None:
    hub, url, browser = console
    admin = HubClient(url, hub.admin_token_path.read_text().strip())
    counter = HubClient(url, admin.add_device("counter", "c1", 1)["token"])
    kiosk = HubClient(url, admin.add_device("kiosk", "k1")["token"])
    counter.sign_in(1, "1001", "2580")
    kiosk.issue_ticket(category="B")
    kiosk.request("POST", "/alerts", {"source": "k1", "device": "printer", "problem": "打印机缺纸"})
    sign_in(browser, url, "zhang.san")
    assert browser.text("h1") == "实时大厅"
    browser.wait_until(
        "document.getElementById('live-state').getAttribute('data-state') === 'live'",
        "the floor following the hub's events",
    )
    assert browser.text("#window-1 .current") == "—"
    assert browser.text("#floor-waiting").startswith("1")

    called = counter.call_next(1)
    assert called is not None
    number = called.number
    browser.wait_until(
        f"document.querySelector('#window-1 .current').textContent === {number!r}",
        "the floor showing the call",
    )
    assert "办理中" in browser.text("#window-1")
    assert "打印机缺纸" in browser.text("#alerts")  # the redrawn floor keeps its inbox
    assert browser.text("#floor-waiting").startswith("0")
    assert browser.left_origin(url) == []


def test_reports_draw_their_charts_and_download_excel_on_a_phone(
    console: tuple[Hub, str, Browser], clock: FixedClock, tmp_path: Path
) -> None:
    hub, url, browser = console
    rated(hub.engine, clock, level=1)
    rated(hub.engine, clock, level=5, reason="等候时间过长", window=2)
    sign_in(browser, url, "zhang.san")
    browser.close_page()
    browser.open(f"{url}/manage/reports?period=day&by=window", PHONE)
    assert browser.wait_until("document.body.getAttribute('data-charts')", "charts drawn") == "2"
    assert browser.eval("document.querySelectorAll('#chart-rows canvas').length") >= 1
    assert browser.eval("document.querySelectorAll('#chart-heat canvas').length") >= 1
    assert browser.eval("document.documentElement.scrollWidth") <= PHONE.width  # no sideways page

    downloads = tmp_path / "downloads"
    browser.download_to(downloads)
    browser.click("#export-xlsx")
    files = wait_for_file(downloads, ".xlsx")
    sheet = load_workbook(files).worksheets[0]
    values = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert any(line and line[0] == "1号窗口 综合窗口" for line in values)
    assert browser.left_origin(url) == []


def wait_for_file(folder: Path, suffix: str) -> Path:
    from tests.timing import wait_for

    wait_for(lambda: [p for p in folder.glob(f"*{suffix}")], f"a {suffix} file downloaded")
    return next(folder.glob(f"*{suffix}"))


def test_a_followup_is_verified_through_its_form(
    console: tuple[Hub, str, Browser], clock: FixedClock
) -> None:
    hub, url, browser = console
    rated(hub.engine, clock, level=4, reason="服务态度不好")
    [followup] = hub.engine.followups()
    sign_in(browser, url, "zhang.san")
    browser.navigate(f"{url}/manage/followups")
    assert "服务态度不好" in browser.text("#followups")
    browser.navigate(f"{url}/manage/followups/{followup['id']}")
    browser.fill("#verify-assignee", "王丽华")
    browser.fill("#verify-note", "已电话联系群众，情况属实")
    browser.submit("#form-verify")
    assert browser.text("#followup-status") == "整改中"
    assert "已电话联系群众，情况属实" in browser.text("#steps")
    assert browser.left_origin(url) == []
