"""The 工作人员 page in real headless Chromium against a real served hub: a manager adds a clerk,
the clerk signs in at a counter (the hub's API, a counter token) with the PIN the page showed
once; disabled in the console, the same sign-in is refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from config import HallConfig
from hub.accounts import CLI_ACTOR
from hub.server import Hub
from tests.browser import Browser, chromium, needs_chromium
from tests.hub.hubapp import served

pytestmark = needs_chromium

PASSWORD = "correct horse 1"


@pytest.fixture
def console(
    tmp_path: Path, hall_with: Callable[..., HallConfig]
) -> Iterator[tuple[Hub, str, Browser]]:
    hall = hall_with(service={"require_sign_in": True})
    with served(tmp_path / "hub", config=hall) as (hub, url), chromium() as browser:
        hub.accounts.add(CLI_ACTOR, "zhang.san", "manager", PASSWORD)
        yield hub, url, browser


def counter_sign_in(hub: Hub, url: str, number: str, pin: str) -> Any:
    _, token = hub.registry.add("counter", "counter-2", 2)
    return requests.post(
        f"{url}/api/v1/windows/2/sign-in",
        json={"staff_no": number, "pin": pin},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def test_a_clerk_added_in_the_console_signs_in_at_a_counter_until_disabled(
    console: tuple[Hub, str, Browser],
) -> None:
    hub, url, browser = console
    browser.open(f"{url}/manage/login")
    browser.fill("#user", "zhang.san")
    browser.fill("#password", PASSWORD)
    browser.submit("#login-form")

    browser.open(f"{url}/manage/staff")
    browser.click("#add-staff", navigates=True)
    browser.fill("#staff-number", "0007")
    browser.fill("#staff-name", "王五")
    browser.fill("#staff-title", "综合受理")
    browser.eval("document.querySelector('input[name=windows][value=\"2\"]').checked = true")
    browser.submit("#staff-form")

    assert browser.status() == 200
    pin = browser.text("#new-pin")
    assert len(pin) == 6 and pin.isdigit()
    signed = counter_sign_in(hub, url, "0007", pin)
    assert signed.status_code == 200 and signed.json()["clerk"]["name"] == "王五"

    browser.click("#pin-done", navigates=True)
    assert browser.eval("location.pathname") == "/manage/staff/0007"
    assert pin not in browser.text()
    browser.submit("#active-form")
    assert browser.text("#done").startswith("已停用")
    assert browser.text("#staff-state") == "已停用"

    refused = counter_sign_in(hub, url, "0007", pin)
    assert refused.status_code == 403 and refused.json()["error"] == "staff_disabled"
    browser.navigate(f"{url}/manage/staff")
    assert "已停用" in browser.text("#staff-0007")
    assert browser.left_origin(url) == []
