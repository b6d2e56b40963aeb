"""Central's console in a real headless Chromium: sign in, the halls (trouble first, filtered by
region with the page's own script), a region added through its form, on a desktop and a phone,
nothing loaded from elsewhere, logout. Screenshots go to ``$CENTRAL_CONSOLE_SHOTS`` when set."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.central.server import Central, open_central
from tests.browser import DESKTOP, PHONE, Browser, chromium, needs_chromium
from tests.sync.central.centralapp import live_central
from tests.sync.central.console_helpers import PASSWORD, add_account, two_districts

pytestmark = needs_chromium


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Central, str, Browser]]:
    central = open_central(tmp_path / "central")
    halls = two_districts(central.store)
    add_account(central.store, "zhang.san", "admin")
    with central.store.db.write() as tx:  # 程江镇 heard from 3 minutes ago, 25 events behind
        tx.execute(
            "UPDATE halls SET last_contact = ?, hub_last_seq = 25, clock_offset = 4.0 WHERE id = ?",
            (time.time() - 180, halls["程江镇便民服务中心"]),
        )
    try:
        with live_central(central) as url, chromium() as browser:
            yield central, url, browser
    finally:
        central.store.close()


def _shot(browser: Browser, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("CENTRAL_CONSOLE_SHOTS") or tmp_path / "shots")
    browser.screenshot(folder / f"{name}.png")


def _rows(browser: Browser) -> list[str]:
    rows: list[str] = browser.eval(
        "[].map.call(document.querySelectorAll('#halls tbody tr[data-hall]'),"
        " r => r.cells[0].innerText.split('\\n')[0])"
    )
    return rows


def test_an_admin_signs_in_sees_the_halls_trouble_first_adds_a_region_and_signs_out(
    served: tuple[Central, str, Browser], tmp_path: Path
) -> None:
    central, url, browser = served
    browser.open(f"{url}/console/", DESKTOP)
    assert browser.eval("location.pathname") == "/console/login"
    assert browser.text("h1") == "登录"
    _shot(browser, tmp_path, "login-desktop")
    browser.fill("#user", "zhang.san")
    browser.fill("#password", PASSWORD)
    browser.submit("#login-form")
    assert browser.eval("location.pathname") == "/console/"
    assert browser.text("h1") == "大厅" and browser.text("#me-role") == "管理员"
    nav = browser.eval("[].map.call(document.querySelectorAll('#nav a'), a => a.textContent)")
    assert nav[0] == "大厅" and {"区域", "账号", "操作记录"} <= set(nav)
    session = next(c for c in browser.cookies() if c["name"] == "hallkit_central_session")
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert "hallkit_central_session" not in browser.eval("document.cookie")
    # The hall never heard from comes first (从未联系), the one heard 3 minutes ago after it.
    assert _rows(browser)[-1] == "程江镇便民服务中心"
    assert "3 分钟前" in browser.text("#halls tbody tr:last-child")
    _shot(browser, tmp_path, "halls-desktop")

    browser.eval("var s = document.querySelector('#region'); s.value = '441403';"
                 " s.dispatchEvent(new Event('change'))")  # fmt: skip
    browser.wait_until("location.search == '?region=441403'", "the filter submitting itself")
    browser.wait_until("document.readyState == 'complete'", "the filtered page")
    assert _rows(browser) == ["程江镇便民服务中心"]

    browser.navigate(f"{url}/console/regions")
    browser.fill("#add-code", "44140300x")
    browser.fill("#add-name", "程江镇")
    browser.eval("document.querySelector('#add-level').value = 'town'")
    browser.eval("document.querySelector('#add-parent').value = '441403'")
    browser.submit("#add-form")
    assert browser.status() == 422
    assert browser.text("#add-code-error") == "区划代码须为2到12位数字"
    assert browser.eval("document.activeElement.id") == "add-code"
    assert browser.eval("document.querySelector('#add-name').value") == "程江镇"
    _shot(browser, tmp_path, "regions-error-desktop")
    browser.fill("#add-code", "441403100")
    browser.submit("#add-form")
    assert browser.text("#saved") == "已保存"
    assert "程江镇" in browser.text("li[data-code='441403100']")
    assert browser.left_origin(url) == []
    _shot(browser, tmp_path, "regions-desktop")

    for name, page in (("halls", "/console/"), ("regions", "/console/regions"),
                       ("audit", "/console/audit")):  # fmt: skip
        browser.open(f"{url}{page}", PHONE)
        assert browser.eval("document.documentElement.scrollWidth") <= PHONE.width, page
        assert browser.eval("document.querySelector('#nav').getBoundingClientRect().height") < 60
        assert browser.left_origin(url) == []
        _shot(browser, tmp_path, f"{name}-phone")
    assert "添加区域" in browser.text("#audit")

    browser.click("#logout-form button", navigates=True)
    assert browser.eval("location.pathname") == "/console/login"
    browser.navigate(f"{url}/console/")
    assert browser.eval("location.pathname") == "/console/login"
    assert central.store.hall  # the store stayed open throughout
