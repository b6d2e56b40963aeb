"""A window board shows the hall's phones when configured (咨询电话, 监督电话), and ``hall board
--tour`` / ``hall display --tour`` draw the hall of ``--config`` at the window of ``--window``
or ``--box``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import tomli_w
from pytestqt.qtbot import QtBot

import boards.qt.app as board_app
from boards.board_model import BoardModel
from boards.qt.board import BoardView
from config.sample import sample_hall_data
from hall.cli import main
from tests.boards.board_fakes import wire_window


def _board(qtbot: QtBot, model: BoardModel) -> BoardView:
    view = BoardView()
    qtbot.addWidget(view)
    view.resize(1920, 1080)
    view.show_state(model.state)
    return view


def test_a_board_shows_the_supervision_and_hall_phones_when_configured(qtbot: QtBot) -> None:
    model = BoardModel(3, name="综合窗口", phone="0519-88001234", supervision_phone="12345")
    shown = _board(qtbot, model).visible_text()
    assert "监督电话 12345" in shown
    assert "咨询电话 0519-88001234" in shown
    # The phones stay after the hub's window state replaces the rest.
    model.resync(wire_window(3, name="综合窗口"))
    assert "监督电话 12345" in _board(qtbot, model).visible_text()


def test_a_board_shows_no_phone_line_when_none_is_configured(qtbot: QtBot) -> None:
    shown = _board(qtbot, BoardModel(3, name="综合窗口")).visible_text()
    assert "电话" not in shown


@pytest.fixture
def tours(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, str, int | None]]:
    """The tours the CLI asked for: (config, which, window), drawn for real."""
    asked: list[tuple[Any, str, int | None]] = []
    real = board_app.tour

    def recording(config: Any, out: Path, which: str, window: int | None = None) -> list[Path]:
        asked.append((config, which, window))
        return real(config, out, which, window)

    monkeypatch.setattr(board_app, "tour", recording)
    for name in ("HALLKIT_CONFIG", "HALLKIT_BOX", "HALLKIT_HUB", "HALLKIT_TOKEN", "HALLKIT_DATA"):
        monkeypatch.delenv(name, raising=False)
    return asked


def test_the_board_and_display_tours_draw_the_configured_hall_and_window(
    qtbot: QtBot, tmp_path: Path, tours: list[tuple[Any, str, int | None]]
) -> None:
    data = sample_hall_data()
    data["hall"]["name"] = "测试县政务服务中心"
    data["hall"]["supervision_phone"] = "0519-12345"
    data["devices"] = {"board-7": {"role": "board", "window": 7}}
    config = tmp_path / "hall.toml"
    config.write_bytes(tomli_w.dumps(data).encode())
    common = ["--config", str(config), "--data", str(tmp_path / "data")]

    assert main(["board", *common, "--box", "board-7", "--tour", str(tmp_path / "b")]) == 0
    assert main(["board", *common, "--window", "2", "--tour", str(tmp_path / "w")]) == 0
    assert main(["display", *common, "--tour", str(tmp_path / "d")]) == 0
    assert [(c.hall.name, which, window) for c, which, window in tours] == [
        ("测试县政务服务中心", "board", 7),
        ("测试县政务服务中心", "board", 2),
        ("测试县政务服务中心", "display", None),
    ]
    states = board_app.board_tour_states(tours[0][0], 7)
    assert {state.window for state, _ in states.values()} == {7}
    assert {state.supervision_phone for state, _ in states.values()} == {"0519-12345"}
    assert (tmp_path / "b" / "board-serving-1366x768.png").exists()
    assert (tmp_path / "d" / "display-banner-1920x1080.png").exists()
