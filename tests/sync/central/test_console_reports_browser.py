"""The 报表 and 通报 pages in a real headless Chromium, on a desktop and a phone: the region's
roll-up with its bars, the ranking, nothing loaded from elsewhere. Screenshots go to
``$CENTRAL_CONSOLE_SHOTS`` when set."""

from __future__ import annotations

import os
from pathlib import Path

from sync.central.figures import store_day
from sync.central.server import open_central
from tests.browser import DESKTOP, PHONE, chromium, needs_chromium
from tests.sync.central.centralapp import live_central
from tests.sync.central.console_helpers import PASSWORD, add_account
from tests.sync.central.test_console_reports import DAY, figures, hall_district

pytestmark = needs_chromium


def test_a_supervisor_reads_the_districts_report_and_the_months_ranking(tmp_path: Path) -> None:
    shots = Path(os.environ.get("CENTRAL_CONSOLE_SHOTS") or tmp_path / "shots")
    central = open_central(tmp_path / "central")
    try:
        halls = hall_district(central.store)
        store_day(central.store, halls["西郊街道便民服务中心"], "2026-09-20", figures(6, 6, 0), "y")
        add_account(central.store, "du.cha", "supervisor")
        with live_central(central) as url, chromium() as browser:
            browser.open(f"{url}/console/reports?from=2026-09-20&to={DAY}&region=441400", DESKTOP)
            browser.fill("#user", "du.cha")
            browser.fill("#password", PASSWORD)
            browser.submit("#login-form")
            assert browser.eval("location.pathname") == "/console/reports"
            labels = browser.eval(
                "[].map.call(document.querySelectorAll('#report tbody tr'),"
                " r => r.cells[0].textContent.trim())"
            )
            assert labels == ["梅江区", "梅县区", "合计"]
            assert browser.eval("document.querySelectorAll('#report meter').length") == 3
            assert browser.eval("document.querySelectorAll('#trend rect').length") == 2
            browser.screenshot(shots / "reports-desktop.png")
            browser.open(f"{url}/console/bulletin?month=2026-09", PHONE)
            assert "2026年9月" in browser.text("#bulletin-title")
            first = browser.eval("document.querySelector('#ranking tbody tr').cells[1].textContent")
            assert first == "西郊街道便民服务中心"
            browser.screenshot(shots / "bulletin-phone.png")
            assert browser.left_origin(url) == []
    finally:
        central.store.close()
