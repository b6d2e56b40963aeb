"""The web hall display and web board in headless chromium (tests/browser.py): a new call fills
the screen (请 A001号 到 1号窗口) and then gives way to the list, waiting counts come with the
hub's estimated waits, the clock is the apps' one format in the hall's zone, nothing is off
screen, and a board shows the supervision phone."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from appkit.style import clock_text
from hub.client import HubClient
from tests.browser import Screen, chromium, needs_chromium
from tests.hub.test_web_browser import hub_with_pages
from tests.timing import wait_for

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the sample hall's zone

pytestmark = needs_chromium

BANNER = "document.getElementById('banner')"
OFF_SCREEN = """(function () {
  var out = [], all = document.querySelectorAll('.head div, .body td, .body th, .title, #banner-line');
  for (var i = 0; i < all.length; i++) {
    var r = all[i].getBoundingClientRect();
    if (r.width && (r.bottom > window.innerHeight + 0.5 || r.right > window.innerWidth + 0.5)) {
      out.push(all[i].textContent);
    }
  }
  return out;
})()"""


def test_the_web_display_shows_a_call_banner_waits_and_the_clock(tmp_path: Path) -> None:
    with hub_with_pages(tmp_path / "hub") as (hub, url), chromium(tmp_path / "profile") as browser:
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        kiosk = HubClient(url, admin.add_device("kiosk", "k")["token"])
        counter = HubClient(url, admin.add_device("counter", "c1", 1)["token"])
        display = admin.add_device("display", "d")["token"]
        board = admin.add_device("board", "b1", 1)["token"]
        for _ in range(3):
            kiosk.issue_ticket(category="B")
        subscribers = admin.health().subscribers

        browser.open(f"{url}/board/1?token={board}")
        phones = browser.wait_until("document.getElementById('phones').innerText", "phones")
        assert phones == "监督电话 12345"  # the sample hall has no 咨询电话 of its own

        browser.open(f"{url}/display?token={display}", Screen("hall", 1366, 768, False))
        wait_for(lambda: admin.health().subscribers >= subscribers + 2, "the pages live")
        minutes = admin.queue().categories["B"].estimated_wait_minutes
        assert minutes > 0
        row = browser.wait_until(
            "[].map.call(document.querySelectorAll('#wait-rows tr'), function (r) {"
            " return r.innerText; }).filter(function (t) { return t.indexOf('人社') >= 0; })[0]",
            "the waiting rows",
        )
        assert "3人" in row and f"约{minutes}分钟" in row, row
        moments = (datetime.now(SHANGHAI) + timedelta(minutes=m) for m in (-1, 0, 1))
        clock = browser.eval("document.getElementById('clock').textContent")
        assert clock in {clock_text(m) for m in moments}, clock  # 12月7日 星期一 10:26

        ticket = counter.call_next(1)
        assert ticket is not None
        line = f"请 {ticket.number}号 到 1号窗口"
        browser.wait_until(f"{BANNER}.style.display !== 'none'", "the call's banner")
        assert browser.eval("document.getElementById('banner-line').textContent") == line
        size = browser.eval("parseFloat(document.getElementById('banner-line').style.fontSize)")
        assert size >= 768 * 0.12  # readable across the hall
        assert browser.eval(OFF_SCREEN) == []
        assert browser.eval("document.documentElement.scrollHeight") <= 768
        # After its seconds the list again, the call at its top and the waits one fewer.
        browser.wait_until(f"{BANNER}.style.display === 'none'", "the banner giving way")
        rows = browser.eval("document.getElementById('call-rows').innerText")
        assert ticket.number in rows and "1号窗口" in rows

        for width, height in ((1920, 1080), (1366, 768), (3840, 2160)):
            browser.emulate(Screen("hall", width, height, False))
            browser.wait_until(f"window.innerHeight === {height}", "the new size")
            browser.eval("window.dispatchEvent(new Event('resize'))")
            assert browser.eval(OFF_SCREEN) == [], (width, height)
            assert browser.eval("document.documentElement.scrollHeight") <= height
