"""The console's 设备 page shows each box's hallkit version, update state and last rollback, and
where the hall's rollout stands (the hub box first), in real headless Chromium against a real
hub whose boxes reported through the API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from hub.accounts import CLI_ACTOR
from hub.server import Hub
from tests.browser import Browser, chromium, needs_chromium
from tests.hub.hubapp import served
from tests.timing import PATIENCE

pytestmark = needs_chromium

PASSWORD = "correct horse 1"
REASON = "更新后自检未通过：比更新前差：printer /dev/hall-printer"


def _report(state: str, version: str, message: str, previous: str = "1.3.2") -> dict[str, Any]:
    return {
        "state": state,
        "message": message,
        "installed": {"hallkit": version, "hallkit-screen": version},
        "previous": {"hallkit": previous},
        "release": version,
        "at": "2026-12-08T02:07:00+08:00",
    }


@pytest.fixture
def console(tmp_path: Path) -> Iterator[tuple[Hub, str, Browser, Path]]:
    data = tmp_path / "hub"
    with served(data) as (hub, url), chromium() as browser:
        hub.accounts.add(CLI_ACTOR, "li.si", "manager", PASSWORD)
        yield hub, url, browser, data


def _rows(browser: Browser) -> list[list[str]]:
    rows: list[list[str]] = browser.eval(
        "[].map.call(document.querySelectorAll('#updates tbody tr'),"
        " r => [].map.call(r.cells, c => c.innerText.trim()))"
    )
    return rows


def test_the_manager_sees_each_boxs_version_state_and_rollback(
    console: tuple[Hub, str, Browser, Path],
) -> None:
    hub, url, browser, data = console
    browser.open(f"{url}/manage/login")
    browser.fill("#user", "li.si")
    browser.fill("#password", PASSWORD)
    browser.submit("#login-form")
    browser.navigate(f"{url}/manage/devices")
    assert browser.text("#rollout").startswith("集中控制器尚未报告更新情况")
    assert "还没有设备报告更新情况" in browser.text("#h-updates + p + p")

    # The hub box updated (its own update.json); a counter box rolled back (it reported so).
    (data / "update").mkdir()
    (data / "update/update.json").write_text(
        json.dumps(_report("updated", "1.4.0", "hallkit 1.3.2 → 1.4.0"))
    )
    _, token = hub.registry.add("counter", "3号窗口", 3)
    back = _report("rolled-back", "1.3.2", REASON + "；已回退到 hallkit 1.3.2，自检正常")
    answer = requests.put(
        f"{url}/api/v1/update/state",
        json=back,
        headers={"Authorization": f"Bearer {token}"},
        timeout=PATIENCE,
    )
    assert answer.status_code == 200

    browser.navigate(f"{url}/manage/devices")
    assert browser.text("#rollout") == (
        "集中控制器运行 1.4.0 且自检正常；其他设备在维护时段更新到该版本。"
    )
    rows = _rows(browser)
    assert [r[:4] for r in rows] == [
        ["集中控制器", "集中控制器", "1.4.0", "已更新\n（hallkit 1.3.2 → 1.4.0）"],
        ["3号窗口", "窗口", "1.3.2", "已自动回退"],  # why: in the rollback column, once
    ]
    assert rows[0][4] == "2026-12-08 02:07"  # the hall's time
    assert rows[0][5] == "无"
    assert rows[1][5].startswith(REASON)
    assert browser.eval("document.querySelector('#updates tr[data-box] + tr').className") == "late"

    # The hub box rolls back: the hall's rollout stops, and the page says so.
    (data / "update/update.json").write_text(
        json.dumps(_report("rolled-back", "1.4.0", REASON + "；已回退到 hallkit 1.4.0"))
    )
    browser.navigate(f"{url}/manage/devices")
    assert browser.text("#rollout").startswith("本厅更新已暂停：集中控制器更新后自检未通过")
    assert _rows(browser)[0][3].startswith("已自动回退")
