"""One QApplication per process for every hall app (kiosk, board, display, and all of them at
once in ``hall demo``)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from appkit import fonts
from appkit.collector import collect_on_gui_thread

APP_FONT = "WenQuanYi Micro Hei"  # the application-wide default (see make_application)


def make_application(argv: Sequence[str] = (), *, hall_font: bool = False) -> QApplication:
    """The QApplication (created once; later calls return the same one) with a CJK font set
    explicitly, so Chinese is drawn as text whatever the system's default font is. The apps'
    own texts use pixel fonts of the hall family (``appkit.fonts``: Noto Sans CJK SC with its
    real Bold, else WenQuanYi); the application-wide default stays WenQuanYi Micro Hei where
    installed, because every other widget of a process (the demo runs the whole hall in one)
    laid out in Noto Sans CJK made it several times slower. ``hall_font``: the hall family is
    the default instead (the counter, alone on its PC, draws its widgets' text in it). Python's
    cyclic collector runs on the GUI thread only (``appkit.collector``): hub calls and event
    feeds run on other threads."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(list(argv) or [sys.argv[0]])
    collect_on_gui_thread(app)
    if APP_FONT in QFontDatabase.families() and not hall_font:
        app.setFont(QFont(APP_FONT))
    else:
        fonts.install(app)
    return app
