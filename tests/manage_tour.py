"""Screenshots of the console's pages at desktop and phone width, for people to look at.

    .venv/bin/python -m tests.manage_tour --out manage-tour

serves a hub with a few accounts, devices and audit rows on a temporary folder, signs in with
the role each page is for, and writes ``NAME-desktop.png`` and ``NAME-phone.png`` per page.
A new console page joins the tour with one :class:`TourPage` line in :data:`PAGES`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hub.accounts import CLI_ACTOR
from hub.actors import Actor
from hub.server import Hub
from sync.clock import FixedClock
from tests.browser import DESKTOP, PHONE, Browser, Screen, chromium
from tests.hall_seed import furnish_hall

PASSWORD = "tour password 1"
TOUR_DAY = date(2026, 12, 7)  # a Monday: the tour's hall stands at 10:31 that morning
ACCOUNTS = {"manager": "zhang.san", "supervisor": "li.si", "technician": "wang.wu"}


@dataclass(frozen=True)
class TourPage:
    """One screenshot: ``path`` seen by ``role`` (None: signed out); ``script`` runs first
    (e.g. opening the phone menu)."""

    name: str
    path: str
    role: str | None
    script: str = ""


PAGES = [
    TourPage("login", "/manage/login", None),
    TourPage("floor", "/manage/", "manager"),
    TourPage("menu", "/manage/", "manager", "document.getElementById('nav-toggle').click()"),
    TourPage("reports", "/manage/reports?period=month&by=window", "manager"),
    TourPage("reports-clerks", "/manage/reports?period=week&by=clerk", "manager"),
    TourPage("reports-day", "/manage/reports?period=day&by=hour", "manager"),
    TourPage("monthly", "/manage/reports/monthly", "manager"),
    TourPage("followups", "/manage/followups", "manager"),
    TourPage("followups-overdue", "/manage/followups?overdue=1", "manager"),
    TourPage("followup-pending", "/manage/followups/{pending}", "manager"),
    TourPage("followup-revisiting", "/manage/followups/{revisiting}", "manager"),
    TourPage("feedback", "/manage/feedback", "manager"),
    TourPage("feedback-item", "/manage/feedback/{feedback}", "manager"),
    TourPage("alerts", "/manage/alerts", "manager"),
    TourPage("audit", "/manage/audit", "manager"),
    TourPage("staff", "/manage/staff", "manager"),
    TourPage("staff-edit", "/manage/staff/1001", "manager"),
    TourPage("hall", "/manage/hall", "manager"),
    TourPage("calendar", "/manage/calendar", "manager"),
    TourPage("history", "/manage/history", "manager"),
    TourPage("history-version", "/manage/history/{version}", "manager"),
    TourPage("devices", "/manage/devices", "manager"),
    TourPage("not-found", "/manage/no-such-page", "manager"),
    TourPage("devices-technician", "/manage/devices", "technician"),
    TourPage("denied", "/manage/audit", "technician"),
    TourPage("followup-supervisor", "/manage/followups/{pending}", "supervisor"),
]


def tour_clock() -> FixedClock:
    """The clock a tour's hub runs on: a month before TOUR_DAY, for :func:`furnish` to move."""
    start = TOUR_DAY - timedelta(days=30)
    return FixedClock(datetime.combine(start, time(8, 0), ZoneInfo("Asia/Shanghai")))


def furnish(hub: Hub, clock: FixedClock, days: int = 10) -> dict[str, str]:
    """Give a fresh hub (on ``clock``, from :func:`tour_clock`) ``days`` working days of a
    busy hall and a live morning (TOUR_DAY), the accounts of the tour, some devices and audit
    rows and a console edit. Returns the ids the pages' paths name (``{pending}``,
    ``{revisiting}``, ``{feedback}``, ``{version}``)."""
    furnish_hall(hub.engine, clock, TOUR_DAY, days=days)  # first: service days only go forward
    for role, user in ACCOUNTS.items():
        hub.accounts.add(CLI_ACTOR, user, role, PASSWORD)
    hub.registry.add("kiosk", "取号机-1")
    hub.registry.add("counter", "窗口-1", 1)
    hub.registry.add("board", "窗口屏-1", 1)
    hub.registry.add("display", "大厅屏")
    hub.accounts.disable(CLI_ACTOR, "li.si")
    hub.accounts.enable(CLI_ACTOR, "li.si")
    engine = hub.engine
    unresolved = engine.followups(kind="unresolved")[0]
    manager = Actor(ACCOUNTS["manager"], "manager", "session")

    def later_notice(data: dict[str, Any]) -> None:
        data["hall"]["notice"] = "本周六上午延时服务，欢迎办理"

    edited = hub.book.edit(manager, later_notice, "修改通知栏")
    return {
        "version": str(edited.number if edited else 1),
        "pending": unresolved["id"],
        "revisiting": engine.followups(statuses=["revisiting"])[0]["id"],
        "feedback": str(unresolved["feedback_id"]),
    }


def sign_in(browser: Browser, url: str, role: str, screen: Screen) -> None:
    browser.open(f"{url}/manage/login", screen)
    browser.fill("#user", ACCOUNTS[role])
    browser.fill("#password", PASSWORD)
    browser.submit("#login-form")
    browser.close_page()


def take_tour(
    browser: Browser,
    url: str,
    out: Path,
    ids: dict[str, str],
    pages: Sequence[TourPage] = PAGES,
    screens: Sequence[Screen] = (DESKTOP, PHONE),
) -> list[Path]:
    """Screenshot every page on every screen into ``out`` (``ids`` fill the paths' names);
    the PNG files written."""
    shots = []
    for screen in screens:
        role: str | None = "nobody yet"
        for page in pages:
            if page.role != role:
                browser.clear_cookies()
                if page.role is not None:
                    sign_in(browser, url, page.role, screen)
                role = page.role
            browser.open(f"{url}{page.path.format(**ids)}", screen)
            if page.script:
                browser.eval(page.script)
            shots.append(browser.screenshot(out / f"{page.name}-{screen.name}.png"))
            browser.close_page()
    return shots


def main(argv: Sequence[str] | None = None) -> int:
    from tests.hub.hubapp import served

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="manage-tour", help="folder for the PNG files")
    args = parser.parse_args(argv)
    out = Path(args.out)
    clock = tour_clock()
    with tempfile.TemporaryDirectory() as data, served(Path(data), clock=clock) as (hub, url):
        ids = furnish(hub, clock)
        with chromium() as browser:
            for shot in take_tour(browser, url, out, ids):
                print(shot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
