"""The built-in on-screen keyboard: the kiosk needs no system input method.

One layout per ``InputKind``: pinyin is a letter keyboard with a digit row (lowercase, for
pinyin initials, full pinyin and item numbers); code and ticket_number are the same keyboard in
capitals (SJ20261122…, A001); digits, phone and pin are a number pad. Each key emits
``pressed(key)`` with the character, ``KEY_BACKSPACE`` or ``KEY_CLEAR``, which the window hands
to ``KioskModel.key``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QSizePolicy, QWidget

from appkit.fonts import pixel_font
from kiosk.journeys.base import KEY_BACKSPACE, KEY_CLEAR
from kiosk.journeys.screens import InputKind
from kiosk.layout import Metrics

LETTER_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
# Elder mode: alphabetical (many elders never learnt QWERTY); seven keys a row in portrait, so
# that every key keeps 60 dp on a 540 dp wide screen, eight a row (five rows) in landscape, so
# that the keyboard fits beside the field and the results in the 540 dp height.
ELDER_ROWS = ("1234567", "890", "abcdefg", "hijklmn", "opqrstu", "vwxyz")
# 长辈版 portrait search (pinyin): letters only, so that results still fit above 60 dp keys on a
# 540×960 dp screen (searching by an item's number is in 标准版 or landscape).
ELDER_LETTER_ROWS = ("abcdefg", "hijklmn", "opqrstu", "vwxyz")
ELDER_WIDE_ROWS = ("12345678", "90abcdef", "ghijklmn", "opqrstuv", "wxyz")
PAD_ROWS = ("123", "456", "789")
BACKSPACE_LABEL = "删除"
CLEAR_LABEL = "清空"
GROW = 2.0  # a key grows to this many times its smallest side, no more
LETTER_KINDS: frozenset[InputKind] = frozenset({"pinyin", "code", "ticket_number"})


def key_rows(
    kind: InputKind, elder: bool = False, landscape: bool = False
) -> list[list[tuple[str, str]]]:
    """The keyboard of ``kind`` as rows of (key sent, label shown)."""
    if kind in LETTER_KINDS:
        upper = kind != "pinyin"
        source: tuple[str, ...] = LETTER_ROWS
        if elder:
            source = ELDER_WIDE_ROWS if landscape else ELDER_ROWS
            if kind == "pinyin" and not landscape:
                source = ELDER_LETTER_ROWS
        rows = [[(c.upper() if upper else c, c.upper()) for c in row] for row in source]
        # The edit keys go on the shortest row (the last one, or 890 in elder mode).
        shortest = min(range(len(rows)), key=lambda n: (len(rows[n]), -n))
        rows[shortest] += [(KEY_BACKSPACE, BACKSPACE_LABEL), (KEY_CLEAR, CLEAR_LABEL)]
        return rows
    rows = [[(c, c) for c in row] for row in PAD_ROWS]
    rows.append([(KEY_CLEAR, CLEAR_LABEL), ("0", "0"), (KEY_BACKSPACE, BACKSPACE_LABEL)])
    return rows


class Keyboard(QWidget):
    """Keys for one input kind, sized for touch by ``metrics``."""

    pressed = Signal(str)

    def __init__(
        self, kind: InputKind, metrics: Metrics, parent: QWidget | None = None, room: int = 0
    ) -> None:
        """``room``: the px width the keyboard may take (0: any); keys narrow to fit it."""
        super().__init__(parent)
        self.kind = kind
        self.setObjectName(f"keyboard-{kind}")
        grid = QGridLayout(self)
        gap = metrics.px(metrics.sizes.gap / 2)
        grid.setSpacing(gap)
        grid.setContentsMargins(0, 0, 0, 0)
        font = pixel_font(metrics.px(metrics.sizes.body + 4), bold=True)
        rows = key_rows(kind, metrics.elder, metrics.landscape)
        # Letter keys take two grid columns and the two edit keys three, so that rows of
        # different lengths centre like a real keyboard; the number pad is a plain 3×4 grid.
        letters = kind in LETTER_KINDS
        side = metrics.px(metrics.sizes.key)

        def cols(key: str) -> int:
            if not letters:
                return 1
            wide = key in (KEY_BACKSPACE, KEY_CLEAR) and not metrics.elder
            return 3 if wide else 2

        width = max(sum(cols(k) for k, _ in row) for row in rows)
        # The widest row's keys share ``room``: never wider than the screen (a key then keeps
        # its height and gives up a little width; 长辈版 rows are short enough for 60 dp).
        per_key = 2 if letters else 1
        keys = width / per_key
        side_w = side
        if room:
            side_w = min(side, int((room - (keys - 1) * gap) / keys))
        for r, row in enumerate(rows):
            column = (width - sum(cols(k) for k, _ in row)) // 2
            for key, label in row:
                button = QPushButton(label)
                button.setObjectName(f"key:{key}")
                button.setFont(font)
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                button.setMinimumSize(side_w if cols(key) == per_key else side, side)
                # Keys grow with the room the screen leaves them, up to a comfortable size.
                button.setMaximumHeight(int(side * GROW))
                button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
                button.setProperty("kind", "key")
                button.clicked.connect(lambda _=False, k=key: self.pressed.emit(k))
                grid.addWidget(button, r, column, 1, cols(key))
                column += cols(key)
        for c in range(width):
            grid.setColumnStretch(c, 1)
        for r in range(len(rows)):
            grid.setRowStretch(r, 1)
        # Never taller than its keys at their largest: spare height stays outside, in one place.
        self.setMaximumHeight(len(rows) * int(side * GROW) + (len(rows) - 1) * gap)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
