"""The hall display (PySide6): a new call full-screen for a few seconds (请 A023号 到 3号窗口),
then the latest calls with the new one highlighted, waiting counts and estimated waits per
category, a scrolling notice and the date and time (the apps' one clock format, hall zone). A
thin view of a DisplayState, like the web display (hub/static/display.html)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, tzinfo

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QVBoxLayout,
    QWidget,
)

from appkit.style import BOARD, clock_text
from boards.display_model import MAX_CALLS, Call, DisplayState
from boards.qt.board import ACCENT, BACKGROUND, BAND, SOFT, named
from hub.board_texts import text

NOTICE_PIXELS_PER_SECOND = 120.0


class Marquee(QWidget):
    """One line of text scrolling right to left, forever: a label moved across a clipping band
    (Qt draws both; no painting of our own, which crashed PySide6 when a view was torn down)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.text = ""
        self.offset = 0.0
        self.label = QLabel(self)
        self.label.setObjectName("notice_text")
        self.label.setAlignment(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
        self._last = time.monotonic()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._step)
        self._timer.start(30)

    def set_text(self, value: str) -> None:
        if value != self.text:
            self.text = value
            self.offset = 0.0
            self.label.setText(value)
            self._place()

    def _step(self) -> None:
        now = time.monotonic()
        self.offset += (now - self._last) * NOTICE_PIXELS_PER_SECOND
        self._last = now
        self._place()

    def _place(self) -> None:
        width = self.label.sizeHint().width()
        span = self.width() + width
        x = self.width() - (self.offset % span) if span else 0
        self.label.setGeometry(int(x), 0, width, self.height())


