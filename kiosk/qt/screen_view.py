"""One generic view that draws any ``Screen``: title, banners, lines in the screen's tone, the
big number with its caption and QR code, sections, the input field with the built-in keyboard,
choices grouped LIST (a grid), ROW (a short row), ACTION (big buttons) and NAV (back, pages,
home, elder mode), and the idle countdown.

``show(screen, metrics)`` rebuilds the widgets from scratch: the old ones are detached at once
(nothing personal stays findable among the window's children) and deleted by Qt later. Touches
come out as ``tapped(choice_id)`` and ``keyed(key)``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QScroller,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.app_model import ELDER, HOME, MORE_TIME
from kiosk.journeys.base import NAV_BACK, NAV_NEXT, NAV_PREV
from kiosk.journeys.screens import Choice, Group, Screen
from kiosk.qt.keyboard import Keyboard
from kiosk.qt.qr import qr_image
from kiosk.qt.style import FONT_FAMILY, Metrics, Palette


def font(metrics: Metrics, dp: float, bold: bool = False) -> QFont:
    """The kiosk font at ``dp`` (pixel-sized, so it does not depend on the screen's DPI)."""
    result = QFont(FONT_FAMILY)
    result.setPixelSize(metrics.px(dp))
    result.setBold(bold)
    return result


def stylesheet(metrics: Metrics) -> str:
    """Colours and corner radii of every widget kind, from the mode's palette."""
    p: Palette = metrics.palette
    radius = metrics.px(10)
    border = max(1, metrics.px(1))
    return f"""
    QWidget#screen {{ background: {p.background}; }}
    QFrame#header {{ background: {p.surface}; border-bottom: {border}px solid {p.nav}; }}
    QLabel {{ color: {p.text}; background: transparent; }}
    QLabel[role="muted"] {{ color: {p.muted}; }}
    QLabel[role="banner"] {{ background: {p.banner}; color: {p.on_banner};
        padding: {metrics.px(8)}px; border-radius: {radius}px; }}
    QLabel[role="big"] {{ color: {p.big}; }}
    QFrame#bigpanel, QFrame#section, QFrame#field {{ background: {p.surface};
        border-radius: {radius}px; }}
    QPushButton {{ border: none; border-radius: {radius}px; padding: {metrics.px(6)}px; }}
    QPushButton[group="list"] {{ background: {p.primary}; color: {p.on_primary}; }}
    QPushButton[group="list"] QLabel {{ color: {p.on_primary}; }}
    QPushButton[group="row"] {{ background: {p.row}; color: {p.on_row}; }}
    QPushButton[group="row"] QLabel {{ color: {p.on_row}; }}
    QPushButton[group="action"] {{ background: {p.action}; color: {p.on_action}; }}
    QPushButton[group="action"] QLabel {{ color: {p.on_action}; }}
    QPushButton[group="nav"] {{ background: {p.nav}; color: {p.on_nav}; }}
    QPushButton[group="nav"] QLabel {{ color: {p.on_nav}; }}
    QPushButton:disabled QLabel {{ color: {p.on_disabled}; }}
    QPushButton[kind="key"] {{ background: {p.key}; color: {p.on_key};
        border: {border}px solid {p.nav}; }}
    QPushButton:disabled {{ background: {p.disabled}; color: {p.on_disabled}; }}
    QPushButton:pressed {{ background: {p.on_row}; color: {p.on_primary}; }}
    QScrollArea {{ border: none; background: transparent; }}
    QScrollArea > QWidget > QWidget {{ background: transparent; }}
    """


def _label(text: str, f: QFont, role: str = "", colour: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setFont(f)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    if role:
        label.setProperty("role", role)
    if colour:
        label.setStyleSheet(f"color: {colour};")
    return label


class ScreenView(QWidget):
    """Draws one ``Screen`` at a time for a screen size and mode (``Metrics``)."""

    tapped = Signal(str)
    keyed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._content: QWidget | None = None
        self._sheet_for: Metrics | None = None
        self._sheet = ""
        self.shown: Screen | None = None

    def show_screen(self, screen: Screen, metrics: Metrics) -> None:
        """Replace what is drawn with ``screen``."""
        if self._sheet_for != metrics:
            self._sheet = stylesheet(metrics)
            self.setStyleSheet(self._sheet)
            self._sheet_for = metrics
        old = self._content
        if old is not None:
            old.hide()
            old.setParent(None)  # detached now, deleted later
            old.deleteLater()
        self.shown = screen
        self._content = _Builder(self, screen, metrics).build()
        # Set on the finished tree: widgets polished before they had this parent would keep
        # the wrong colours (labels inside buttons).
        self._content.setStyleSheet(self._sheet)
        self._layout.addWidget(self._content)
        self._content.show()  # a layout would only show it on the next event loop pass

    def buttons(self) -> list[QPushButton]:
        """Every button on the screen now (tests, the tour)."""
        if self._content is None:
            return []
        return self._content.findChildren(QPushButton)

    def button(self, choice_id: str) -> QPushButton | None:
        """The button of a choice (object name ``choice:ID``), or None."""
        if self._content is None:
            return None
        return self._content.findChild(QPushButton, f"choice:{choice_id}")


class _Builder:
    """Builds the widgets of one screen; one instance per ``show_screen``."""

    def __init__(self, view: ScreenView, screen: Screen, metrics: Metrics) -> None:
        self.view = view
        self.screen = screen
        self.m = metrics
        self.s = metrics.sizes
        self.p = metrics.palette

    def build(self) -> QWidget:
        m, s, screen = self.m, self.s, self.screen
        root = QWidget()
        outer = QVBoxLayout(root)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self._header())
        body = QWidget()
        column = QVBoxLayout(body)
        pad = m.px(16)
        column.setContentsMargins(pad, m.px(s.gap), pad, m.px(s.gap))
        column.setSpacing(m.px(s.gap))
        for banner in screen.banners:
            column.addWidget(_label(banner, font(m, s.body, True), "banner"))
        if screen.countdown is not None:
            column.addWidget(self._countdown())
        by_group: dict[Group, list[Choice]] = {g: [] for g in Group}
        for choice in screen.choices:
            if choice.id not in (HOME, ELDER, MORE_TIME):
                by_group[choice.group].append(choice)
        main = QWidget()
        main_column = QVBoxLayout(main)
        main_column.setContentsMargins(0, 0, 0, 0)
        main_column.setSpacing(m.px(s.gap))
        side: QVBoxLayout | None = None
        if m.landscape and (screen.input is not None or screen.big or screen.qr):
            split = QHBoxLayout()
            split.setSpacing(m.px(s.gap * 2))
            keyboard_side = screen.input is not None
            split.addWidget(main, (1 if m.elder else 4) if keyboard_side else 11)
            right = QWidget()
            side = QVBoxLayout(right)
            side.setContentsMargins(0, 0, 0, 0)
            side.setSpacing(m.px(s.gap))
            split.addWidget(right, (3 if m.elder else 5) if keyboard_side else 9)
            column.addLayout(split, 1)
        else:
            column.addWidget(main, 1)
        target = side if side is not None else main_column
        self._texts(main_column, target)
        if by_group[Group.LIST]:
            columns = m.columns
            if side is not None:  # beside the keyboard or the ticket: narrower
                columns = 1 if m.elder else 2
            # Above a keyboard the list buttons are as low as a touch target allows.
            tall = screen.input is None
            main_column.addWidget(self._grid(by_group[Group.LIST], Group.LIST, columns, tall))
        if by_group[Group.ROW]:
            main_column.addWidget(self._grid(by_group[Group.ROW], Group.ROW, m.columns + 1))
        main_column.addStretch(1)
        if screen.input is not None:
            target.addWidget(self._field())
            keyboard = Keyboard(screen.input.kind, m)
            keyboard.pressed.connect(self.view.keyed)
            target.addWidget(keyboard)
        if by_group[Group.ACTION]:
            target.addWidget(self._grid(by_group[Group.ACTION], Group.ACTION, 2))
        if side is not None:
            side.addStretch(1)
        nav = by_group[Group.NAV]
        if nav or screen.page_text:
            column.addWidget(self._nav(nav))
        outer.addWidget(body, 1)
        return root

    # -- parts ----------------------------------------------------------------------------------

    def _header(self) -> QFrame:
        m, s, screen = self.m, self.s, self.screen
        header = QFrame()
        header.setObjectName("header")
        row = QHBoxLayout(header)
        # The left edge stays free of buttons: the maintenance gesture's corner is there.
        row.setContentsMargins(m.px(24), m.px(10), m.px(16), m.px(10))
        row.setSpacing(m.px(s.gap))
        title = _label(screen.title, font(m, s.headline, True))
        title.setObjectName("title")
        row.addWidget(title, 1)
        for choice in screen.choices:
            if choice.id in (HOME, ELDER):
                button = self._button(choice, Group.NAV, s.body)
                button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
                button.setMinimumWidth(m.px(150 if m.elder else 108))
                row.addWidget(button)
        return header

    def _countdown(self) -> QWidget:
        m, s, screen = self.m, self.s, self.screen
        strip = QWidget()
        row = QHBoxLayout(strip)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(_label(screen.countdown_text, font(m, s.body, True), "banner"), 1)
        for choice in screen.choices:
            if choice.id == MORE_TIME:
                row.addWidget(self._button(choice, Group.ACTION, s.body))
        return strip

    def _texts(self, column: QVBoxLayout, side: QVBoxLayout) -> None:
        m, s, screen = self.m, self.s, self.screen
        colour = self.p.tone(screen.tone)
        if screen.big or screen.qr:
            side.addWidget(self._big())  # the ticket number comes first
        for n, line in enumerate(screen.lines):
            label = _label(line, font(m, s.body + (2 if n == 0 else 0), n == 0), colour=colour)
            label.setObjectName("line")
            column.addWidget(label)
        if screen.sections:
            column.addWidget(self._sections(), 1)

    def _big(self) -> QFrame:
        m, s, screen = self.m, self.s, self.screen
        panel = QFrame()
        panel.setObjectName("bigpanel")
        row = QHBoxLayout(panel)
        row.setContentsMargins(m.px(16), m.px(12), m.px(16), m.px(12))
        texts = QVBoxLayout()
        if screen.big_caption:
            texts.addWidget(_label(screen.big_caption, font(m, s.body), "muted"))
        if screen.big:
            # A long "big" (an item name on a checklist) is drawn smaller so that it wraps.
            dp = s.big if len(screen.big) <= 6 else s.headline
            big = _label(screen.big, font(m, dp, True), "big")
            big.setObjectName("big")
            texts.addWidget(big)
        row.addLayout(texts, 1)
        if screen.qr:
            image = qr_image(screen.qr, m.px(170 if m.elder else 150))
            if image is not None:
                qr = QLabel()
                qr.setObjectName("qr")
                qr.setPixmap(QPixmap.fromImage(image))
                row.addWidget(qr, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return panel

    def _sections(self) -> QScrollArea:
        m, s, screen = self.m, self.s, self.screen
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(m.px(s.gap))
        for section in screen.sections:
            frame = QFrame()
            frame.setObjectName("section")
            box = QVBoxLayout(frame)
            box.setContentsMargins(m.px(14), m.px(10), m.px(14), m.px(10))
            box.addWidget(_label(section.title, font(m, s.body + 2, True)))
            for line in section.lines:
                box.addWidget(_label(line, font(m, s.body)))
            column.addWidget(frame)
        column.addStretch(1)
        area.setWidget(inner)
        area.setMinimumHeight(m.px(160))
        return area

    def _field(self) -> QFrame:
        m, s = self.m, self.s
        field = self.screen.input
        frame = QFrame()
        frame.setObjectName("field")
        box = QVBoxLayout(frame)
        box.setContentsMargins(m.px(14), m.px(8), m.px(14), m.px(8))
        if field is None:
            return frame
        box.addWidget(_label(field.prompt, font(m, s.body), "muted"))
        shown = "●" * len(field.text) if field.masked else field.text
        value = _label(shown or " ", font(m, s.headline, True))
        value.setObjectName("field-text")
        value.setMinimumHeight(m.px(s.headline * 1.4))
        box.addWidget(value)
        return frame

    def _grid(
        self, choices: list[Choice], group: Group, columns: int, tall: bool = True
    ) -> QWidget:
        m, s = self.m, self.s
        holder = QWidget()
        grid = QGridLayout(holder)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(m.px(s.gap))
        columns = max(1, min(columns, len(choices)))
        for n, choice in enumerate(choices):
            button = self._button(choice, group, s.body + (4 if group is Group.LIST else 2))
            if group is Group.LIST and tall:
                button.setMinimumHeight(m.px(s.list_button_height))
            grid.addWidget(button, n // columns, n % columns)
        for c in range(columns):
            grid.setColumnStretch(c, 1)
        return holder

    def _nav(self, choices: list[Choice]) -> QWidget:
        m, s, screen = self.m, self.s, self.screen
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, m.px(s.gap), 0, 0)
        row.setSpacing(m.px(s.gap))
        by_id = {c.id: c for c in choices}
        if NAV_BACK in by_id:
            row.addWidget(self._button(by_id[NAV_BACK], Group.NAV, s.body + 2))
        row.addStretch(1)
        if NAV_PREV in by_id:
            row.addWidget(self._button(by_id[NAV_PREV], Group.NAV, s.body + 2))
        if screen.page_text:
            label = _label(screen.page_text, font(m, s.body), "muted")
            label.setWordWrap(False)
            row.addWidget(label)
        if NAV_NEXT in by_id:
            row.addWidget(self._button(by_id[NAV_NEXT], Group.NAV, s.body + 2))
        return bar

    def _on(self, group: Group) -> str:
        """Text colour on a button of ``group`` (set on the labels themselves: style rules for
        labels inside buttons are not reliably re-applied when a tree is rebuilt)."""
        p = self.p
        return {
            Group.LIST: p.on_primary,
            Group.ROW: p.on_row,
            Group.ACTION: p.on_action,
            Group.NAV: p.on_nav,
        }[group]

    def _button(self, choice: Choice, group: Group, dp: float) -> QPushButton:
        m, s = self.m, self.s
        button = QPushButton()
        button.setObjectName(f"choice:{choice.id}")
        button.setProperty("group", group.value)
        button.setEnabled(choice.enabled)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        side = m.px(s.target)
        button.setMinimumSize(max(side, m.px(96)), side)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        box = QVBoxLayout(button)
        box.setContentsMargins(m.px(10), m.px(6), m.px(10), m.px(6))
        box.setSpacing(m.px(2))
        colour = self._on(group) if choice.enabled else self.p.on_disabled
        label = _label(choice.label, font(m, dp, True), colour=colour)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        label.setObjectName("choice-label")
        box.addWidget(label)
        if choice.hint and group is not Group.NAV:
            hint = _label(choice.hint, font(m, s.hint), colour=colour)
            hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
            hint.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
            hint.setObjectName("choice-hint")
            box.addWidget(hint)
        # A button's own minimum follows its labels (long item names wrap to two lines).
        button.setMinimumHeight(max(side, box.sizeHint().height()))
        button.clicked.connect(lambda _=False, c=choice.id: self.view.tapped.emit(c))
        button.setAccessibleName(choice.label)
        return button
