"""Central's 大厅 page shows per hall the versions its boxes run, the rollout and any rollback,
and filters the halls not on the current release; real headless Chromium, the boxes' states
arriving as box.update events through central's intake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sync.central.fleet import name_release
from sync.central.intake import receive_batch
from sync.central.server import Central, open_central
from sync.wire import Batch
from tests.browser import DESKTOP, Browser, chromium, needs_chromium
from tests.sync.central.centralapp import event, live_central
from tests.sync.central.console_helpers import PASSWORD, add_account, two_districts

pytestmark = needs_chromium

XIJIAO = "西郊街道便民服务中心"
CHENGJIANG = "程江镇便民服务中心"


def _box(box: str, state: str, version: str, message: str = "…") -> dict[str, Any]:
    return {
        "box": box,
        "role": "hub" if box == "hub" else "kiosk",
        "name": "集中控制器" if box == "hub" else "一楼取号机",
        "state": state,
        "message": message,
        "installed": {"hallkit": version},
        "previous": {},
        "release": version,
        "at": "2026-12-08T02:07:00+08:00",
        "rollback": None,
    }


def _send(central: Central, hall: str, boxes: list[dict[str, Any]]) -> None:
    events = [event(i + 1, "box.update", b) for i, b in enumerate(boxes)]
    batch = Batch.model_validate(
        {"hall": hall, "hub_last_seq": len(events), "sent_at": "now", "events": events}
    )
    receive_batch(central.store, hall, batch, None)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Central, str, Browser]]:
    central = open_central(tmp_path / "central")
    halls = two_districts(central.store)
    add_account(central.store, "zhang.san", "admin")
    name_release(central.store, "1.4.0")
    _send(
        central,
        halls[XIJIAO],
        [_box("hub", "updated", "1.4.0"), _box("d-kiosk", "updated", "1.4.0")],
    )
    _send(
        central,
        halls[CHENGJIANG],
        [_box("hub", "rolled-back", "1.3.2", "更新后自检未通过：hub")],
    )
    try:
        with live_central(central) as url, chromium() as browser:
            yield central, url, browser
    finally:
        central.store.close()


def _rows(browser: Browser) -> dict[str, list[str]]:
    rows: list[list[str]] = browser.eval(
        "[].map.call(document.querySelectorAll('#halls tbody tr[data-hall]'),"
        " r => [].map.call(r.cells, c => c.innerText.trim()))"
    )
    return {r[0].split("\n")[0]: r for r in rows}


def test_the_halls_page_shows_versions_rollout_and_rollbacks_and_filters_off_release(
    served: tuple[Central, str, Browser],
) -> None:
    _, url, browser = served
    browser.open(f"{url}/console/login", DESKTOP)
    browser.fill("#user", "zhang.san")
    browser.fill("#password", PASSWORD)
    browser.submit("#login-form")
    rows = _rows(browser)
    assert rows[XIJIAO][9] == "1.4.0\n2 台设备"
    assert rows[XIJIAO][10] == "当前版本 1.4.0\n已完成"
    assert rows[CHENGJIANG][9] == "1.3.2\n1 台设备"
    rollout = rows[CHENGJIANG][10]
    assert rollout.startswith("当前版本 1.4.0\n已停止：集中控制器更新失败")
    assert "集中控制器：已回退（更新后自检未通过：hub）" in rollout

    browser.click("#release-filter", navigates=True)
    assert browser.eval("location.search") == "?release=off"
    assert list(_rows(browser)) == [CHENGJIANG]
    # The region filter keeps it; the link takes it off again.
    browser.eval("var s = document.querySelector('#region'); s.value = '441402';"
                 " s.dispatchEvent(new Event('change'))")  # fmt: skip
    browser.wait_until("location.search == '?region=441402&release=off'", "the region filter")
    browser.wait_until("document.readyState == 'complete'", "the filtered page")
    assert list(_rows(browser)) == []  # 西郊街道's hall runs the release
    browser.click("#release-filter", navigates=True)
    assert browser.eval("location.search") == "?region=441402"
    assert list(_rows(browser)) == [XIJIAO]
    assert browser.left_origin(url) == []
