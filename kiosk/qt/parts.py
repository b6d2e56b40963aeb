"""The parts a kiosk screen is built from: labels and buttons sized for the mode, the brand
header (emblem, hall, clock), the footer (back, home, 呼叫工作人员, 标准版 / 长辈版), the ticket
panel, the facts table, the input field, the guide sheet and the problem and result panels.

Everything takes a :class:`Kit` (the screen's metrics, palette and sizes, and where taps go).
Labels inside buttons get their colour set on themselves: style rules for labels inside buttons
are not reliably re-applied when a tree is rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from appkit.style import Palette
from kiosk.journeys.screens import Choice, Group, Screen, Section, Tone
from kiosk.layout import Metrics, Sizes
from kiosk.qt import pictures
from kiosk.qt.qr import qr_image
from kiosk.qt.style import font, palette, tone_colour

MAX_GROW = 1.6  # a tile or row grows to this many times its comfortable height, no more


@dataclass
class Kit:
    """What every part needs: sizes, colours and the tap callback of one screen."""

    m: Metrics
    tap: Callable[[str], None]
    emblem_path: str = ""

    @property
    def s(self) -> Sizes:
        return self.m.sizes

    @property
    def p(self) -> Palette:
        return palette(self.m)

    def px(self, dp: float) -> int:
        return self.m.px(dp)

    def font(self, dp: float, bold: bool = False) -> QFont:
        return font(self.m, dp, bold)

    def label(
        self,
        text: str,
        dp: float,
        bold: bool = False,
        *,
        role: str = "",
        colour: str | None = None,
        wrap: bool = True,
        name: str = "",
    ) -> QLabel:
        label = QLabel(text)
        label.setFont(self.font(dp, bold))
        label.setWordWrap(wrap)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        if role:
            label.setProperty("role", role)
        if colour:
            label.setStyleSheet(f"color: {colour};")
        if name:
            label.setObjectName(name)
        return label

    def on_colour(self, group: Group) -> str:
        p = self.p
        return {
            Group.LIST: p.on_primary,
            Group.ROW: p.on_row,
            Group.ACTION: p.on_action,
            Group.NAV: p.on_nav,
        }[group]

    def fitted(self, text: str, dp: float, bold: bool, width: int, least_dp: float) -> QFont:
        """``dp`` or smaller (down to ``least_dp``) so that a short label fits ``width`` px on
        one line: tile labels never break inside a word."""
        size = dp
        while size > least_dp:
            f = self.font(size, bold)
            if QFontMetrics(f).horizontalAdvance(text) <= width:
                return f
            size -= 1
        return self.font(least_dp, bold)


def button(kit: Kit, choice: Choice, group: Group, dp: float, **how: object) -> QPushButton:
    """A button for ``choice``: its label (bold) and hint, centred (``align="left"``: the label
    left and the hint right, a list row), sized at least a touch target. ``width`` (px) fits a
    short label on one line; ``wrap=False`` never breaks it."""
    m, s, p = kit.m, kit.s, kit.p
    align_left = how.get("align") == "left"
    width = int(how.get("width", 0) or 0)  # type: ignore[call-overload]
    wrap = bool(how.get("wrap", True))
    widget = QPushButton()
    widget.setObjectName(f"choice:{choice.id}")
    widget.setProperty("group", "rows" if align_left else group.value)
    widget.setEnabled(choice.enabled)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    side = m.px(s.target)
    widget.setMinimumSize(side, side)
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
    colour = kit.on_colour(Group.ROW if align_left else group) if choice.enabled else p.on_disabled
    box: QHBoxLayout | QVBoxLayout = QHBoxLayout(widget) if align_left else QVBoxLayout(widget)
    pad = m.px(12 if align_left else 8)
    box.setContentsMargins(pad, m.px(4), pad, m.px(4))
    box.setSpacing(m.px(4))
    label = kit.label(choice.label, dp, True, colour=colour, wrap=wrap, name="choice-label")
    short = len(choice.label) <= 10 and " " not in choice.label
    if width and short and not align_left:
        room = int((width - 2 * pad) * 0.9)  # the grid's spacing is not in ``width``
        label.setFont(kit.fitted(choice.label, dp, True, room, max(18.0, dp * 0.6)))
        label.setWordWrap(False)
    label.setAlignment(
        (Qt.AlignmentFlag.AlignLeft if align_left else Qt.AlignmentFlag.AlignHCenter)
        | Qt.AlignmentFlag.AlignVCenter
    )
    label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
    if not align_left:
        box.addStretch(1)
    box.addWidget(label, 1 if align_left else 0)
    if choice.hint and group is not Group.NAV:
        hint_colour = colour if not align_left or not choice.enabled else p.muted
        hint = kit.label(choice.hint, s.hint, colour=hint_colour, name="choice-hint")
        if width and not align_left and len(choice.hint) <= 20:
            # A short hint without its spaces (长辈版: also a little smaller, 18 dp or more)
            # rather than wrapped onto a second line.
            room = int((width - 2 * pad) * 0.95)
            least = 18.0 if m.elder else s.hint
            for text in (choice.hint, choice.hint.replace(" ", "")):
                fitted = kit.fitted(text, s.hint, False, room, least)
                if QFontMetrics(fitted).horizontalAdvance(text) <= room:
                    hint.setText(text)
                    hint.setFont(fitted)
                    break
        hint.setAlignment(
            (Qt.AlignmentFlag.AlignRight if align_left else Qt.AlignmentFlag.AlignHCenter)
            | Qt.AlignmentFlag.AlignVCenter
        )
        hint.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        box.addWidget(hint)
    if not align_left:
        box.addStretch(1)
    needed = box.sizeHint().height()
    if width and wrap:
        # Wrapped labels need their height at the button's real width, not at one long line.
        inner = width - 2 * pad
        hint_w = 0
        hint_widget = widget.findChild(QLabel, "choice-hint")
        if align_left and hint_widget is not None:
            hint_w = hint_widget.sizeHint().width() + m.px(4)
        needed = _wrapped_height(label, inner - hint_w)
        if hint_widget is not None and not align_left:
            needed += m.px(4) + _wrapped_height(hint_widget, inner)
        needed += 2 * m.px(4) + 2 * m.px(6)
    widget.setMinimumHeight(max(side, needed))
    if not wrap:
        widget.setMinimumWidth(max(side, box.sizeHint().width()))
        widget.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    widget.clicked.connect(lambda _=False, c=choice.id: kit.tap(c))
    widget.setAccessibleName(choice.label)
    return widget


def _wrapped_height(label: QLabel, width: int) -> int:
    """The height ``label`` needs to show all its text wrapped at ``width`` px."""
    if not label.wordWrap():
        return label.sizeHint().height()
    metrics = QFontMetrics(label.font())
    flags = int(Qt.TextFlag.TextWordWrap.value)
    return metrics.boundingRect(0, 0, max(1, width), 100_000, flags, label.text()).height()


def header(kit: Kit, screen: Screen, extra: QWidget | None = None) -> QFrame:
    """The brand band: the hall's emblem and name on the left, the date and time on the right,
    ``extra`` (landscape: the countdown) between them. Its left corner has no button (the
    maintenance gesture's corner is there)."""
    m, s = kit.m, kit.s
    band = QFrame()
    band.setObjectName("header")
    band.setMinimumHeight(m.px(m.header))
    row = QHBoxLayout(band)
    row.setContentsMargins(m.px(s.pad), m.px(8), m.px(s.pad), m.px(8))
    row.setSpacing(m.px(12))
    mark = QLabel()
    mark.setObjectName("emblem")
    emblem = pictures.emblem(kit.emblem_path, m.px(m.header - 20))
    mark.setPixmap(emblem)
    row.addWidget(mark, 0, Qt.AlignmentFlag.AlignVCenter)
    clock: QVBoxLayout | QHBoxLayout | None = None
    clock_w = 0
    if screen.clock:
        date, _, hhmm = screen.clock.rpartition(" ")
        # Portrait: the time over the date; landscape (less height): side by side.
        clock = QHBoxLayout() if m.landscape else QVBoxLayout()
        clock.setSpacing(m.px(10) if m.landscape else 0)
        when = kit.label(hhmm, s.headline, True, wrap=False, name="clock-time")
        day = kit.label(date, max(s.hint, 16), wrap=False, name="clock-date")
        for part in (day, when) if m.landscape else (when, day):
            part.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            clock.addWidget(part)
        widths = [when.sizeHint().width(), day.sizeHint().width()]
        clock_w = sum(widths) + m.px(10) if m.landscape else max(widths)
    hall = kit.label(screen.hall, s.headline - 2, True, wrap=False, name="hall")
    room = m.px(m.width_dp) - 2 * m.px(s.pad) - 2 * m.px(12) - emblem.width() - clock_w
    if extra is not None:  # its style's padding is not in its size hint yet: be generous
        room -= int(extra.sizeHint().width() * 1.3) + m.px(12)
    hall.setFont(kit.fitted(screen.hall, s.headline - 2, True, room, 20))
    hall.setMinimumWidth(1)
    row.addWidget(hall, 1)
    if extra is not None:
        row.addWidget(extra, 0, Qt.AlignmentFlag.AlignVCenter)
    if clock is not None:
        row.addLayout(clock)
    return band


def mode_toggle(kit: Kit, choice: Choice, elder: bool, dp: float) -> QPushButton:
    """标准版 / 长辈版: one button, two halves, the mode in use filled; never wraps."""
    m, p = kit.m, kit.p
    widget = QPushButton()
    widget.setObjectName(f"choice:{choice.id}")
    widget.setProperty("group", "mode")
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    row = QHBoxLayout(widget)
    inset = m.px(4)
    row.setContentsMargins(inset, inset, inset, inset)
    row.setSpacing(inset)
    standard, older = [*choice.label.split(" / "), "长辈版"][:2]
    for text, on in ((standard, not elder), (older, elder)):
        half = kit.label(text, dp, True, wrap=False, name="mode-on" if on else "mode-off")
        half.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pad = m.px(10)
        style = f"padding: 0 {pad}px; border-radius: {m.px(8)}px;"
        if on:
            style += f"background: {p.brand}; color: {p.on_brand};"
        else:
            style += f"color: {p.on_nav};"
        half.setStyleSheet(style)
        half.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        row.addWidget(half)
    side = m.px(kit.s.target)
    widget.setMinimumSize(max(side, row.sizeHint().width()), side)
    widget.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    widget.clicked.connect(lambda _=False: kit.tap(choice.id))
    widget.setAccessibleName(choice.label)
    return widget


def footer(kit: Kit, screen: Screen, left: list[Choice], right: list[Choice]) -> QFrame:
    """The bottom bar: back and home on the left, staff call and the mode toggle on the right."""
    m, s = kit.m, kit.s
    bar = QFrame()
    bar.setObjectName("footer")
    bar.setMinimumHeight(m.px(m.footer))
    row = QHBoxLayout(bar)
    pad = m.px(s.pad)
    row.setContentsMargins(pad, m.px(8), pad, m.px(8))
    row.setSpacing(m.px(s.gap))
    dp = 22 if m.elder else s.body
    for choice in left:
        row.addWidget(button(kit, choice, Group.NAV, dp, wrap=False))
    row.addStretch(1)
    for choice in right:
        if choice.id == "elder":
            row.addWidget(mode_toggle(kit, choice, screen.elder, dp))
        else:
            row.addWidget(button(kit, choice, Group.NAV, dp, wrap=False))
    return bar


def ticket_panel(kit: Kit, screen: Screen) -> QFrame:
    """The number very large with its caption, and the QR code beside it."""
    m, s = kit.m, kit.s
    panel = QFrame()
    panel.setObjectName("bigpanel")
    row = QHBoxLayout(panel)
    row.setContentsMargins(m.px(s.pad), m.px(12), m.px(s.pad), m.px(12))
    texts = QVBoxLayout()
    if screen.big_caption:
        texts.addWidget(kit.label(screen.big_caption, s.body, role="muted"))
    if screen.big:
        # A long "big" (an item name on a checklist) is drawn smaller so that it wraps.
        dp = (min(s.big, 80) if m.landscape else s.big) if len(screen.big) <= 6 else s.headline
        big = kit.label(screen.big, dp, True, role="big", name="big", wrap=len(screen.big) > 6)
        if len(screen.big) <= 6:  # the number never runs under the QR code
            width = m.px((960 if m.landscape else 540) * (0.5 if m.landscape else 1))
            width -= m.px(2 * s.pad + 2 * s.pad + (170 if m.elder else 150) + s.gap)
            big.setFont(kit.fitted(screen.big, dp, True, width, s.headline))
        texts.addWidget(big)
    row.addLayout(texts, 1)
    if screen.qr:
        image = qr_image(screen.qr, m.px(150))
        if image is not None:
            qr = QLabel()
            qr.setObjectName("qr")
            qr.setPixmap(QPixmap.fromImage(image))
            row.addWidget(qr, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return panel


def facts_table(kit: Kit, facts: tuple[tuple[str, str], ...]) -> QFrame:
    """Label and value rows (the ticket's business, windows, people ahead, wait, time), in a
    white panel whose rows share its height."""
    m, s, p = kit.m, kit.s, kit.p
    panel = QFrame()
    panel.setObjectName("panel")
    grid = QGridLayout(panel)
    grid.setContentsMargins(m.px(s.pad), m.px(6), m.px(s.pad), m.px(6))
    grid.setHorizontalSpacing(m.px(s.pad))
    grid.setVerticalSpacing(0)
    for n, (name, value) in enumerate(facts):
        key = kit.label(name, s.body, role="muted", wrap=False, name="fact-label")
        shown = kit.label(value, s.body + 6, True, colour=p.text, name="fact-value")
        shown.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(key, 2 * n, 0, Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(shown, 2 * n, 1)
        grid.setRowStretch(2 * n, 1)
        grid.setRowMinimumHeight(2 * n, m.px(s.body * 1.8))
        if n < len(facts) - 1:
            rule = QFrame()
            rule.setObjectName("factrule")
            rule.setFixedHeight(max(1, m.px(1)))
            grid.addWidget(rule, 2 * n + 1, 0, 1, 2)
    grid.setColumnStretch(1, 1)
    return panel


def field(kit: Kit, screen: Screen, compact: bool = False) -> QFrame:
    """The input field: its prompt and what is typed (dots for a PIN); ``compact`` (landscape,
    where height is scarce): the prompt shows until something is typed, in the same line."""
    m, s = kit.m, kit.s
    frame = QFrame()
    frame.setObjectName("field")
    box: QHBoxLayout | QVBoxLayout = QHBoxLayout(frame) if compact else QVBoxLayout(frame)
    box.setContentsMargins(m.px(14), m.px(8), m.px(14), m.px(8))
    given = screen.input
    if given is None:
        return frame
    shown = "●" * len(given.text) if given.masked else given.text
    if not (compact and shown):
        box.addWidget(kit.label(given.prompt, s.body, role="muted", name="field-prompt"), 1)
    value = kit.label(shown or " ", s.headline + 4, True, name="field-text", wrap=not compact)
    value.setMinimumHeight(m.px((s.headline + 4) * 1.45))
    box.addWidget(value, 1 if shown else 0)
    return frame


def guide_sheet(kit: Kit, sections: tuple[Section, ...]) -> QFrame:
    """This page of a guide as one white sheet: each section's title and lines, at full height
    (paged by the journey, never scrolled or clipped)."""
    m, s = kit.m, kit.s
    sheet = QFrame()
    sheet.setObjectName("panel")
    split = QHBoxLayout(sheet)
    split.setContentsMargins(m.px(s.pad), m.px(10), m.px(s.pad), m.px(10))
    split.setSpacing(m.px(s.pad))
    count = max((section.column for section in sections), default=0) + 1
    columns = [QVBoxLayout() for _ in range(count)]
    for column in columns:
        column.setSpacing(m.px(4))
        split.addLayout(column, 1)
    for section in sections:
        column = columns[section.column]
        if column.count():
            column.addSpacing(m.px(s.gap))
        holder = QFrame()
        holder.setObjectName("section-block")
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(m.px(2))
        box.addWidget(kit.label(section.title, s.body + 2, True, colour=kit.p.brand))
        for line in section.lines:
            box.addWidget(kit.label(line, s.body, name="section-line"))
        column.addWidget(holder)
    for column in columns:
        column.addStretch(1)
    return sheet


def message_panel(kit: Kit, screen: Screen, lines: list[str], grow: bool) -> QFrame:
    """A problem (icon, sentence, what was typed, the facts) or a result (icon and lines) in
    one panel; ``grow``: it takes the screen's free height, its text centred."""
    m, s, p = kit.m, kit.s, kit.p
    problem = screen.problem
    frame = QFrame()
    frame.setObjectName("problem" if problem is not None else "panel")
    box = QVBoxLayout(frame)
    pad = m.px(s.pad + (8 if grow else 0))
    box.setContentsMargins(pad, pad, pad, pad)
    box.setSpacing(m.px(s.gap))
    kind = {Tone.SUCCESS: "ok", Tone.WARNING: "warning", Tone.ERROR: "error"}.get(
        screen.tone, "info"
    )
    colour = {"ok": p.success, "warning": p.warning, "error": p.error}.get(kind, p.primary)
    side = m.px((120 if m.elder else 96) if grow and not m.landscape else (80 if grow else 48))
    mark = QLabel()
    if screen.picture == "card" and problem is None:
        mark.setObjectName("card-reader")
        tall = m.px(200 if m.landscape else 320)
        mark.setPixmap(pictures.picture(pictures.CARD_READER, int(tall * 4 / 3), tall))
    else:
        mark.setObjectName("icon")
        mark.setPixmap(pictures.icon(kind if problem is None else "error", side, colour))
    align = Qt.AlignmentFlag.AlignHCenter if grow else Qt.AlignmentFlag.AlignLeft
    if grow:
        box.addStretch(1)
    top = QHBoxLayout()
    top.setSpacing(m.px(s.gap * 2))
    body = QVBoxLayout()
    body.setSpacing(m.px(s.gap))
    if problem is not None:
        body.addWidget(kit.label(problem.sentence, s.body + 6, True, name="problem-sentence"))
        if problem.typed:
            body.addWidget(kit.label(problem.typed, s.body + 2, True, name="problem-typed"))
        for fact in problem.facts:
            body.addWidget(kit.label(fact, s.body + 2, name="problem-fact"))
    shown = [line for line in lines if line]
    for n, line in enumerate(shown):
        tone = tone_colour(p, screen.tone) if problem is None else p.on_error_surface
        big = problem is None and n == 0
        label = kit.label(line, s.body + (6 if big else 2), big, colour=tone, name="line")
        body.addWidget(label)
    if grow and m.landscape:  # less height: the icon beside the text
        top.addWidget(mark, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addLayout(body, 1)
        box.addLayout(top)
        box.addStretch(1)
    elif grow:
        box.addWidget(mark, 0, align)
        for n in range(body.count()):
            item = body.itemAt(n)
            shown_label = item.widget() if item is not None else None
            if isinstance(shown_label, QLabel):
                shown_label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        box.addLayout(body)
        box.addStretch(1)
    else:
        top.addWidget(mark, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(body, 1)
        box.addLayout(top)
    return frame


def blank(kit: Kit) -> QWidget:
    """An empty holder (a layout's spare part)."""
    holder = QWidget()
    holder.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
    return holder
