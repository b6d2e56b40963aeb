"""The console (/manage/) in real headless Chromium against a real hub: login, wrong passwords,
the lockout, CSRF refusals, cookie flags, logout, navigation by role, the management API on a
session, and not one request leaving the hub's origin."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import Depends

from hub.accounts import CLI_ACTOR
from hub.actor_auth import requiring
from hub.actors import Actor
from hub.server import Hub
from tests.browser import Browser, chromium, needs_chromium
from tests.hub.hubapp import served

pytestmark = needs_chromium

PASSWORD = "correct horse 1"


@pytest.fixture
def console(tmp_path: Path) -> Iterator[tuple[Hub, str, Browser]]:
    with served(tmp_path / "hub") as (hub, url), chromium() as browser:
        hub.accounts.add(CLI_ACTOR, "zhang.san", "manager", PASSWORD)
        hub.accounts.add(CLI_ACTOR, "wang.wu", "technician", PASSWORD)
        yield hub, url, browser


def sign_in(browser: Browser, url: str, user: str, password: str = PASSWORD) -> None:
    browser.open(f"{url}/manage/login")
    browser.fill("#user", user)
    browser.fill("#password", password)
    browser.submit("#login-form")


def test_the_console_asks_for_a_login_then_shows_who_is_signed_in(
    console: tuple[Hub, str, Browser],
) -> None:
    _hub, url, browser = console
    browser.open(f"{url}/manage/")
    assert browser.eval("location.pathname") == "/manage/login"
    assert browser.text("h1") == "登录"
    browser.fill("#user", "Zhang.San")
    browser.fill("#password", PASSWORD)
    browser.submit("#login-form")
    assert browser.eval("location.pathname") == "/manage/"
    assert browser.text("h1") == "实时大厅"
    assert browser.text("#me-name") == "zhang.san" and browser.text("#me-role") == "负责人"
    nav = browser.eval("[].map.call(document.querySelectorAll('#nav a'), a => a.textContent)")
    assert nav == [
        *("实时大厅", "统计报表", "差评整改", "意见建议", "告警"),
        *("工作人员", "窗口与业务", "服务时间", "配置版本", "设备", "审计日志"),
    ]
    assert browser.eval("document.querySelector('meta[name=csrf-token]').content")
    assert browser.left_origin(url) == []


def test_the_session_cookie_is_httponly_and_samesite_strict(
    console: tuple[Hub, str, Browser],
) -> None:
    _hub, url, browser = console
    sign_in(browser, url, "zhang.san")
    cookies = {c["name"]: c for c in browser.cookies()}
    session = cookies["hallkit_session"]
    assert (session["httpOnly"], session["sameSite"], session["path"]) == (True, "Strict", "/")
    assert "hallkit_session" not in browser.eval("document.cookie")


def test_the_login_form_carries_its_own_token_in_an_httponly_cookie(
    console: tuple[Hub, str, Browser],
) -> None:
    _hub, url, browser = console
    browser.open(f"{url}/manage/login")
    cookies = {c["name"]: c for c in browser.cookies()}
    login = cookies["hallkit_login_csrf"]
    assert (login["httpOnly"], login["sameSite"]) == (True, "Strict")
    assert browser.eval("document.querySelector('input[name=csrf]').value") == login["value"]


def test_a_wrong_password_says_how_many_tries_are_left(
    console: tuple[Hub, str, Browser],
) -> None:
    _hub, url, browser = console
    sign_in(browser, url, "zhang.san", "not the password")
    assert browser.status() == 401
    assert browser.eval("location.pathname") == "/manage/login"
    assert browser.text("#login-message").startswith("用户名或密码错误，还可以再试4次")
    assert browser.eval("document.getElementById('user').value") == "zhang.san"


def test_five_wrong_passwords_lock_the_account_and_the_page_says_until_when(
    console: tuple[Hub, str, Browser],
) -> None:
    _hub, url, browser = console
    for _ in range(4):
        sign_in(browser, url, "zhang.san", "not the password")
    sign_in(browser, url, "zhang.san", "not the password")
    assert browser.status() == 423
    message = browser.text("#login-message")
    assert message.startswith("该账号已锁定至") and message.endswith("请稍后再试")
    sign_in(browser, url, "zhang.san")  # the right password, while locked
    assert browser.status() == 423
    assert browser.eval("location.pathname") == "/manage/login"


def test_a_login_post_without_its_token_is_refused(console: tuple[Hub, str, Browser]) -> None:
    _hub, url, browser = console
    browser.open(f"{url}/manage/login")
    browser.eval("document.querySelector('input[name=csrf]').value = 'forged'")
    browser.fill("#user", "zhang.san")
    browser.fill("#password", PASSWORD)
    browser.submit("#login-form")
    assert browser.status() == 403
    assert "安全令牌" in browser.text("#message")
    browser.open(f"{url}/manage/")
    assert browser.eval("location.pathname") == "/manage/login"  # not signed in


def test_a_console_post_without_the_session_token_is_refused(
    console: tuple[Hub, str, Browser],
) -> None:
    _hub, url, browser = console
    sign_in(browser, url, "zhang.san")
    # The logout form with its token removed, as a forged cross-site form would arrive.
    browser.eval(
        "document.querySelector('form[action=\"/manage/logout\"] input[name=csrf]').remove()"
    )
    browser.submit("form[action='/manage/logout']")
    assert browser.status() == 403
    assert "安全令牌" in browser.text("#message")
    status = browser.eval("fetch('/manage/logout', {method: 'POST'}).then(r => r.status)")
    assert status == 403
    browser.navigate(f"{url}/manage/")
    assert browser.eval("location.pathname") == "/manage/"  # still signed in


def test_logout_ends_the_session(console: tuple[Hub, str, Browser]) -> None:
    hub, url, browser = console
    sign_in(browser, url, "zhang.san")
    assert hub.sessions.count() == 1
    browser.click("#logout", navigates=True)
    assert browser.eval("location.pathname") == "/manage/login"
    assert hub.sessions.count() == 0
    assert "hallkit_session" not in {c["name"] for c in browser.cookies()}
    browser.navigate(f"{url}/manage/audit")
    assert browser.eval("location.pathname") == "/manage/login"
    assert browser.eval("new URLSearchParams(location.search).get('next')") == "/manage/audit"


def test_after_login_the_browser_comes_back_to_the_page_it_asked_for(
    console: tuple[Hub, str, Browser],
) -> None:
    _hub, url, browser = console
    browser.open(f"{url}/manage/audit")
    browser.fill("#user", "zhang.san")
    browser.fill("#password", PASSWORD)
    browser.submit("#login-form")
    assert browser.eval("location.pathname") == "/manage/audit"
    assert "登录管理后台" in browser.text("#audit")


def test_a_technician_sees_only_the_devices(console: tuple[Hub, str, Browser]) -> None:
    hub, url, browser = console
    hub.registry.add("kiosk", "取号机-1")
    sign_in(browser, url, "wang.wu")
    assert browser.eval("location.pathname") == "/manage/devices"
    nav = browser.eval("[].map.call(document.querySelectorAll('#nav a'), a => a.textContent)")
    assert nav == ["设备"]
    assert "取号机-1" in browser.text("#devices") and "取号机/查询机" in browser.text("#devices")
    browser.navigate(f"{url}/manage/audit")
    assert browser.status() == 403
    assert "技术人员" in browser.text("#message") and "无权" in browser.text("#message")
    browser.navigate(f"{url}/manage/no-such-page")
    assert browser.status() == 404
    assert "没有找到这个页面" in browser.text("#message")
    assert browser.left_origin(url) == []


def test_the_management_api_takes_the_session_and_wants_the_csrf_header_to_change(
    console: tuple[Hub, str, Browser],
) -> None:
    hub, url, browser = console
    manager = Depends(requiring(hub.app.state.manage_actor, "manager"))

    def whoami(actor: Actor = manager) -> dict[str, str]:
        return {"name": actor.name, "role": actor.role, "via": actor.via}

    # A test-only management route, mounted beside the real ones.
    hub.app.add_api_route("/api/v1/test-whoami", whoami, methods=["GET", "POST"])
    sign_in(browser, url, "zhang.san")
    fetched = "r => r.text().then(t => JSON.stringify([r.status, t]))"
    status, body = json.loads(browser.eval(f"fetch('/api/v1/test-whoami').then({fetched})"))
    assert (status, json.loads(body)) == (
        200,
        {"name": "zhang.san", "role": "manager", "via": "session"},
    )
    status, body = json.loads(
        browser.eval(f"fetch('/api/v1/test-whoami', {{method: 'POST'}}).then({fetched})")
    )
    assert (status, json.loads(body)["error"]) == (403, "csrf")
    status, _ = json.loads(
        browser.eval(f"hallkit.fetch('/api/v1/test-whoami', {{method: 'POST'}}).then({fetched})")
    )
    assert status == 200
    browser.click("#logout", navigates=True)
    status, body = json.loads(browser.eval(f"fetch('/api/v1/test-whoami').then({fetched})"))
    assert (status, json.loads(body)["error"]) == (401, "not_signed_in")
