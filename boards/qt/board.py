"""The window board on the window's screen (PySide6): a thin view of a BoardState.

It shows what the web board shows (hub/static/board.html), sized from the screen's height so
that one layout fits a 1920×1080 TV and a small 1366×768 monitor.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPixmap, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from appkit.style import BOARD
from boards.board_model import BoardState
from hub.board_texts import text

BACKGROUND = BOARD.background
BAND = BOARD.band
ITEMS_BAND = BOARD.items_band
ACCENT = BOARD.accent
SOFT = BOARD.soft
STATUS_COLOURS = {"serving": BOARD.serving, "paused": BOARD.paused, "idle": BOARD.idle}


class StateBridge(QObject):
    """Carries states from a feed's thread to the GUI thread (queued signal)."""

    changed = Signal(object)
    photo = Signal(str, object)


def placeholder_photo(width: int, height: int) -> QPixmap:
    """A neutral silhouette for a clerk without a photo."""
    pixmap = QPixmap(width, height)
    pixmap.fill(QColor(BOARD.photo_back))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(BOARD.photo_figure))
    painter.drawEllipse(QRectF(width * 0.29, height * 0.14, width * 0.42, height * 0.34))
    painter.drawRoundedRect(
        QRectF(width * 0.12, height * 0.6, width * 0.76, height * 0.5), width * 0.3, width * 0.3
    )
    painter.end()
    return pixmap


W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str) -> W:
    widget.setObjectName(name)
    return widget


def _label(name: str, parent: QWidget | None = None) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def phones_text(state: BoardState) -> str:
    """The board's phone lines (咨询电话 above 监督电话), each only when configured."""
    lines = [
        text(key, phone=phone)
        for key, phone in (
            ("hall_phone", state.phone),
            ("supervision_phone", state.supervision_phone),
        )
        if phone
    ]
    return "\n".join(lines)


