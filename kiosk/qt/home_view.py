"""The home screen's body: the welcome, every entry tile on one page (on a ticket machine 取号
takes most of the screen), where to put the ID card (a picture), the opening hours and the
hall's phone. 取号 shows as unavailable, with the reason, while the hub is away."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.journeys.screens import Choice, Group, HomeInfo, Screen
from kiosk.qt import pictures
from kiosk.qt.parts import Kit, button

HOME_GROW = 2.6  # home tiles may grow this much over a list tile: they are the whole screen


def card_panel(kit: Kit, info: HomeInfo, wide: bool) -> QFrame:
    """The picture of the card on the reader, the hint, the hours and the phone."""
    m, s = kit.m, kit.s
    panel = QFrame()
    panel.setObjectName("cardpicture")
    box: QHBoxLayout | QVBoxLayout = QVBoxLayout(panel) if wide else QHBoxLayout(panel)
    pad = m.px(s.pad)
    box.setContentsMargins(pad, m.px(10), pad, m.px(10))
    box.setSpacing(m.px(s.pad))
    # 长辈版 portrait: a smaller picture leaves the text its width (fewer lines, a lower panel).
    side = m.px((90 if m.landscape else 110) if m.elder else (100 if m.landscape else 130))
    picture = QLabel()
    picture.setObjectName("card-reader")
    picture.setPixmap(pictures.picture(pictures.CARD_READER, int(side * 4 / 3), side))
    picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
    box.addWidget(picture, 0, Qt.AlignmentFlag.AlignCenter)
    texts = QVBoxLayout()
    texts.setSpacing(m.px(6))
    hint_dp = s.body if m.landscape and m.elder else s.body + 2
    texts.addWidget(kit.label(info.card_hint, hint_dp, True, name="card-hint"))
    if not wide:  # landscape shows them beside the welcome instead
        for line in (info.hours, info.phone):
            if line:
                texts.addWidget(kit.label(line, s.body, role="muted", name="home-fact"))
    box.addLayout(texts, 1)
    return panel


def home_body(kit: Kit, screen: Screen, column: QVBoxLayout) -> None:
    """Fill ``column`` with the home screen (see the module docstring)."""
    m, s = kit.m, kit.s
    info = screen.home
    if info is None:
        return
    entries = [c for c in screen.choices if c.group is Group.LIST]
    if m.landscape and m.elder:  # the names alone: hints would wrap the tiles off the screen
        reason = next((c.id for c in entries if not c.enabled), "")  # the first says why
        entries = [c if c.id == reason else replace(c, hint="") for c in entries]
    title = kit.label(info.welcome, s.headline, True, name="title")
    if m.landscape:  # the hours and phone beside the welcome: height is scarce
        row = QHBoxLayout()
        row.addWidget(title, 1)
        facts = QVBoxLayout()
        facts.setSpacing(0)
        for line in (info.hours, info.phone):
            if line:
                fact = kit.label(line, s.body, role="muted", wrap=False, name="home-fact")
                fact.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                facts.addWidget(fact)
        row.addLayout(facts)
        column.addLayout(row)
    else:
        column.addWidget(title)
    tiles = QWidget()
    grid = QGridLayout(tiles)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setSpacing(m.px(s.gap * 1.5))
    width = m.px(m.width_dp * (3 / 5 if m.landscape else 1))
    if info.ticket_machine and entries:
        _ticket_machine(kit, grid, entries, width)
    else:
        columns = 3 if m.landscape else 2
        tile_w = int((width - m.px(2 * s.pad)) / columns)
        for n, choice in enumerate(entries):
            widget = _tile(kit, choice, s.headline, tile_w)
            grid.addWidget(widget, n // columns, n % columns)
        for r in range(-(-len(entries) // columns)):
            grid.setRowStretch(r, 1)
        for c in range(columns):
            grid.setColumnStretch(c, 1)
    if m.landscape:
        split = QHBoxLayout()
        split.setSpacing(m.px(s.gap * 2))
        split.addWidget(tiles, 3)
        split.addWidget(card_panel(kit, info, wide=True), 2)
        column.addLayout(split, 1)
    else:
        column.addWidget(tiles, 1)
        column.addWidget(card_panel(kit, info, wide=False))


def _tile(kit: Kit, choice: Choice, dp: float, width: int, grow: float = HOME_GROW) -> QWidget:
    widget = button(kit, choice, Group.LIST, dp, width=width)
    widget.setMaximumHeight(kit.m.px(kit.s.tile * grow))
    return widget


def _ticket_machine(kit: Kit, grid: QGridLayout, entries: list[Choice], width: int) -> None:
    """取号 first and largest, the rest side by side below it."""
    m, s = kit.m, kit.s
    main, rest = entries[0], entries[1:]
    columns = max(1, len(rest))
    big = _tile(kit, main, s.big * 0.6, width - m.px(2 * s.pad), grow=4.0)
    grid.addWidget(big, 0, 0, 1, columns)
    tile_w = int((width - m.px(2 * s.pad)) / columns)
    for n, choice in enumerate(rest):
        grid.addWidget(_tile(kit, choice, s.headline, tile_w), 1, n)
    grid.setRowStretch(0, 3)
    grid.setRowStretch(1, 1)
    for c in range(columns):
        grid.setColumnStretch(c, 1)
