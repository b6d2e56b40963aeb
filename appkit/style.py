"""The hall apps' shared look: colours (a palette checked for contrast), font families, spacing,
and the clock format every screen uses ("12月7日 星期一 10:26").

Sizes are in dp (density-independent pixels): each app turns dp into pixels for its screen
(the kiosk calls a 1080 px short side 540 dp). Colours are ``#rrggbb``. Nothing here imports Qt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

# Preferred first: Noto Sans CJK SC (Debian's fonts-noto-cjk) has a real Bold weight, so
# headlines and numbers are bold strokes, not a smeared regular; WenQuanYi Micro Hei is the
# fallback every hall box has had (fonts-wqy-microhei), with a synthetic bold only.
FONT_FAMILIES: tuple[str, ...] = ("Noto Sans CJK SC", "WenQuanYi Micro Hei")
FALLBACK_FAMILY = FONT_FAMILIES[-1]


def choose_family(installed: Iterable[str]) -> str:
    """The first of ``FONT_FAMILIES`` among ``installed`` family names (the fallback when none
    is: a warning is the caller's to log)."""
    have = set(installed)
    return next((family for family in FONT_FAMILIES if family in have), FALLBACK_FAMILY)


@dataclass(frozen=True)
class Palette:
    """Colours by role. Every text colour is drawn on the background it is paired with in
    :meth:`text_pairs` (checked ≥ 4.5:1). ``action`` (the main action: 取号, 确认, 打印) is a
    blue-green, never the error red: red only ever means something went wrong."""

    background: str = "#eef2f6"
    surface: str = "#ffffff"
    text: str = "#1a1a1a"
    muted: str = "#4a4f55"
    brand: str = "#0b3f7e"  # the header band (government blue)
    on_brand: str = "#ffffff"
    primary: str = "#0b4f9c"  # list tiles
    on_primary: str = "#ffffff"
    action: str = "#006b5a"  # the main action
    on_action: str = "#ffffff"
    nav: str = "#dbe2ea"
    on_nav: str = "#1a1a1a"
    row: str = "#ffffff"  # list rows and secondary tiles: white cards with blue text
    on_row: str = "#0b3d78"
    banner: str = "#fff3c4"
    on_banner: str = "#5c4300"
    success: str = "#1e6b34"
    warning: str = "#8a5300"
    error: str = "#b3261e"
    error_surface: str = "#fdecea"
    on_error_surface: str = "#8c1d18"
    big: str = "#0b3f7e"  # the ticket number
    key: str = "#ffffff"
    on_key: str = "#1a1a1a"
    disabled: str = "#c9ced4"
    on_disabled: str = "#33383d"
    line: str = "#c3ccd6"  # borders and rules

    def text_pairs(self) -> dict[str, tuple[str, str]]:
        """Every (text colour, background) pair an app draws, by name."""
        return {
            "text": (self.text, self.background),
            "muted": (self.muted, self.background),
            "text_on_surface": (self.text, self.surface),
            "muted_on_surface": (self.muted, self.surface),
            "brand": (self.on_brand, self.brand),
            "primary": (self.on_primary, self.primary),
            "action": (self.on_action, self.action),
            "nav": (self.on_nav, self.nav),
            "row": (self.on_row, self.row),
            "banner": (self.on_banner, self.banner),
            "big": (self.big, self.surface),
            "key": (self.on_key, self.key),
            "disabled": (self.on_disabled, self.disabled),
            "success": (self.success, self.background),
            "warning": (self.warning, self.background),
            "error": (self.error, self.background),
            "error_on_surface": (self.error, self.surface),
            "error_panel": (self.on_error_surface, self.error_surface),
        }


NORMAL = Palette()
# Elder mode: the same hues, darker text, pure white background (more contrast, no greys).
ELDER = Palette(
    background="#ffffff",
    muted="#2b2f33",
    nav="#d0d7df",
    disabled="#b8bfc7",
    on_disabled="#1a1a1a",
)


@dataclass(frozen=True)
class BoardPalette:
    """The window boards' and the hall display's colours (dark, for TVs read from afar), shared
    by the Qt views (boards/qt/board.py, display.py) and the web pages (hub/static/board.css,
    whose every colour is one of these: tests/boards/qt/test_board_palette.py)."""

    background: str = "#0b2a4a"
    band: str = "#07203a"  # the head band and the notice
    items_band: str = "#103a63"
    accent: str = "#ffd54f"  # numbers, the fresh call, the banner
    soft: str = "#b8d4f0"  # titles and headers
    text: str = "#ffffff"
    rule: str = "#2d5b86"  # under titles
    row_rule: str = "#1d4670"  # between rows
    empty: str = "#8aa7c4"  # "no calls yet"
    unit: str = "#e3f0ff"
    photo_back: str = "#dfe6ee"  # a clerk without a photo
    photo_figure: str = "#9aa9b8"
    serving: str = "#2e7d32"
    paused: str = "#c62828"
    idle: str = "#546e7a"
    offline: str = "#b3261e"
    rating_back: str = "#fff8e1"
    rating_border: str = "#ffb300"
    rating_text: str = "#4e342e"

    def colours(self) -> set[str]:
        """Every colour of the palette, lower case."""
        return {value.lower() for value in vars(self).values()}


BOARD = BoardPalette()


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """Relative luminance (WCAG 2.x) of ``#rrggbb``; raises ValueError for another form."""
    text = colour.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"expected #rrggbb, got {colour!r}")
    r, g, b = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours, from 1.0 to 21.0."""
    a, b = luminance(foreground), luminance(background)
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)


@dataclass(frozen=True)
class Spacing:
    """Spacing in dp: ``gap`` between tiles, ``pad`` inside panels and at screen edges,
    ``radius`` of corners, ``rule`` the width of borders."""

    gap: float = 8
    pad: float = 16
    radius: float = 10
    rule: float = 1


SPACING = Spacing()
ELDER_SPACING = Spacing(gap=12, pad=16, radius=12, rule=1.5)

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a clock needs an aware datetime in the hall's time zone")
    return moment


def date_text(moment: datetime) -> str:
    """``12月7日 星期一``: the date as every hall screen shows it. ``moment`` must be aware and in
    the hall's zone (``datetime.now(ZoneInfo(config.hall.timezone))``); raises ValueError when
    it is naive, so that a box's own zone never shows by mistake."""
    moment = _aware(moment)
    return f"{moment.month}月{moment.day}日 {WEEKDAYS[moment.weekday()]}"


def time_text(moment: datetime) -> str:
    """``10:26``: hours and minutes, 24-hour clock, no seconds. Raises ValueError when naive."""
    return f"{_aware(moment):%H:%M}"


def clock_text(moment: datetime) -> str:
    """``12月7日 星期一 10:26``: the one clock of every hall app (see :func:`date_text`)."""
    return f"{date_text(moment)} {time_text(moment)}"
