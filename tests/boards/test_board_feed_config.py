"""A Qt board and the hall display follow the manager's console edits through the event
stream (config.applied): the window's name and unit, the phones and the notice line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from boards.board_model import BoardModel, BoardState
from boards.display_model import DisplayModel, DisplayState
from boards.feed import HubFeed
from boards.session import BoardSession, DisplaySession
from hub.actors import Actor
from hub.client import HubClient
from tests.boards.board_fakes import hall_tokens
from tests.hub.hubapp import served
from tests.timing import wait_for


def test_a_board_and_the_display_show_console_edits_without_a_restart(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (hub, url):
        hall = hall_tokens(url, hub.admin_token_path.read_text().strip())
        displayed: list[DisplayState] = []
        boarded: list[BoardState] = []
        display = DisplaySession(DisplayModel(notice="旧通知"), displayed.append)
        board = BoardSession(BoardModel(1, phone="旧电话"), boarded.append)
        feeds = [
            HubFeed(HubClient(url, hall.display_token), display),
            HubFeed(HubClient(url, hall.board_token), board, window=1),
        ]
        for feed in feeds:
            feed.start()
        try:
            wait_for(lambda: all(f.connected for f in feeds))
            seq = hub.engine.last_seq()

            def edit(data: dict[str, Any]) -> None:
                data["windows"][0]["unit"] = "区不动产登记中心"
                data["hall"]["phone"] = "0752-1234567"
                data["hall"]["supervision_phone"] = "0752-7654321"
                data["hall"]["notice"] = "本周六上午延时服务"

            hub.book.edit(Actor("zhang", "manager", "session"), edit, "改单位、电话和通知")
            wait_for(lambda: all(f.last_seq > seq for f in feeds), "both feeds hearing the edit")
            wait_for(lambda: board.state.unit == "区不动产登记中心", "the board's new unit")
            wait_for(lambda: board.state.phone == "0752-1234567", "the board's new phone")
            assert board.state.supervision_phone == "0752-7654321"
            wait_for(lambda: display.state.notice == "本周六上午延时服务", "the display's notice")
        finally:
            for feed in feeds:
                feed.stop()
