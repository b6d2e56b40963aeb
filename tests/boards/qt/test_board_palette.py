"""The boards and the hall display use one palette (appkit.style.BOARD), in Qt and on the web."""

from __future__ import annotations

import re
from pathlib import Path

from appkit.style import BOARD, contrast_ratio

ROOT = Path(__file__).resolve().parents[3]
COLOUR = re.compile(r"#[0-9a-fA-F]{6}\b")


def test_every_colour_of_the_web_boards_is_one_of_the_board_palette() -> None:
    css = (ROOT / "hub" / "static" / "board.css").read_text(encoding="utf-8")
    used = {colour.lower() for colour in COLOUR.findall(css)}
    assert used, "board.css names no colours"
    assert used <= BOARD.colours(), f"not in appkit.style.BOARD: {sorted(used - BOARD.colours())}"


def test_the_qt_boards_name_no_colour_of_their_own() -> None:
    for name in ("board.py", "display.py"):
        source = (ROOT / "boards" / "qt" / name).read_text(encoding="utf-8")
        assert not COLOUR.findall(source), f"boards/qt/{name} has colours outside BOARD"


def test_board_texts_are_readable_across_a_hall() -> None:
    pairs = [
        (BOARD.text, BOARD.background),
        (BOARD.accent, BOARD.background),
        (BOARD.soft, BOARD.background),
        (BOARD.background, BOARD.accent),  # the fresh call and the banner
        (BOARD.text, BOARD.band),
        (BOARD.rating_text, BOARD.rating_back),
        (BOARD.text, BOARD.offline),
    ]
    for text, back in pairs:
        assert contrast_ratio(text, back) >= 4.5, (text, back, contrast_ratio(text, back))
