"""``hall counter --tour DIR`` renders every screen to a PNG."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from counter.qt.tour import SCREENS, render_tour


def test_the_tour_renders_every_screen(tmp_path: Path, qtbot: QtBot) -> None:
    files = render_tour(tmp_path)
    assert [f.stem.split("-", 1)[1] for f in files] == list(SCREENS)
    for path in files:
        image = QImage(str(path))
        assert image.width() >= 300 and image.height() >= 200, path
