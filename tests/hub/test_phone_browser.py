"""The phone page in a real headless Chromium at a phone's size: it follows a ticket from issue to
call to rating, live, through a hub that goes away and comes back."""

from __future__ import annotations

from pathlib import Path

import tomli_w

from appkit.net import free_port
from hall.hubprocess import HubProcess
from hub.client import HubClient
from tests.browser import PHONE, chromium, needs_chromium
from tests.conftest import queue_hall_data
from tests.hub.hubapp import served
from tests.timing import wait_for

pytestmark = needs_chromium


def _text_has(fragment: str) -> str:
    return f"document.getElementById('state').textContent.indexOf({fragment!r}) >= 0"


def test_the_phone_page_follows_a_ticket_through_a_lost_link_and_rates_it(
    tmp_path: Path,
) -> None:
    data = queue_hall_data()
    data["rating"] = {**data.get("rating", {}), "keypad_timeout_seconds": 5}
    config = tmp_path / "hall.toml"
    config.write_text(tomli_w.dumps(data), encoding="utf-8")
    hub = HubProcess(
        tmp_path / "hub", config, bind=f"127.0.0.1:{free_port()}", log_path=tmp_path / "hub.log"
    )
    with chromium(tmp_path / "profile") as browser:
        with hub:
            admin = hub.client()
            kiosk = HubClient(hub.base_url, admin.add_device("kiosk", "k")["token"])
            counter = HubClient(hub.base_url, admin.add_device("counter", "c1", 1)["token"])
            first = kiosk.issue_ticket(category="A")
            mine = kiosk.issue_ticket(category="A")
            assert mine.phone_url.startswith(f"{hub.base_url}/m/")
            browser.open(mine.phone_url, PHONE)
            assert mine.number in browser.text("#number")
            assert first.number not in browser.text()
            browser.wait_until(_text_has("前面还有 1 人"), "one person ahead")
            browser.wait_until(
                "document.getElementById('link').textContent === '实时更新中'", "the page live"
            )
            assert counter.call_next(1).number == first.number
            browser.wait_until(_text_has("前面还有 0 人"), "the page moved up without a reload")
            counter.finish(1)
        # the hub is gone (restart, power cut): the page says so and keeps trying
        browser.wait_until(
            "document.getElementById('link').textContent.indexOf('中断') >= 0", "the lost link"
        )
        with hub:
            called = counter.call_next(1)
            assert called.number == mine.number
            browser.wait_until(_text_has("请到 1 号窗口"), "the call shown after the link is back")
            counter.finish(1)
            browser.wait_until(
                "document.getElementById('rating-title').textContent === '请在窗口的评价器上评价'",
                "the keypad asked first",
            )
            browser.wait_until(
                "!document.getElementById('levels').hidden", "the online rating opened"
            )
            browser.click(".level-2")
            browser.wait_until(
                "document.getElementById('rating-note').textContent === '您的评价：满意'",
                "the rating recorded",
            )
            browser.screenshot(tmp_path / "phone-rated.png")
            assert browser.left_origin(hub.base_url) == []
        wait_for((tmp_path / "phone-rated.png").exists, "the screenshot")


def test_the_page_renews_its_stream_without_missing_a_move(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (hub, url), chromium(tmp_path / "profile") as browser:
        streams = hub.app.state.phone_streams
        # a renewal every 0.7 s instead of 45 s; a stream the page did not renew would end
        # (and the browser reconnect) only after a minute
        streams.life, streams.grace = 0.7, 60.0
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        kiosk = HubClient(url, admin.add_device("kiosk", "k")["token"])
        counter = HubClient(url, admin.add_device("counter", "c1", 1)["token"])
        ahead = 6
        for _ in range(ahead):
            kiosk.issue_ticket(category="A")
        mine = kiosk.issue_ticket(category="A")
        browser.open(mine.phone_url, PHONE)
        browser.wait_until(_text_has(f"前面还有 {ahead} 人"), "the page live")
        for left in range(ahead - 1, -1, -1):
            before = streams.opened
            wait_for(
                lambda before=before: streams.opened > before and streams.open_pages == 1,
                "a renewed stream, and the old one closed",
            )
            counter.call_next(1)
            counter.finish(1)
            browser.wait_until(_text_has(f"前面还有 {left} 人"), f"{left} ahead, live")
        counter.call_next(1)
        browser.wait_until(_text_has("请到 1 号窗口"), "the call")
        assert browser.text("#link") == "实时更新中"
