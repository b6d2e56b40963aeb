"""One generic view that draws any ``Screen`` to fill the screen: the brand header (emblem,
hall, clock), the title, kiosk-wide banners, then by what the screen holds — a list (tiles or
rows, paged to the screen's height by the journey, with big 上一页/下一页), the ticket panel and
its facts, a guide sheet, the input field and keyboard, or a problem / result panel — the action
buttons, and the footer (back, home, 呼叫工作人员, 标准版 / 长辈版). Landscape puts the keyboard
or the ticket's facts beside the rest.

``show_screen(screen, metrics)`` rebuilds the widgets from scratch: the old ones are detached at
once (nothing personal stays findable among the window's children) and deleted by Qt later.
Nothing drawn asks for more than the screen: labels wrap, and the window caps its size.
Touches come out as ``tapped(choice_id)`` and ``keyed(key)``.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.app_model import CALL_STAFF, ELDER, HOME, MORE_TIME
from kiosk.journeys.base import NAV_BACK, NAV_NEXT, NAV_PREV
from kiosk.journeys.screens import Choice, Group, Screen
from kiosk.layout import LANDSCAPE_MAIN, PAGING_WIDTH, REFERENCE_SHORT_SIDE_DP, Metrics, Room
from kiosk.qt import parts
from kiosk.qt.home_view import home_body
from kiosk.qt.keyboard import Keyboard
from kiosk.qt.parts import MAX_GROW, Kit
from kiosk.qt.style import stylesheet, tone_colour

PADS = frozenset({"digits", "phone", "pin"})
GLOBAL = frozenset({HOME, ELDER, MORE_TIME, CALL_STAFF, NAV_BACK, NAV_PREV, NAV_NEXT})


class ScreenView(QWidget):
    """Draws one ``Screen`` at a time for a screen size and mode (``Metrics``)."""

    tapped = Signal(str)
    keyed = Signal(str)

    def __init__(self, parent: QWidget | None = None, emblem: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._content: QWidget | None = None
        self._sheet_for: Metrics | None = None
        self._sheet = ""
        self.emblem = emblem  # the hall's emblem image ("" : the built-in one)
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
        kit = Kit(metrics, self.tapped.emit, self.emblem)
        self._content = _Builder(self, kit, screen).build()
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

    def __init__(self, view: ScreenView, kit: Kit, screen: Screen) -> None:
        self.view = view
        self.kit = kit
        self.screen = screen
        self.m = kit.m
        self.s = kit.s
        self.by_group: dict[Group, list[Choice]] = {g: [] for g in Group}
        self.by_id = {c.id: c for c in screen.choices}
        for choice in screen.choices:
            if choice.id not in GLOBAL:
                self.by_group[choice.group].append(choice)

    def build(self) -> QWidget:
        m, s, screen = self.m, self.s, self.screen
        root = QWidget()
        outer = QVBoxLayout(root)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        # Landscape: the countdown goes in the header band, where it takes no list height.
        in_header = m.landscape and screen.countdown is not None
        outer.addWidget(parts.header(self.kit, screen, self._countdown() if in_header else None))
        body = QWidget()
        column = QVBoxLayout(body)
        pad = m.px(s.pad)
        column.setContentsMargins(pad, m.px(s.gap), pad, m.px(s.gap))
        column.setSpacing(m.px(s.gap))
        for banner in screen.banners:
            column.addWidget(self.kit.label(banner, s.body, True, role="banner", name="banner"))
        if screen.countdown is not None and not in_header:
            column.addWidget(self._countdown())
        if screen.home is not None:
            home_body(self.kit, screen, column)
        else:
            self._body(column)
        outer.addWidget(body, 1)
        left = [self.by_id[i] for i in (NAV_BACK, HOME) if i in self.by_id]
        right = [self.by_id[i] for i in (CALL_STAFF, ELDER) if i in self.by_id]
        outer.addWidget(parts.footer(self.kit, screen, left, right))
        root.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        return root

    # -- the body ---------------------------------------------------------------------------------

    def _body(self, column: QVBoxLayout) -> None:
        s, screen, kit = self.s, self.screen, self.kit
        problem = screen.problem
        taken = set()
        if problem is not None:
            taken = {problem.sentence, *problem.facts}
        lines = [line for line in screen.lines if line not in taken]
        listed = self.by_group[Group.LIST]
        keyboard = screen.input is not None
        ticket = bool(screen.big or screen.qr)
        title = kit.label(screen.title, s.headline, True, name="title")
        if not (listed or keyboard or ticket or screen.sections):
            panel = parts.message_panel(kit, screen, lines, grow=True)
            if self.m.landscape:  # the panel takes the height, the actions a rail
                split = QHBoxLayout()
                split.setSpacing(self.m.px(s.gap * 2))
                left = QVBoxLayout()
                left.setSpacing(self.m.px(s.gap))
                left.addWidget(title)
                left.addWidget(panel, 1)
                rail = QVBoxLayout()
                rail.addStretch(1)
                self._actions(rail, stacked=True)
                split.addLayout(left, 70)
                split.addLayout(rail, 30)
                column.addLayout(split, 1)
                return
            column.addWidget(title)
            column.addWidget(panel, 1)
            self._actions(column)
            return
        if self.m.landscape:
            self._landscape(column, title, lines)
            return
        column.addWidget(title)
        if ticket:
            self._ticket(column, column, lines)
            return
        self._upper(column, lines)
        if screen.sections:
            column.addWidget(parts.guide_sheet(kit, screen.sections), 1)
        if listed:
            column.addWidget(self._grid(listed, Group.LIST), 1)
            if not keyboard:
                column.addStretch(0)
        self._paging(column)
        if self.by_group[Group.ROW]:
            column.addWidget(self._grid(self.by_group[Group.ROW], Group.ROW))
        if keyboard:
            # With results above it, the prompt gives way to what is typed, on one line.
            column.addWidget(parts.field(kit, screen, compact=bool(listed)))
            if not listed:
                column.addStretch(0)  # what the keys do not take stays above them
            column.addWidget(self._keyboard(), 0 if listed else 1)
        elif not (listed or screen.sections):
            column.addStretch(1)
        self._actions(column)

    def _upper(self, column: QVBoxLayout, lines: list[str]) -> None:
        """A compact problem panel (when something went wrong) and the screen's lines."""
        if self.screen.problem is not None:
            column.addWidget(parts.message_panel(self.kit, self.screen, [], grow=False))
        self._lines(column, lines)

    def _keyboard(self) -> Keyboard:
        given = self.screen.input
        room = 0 if self.m.landscape else self.m.px(self.m.width_dp - 2 * self.s.pad)
        pad = Keyboard(given.kind if given is not None else "pinyin", self.m, room=room)
        pad.pressed.connect(self.view.keyed)
        return pad

    def _landscape(self, column: QVBoxLayout, title: QWidget, lines: list[str]) -> None:
        """Landscape: the main column on the left, a rail on the right with the page buttons,
        popular items and actions (or the keyboard, or the ticket's facts)."""
        m, s, screen, kit = self.m, self.s, self.screen, self.kit
        listed = self.by_group[Group.LIST]
        keyboard = screen.input is not None
        split = QHBoxLayout()
        split.setSpacing(m.px(s.gap * 2))
        left, right = QWidget(), QWidget()
        main, rail = QVBoxLayout(left), QVBoxLayout(right)
        for part in (main, rail):
            part.setContentsMargins(0, 0, 0, 0)
            part.setSpacing(m.px(s.gap))
        if keyboard and screen.input is not None and screen.input.kind in PADS:
            shares = (58, 42)  # a number pad is narrow
        elif keyboard:
            shares = (45, 55)  # the keys keep their smallest size; the results get the rest
        elif screen.big or screen.qr:
            shares = (50, 50)
        elif self.by_group[Group.ACTION] or self.by_group[Group.ROW]:
            shares = (70, 30)
        else:
            shares = (100, 0)  # nothing for a rail: the list takes the whole width
        split.addWidget(left, shares[0])
        if shares[1]:
            split.addWidget(right, shares[1])
        column.addLayout(split, 1)
        main.addWidget(title)
        if screen.big or screen.qr:
            self._ticket(main, rail, lines)
            return
        self._upper(main, lines)
        if keyboard:
            main.addWidget(parts.field(kit, screen, compact=True))
            self._actions(main)
            results = QHBoxLayout()
            results.setSpacing(m.px(s.gap))
            if listed:
                results.addWidget(self._grid(listed, Group.LIST), 1)
            if screen.pages > 1:
                pages = QWidget()
                pages.setFixedWidth(m.px(PAGING_WIDTH))
                stack = QVBoxLayout(pages)
                stack.setContentsMargins(0, 0, 0, 0)
                self._paging(stack, vertical=True, dp=s.body)
                stack.addStretch(1)
                results.addWidget(pages)
            main.addLayout(results, 1)
            main.addStretch(0)
            rail.addStretch(0)
            rail.addWidget(self._keyboard(), 1)
            return
        if screen.sections:
            main.addWidget(parts.guide_sheet(kit, screen.sections), 1)
        if listed:
            main.addWidget(self._grid(listed, Group.LIST), 1)
            main.addStretch(0)
        self._paging(main)
        rail.addStretch(1)
        rows = self.by_group[Group.ROW]
        if rows:
            spare = 540 - m.header - m.footer - 3 * s.gap
            room = Room(m.px(m.width_dp), m.px(REFERENCE_SHORT_SIDE_DP), m.elder)
            rail_dp = (m.width_dp - 2 * s.pad) * (1 - LANDSCAPE_MAIN)
            for action in self.by_group[Group.ACTION]:  # stacked, one a row
                spare -= room.actions_height([action.hint], rail_dp)
            spare -= len(screen.banners) * (2 * s.body * 1.45 + s.gap)
            fit = max(0, int(spare // (s.row + s.gap)))
            if fit:
                rail.addWidget(self._grid(rows[:fit], Group.ROW, 1))
        self._actions(rail, stacked=True)

    def _ticket(self, main: QVBoxLayout, side: QVBoxLayout, lines: list[str]) -> None:
        """The number and QR code, then the facts in reading order, the lines and actions
        (landscape: facts and actions on the right, the lines under the number)."""
        kit, screen = self.kit, self.screen
        beside = main is not side
        main.addWidget(parts.ticket_panel(kit, screen), 1 if beside else 0)
        if beside:
            self._lines(main, lines)
        if screen.facts:
            side.addWidget(parts.facts_table(kit, screen.facts), 1)
        if not beside:
            self._lines(side, lines)
        if not screen.facts:
            side.addStretch(1)
        self._actions(side)

    def _lines(self, column: QVBoxLayout, lines: list[str]) -> None:
        s, screen, kit = self.s, self.screen, self.kit
        colour = tone_colour(kit.p, screen.tone)
        for n, line in enumerate(lines):
            first = n == 0 and screen.big is None
            label = kit.label(line, s.body + (2 if first else 0), first, colour=colour)
            label.setObjectName("line")
            column.addWidget(label)

    # -- choices --------------------------------------------------------------------------------

    def _grid(self, choices: list[Choice], group: Group, columns: int = 0) -> QWidget:
        """A grid of buttons. The main list's tiles grow with the screen's free height (up to
        ``MAX_GROW``, or more when a screen has only a few big choices) and are packed at the
        top; popular items are left-aligned cards, two or three a row."""
        m, s, screen = self.m, self.s, self.screen
        listed = group is Group.LIST
        rows_style = (listed and screen.list_style == "rows") or group is Group.ROW
        few = listed and screen.pages <= 1 and len(choices) <= 4 and screen.input is None
        if group is Group.ROW and not columns:
            columns = 2
        if not columns:
            columns = m.columns(screen.list_style)
            railed = bool(self.by_group[Group.ACTION] or self.by_group[Group.ROW])
            if m.landscape and not railed and not rows_style and screen.input is None:
                columns += 1  # no rail: one more column (kiosk.layout.Room does the same)
            if m.landscape and screen.input is not None:
                columns = 1  # beside the keyboard
            if few and not rows_style:
                columns = 2 if m.landscape else 1
        single = listed and screen.pages <= 1 and screen.input is None and not few
        if single and not rows_style and not m.landscape and len(choices) <= 2 * columns:
            columns = max(2, columns - 1)  # a short list: fewer, taller columns
        if screen.pages <= 1 or not listed:
            columns = max(1, min(columns, len(choices)))
        holder = QWidget()
        grid = QGridLayout(holder)
        grid.setContentsMargins(0, 0, 0, 0)
        gap = m.px(s.gap)
        grid.setSpacing(gap)
        share = 1.0
        beside_keys = m.landscape and screen.input is not None
        if m.landscape:
            railed = bool(self.by_group[Group.ACTION] or self.by_group[Group.ROW])
            if listed or (beside_keys and group is Group.ACTION):
                share = LANDSCAPE_MAIN if railed else 1.0
            else:
                share = 1 - LANDSCAPE_MAIN
        width = int((m.px(m.width_dp) - m.px(2 * s.pad)) * share / columns) - gap
        if beside_keys and screen.input is not None and (listed or group is Group.ACTION):
            room = Room(m.px(m.width_dp), m.px(REFERENCE_SHORT_SIDE_DP), m.elder)
            main = room.main_width(screen.input.kind)
            if listed and screen.pages > 1:
                main -= PAGING_WIDTH + s.gap
            width = m.px(main) // columns - gap
        if beside_keys and listed:
            choices = [replace(c, hint="") for c in choices]  # a narrow column: names only
        comfortable = s.row if rows_style else s.tile
        grow = 2.6 if few else (2.2 if single else MAX_GROW)
        dp = s.body + (2 if rows_style else 4) if listed else s.body
        if few:
            dp = s.headline
        rows = -(-len(choices) // columns)
        tallest = 0
        for n, choice in enumerate(choices):
            how: dict[str, object] = {"width": width}
            if rows_style:
                how["align"] = "left"
            widget = parts.button(self.kit, choice, group, dp, **how)
            if listed:
                widget.setMaximumHeight(max(widget.minimumHeight(), m.px(comfortable * grow)))
                tallest = max(tallest, widget.maximumHeight())
            else:
                widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            grid.addWidget(widget, n // columns, n % columns)
        for c in range(columns):
            grid.setColumnStretch(c, 1)
        if not listed:
            return holder
        for r in range(rows):
            grid.setRowStretch(r, 1)
        # Packed at the top: the grid never takes more than its tiles at their tallest.
        holder.setMaximumHeight(rows * tallest + (rows - 1) * gap)
        holder.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        return holder

    def _paging(self, column: QVBoxLayout, vertical: bool = False, dp: float = 0) -> None:
        """Big 上一页 / 第1/3页 / 下一页, side by side (or stacked in a landscape rail)."""
        m, s, screen, kit = self.m, self.s, self.screen, self.kit
        if screen.pages <= 1:
            return
        row: QHBoxLayout | QVBoxLayout = QVBoxLayout() if vertical else QHBoxLayout()
        row.setSpacing(m.px(s.gap))
        for choice_id, key in ((NAV_PREV, "上一页"), (NAV_NEXT, "下一页")):
            choice = self.by_id.get(choice_id) or Choice(choice_id, key, enabled=False)
            widget = parts.button(kit, choice, Group.NAV, dp or s.body + 2, wrap=False)
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            widget.setMinimumHeight(m.px(s.target * (1.0 if vertical else 1.15)))
            if choice_id == NAV_NEXT and not vertical:  # a narrow column: the buttons only
                label = kit.label(screen.page_text, s.body, True, role="muted", wrap=False)
                label.setObjectName("page")
                label.setAlignment(Qt.AlignmentFlag.AlignCenter)
                row.addWidget(label)
            row.addWidget(widget, 1)
        column.addLayout(row)

    def _actions(self, column: QVBoxLayout, stacked: bool = False) -> None:
        m, s = self.m, self.s
        actions = self.by_group[Group.ACTION]
        if not actions:
            return
        grid = self._grid(actions, Group.ACTION, 1 if stacked else min(3, len(actions)))
        for widget in grid.findChildren(QPushButton):
            widget.setMinimumHeight(max(widget.minimumHeight(), m.px(s.target * 1.25)))
        column.addWidget(grid)

    def _countdown(self) -> QWidget:
        s, screen, kit = self.s, self.screen, self.kit
        strip = QWidget()
        row = QHBoxLayout(strip)
        row.setContentsMargins(0, 0, 0, 0)
        p = kit.p  # its own colours: the header's white text rule must not reach it
        label = kit.label(screen.countdown_text, s.body, True, role="banner", wrap=False)
        pad = self.m.px(8)
        label.setStyleSheet(
            f"background: {p.banner}; color: {p.on_banner}; padding: {pad}px;"
            f" border-radius: {pad}px;"
        )
        row.addWidget(label, 1)
        more = self.by_id.get(MORE_TIME)
        if more is not None:
            row.addWidget(parts.button(kit, more, Group.ACTION, s.body, wrap=False))
        return strip
