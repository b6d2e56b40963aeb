"""The hall apps' font: the first installed of ``appkit.style.FONT_FAMILIES``, set on the
QApplication once, and ``QFont`` objects sized in pixels (independent of the screen's DPI)."""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from appkit.style import FONT_FAMILIES, choose_family

log = logging.getLogger(__name__)


def family() -> str:
    """The CJK family to draw with (needs a QGuiApplication)."""
    return choose_family(QFontDatabase.families())


def install(app: QApplication, point_size: int | None = None) -> str:
    """Set the hall font on ``app`` (so Chinese is drawn as text whatever the system default
    is) and return its family; logs a warning when none of the preferred families is there."""
    chosen = family()
    if chosen not in QFontDatabase.families():
        log.warning("none of the fonts %s is installed: Chinese may show as boxes", FONT_FAMILIES)
    font = QFont(chosen)
    if point_size is not None:
        font.setPointSize(point_size)
    app.setFont(font)
    return chosen


def pixel_font(px: int, bold: bool = False, family_name: str | None = None) -> QFont:
    """The hall font at ``px`` pixels; ``bold`` uses the family's real Bold weight where it has
    one (Noto Sans CJK does)."""
    font = QFont(family_name or family())
    font.setPixelSize(max(1, px))
    font.setWeight(QFont.Weight.Bold if bold else QFont.Weight.Normal)
    return font
