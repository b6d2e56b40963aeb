"""The console's screenshot tour draws every page at desktop and phone width."""

from __future__ import annotations

import struct
from pathlib import Path

from tests.browser import DESKTOP, PHONE, chromium, needs_chromium
from tests.hub.hubapp import served
from tests.manage_tour import PAGES, furnish, take_tour, tour_clock

pytestmark = needs_chromium


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_the_tour_writes_each_page_at_desktop_and_phone_width(tmp_path: Path) -> None:
    clock = tour_clock()
    with served(tmp_path / "hub", clock=clock) as (hub, url), chromium() as browser:
        ids = furnish(hub, clock, days=1)
        shots = take_tour(browser, url, tmp_path / "tour", ids)
    assert len(shots) == 2 * len(PAGES)
    for page in PAGES:
        desk = png_size(tmp_path / "tour" / f"{page.name}-desktop.png")
        phone = png_size(tmp_path / "tour" / f"{page.name}-phone.png")
        assert desk[0] == DESKTOP.width and desk[1] >= DESKTOP.height - 1, page.name
        # Nothing wider than the phone: tables scroll inside their box, not the page.
        assert phone[0] == PHONE.width and phone[1] >= PHONE.height - 1, page.name
