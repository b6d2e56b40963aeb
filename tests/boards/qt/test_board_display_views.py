"""The Qt window board and hall display against a real hub (pytest-qt): a call shows on both,
two simultaneous calls are both listed, names are masked, tours draw every screen."""

from __future__ import annotations

import gc
import os
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from appkit.style import clock_text
from boards.board_model import BoardModel
from boards.display_model import MAX_CALLS, Call, DisplayModel, DisplayState
from boards.feed import HubFeed
from boards.qt.app import tour
from boards.qt.board import BoardView, StateBridge
from boards.qt.display import DisplayView
from boards.session import BoardSession, DisplaySession
from config import sample_hall
from hub.client import HubClient
from tests.boards.board_fakes import FULL_NAME, ID_NUMBER, hall_tokens
from tests.hub.hubapp import served
from tests.timing import PATIENCE, PATIENCE_MS, wait_for

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the QApplication

# A feed's thread calling into a view's bridge after it was deleted ("Signal source has been
# deleted") is a bug in who stops what first, never noise.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")


def test_board_and_display_show_calls_from_a_real_hub(qtbot: QtBot, tmp_path: Path) -> None:
    config = sample_hall()
    with served(tmp_path / "hub") as (hub, url):
        hall = hall_tokens(url, hub.admin_token_path.read_text().strip())
        board_view, display_view = BoardView(), DisplayView()
        qtbot.addWidget(board_view)
        qtbot.addWidget(display_view)
        bridges = StateBridge(), StateBridge()
        bridges[0].changed.connect(board_view.show_state)
        bridges[1].changed.connect(display_view.show_state)
        names = {c.code: c.name for c in config.categories}
        board = BoardSession(BoardModel(1, categories=names), bridges[0].changed.emit)
        display = DisplaySession(
            DisplayModel(hall=config.hall.name, notice=config.hall.notice, categories=names),
            bridges[1].changed.emit,
        )
        feeds = [
            HubFeed(HubClient(url, hall.board_token), board, window=1),
            HubFeed(HubClient(url, hall.display_token), display),
        ]
        for feed in feeds:
            feed.start()
        try:
            qtbot.waitUntil(lambda: all(f.connected for f in feeds), timeout=PATIENCE_MS)
            hall.kiosk.issue_ticket(category="B", id_card={"number": ID_NUMBER, "name": FULL_NAME})
            hall.kiosk.issue_ticket(category="A")
            barrier = threading.Barrier(2)
            numbers: dict[int, str] = {}

            def call(window: int) -> None:
                barrier.wait()
                ticket = hall.counters[window].call_next(window)
                assert ticket is not None
                numbers[window] = ticket.number

            threads = [threading.Thread(target=call, args=(w,)) for w in (1, 2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(PATIENCE)
            qtbot.waitUntil(lambda: board_view.number.text() == numbers[1], timeout=PATIENCE_MS)
            qtbot.waitUntil(
                lambda: all(n in display_view.visible_text() for n in numbers.values()),
                timeout=PATIENCE_MS,
            )
            board_text = board_view.visible_text()
            assert "1号窗口" in board_text and "办理中" in board_text and "张*三" in board_text
            assert "人社业务" in board_text  # window 1's items by name
            shown = display_view.visible_text()
            assert "1号窗口" in shown and "2号窗口" in shown and config.hall.notice in shown
            for text in (board_text, shown):
                assert ID_NUMBER not in text and FULL_NAME not in text

            hall.counters[2].finish(2)
            hall.counters[1].finish(1)
            qtbot.waitUntil(
                lambda: board_view.rating_box.isVisibleTo(board_view), timeout=PATIENCE_MS
            )
            assert "请对本次服务进行评价" in board_view.visible_text()
            hall.counters[1].pause(1, "系统维护")
            qtbot.waitUntil(
                lambda: "暂停服务（系统维护）" in board_view.visible_text(), timeout=PATIENCE_MS
            )
        finally:
            for feed in feeds:
                feed.stop()
        # The views' bridges go first, while a feed's thread may still be in a stream read…
        del bridges, board, display
        gc.collect()
    # …which ends with the hub: a stopped feed must not signal a deleted bridge then.
    wait_for(lambda: not any(feed.running for feed in feeds), "the feeds' threads ending")


def test_tours_draw_every_board_and_display_screen_at_every_size(
    qtbot: QtBot, tmp_path: Path
) -> None:
    boards = tour(sample_hall(), tmp_path, "board")
    displays = tour(sample_hall(), tmp_path, "display")
    names = {p.name for p in boards + displays}
    for size in ("1920x1080", "1366x768", "3840x2160"):
        for screen in ("idle", "serving", "paused", "rating", "ab-clerk"):
            assert f"board-{screen}-{size}.png" in names
        assert {f"display-{size}.png", f"display-banner-{size}.png"} <= names
    assert all(p.stat().st_size > 10_000 for p in boards + displays)


def test_the_display_clock_shows_the_halls_time_whatever_the_boxs_zone(qtbot: QtBot) -> None:
    # Two zones 13 hours apart: the day and hour shown must be the hall's, not the machine's.
    for zone in (ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")):
        view = DisplayView(zone=zone)
        qtbot.addWidget(view)
        before = clock_text(datetime.now(zone))
        view._tick()
        after = clock_text(datetime.now(zone))
        assert view.clock.text() in (before, after)


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768), (3840, 2160)])
def test_a_full_display_keeps_its_screen_size_and_leaves_out_the_rows_that_do_not_fit(
    qtbot: QtBot, size: tuple[int, int]
) -> None:
    # A late afternoon: every call row taken, a long list of queues. The display's fonts follow
    # its height, so a window that grew to fit its rows would grow without end.
    calls = tuple(
        Call(f"A{n:03d}", n % 9 + 1, "call", (f"t{n}", 1, 0), 0.0) for n in range(MAX_CALLS, 0, -1)
    )
    waiting = tuple((f"Q{n}", f"第{n}类业务", n) for n in range(1, 31))
    view = DisplayView(zone=ZoneInfo("Asia/Shanghai"))
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    view.show_state(DisplayState("示例镇便民服务中心", "请排队", calls, waiting, True))
    for _ in range(5):  # several passes of the event loop: a growing window would grow on each
        qtbot.wait(20)
        view.show_state(view.state or DisplayState())
    assert (view.width(), view.height()) == size
    shown = [label for label in view.findChildren(QLabel) if label.isVisibleTo(view)]
    for label in shown:
        bottom = label.mapTo(view, label.rect().bottomLeft()).y()
        assert bottom < size[1], f"{label.text()!r} drawn below the screen ({bottom} px)"
    texts = [label.text() for label in shown]
    assert "A008" in texts  # the newest call always stays
    assert "第1类业务" in texts
    assert "第30类业务" not in texts  # 30 queues do not fit: the last are left out
