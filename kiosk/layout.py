"""The kiosk's sizes and how much fits on a screen, in dp, without Qt.

A kiosk screen's short side is 540 dp (a 1080 px short side is 2 px per dp, a 720×1280 ticket
machine 1.33), so a portrait kiosk is 540×960 dp and a landscape one 960×540. :class:`Metrics`
turns dp into pixels for one screen and mode; :class:`Room` says how many list choices fit on a
page of a screen, from the same sizes the view draws with, so that a page fills the screen's
height instead of leaving it empty (the journeys page their lists with it).

Elder mode (适老化): headline ≥ 30 dp, every text ≥ 18 dp, touch targets ≥ 60×60 dp.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

REFERENCE_SHORT_SIDE_DP = 540
LINE_HEIGHT = 1.45  # a line of Noto Sans CJK / WenQuanYi text is about 1.45 em high

ListStyle = Literal["tiles", "rows"]


@dataclass(frozen=True)
class Sizes:
    """Sizes in dp of one mode."""

    headline: float  # the screen's title
    body: float  # every text a citizen reads
    hint: float  # the second line on a tile
    big: float  # the ticket number
    target: float  # the smallest touch target (both sides)
    tile: float  # a tile's comfortable height (categories, departments)
    row: float  # a list row's comfortable height (items, search results)
    key: float  # a keyboard key's smallest side
    gap: float  # between tiles and parts
    pad: float  # at the screen's edges and inside panels
    header: float  # the brand band at the top
    footer: float  # the bar at the bottom (back, home, staff, mode)
    tile_columns: int  # tiles per row in portrait (landscape: one more)


NORMAL_SIZES = Sizes(
    headline=28,
    body=18,
    hint=14,
    big=120,
    target=48,
    tile=88,
    row=60,
    key=52,
    gap=8,
    pad=16,
    header=84,
    footer=64,
    tile_columns=3,
)
ELDER_SIZES = Sizes(
    headline=36,
    body=24,
    hint=20,
    big=130,
    target=64,
    tile=96,
    row=84,
    key=64,
    gap=12,
    pad=16,
    header=100,
    footer=88,
    tile_columns=2,
)


@dataclass(frozen=True)
class Metrics:
    """Pixel sizes for one screen and mode. ``scale`` is px per dp."""

    scale: float
    elder: bool
    landscape: bool

    @classmethod
    def for_size(cls, width: int, height: int, elder: bool) -> Metrics:
        short = max(1, min(width, height))
        scale = short / REFERENCE_SHORT_SIDE_DP if short >= 360 else 1.0
        return cls(scale, elder, width > height)

    @property
    def sizes(self) -> Sizes:
        return ELDER_SIZES if self.elder else NORMAL_SIZES

    def px(self, dp: float) -> int:
        """Device pixels for ``dp`` (rounded up, so a minimum stays a minimum)."""
        return int(-(-dp * self.scale // 1))

    def columns(self, style: ListStyle = "tiles") -> int:
        """Choices per row of a list of ``style``: rows are one a line (two in landscape outside
        长辈版); tiles one more per row in landscape."""
        if style == "rows":
            return 2 if self.landscape and not self.elder else 1
        return self.sizes.tile_columns + (1 if self.landscape else 0)

    @property
    def header(self) -> float:
        """dp height of the brand band (lower in landscape, where height is scarce)."""
        return self.sizes.header * (0.8 if self.landscape else 1.0)

    @property
    def footer(self) -> float:
        """dp height of the bottom bar."""
        return self.sizes.footer * (0.9 if self.landscape else 1.0)

    @property
    def width_dp(self) -> float:
        return REFERENCE_SHORT_SIDE_DP * (16 / 9 if self.landscape else 1.0)


LANDSCAPE_MAIN = 0.7  # landscape: the main column's share of the width; the rest is the rail
PAGING_WIDTH = 110.0  # landscape keyboard screens: the page buttons' column beside the results


def text_lines(text: str, width_dp: float, dp: float) -> int:
    """How many lines ``text`` takes at ``dp`` in a column ``width_dp`` wide (CJK characters are
    one em wide, Latin letters and digits about half)."""
    if not text:
        return 0
    ems = sum(1.0 if ord(c) > 0x2E7F else 0.5 for c in text)
    return max(1, math.ceil(ems * dp / max(dp, width_dp)))


@dataclass(frozen=True)
class Room:
    """The room a screen of ``width``×``height`` px has for a paged list, in ``elder`` mode or
    not (see the module docstring). Pure arithmetic over the sizes the view draws with: in
    portrait everything stacks; in landscape the list or guide takes the main column and the
    page buttons, popular items and actions go to a rail on the right (a keyboard takes the
    right half)."""

    width: int
    height: int
    elder: bool

    @property
    def metrics(self) -> Metrics:
        return Metrics.for_size(self.width, self.height, self.elder)

    def _dp(self, px: int) -> float:
        return px / self.metrics.scale

    def text_height(self, lines: Sequence[str], width_dp: float, dp: float) -> float:
        """dp height of ``lines`` stacked at ``dp``, with the view's gaps between them."""
        s = self.metrics.sizes
        count = sum(text_lines(line, width_dp, dp) for line in lines)
        return count * dp * LINE_HEIGHT + s.gap * max(0, len(lines) - 1)

    def keyboard_height(self, kind: str) -> float:
        """dp height of the built-in keyboard of ``kind`` at its smallest (see kiosk.qt.keyboard:
        four rows of letters, six in portrait elder mode; four rows of digits)."""
        m, s = self.metrics, self.metrics.sizes
        rows = 4
        if kind in ("code", "ticket_number") and m.elder:
            rows = 5 if m.landscape else 6
        elif kind == "pinyin" and m.elder:
            rows = 5 if m.landscape else 4  # portrait 长辈版 search: letters only
        return rows * s.key + (rows - 1) * s.gap / 2

    def field_height(self) -> float:
        """dp height of the input field above a list of results: one line, the typed text
        (or the prompt until something is typed; ``kiosk.qt.parts.field`` compact)."""
        s = self.metrics.sizes
        return (s.headline + 4) * LINE_HEIGHT + 16 + 4

    def paging_height(self) -> float:
        """dp height of the 上一页/下一页 row with the gap above it."""
        s = self.metrics.sizes
        return s.target * 1.15 + s.gap

    def keyboard_width(self, kind: str) -> float:
        """dp width the built-in keyboard of ``kind`` needs at its smallest (kiosk.qt.keyboard:
        ten letter keys a row, eight in landscape 长辈版; three keys of a number pad)."""
        m, s = self.metrics, self.metrics.sizes
        if kind in ("pinyin", "code", "ticket_number"):
            keys = 8 if m.elder and m.landscape else (7 if m.elder else 10)
        else:
            keys = 3
        return keys * s.key + (keys - 1) * s.gap / 2

    def main_width(self, keyboard: str | None = None) -> float:
        """dp width of the main column (landscape: beside the rail or the keyboard)."""
        m, s = self.metrics, self.metrics.sizes
        width = self._dp(self.width) - 2 * s.pad
        if not m.landscape:
            return width
        if keyboard is None:
            return width * LANDSCAPE_MAIN - s.gap
        pad = keyboard not in ("pinyin", "code", "ticket_number")
        rail = max(self.keyboard_width(keyboard), width * (0.42 if pad else 0.55))
        return width - rail - 2 * s.gap

    def actions_height(self, hints: Sequence[str], width_dp: float) -> float:
        """dp height of the row of action buttons (up to three a row, as the view draws them),
        with the gap above it: a button is its label over its hint, wrapped at its width."""
        s = self.metrics.sizes
        if not hints:
            return 0.0
        per_row = min(3, len(hints))
        rows = -(-len(hints) // per_row)
        inner = (width_dp - (per_row - 1) * s.gap) / per_row - 16  # the button's padding
        tallest = max(  # a little generous: a page one tile shorter beats an overlap
            (s.body + text_lines(hint, inner, s.hint) * s.hint) * 1.5 + 32 for hint in hints
        )
        button = max(s.target * 1.25, tallest)
        return rows * button + rows * s.gap

    def _chrome(
        self, title: str, notices: Sequence[str], lines: Sequence[str], column: float
    ) -> float:
        m, s = self.metrics, self.metrics.sizes
        width = self._dp(self.width) - 2 * s.pad
        used = m.header + m.footer + 2 * s.gap
        used += self.text_height([title], width, s.headline) + s.gap
        used += self.text_height(notices, width, s.body) + s.gap * len(notices)
        used += self.text_height(lines, column, s.body) + (s.gap if lines else 0)
        return used

    def page_size(
        self,
        style: ListStyle,
        total: int,
        *,
        title: str = "",
        lines: Sequence[str] = (),
        notices: Sequence[str] = (),
        row_choices: int = 0,
        actions: int = 0,
        keyboard: str | None = None,
        action_hints: Sequence[str] = (),
    ) -> int:
        """How many of ``total`` list choices of ``style`` one page holds on this screen, given
        what else the screen shows (text lines, kiosk notices, a row of popular choices,
        action buttons and their hints, a keyboard). At least one row's worth."""
        m, s = self.metrics, self.metrics.sizes
        height = self._dp(self.height)
        column = self.main_width(keyboard)
        used = self._chrome(title, notices, lines, column)
        if m.landscape:
            if keyboard is not None:  # a one-line field and its button sit above the results
                field = (s.headline + 4) * LINE_HEIGHT + 16
                used += field + s.gap + (s.target * 1.25 + s.gap if actions else 0)
        else:
            if row_choices:
                used += math.ceil(row_choices / 2) * (s.row * 1.3 + s.gap)
            if actions:
                hints = list(action_hints) + [""] * max(0, actions - len(action_hints))
                used += self.actions_height(hints, column)
            if keyboard is not None:
                used += self.keyboard_height(keyboard) + self.field_height() + 2 * s.gap
        item = s.tile if style == "tiles" else s.row
        if style == "tiles" and m.elder:
            item = s.tile * 1.1  # a hint (waits, counts) kept on one line at 18 dp or more
        columns = 1 if (keyboard is not None and m.landscape) else m.columns(style)
        if m.landscape and keyboard is None and not (actions or row_choices):
            column = self._dp(self.width) - 2 * s.pad  # no rail: the whole width
            columns += 1 if style == "tiles" else 0
        if style == "rows" and (column - PAGING_WIDTH) / columns < 14 * (s.body + 2):
            item = s.row * 1.5  # a narrow column: item names take three lines
        room = height - used

        def fits(space: float) -> int:
            return max(1, int((space + s.gap) // (item + s.gap))) * columns

        whole = fits(room)
        if total <= whole or (m.landscape and keyboard is not None):
            return whole  # landscape keyboard screens: the page buttons are beside the list
        return fits(room - self.paging_height())  # the 上一页/下一页 row takes its share

    def section_pages(
        self,
        sections: Sequence[tuple[str, Sequence[str]]],
        *,
        title: str = "",
        lines: Sequence[str] = (),
        notices: Sequence[str] = (),
        actions: int = 0,
    ) -> list[list[tuple[str, list[str], bool, int]]]:
        """``sections`` (title, lines) laid out on pages of this screen's height: each page a
        list of (title, lines, continued, column); a section too long for the rest of a column
        goes on with its remaining lines in the next column or page (``continued`` True there).
        Portrait has one column of text, landscape two side by side."""
        m, s = self.metrics, self.metrics.sizes
        height = self._dp(self.height)
        columns = 2 if m.landscape else 1
        width = (self.main_width() - 2 * s.pad - (columns - 1) * s.pad) / columns
        used = self._chrome(title, notices, lines, self.main_width()) + 2 * 10 + s.gap
        used += self.paging_height()  # reserved: the page count is not known yet
        if not m.landscape:
            used += s.target * 1.25 + s.gap if actions else 0
        room = height - used
        heading_h = (s.body + 2) * LINE_HEIGHT + 2  # a section's title (kiosk.qt.parts)
        pages: list[list[tuple[str, list[str], bool, int]]] = [[]]
        slot, left = 0, room

        def next_slot() -> None:
            nonlocal slot, left
            slot += 1
            left = room
            if slot >= columns:
                pages.append([])
                slot = 0

        for heading, body in sections:
            pending = list(body)
            continued = False
            while True:
                fresh = left == room
                space = left - heading_h - (0 if fresh else s.gap)
                taken: list[str] = []
                while pending:
                    need = text_lines(pending[0], width, s.body) * s.body * LINE_HEIGHT + 2
                    if need > space and (taken or not fresh):
                        break
                    taken.append(pending.pop(0))
                    space -= need
                if not taken and not fresh and (pending or not body):
                    next_slot()  # not even one line fits under the title here
                    continue
                pages[-1].append((heading, taken, continued, slot))
                left = space
                if not pending:
                    break
                continued = True
                next_slot()
        return [page for page in pages if page]
