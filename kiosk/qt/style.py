"""The kiosk's look: the hall apps' shared palette and font (``appkit``), the kiosk's own sizes
(``kiosk.layout``: dp per mode, screen scale), the colour of each tone, and the Qt stylesheet
every kiosk widget is drawn with.

A kiosk screen's short side is 540 dp, so a portrait 1080×1920 screen is 540×960 dp and a
720×1280 ticket machine the same at 1.33 px per dp. Elder mode (适老化): headline ≥ 30 dp, text
≥ 18 dp, touch targets ≥ 60×60 dp, contrast ≥ 4.5:1 (checked on the palette and measured on
the drawn widgets, ``kiosk.qt.measure``).
"""

from __future__ import annotations

from PySide6.QtGui import QFont

from appkit import fonts
from appkit.style import ELDER as ELDER_PALETTE
from appkit.style import NORMAL as NORMAL_PALETTE
from appkit.style import Palette, contrast_ratio, luminance
from kiosk.journeys.screens import Tone
from kiosk.layout import ELDER_SIZES, NORMAL_SIZES, Metrics, Sizes

__all__ = [
    "ELDER",
    "ELDER_SIZES",
    "NORMAL",
    "NORMAL_SIZES",
    "Metrics",
    "Palette",
    "Sizes",
    "contrast_ratio",
    "font",
    "luminance",
    "palette",
    "stylesheet",
    "text_pairs",
    "tone_colour",
]

NORMAL = NORMAL_PALETTE
ELDER = ELDER_PALETTE


def palette(metrics: Metrics) -> Palette:
    """The palette of the metrics' mode."""
    return ELDER if metrics.elder else NORMAL


def tone_colour(p: Palette, tone: Tone) -> str:
    """Text colour for lines of this tone (on the background)."""
    return {
        Tone.INFO: p.text,
        Tone.SUCCESS: p.success,
        Tone.WARNING: p.warning,
        Tone.ERROR: p.error,
    }[tone]


def text_pairs(p: Palette) -> dict[str, tuple[str, str]]:
    """Every (text colour, background) pair the kiosk draws: the shared ones and the tones."""
    pairs = p.text_pairs()
    for tone in Tone:
        pairs[f"tone_{tone.value}"] = (tone_colour(p, tone), p.background)
        pairs[f"tone_{tone.value}_on_surface"] = (tone_colour(p, tone), p.surface)
    return pairs


def font(metrics: Metrics, dp: float, bold: bool = False) -> QFont:
    """The hall font at ``dp`` (pixel-sized, so it does not depend on the screen's DPI)."""
    return fonts.pixel_font(metrics.px(dp), bold)


def stylesheet(metrics: Metrics) -> str:
    """Colours, borders and corners of every widget kind, from the mode's palette."""
    p = palette(metrics)
    radius = metrics.px(10)
    border = max(1, metrics.px(1))
    return f"""
    QWidget#screen {{ background: {p.background}; }}
    QFrame#header {{ background: {p.brand}; }}
    QFrame#header QLabel {{ color: {p.on_brand}; }}
    QFrame#footer {{ background: {p.surface}; border-top: {border}px solid {p.line}; }}
    QLabel {{ color: {p.text}; background: transparent; }}
    QLabel[role="muted"] {{ color: {p.muted}; }}
    QLabel[role="banner"] {{ background: {p.banner}; color: {p.on_banner};
        padding: {metrics.px(8)}px; border-radius: {radius}px; }}
    QLabel[role="big"] {{ color: {p.big}; }}
    QFrame#bigpanel, QFrame#section, QFrame#field, QFrame#panel, QFrame#cardpicture {{
        background: {p.surface}; border: {border}px solid {p.line}; border-radius: {radius}px; }}
    QFrame#problem {{ background: {p.error_surface}; border-radius: {radius}px;
        border: {border * 2}px solid {p.error}; }}
    QFrame#problem QLabel {{ color: {p.on_error_surface}; }}
    QFrame#factrule {{ background: {p.line}; }}
    QPushButton {{ border: none; border-radius: {radius}px; padding: {metrics.px(6)}px; }}
    QPushButton[group="list"] {{ background: {p.primary}; }}
    QPushButton[group="rows"] {{ background: {p.row}; border: {border}px solid {p.line}; }}
    QPushButton[group="row"] {{ background: {p.row}; border: {border}px solid {p.line}; }}
    QPushButton[group="action"] {{ background: {p.action}; }}
    QPushButton[group="nav"] {{ background: {p.nav}; }}
    QPushButton[group="mode"] {{ background: {p.nav}; padding: {metrics.px(3)}px; }}
    QLabel[segment="on"] {{ background: {p.brand}; color: {p.on_brand};
        border-radius: {radius - 2}px; }}
    QLabel[segment="off"] {{ color: {p.on_nav}; }}
    QPushButton[kind="key"] {{ background: {p.key}; color: {p.on_key};
        border: {border}px solid {p.line}; }}
    QPushButton:disabled {{ background: {p.disabled}; border: none; }}
    QPushButton:pressed {{ background: {p.on_row}; }}
    """
