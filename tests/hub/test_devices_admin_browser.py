"""The 设备 page in real headless Chromium against a real hub: a technician adds a kiosk token
(shown once, with its QR), then revokes a kiosk that is connected: after the confirmation its
next request gets 401 and its open event stream ends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from hub.accounts import CLI_ACTOR
from hub.client import HubClient
from hub.server import Hub
from tests.browser import Browser, chromium, needs_chromium
from tests.hub.hubapp import served
from tests.timing import PATIENCE, wait_for

pytestmark = needs_chromium

PASSWORD = "correct horse 1"


@pytest.fixture
def console(tmp_path: Path) -> Iterator[tuple[Hub, str, Browser]]:
    with served(tmp_path / "hub") as (hub, url), chromium() as browser:
        hub.accounts.add(CLI_ACTOR, "wang.wu", "technician", PASSWORD)
        yield hub, url, browser


def _whoami(url: str, token: str) -> int:
    answer = requests.get(
        f"{url}/api/v1/whoami", headers={"Authorization": f"Bearer {token}"}, timeout=PATIENCE
    )
    return answer.status_code


def test_a_technician_adds_a_token_seen_once_then_revokes_a_connected_kiosk(
    console: tuple[Hub, str, Browser],
) -> None:
    hub, url, browser = console
    browser.open(f"{url}/manage/login")
    browser.fill("#user", "wang.wu")
    browser.fill("#password", PASSWORD)
    browser.submit("#login-form")
    assert browser.eval("location.pathname") == "/manage/devices"

    # Add: the token and its QR on the next page, once.
    browser.fill("#device-role", "kiosk")
    browser.fill("#device-name", "取号机-2")
    browser.submit("#add-device")
    assert browser.eval("location.pathname").startswith("/manage/devices/new/")
    token = browser.text("#token").strip()
    assert _whoami(url, token) == 200
    assert "只显示这一次" in browser.text("#once")
    assert browser.eval("document.getElementById('token-qr').naturalWidth") > 0
    browser.navigate(browser.eval("location.href"))
    assert browser.status() == 410 and token not in browser.text()
    assert browser.left_origin(url) == []

    # The new kiosk connects and follows the event stream.
    kiosk = HubClient(url, token, timeout=PATIENCE)
    ended = threading.Event()

    def follow() -> None:
        try:
            for _ in kiosk.events(read_timeout=PATIENCE * 4):
                pass
        finally:
            ended.set()

    threading.Thread(target=follow, daemon=True).start()
    wait_for(lambda: hub.broker.subscriber_count >= 1, "the kiosk's stream to open")

    # Revoke it: a confirmation first, nothing revoked until it is given.
    browser.navigate(f"{url}/manage/devices")
    assert "取号机-2" in browser.text("#devices") and "刚刚" in browser.text("#devices")
    browser.click("#devices a.revoke", navigates=True)  # the admin token has no such link
    assert "吊销“取号机-2”的令牌" in browser.text("h2")
    assert _whoami(url, token) == 200 and not ended.is_set()
    browser.click("#revoke-confirm", navigates=True)
    assert browser.eval("location.pathname") == "/manage/devices"
    assert "已吊销“取号机-2”" in browser.text("#done")
    assert "取号机-2" in browser.text("#revoked-devices")
    assert "取号机-2" not in browser.text("#devices")

    assert _whoami(url, token) == 401
    assert ended.wait(PATIENCE), "the revoked kiosk's event stream did not end"
    assert browser.left_origin(url) == []
