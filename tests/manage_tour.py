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
from pathlib import Path

from hub.accounts import CLI_ACTOR
from hub.server import Hub
from tests.browser import DESKTOP, PHONE, Browser, Screen, chromium

PASSWORD = "tour password 1"
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
    TourPage("home", "/manage/", "manager"),
    TourPage("menu", "/manage/", "manager", "document.getElementById('nav-toggle').click()"),
    TourPage("audit", "/manage/audit", "manager"),
    TourPage("devices", "/manage/devices", "manager"),
    TourPage("not-found", "/manage/no-such-page", "manager"),
    TourPage("devices-technician", "/manage/devices", "technician"),
    TourPage("denied", "/manage/audit", "technician"),
]


def furnish(hub: Hub) -> None:
    """Give a fresh hub the accounts of the tour, some devices and audit rows."""
    for role, user in ACCOUNTS.items():
        hub.accounts.add(CLI_ACTOR, user, role, PASSWORD)
    hub.registry.add("kiosk", "取号机-1")
    hub.registry.add("counter", "窗口-1", 1)
    hub.registry.add("board", "窗口屏-1", 1)
    hub.registry.add("display", "大厅屏")
    hub.accounts.disable(CLI_ACTOR, "li.si")
    hub.accounts.enable(CLI_ACTOR, "li.si")


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
    pages: Sequence[TourPage] = PAGES,
    screens: Sequence[Screen] = (DESKTOP, PHONE),
) -> list[Path]:
    """Screenshot every page on every screen into ``out``; the PNG files written."""
    shots = []
    for screen in screens:
        role: str | None = "nobody yet"
        for page in pages:
            if page.role != role:
                browser.clear_cookies()
                if page.role is not None:
                    sign_in(browser, url, page.role, screen)
                role = page.role
            browser.open(f"{url}{page.path}", screen)
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
    with tempfile.TemporaryDirectory() as data, served(Path(data)) as (hub, url):
        furnish(hub)
        with chromium() as browser:
            for shot in take_tour(browser, url, out):
                print(shot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
