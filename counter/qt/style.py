"""The counter's look, from the apps' shared style (``appkit.style``): one stylesheet for the
window and its dialogs, sized for the counter's screen.

A counter runs at 1280×800 or 1920×1080: every size here is given for an 800 px high screen and
multiplied by ``scale`` (the screen's height ÷ 800, within 0.9–1.5), so the same layout fills
both. The window's state has a colour of its own (a band across the screen): paused is amber on
dark brown, rating a warm yellow, serving green, idle slate; errors alone are red.
"""

from __future__ import annotations

from dataclasses import dataclass

from appkit.style import NORMAL, SPACING, Palette

BASE_HEIGHT = 800


def scale_for(height: int, width: int | None = None) -> float:
    """The size factor for a screen (or window) ``height`` pixels high and ``width`` wide: by
    the height, but never more than the width allows at 16:10 (so a layout that grows taller
    than its window cannot make itself larger still)."""
    if width is not None:
        height = min(height, round(width * BASE_HEIGHT / 1280))
    return min(1.5, max(0.9, height / BASE_HEIGHT))


@dataclass(frozen=True)
class StateColours:
    """Background and text of the state band for one window state (contrast ≥ 4.5:1)."""

    background: str
    text: str


STATE_COLOURS: dict[str, StateColours] = {
    "signed_out": StateColours("#546e7a", "#ffffff"),
    "idle": StateColours("#455a64", "#ffffff"),
    "serving": StateColours(NORMAL.success, "#ffffff"),
    "paused": StateColours("#ffb300", "#3e2500"),
    "rating": StateColours(NORMAL.banner, NORMAL.on_banner),
    "bad_reason": StateColours(NORMAL.error_surface, NORMAL.on_error_surface),
}

# A disabled key: its label stays readable (the disabled pair of the shared palette).
DISABLED_BACKGROUND = NORMAL.disabled
DISABLED_TEXT = NORMAL.on_disabled


def px(value: float, scale: float) -> int:
    """``value`` (pixels at 800 px high) at ``scale``, at least 1."""
    return max(1, round(value * scale))


def stylesheet(scale: float = 1.0, palette: Palette = NORMAL) -> str:
    """The counter's stylesheet at ``scale`` (see the module docstring)."""
    p = palette

    def s(value: float) -> int:
        return px(value, scale)

    radius = s(SPACING.radius)
    return f"""
QWidget {{ font-size: {s(20)}px; color: {p.text}; }}
#page, QDialog {{ background: {p.background}; }}
#header {{ background: {p.brand}; }}
#header QLabel {{ color: {p.on_brand}; }}
#title {{ font-size: {s(26)}px; font-weight: bold; }}
#clock {{ font-size: {s(22)}px; }}
#banner {{ background: {p.error}; color: #ffffff; padding: {s(8)}px; font-weight: bold; }}
#panel {{ background: {p.surface}; border: 1px solid {p.line}; border-radius: {radius}px; }}
#panel QLabel {{ background: transparent; }}
#caption {{ font-size: {s(20)}px; color: {p.muted}; }}
#number {{ font-size: {s(128)}px; font-weight: bold; color: {p.big}; }}
#number[small="true"] {{ font-size: {s(92)}px; }}
#number[empty="true"] {{ font-size: {s(64)}px; color: {p.muted}; }}
#detail {{ font-size: {s(24)}px; }}
#elapsed {{ font-size: {s(30)}px; font-weight: bold; }}
#hint {{ font-size: {s(22)}px; color: {p.muted}; }}
#qhead {{ font-size: {s(18)}px; color: {p.muted}; }}
#qcell {{ font-size: {s(22)}px; }}
#qtotal {{ font-size: {s(22)}px; font-weight: bold; }}
#longest {{ font-size: {s(22)}px; font-weight: bold; color: {p.on_banner};
    background: {p.banner}; border-radius: {s(6)}px; padding: {s(8)}px; }}
#longest[late="true"] {{ color: {p.on_error_surface}; background: {p.error_surface}; }}
#today {{ font-size: {s(20)}px; color: {p.muted}; }}
#message {{ padding: {s(6)}px; font-size: {s(22)}px; }}
#message[error="true"] {{ color: {p.error}; font-weight: bold; }}
#state {{ font-size: {s(30)}px; font-weight: bold; padding: {s(8)}px {s(16)}px; }}
#rating {{ border-radius: {radius}px; }}
#ratingline {{ font-size: {s(26)}px; font-weight: bold; }}
#ratingtime {{ font-size: {s(26)}px; font-weight: bold; }}
#ratingnote {{ font-size: {s(20)}px; }}
QPushButton {{ background: {p.key}; color: {p.on_key}; border: {max(1, s(1.5))}px solid #7f93a8;
    border-radius: {s(8)}px; padding: {s(6)}px; min-height: {s(64)}px; font-size: {s(21)}px; }}
QPushButton:pressed {{ background: {p.nav}; }}
#keyname {{ font-size: {s(23)}px; font-weight: bold; color: {p.on_key}; background: transparent; }}
#keykeys {{ font-size: {s(14)}px; color: {p.muted}; background: transparent; }}
QPushButton#primary #keyname, QPushButton#primary #keykeys {{ color: {p.on_action}; }}
#keyname:disabled, #keykeys:disabled,
QPushButton#primary #keyname:disabled, QPushButton#primary #keykeys:disabled {{
    color: {DISABLED_TEXT}; }}
QPushButton:disabled {{ color: {DISABLED_TEXT}; background: {DISABLED_BACKGROUND};
    border-color: {DISABLED_BACKGROUND}; }}
QPushButton#primary {{ background: {p.action}; color: {p.on_action}; border-color: {p.action};
    font-weight: bold; }}
QPushButton#primary:disabled {{ color: {DISABLED_TEXT}; background: {DISABLED_BACKGROUND};
    border-color: {DISABLED_BACKGROUND}; }}
QPushButton#reason {{ min-height: {s(52)}px; background: #ffffff; color: {p.on_error_surface};
    border: {s(2)}px solid {p.error}; font-weight: bold; }}
QPushButton#reason:disabled {{ color: {DISABLED_TEXT}; background: {DISABLED_BACKGROUND};
    border-color: {DISABLED_BACKGROUND}; }}
QPushButton#choice {{ text-align: left; padding: {s(6)}px {s(12)}px; min-height: {s(54)}px; }}
QPushButton#choice:checked {{ background: {p.primary}; color: {p.on_primary};
    border-color: {p.primary}; font-weight: bold; }}
QPushButton#signout {{ min-height: {s(44)}px; padding: {s(2)}px {s(16)}px; }}
QPushButton#padkey {{ min-height: {s(44)}px; font-size: {s(24)}px; }}
QLineEdit {{ padding: {s(6)}px; min-height: {s(48)}px; font-size: {s(24)}px; background: white;
    border: {max(1, s(1.5))}px solid #7f93a8; border-radius: {s(6)}px; }}
#dialogtitle {{ font-size: {s(30)}px; font-weight: bold; color: {p.brand}; }}
#section {{ font-size: {s(20)}px; color: {p.muted}; font-weight: bold; }}
#problem {{ color: {p.error}; font-weight: bold; font-size: {s(22)}px; }}
#pageinfo {{ font-size: {s(20)}px; color: {p.muted}; }}
"""
