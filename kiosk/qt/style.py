"""Sizes, colours and fonts of the kiosk, in dp (density-independent pixels), for normal and
elder mode, and the WCAG contrast ratio that the palette is checked against.

A kiosk screen's short side is 1080 px; we call that 540 dp (2 px per dp, as a tablet), so a
portrait 1080×1920 screen is 540×960 dp. ``Metrics.for_size`` scales to any screen. Elder mode
(适老化): headline ≥ 30 dp, body ≥ 18 dp, touch targets ≥ 60×60 dp, contrast ≥ 4.5:1.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.journeys.screens import Tone

FONT_FAMILY = "WenQuanYi Micro Hei"
REFERENCE_SHORT_SIDE_PX = 1080
REFERENCE_SHORT_SIDE_DP = 540


@dataclass(frozen=True)
class Palette:
    """Colours as ``#rrggbb``; every text colour is used on the background it is paired with
    in ``text_pairs``."""

    background: str = "#f4f6f8"
    surface: str = "#ffffff"
    text: str = "#1a1a1a"
    muted: str = "#4a4f55"
    primary: str = "#0b4f9c"  # list buttons (government blue)
    on_primary: str = "#ffffff"
    action: str = "#b3261e"  # the main action (take a ticket, confirm)
    on_action: str = "#ffffff"
    nav: str = "#dfe4ea"
    on_nav: str = "#1a1a1a"
    row: str = "#e3eefb"
    on_row: str = "#0b3d78"
    banner: str = "#fff3c4"
    on_banner: str = "#5c4300"
    success: str = "#1e6b34"
    warning: str = "#8a5300"
    error: str = "#b3261e"
    big: str = "#b3261e"  # the ticket number
    key: str = "#ffffff"
    on_key: str = "#1a1a1a"
    disabled: str = "#c9ced4"
    on_disabled: str = "#3d4248"

    def tone(self, tone: Tone) -> str:
        """Text colour for lines of this tone (on ``background``)."""
        return {
            Tone.INFO: self.text,
            Tone.SUCCESS: self.success,
            Tone.WARNING: self.warning,
            Tone.ERROR: self.error,
        }[tone]

    def text_pairs(self) -> dict[str, tuple[str, str]]:
        """Every (text colour, background) pair the view draws, by name."""
        pairs = {
            "text": (self.text, self.background),
            "muted": (self.muted, self.background),
            "text_on_surface": (self.text, self.surface),
            "muted_on_surface": (self.muted, self.surface),
            "primary": (self.on_primary, self.primary),
            "action": (self.on_action, self.action),
            "nav": (self.on_nav, self.nav),
            "row": (self.on_row, self.row),
            "banner": (self.on_banner, self.banner),
            "big": (self.big, self.surface),
            "key": (self.on_key, self.key),
            "disabled": (self.on_disabled, self.disabled),
            "hint_on_primary": (self.on_primary, self.primary),
        }
        for tone in Tone:
            pairs[f"tone_{tone.value}"] = (self.tone(tone), self.background)
        return pairs


NORMAL = Palette()
# Elder mode: the same hues, darker text, pure white surfaces (more contrast, no greys).
ELDER = Palette(
    background="#ffffff",
    muted="#2b2f33",
    nav="#d0d7df",
    row="#d6e6fa",
    disabled="#b8bfc7",
    on_disabled="#1a1a1a",
)


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
class Sizes:
    """Sizes in dp."""

    headline: float
    body: float
    hint: float
    big: float  # the ticket number
    target: float  # smallest touch target (both sides)
    list_button_height: float
    key: float  # a keyboard key's smallest side
    gap: float
    list_columns: int


NORMAL_SIZES = Sizes(
    headline=26,
    body=16,
    hint=12,
    big=96,
    target=44,
    list_button_height=78,
    key=48,
    gap=8,
    list_columns=3,
)
ELDER_SIZES = Sizes(
    headline=34,
    body=22,
    hint=18,
    big=120,
    target=64,
    list_button_height=96,
    key=60,
    gap=12,
    list_columns=2,
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

    @property
    def palette(self) -> Palette:
        return ELDER if self.elder else NORMAL

    def px(self, dp: float) -> int:
        """Device pixels for ``dp`` (rounded up, so a minimum stays a minimum)."""
        return int(-(-dp * self.scale // 1))

    @property
    def columns(self) -> int:
        # Landscape has room for one more column of list buttons.
        return self.sizes.list_columns + (1 if self.landscape else 0)
