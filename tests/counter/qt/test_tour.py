"""``hall counter --tour DIR`` renders every screen to a PNG, at each counter screen size, and
every screen fits its screen: nothing is pushed off it and no key or choice is cut short."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from counter.qt.tour import SCREENS, SIZES, render_tour


def test_the_tour_renders_every_screen_at_each_counter_size(tmp_path: Path, qtbot: QtBot) -> None:
    files = render_tour(tmp_path)
    expected = [f"{name}-{w}x{h}" for w, h in SIZES for name in SCREENS]
    assert [f.stem.split("-", 1)[1] for f in files] == expected
    for path in files:
        image = QImage(str(path))
        width, height = (int(n) for n in path.stem.rsplit("-", 1)[1].split("x"))
        if "dialog" in path.stem:  # a dialog fits on its counter's screen
            assert image.width() <= width and image.height() <= height, path
        else:  # a screen is exactly its screen: nothing grew past it
            assert (image.width(), image.height()) == (width, height), path