class DisplayView(QWidget):
    """Renders DisplayState values; ``render`` on the GUI thread; the clock ticks by itself."""

    def __init__(self, parent: QWidget | None = None, zone: tzinfo | None = None) -> None:
        super().__init__(parent)
        self.zone = zone  # the hall's time zone: the box's own may be UTC
        self.setObjectName("display")
        self.setAutoFillBackground(True)
        self.state: DisplayState | None = None
        self.now = time.monotonic  # replaced by tours and tests: the highlight and the banner
        self.wall: Callable[[], datetime] = self._hall_time  # the clock's time (tests fix it)
        self.hall = named(QLabel(), "hall")
        self.clock = named(QLabel(), "clock")
        head = self.head = named(QFrame(), "head")
        head_row = QHBoxLayout(head)
        head_row.addWidget(self.hall, 1)
        head_row.addWidget(self.clock)

        self.calls_title = named(QLabel(), "title")
        self.call_grid = QGridLayout()
        self.call_grid.setSpacing(0)
        self.call_cells: list[tuple[QLabel, QLabel]] = []
        header = (named(QLabel(), "th"), named(QLabel(), "th"))
        self.call_grid.addWidget(header[0], 0, 0)
        self.call_grid.addWidget(header[1], 0, 1)
        self.headers = header
        for row in range(1, MAX_CALLS + 1):
            cells = (named(QLabel(), "num"), named(QLabel(), "win"))
            self.call_grid.addWidget(cells[0], row, 0)
            self.call_grid.addWidget(cells[1], row, 1)
            self.call_cells.append(cells)
        calls = self.calls_column = QVBoxLayout()
        calls.addWidget(self.calls_title)
        calls.addLayout(self.call_grid)
        calls.addStretch(1)

        self.waiting_title = named(QLabel(), "title")
        self.wait_grid = QGridLayout()
        self.wait_grid.setSpacing(0)
        self.wait_cells: list[tuple[QLabel, QLabel, QLabel]] = []
        waiting = self.waiting_column = QVBoxLayout()
        waiting.addWidget(self.waiting_title)
        waiting.addLayout(self.wait_grid)
        waiting.addStretch(1)

        self.body = QHBoxLayout()
        self.body.addLayout(calls, 2)
        self.body.addLayout(waiting, 1)
        self.notice = Marquee()
        self.offline = named(QLabel(), "offline")

        page = self.page = QVBoxLayout(self)
        # The display is the screen's size, never what its rows ask for: its fonts follow its
        # height, so a window that grew with its rows would grow without end (it once tried to
        # draw 2.5 TB). Rows that do not fit are left out instead (_fit).
        page.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        page.setContentsMargins(0, 0, 0, 0)
        page.setSpacing(0)
        page.addWidget(head)
        page.addLayout(self.body, 1)
        page.addWidget(self.offline)
        page.addWidget(self.notice)
        # The banner lies over the page, outside its layout: it can never make the window grow.
        self.banner = named(QLabel(self), "banner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.hide()
        self._ticker = QTimer(self)
        self._ticker.timeout.connect(self._tick)
        self._ticker.start(1000)
        self._styled_for = -1.0  # the height unit the style sheet was made for
        self._restyle()
        self._tick()

    def show_state(self, state: DisplayState) -> None:
        """Show ``state``."""
        self.state = state
        self.hall.setText(state.hall)
        self.notice.set_text(state.notice)
        self.calls_title.setText(text("display_calls"))
        self.headers[0].setText(text("display_number"))
        self.headers[1].setText(text("display_window"))
        self.waiting_title.setText(text("display_waiting"))
        now = self.now()
        for index, (num, win) in enumerate(self.call_cells):
            call = state.calls[index] if index < len(state.calls) else None
            num.setText(call.number if call else (text("display_no_calls") if index == 0 else ""))
            win.setText(text("window_label", n=call.window) if call else "")
            fresh = call is not None and state.fresh(call, now)
            for cell in (num, win):
                cell.setVisible(call is not None or index == 0)
                _set_style_property(cell, "fresh", fresh)
                _set_style_property(cell, "empty", call is None)
        while len(self.wait_cells) < len(state.waiting):
            row = len(self.wait_cells)
            cells = (named(QLabel(), "cat"), named(QLabel(), "cnt"), named(QLabel(), "est"))
            for column, cell in enumerate(cells):
                self.wait_grid.addWidget(cell, row, column)
            self.wait_cells.append(cells)
        for index, (cat, cnt, est) in enumerate(self.wait_cells):
            entry = state.waiting[index] if index < len(state.waiting) else None
            minutes = state.estimate(entry[0]) if entry else None
            cat.setText(entry[1] if entry else "")
            cnt.setText(text("waiting_count", count=entry[2]) if entry else "")
            est.setText(text("waiting_estimate", minutes=minutes) if minutes else "")
            for cell in (cat, cnt, est):
                cell.setVisible(entry is not None)
        self.offline.setText(text("offline"))
        self.offline.setVisible(not state.connected)
        self._restyle()
        self._fit()
        self._show_banner(state.banner(now))

    def _show_banner(self, call: Call | None) -> None:
        """Lay the banner over everything below the head, its one line as large as fits."""
        if call is None:
            self.banner.hide()
            return
        line = text("banner_call", number=call.number, window=call.window)
        self.banner.setText(line)
        top = self.head.height() or self.head.sizeHint().height()  # before the first layout
        height = max(1, self.height() - top)
        font = QFont(self.font())
        font.setBold(True)
        size = max(12, int(height * 0.4))
        font.setPixelSize(size)
        while size > 12 and QFontMetrics(font).horizontalAdvance(line) > self.width() * 0.92:
            size = int(size * 0.92)
            font.setPixelSize(size)
        self.banner.setFont(font)
        self.banner.setGeometry(0, top, self.width(), height)
        self.banner.show()
        self.banner.raise_()

    def _fit(self) -> None:
        """Leave out the rows that do not fit the display's height: the oldest calls first (the
        newest always stays), then the last waiting rows, whichever column is the taller."""
        calls = [cells for cells in self.call_cells if not cells[0].isHidden()][1:]
        waits = [cells for cells in self.wait_cells if not cells[0].isHidden()]
        nested = (
            self.call_grid,
            self.wait_grid,
            self.calls_column,
            self.waiting_column,
            self.body,
            self.page,
        )
        while calls or waits:
            for layout in nested:  # innermost first: each caches what its items need
                layout.invalidate()
            if self.page.minimumSize().height() <= self.height():
                return
            taller_calls = (
                self.calls_column.minimumSize().height()
                >= self.waiting_column.minimumSize().height()
            )
            row = calls.pop() if (taller_calls and calls) or not waits else waits.pop()
            for cell in row:
                cell.setVisible(False)

    def visible_text(self) -> str:
        """Every text the display shows now, the notice included (for tests)."""
        if self.banner.isVisibleTo(self):  # it covers the lists
            head = (self.hall.text(), self.clock.text(), self.banner.text())
            return "\n".join([*head, self.notice.text])
        labels = [
            label
            for label in self.findChildren(QLabel)
            if label.isVisibleTo(self) and label is not self.notice.label
        ]
        return "\n".join([label.text() for label in labels if label.text()] + [self.notice.text])

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.state is not None:
            self.show_state(self.state)  # restyles, and fits the rows to the new height
        else:
            self._restyle()

    def _hall_time(self) -> datetime:
        now = datetime.now(self.zone)
        return now if self.zone is not None else now.astimezone()

    def _tick(self) -> None:
        self.clock.setText(clock_text(self.wall()))
        if self.state is not None and self.state.calls:
            self.show_state(self.state)  # the highlight and the banner end by time

    def _restyle(self) -> None:
        h = max(300, self.height()) / 100
        if h == self._styled_for:
            return
        self._styled_for = h
        font = QFont(self.font())
        font.setPixelSize(int(5 * h))
        self.notice.setFont(font)
        self.notice.setFixedHeight(int(9 * h))
        self.body.setContentsMargins(int(3 * h), int(2 * h), int(3 * h), int(h))
        self.body.setSpacing(int(4 * h))
        self.setStyleSheet(
            f"""
            QWidget#display {{ background: {BACKGROUND}; }}
            QLabel {{ color: white; }}
            QWidget#notice {{ background: {BAND}; }}
            QLabel#notice_text {{ font-size: {int(5 * h)}px; }}
            QFrame#head {{ background: {BAND}; padding: {int(h)}px {int(2 * h)}px; }}
            QLabel#hall {{ color: {ACCENT}; font-size: {int(6 * h)}px; font-weight: bold; }}
            QLabel#clock {{ font-size: {int(4.5 * h)}px; }}
            QLabel#title {{ color: {SOFT}; font-size: {int(4.2 * h)}px;
                border-bottom: {max(1, int(0.3 * h))}px solid {BOARD.rule};
                padding-bottom: {int(h)}px; }}
            QLabel#th {{ color: {SOFT}; font-size: {int(3.4 * h)}px; padding: {int(0.6 * h)}px; }}
            QLabel#num, QLabel#win {{ font-size: {int(6.4 * h)}px; font-weight: bold;
                padding: {int(0.2 * h)}px {int(h)}px; }}
            QLabel#num[fresh="true"], QLabel#win[fresh="true"] {{ background: {ACCENT};
                color: {BACKGROUND}; }}
            QLabel#num[empty="true"] {{ font-size: {int(4 * h)}px; color: {BOARD.empty};
                font-weight: normal; }}
            QLabel#cat, QLabel#cnt {{ font-size: {int(3.8 * h)}px; padding: {int(0.9 * h)}px;
                border-bottom: {max(1, int(0.2 * h))}px solid {BOARD.row_rule}; }}
            QLabel#cnt {{ color: {ACCENT}; qproperty-alignment: AlignRight; }}
            QLabel#offline {{ background: {BOARD.offline}; font-size: {int(3 * h)}px;
                padding: {int(0.6 * h)}px; qproperty-alignment: AlignCenter; }}
            QLabel#banner {{ background: {ACCENT}; color: {BACKGROUND}; }}
            QLabel#est {{ color: {SOFT}; font-size: {int(3.2 * h)}px; padding: {int(0.9 * h)}px;
                border-bottom: {max(1, int(0.2 * h))}px solid {BOARD.row_rule};
                qproperty-alignment: 'AlignRight | AlignVCenter'; }}
            """
        )


def _set_style_property(widget: QWidget, name: str, value: bool) -> None:
    """Set a property the style sheet selects on, and restyle ``widget`` if it changed."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