class BoardView(QWidget):
    """Renders BoardState values; call ``render`` (GUI thread) whenever the state changes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("board")
        self.setAutoFillBackground(True)
        self._photo_data: bytes | None = None
        self.state: BoardState | None = None

        self.winno = _label("winno")
        self.name = _label("name")
        self.unit = _label("unit")
        self.items = _label("items")
        self.photo = _label("photo")
        self.clerk_name = _label("clerk_name")
        self.clerk_no = _label("clerk_no")
        self.clerk_title = _label("clerk_title")
        self.status = _label("status")
        self.serving_label = _label("serving_label")
        self.number = _label("number")
        self.citizen = _label("citizen")
        self.rating = _label("rating")
        self.rating_hint = _label("rating_hint")
        self.offline = _label("offline")
        self.phones = _label("phones")
        for label in (self.name, self.unit):
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.items.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

        top = named(QFrame(), "top")
        top_row = QHBoxLayout(top)
        top_row.addWidget(self.winno)
        names = QVBoxLayout()
        names.addWidget(self.name)
        names.addWidget(self.unit)
        top_row.addLayout(names, 1)
        top_row.addWidget(self.phones)
        self.phones.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        clerk = QVBoxLayout()
        clerk.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignHCenter)
        clerk.addWidget(self.clerk_name)
        clerk.addWidget(self.clerk_no)
        clerk.addWidget(self.clerk_title)
        clerk.addStretch(1)
        serving = QVBoxLayout()
        serving.addWidget(self.status, 0, Qt.AlignmentFlag.AlignHCenter)
        serving.addWidget(self.serving_label)
        serving.addWidget(self.number)
        serving.addWidget(self.citizen)
        serving.addStretch(1)
        self.main = QHBoxLayout()
        self.main.addLayout(clerk, 1)
        self.main.addLayout(serving, 3)

        self.rating_box = named(QFrame(), "rating_box")
        rating = QVBoxLayout(self.rating_box)
        rating.addWidget(self.rating)
        rating.addWidget(self.rating_hint)
        self.rating_hint.setWordWrap(True)

        page = QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        page.setSpacing(0)
        page.addWidget(top)
        page.addWidget(self.items)
        page.addLayout(self.main, 1)
        page.addWidget(self.rating_box)
        page.addWidget(self.offline)
        self._restyle()

    # -- rendering ---------------------------------------------------------------------------

    def set_photo(self, data: bytes | None) -> None:
        """The clerk's photo file (JPEG/PNG bytes) or None for the placeholder."""
        self._photo_data = data
        self._draw_photo()

    def show_state(self, state: BoardState) -> None:
        """Show ``state``."""
        self.state = state
        self.winno.setText(text("window_label", n=state.window))
        self.name.setText(state.name)
        self.unit.setText(state.unit)
        self.items.setText(f"{text('items_label')}　{'、'.join(state.items)}")
        clerk = state.clerk
        self.clerk_name.setText(clerk.name if clerk else text("no_clerk"))
        self.clerk_no.setText(f"{text('clerk_label')} {clerk.number}" if clerk else "")
        self.clerk_title.setText(clerk.title if clerk else "")
        status = text(state.status_key)
        if state.status == "paused" and state.pause_reason:
            status += text("pause_reason", reason=state.pause_reason)
        self.status.setText(status)
        self.serving_label.setText(text("serving_label"))
        self.number.setText(state.serving or text("no_ticket"))
        self.number.setProperty("empty", not state.serving)
        self.citizen.setText(state.serving_name or "")
        asking = state.rating is not None
        self.rating_box.setVisible(asking or state.thanks_until is not None)
        self.rating.setText(text("rating_prompt") if asking else text("rating_thanks"))
        self.rating_hint.setText(text("rating_hint") if asking else "")
        self.rating_hint.setVisible(asking)
        self.offline.setText(text("offline"))
        self.offline.setVisible(not state.connected)
        self.phones.setText(phones_text(state))
        self.phones.setVisible(bool(self.phones.text()))
        self._restyle()
        self._draw_photo()

    def visible_text(self) -> str:
        """Every text the board shows now (for tests: privacy, content)."""
        labels = [label for label in self.findChildren(QLabel) if label.isVisibleTo(self)]
        return "\n".join(label.text() for label in labels if label.text())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._restyle()
        self._draw_photo()

    def _draw_photo(self) -> None:
        height = max(120, int(self.height() * 0.36))
        width = height * 3 // 4
        pixmap = QPixmap()
        if not (self._photo_data and pixmap.loadFromData(self._photo_data)):
            pixmap = placeholder_photo(width, height)
        self.photo.setFixedSize(width, height)
        self.photo.setPixmap(
            pixmap.scaled(
                width,
                height,
                Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def _restyle(self) -> None:
        h = max(300, self.height()) / 100  # 1 vh in pixels, as in board.css
        status = self.state.status if self.state else "idle"
        colour = STATUS_COLOURS.get(status, STATUS_COLOURS["idle"])
        self.main.setContentsMargins(int(3 * h), int(3 * h), int(3 * h), int(2 * h))
        self.setStyleSheet(
            f"""
            QWidget#board {{ background: {BACKGROUND}; }}
            QLabel {{ color: white; }}
            QFrame#top {{ background: {BAND}; }}
            QLabel#winno {{ color: {ACCENT}; font-size: {int(11 * h)}px; font-weight: bold;
                padding: 0 {int(3 * h)}px; }}
            QLabel#name {{ font-size: {int(6 * h)}px; font-weight: bold; }}
            QLabel#unit {{ font-size: {int(3.6 * h)}px; color: {SOFT}; }}
            QLabel#phones {{ font-size: {int(3.4 * h)}px; color: {SOFT};
                padding: 0 {int(3 * h)}px; }}
            QLabel#items {{ background: {ITEMS_BAND}; font-size: {int(3.4 * h)}px;
                padding: {int(1.6 * h)}px {int(3 * h)}px; color: {BOARD.unit}; }}
            QLabel#photo {{ border: {max(2, int(0.4 * h))}px solid white; }}
            QLabel#clerk_name {{ font-size: {int(5 * h)}px; font-weight: bold; }}
            QLabel#clerk_no, QLabel#clerk_title {{ font-size: {int(3.4 * h)}px; color: {SOFT}; }}
            QLabel#status {{ background: {colour}; font-size: {int(5 * h)}px;
                border-radius: {int(h)}px; padding: {int(0.6 * h)}px {int(4 * h)}px; }}
            QLabel#serving_label {{ font-size: {int(4 * h)}px; color: {SOFT};
                padding-top: {int(3 * h)}px; }}
            QLabel#number {{ font-size: {int(22 * h)}px; font-weight: bold; color: {ACCENT}; }}
            QLabel#number[empty="true"] {{ font-size: {int(8 * h)}px; color: {SOFT};
                padding: {int(7 * h)}px 0; }}
            QLabel#citizen {{ font-size: {int(5 * h)}px; }}
            QFrame#rating_box {{ background: {BOARD.rating_back}; border: {int(0.5 * h)}px solid {BOARD.rating_border};
                border-radius: {int(2 * h)}px; margin: 0 {int(6 * h)}px {int(4 * h)}px; }}
            QLabel#rating {{ color: {BOARD.rating_text}; font-size: {int(6 * h)}px; font-weight: bold; }}
            QLabel#rating_hint {{ color: {BOARD.rating_text}; font-size: {int(3.2 * h)}px; }}
            QLabel#offline {{ background: {BOARD.offline}; font-size: {int(3 * h)}px;
                padding: {int(0.6 * h)}px; }}
            """
        )
