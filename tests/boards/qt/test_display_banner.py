"""The hall display's journeys: a new call fills the screen (请 A023号 到 3号窗口) for its
seconds and then gives way to the list, waiting counts come with estimated waits, and the clock
shows the date with weekday and the time without seconds, in the hall's zone. Time is driven
through the view's injectable clocks, never slept."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from boards.display_model import BANNER_SECONDS, DisplayModel
from boards.qt.display import DisplayView
from tests.boards.board_fakes import wire_queue, wire_ticket, wire_window

SHANGHAI = ZoneInfo("Asia/Shanghai")
CATEGORIES = {"A": "户籍业务", "B": "人社业务"}


def _called(number: str, window: int, ticket_id: str) -> dict[str, object]:
    ticket = wire_ticket(number, id=ticket_id, category="A", status="called", call_count=1)
    return {"ticket": ticket, "window": window}


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768), (3840, 2160)])
def test_a_new_call_fills_the_screen_for_its_seconds_then_gives_way_to_the_list(
    qtbot: QtBot, size: tuple[int, int]
) -> None:
    clock = [500.0]
    model = DisplayModel(
        hall="示例镇便民服务中心", categories=CATEGORIES, monotonic=lambda: clock[0]
    )
    view = DisplayView(zone=SHANGHAI)
    qtbot.addWidget(view)
    view.now = lambda: clock[0]
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    view.show_state(model.state)
    assert not view.banner.isVisible()  # nothing called yet: the list

    model.apply("ticket.called", _called("A023", 3, "t1"))
    clock[0] += 1.0
    view.show_state(model.state)
    assert view.banner.isVisible()
    assert view.banner.text() == "请 A023号 到 3号窗口"
    assert "请 A023号 到 3号窗口" in view.visible_text()
    # Large enough to read across the hall, all of it on the screen, the window not grown.
    assert view.banner.font().pixelSize() >= size[1] * 0.12
    shown = view.banner.fontMetrics().horizontalAdvance(view.banner.text())
    assert shown <= view.banner.width() <= size[0]
    assert view.banner.geometry().bottom() < size[1]
    assert (view.width(), view.height()) == size

    clock[0] += BANNER_SECONDS - 1.5  # still within its seconds
    view._tick()
    assert view.banner.isVisible()

    clock[0] += 1.0  # its seconds are over: the list again, the call at its top
    view._tick()
    assert not view.banner.isVisible()
    assert view.call_cells[0][0].text() == "A023"
    assert view.call_cells[0][1].text() == "3号窗口"
    assert "请 A023号" not in view.visible_text()
    assert (view.width(), view.height()) == size


def test_a_call_found_in_a_snapshot_is_listed_without_a_banner(qtbot: QtBot) -> None:
    model = DisplayModel(categories=CATEGORIES, monotonic=lambda: 500.0)
    windows = [wire_window(2, status="serving", current=wire_ticket("B011", id="t9"))]
    model.resync(windows, wire_queue({}))
    view = DisplayView(zone=SHANGHAI)
    qtbot.addWidget(view)
    view.now = lambda: 500.5
    view.resize(1366, 768)
    view.show_state(model.state)
    assert view.call_cells[0][0].text() == "B011"
    assert not view.banner.isVisibleTo(view)


def test_waiting_counts_show_the_hubs_estimated_waits_and_follow_the_count(
    qtbot: QtBot,
) -> None:
    model = DisplayModel(categories=CATEGORIES)
    queue = wire_queue(
        {"A": {"normal": 3}, "B": {"normal": 0}},
        categories={
            "A": {"waiting": 3, "estimated_wait_minutes": 12},
            "B": {"waiting": 0, "estimated_wait_minutes": 0},
        },
    )
    model.resync([], queue)
    view = DisplayView(zone=SHANGHAI)
    qtbot.addWidget(view)
    view.resize(1920, 1080)
    view.show_state(model.state)
    rows = {cat.text(): (cnt.text(), est.text()) for cat, cnt, est in view.wait_cells}
    assert rows["户籍业务"] == ("3人", "约12分钟")
    assert rows["人社业务"] == ("0人", "")  # nobody waits: no estimate
    assert "约12分钟" in view.visible_text()

    # A fourth ticket before the next snapshot: its wait follows the hub's rate (4 min a head).
    model.apply("ticket.issued", {"ticket": wire_ticket("A004")})
    view.show_state(model.state)
    assert view.wait_cells[0][1].text() == "4人"
    assert view.wait_cells[0][2].text() == "约16分钟"


def test_the_clock_shows_date_weekday_and_minutes_in_the_halls_zone(qtbot: QtBot) -> None:
    view = DisplayView(zone=SHANGHAI)
    qtbot.addWidget(view)
    view.wall = lambda: datetime(2026, 12, 7, 10, 26, 59, tzinfo=SHANGHAI)
    view._tick()
    assert view.clock.text() == "12月7日 星期一 10:26"  # appkit.style.clock_text, no seconds
