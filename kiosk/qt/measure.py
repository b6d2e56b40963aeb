"""Numbers measured from a drawn kiosk screen's widgets (the tour and the tests use them; the
figures in docs/apps.md come from here).

**Empty background** (:func:`empty_share`): the share of the screen's height that no visible
content widget covers. Every visible widget under the screen that is a *content widget* — a
button, a label showing text or a picture, or a panel with its own background (the objects
named in ``PANELS``: the header band, the ticket and error panels, guide sections, the input
field, the card picture) — is mapped to screen coordinates and clipped to the screen; the
vertical extents ``[top, bottom)`` of all of them are merged; what is left of the screen's
height is empty. A row counts as covered when anything in it is (a tile in one column covers
its whole row); the gaps between tiles, and margins, count as empty.

**Elder sizes** (:func:`small_targets`, :func:`small_text`): buttons under the target size in
either side, and labels whose font is smaller than the body (headlines: the headline) minimum,
in dp at the screen's scale.

**Contrast** (:func:`text_contrast`): per visible text label, the WCAG ratio between its
background and its text as rendered: the screen is grabbed once and each label's rectangle cut from it; the most frequent colour is
the background, the pixel furthest from it in luminance is the text (bold CJK strokes at these
sizes always reach their full colour).
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractButton, QLabel, QPushButton, QWidget

from appkit.style import contrast_ratio, luminance

PANELS = frozenset(
    {"header", "bigpanel", "section", "field", "panel", "problem", "cardpicture", "brand"}
)


def content_widgets(root: QWidget) -> list[QWidget]:
    """The visible content widgets under ``root`` (see the module docstring)."""
    found: list[QWidget] = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root) or widget.width() <= 0 or widget.height() <= 0:
            continue
        if isinstance(widget, QAbstractButton):
            found.append(widget)
        elif isinstance(widget, QLabel):
            pixmap = widget.pixmap()
            if widget.text().strip() or (pixmap is not None and not pixmap.isNull()):
                found.append(widget)
        elif widget.objectName() in PANELS:
            found.append(widget)
    return found


def covered_spans(root: QWidget) -> list[tuple[int, int]]:
    """Merged ``[top, bottom)`` pixel spans of ``root``'s height covered by content widgets."""
    height = root.height()
    spans: list[tuple[int, int]] = []
    for widget in content_widgets(root):
        top = widget.mapTo(root, QPoint(0, 0)).y()
        bottom = top + widget.height()
        top, bottom = max(0, top), min(height, bottom)
        if bottom > top:
            spans.append((top, bottom))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for top, bottom in spans:
        if merged and top <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], bottom))
        else:
            merged.append((top, bottom))
    return merged


def empty_share(root: QWidget) -> float:
    """Share (0–1) of ``root``'s height not covered by any visible content widget."""
    height = root.height()
    if height <= 0:
        return 0.0
    covered = sum(bottom - top for top, bottom in covered_spans(root))
    return 1.0 - covered / height


def small_targets(root: QWidget, least_px: int) -> list[str]:
    """Visible buttons narrower or lower than ``least_px``: ``name WxH`` each."""
    return [
        f"{b.objectName()} {b.width()}x{b.height()}"
        for b in root.findChildren(QAbstractButton)
        if b.isVisibleTo(root) and (b.width() < least_px or b.height() < least_px)
    ]


def small_text(root: QWidget, body_px: int, headline_px: int) -> list[str]:
    """Visible text labels under the body size (the title under the headline size)."""
    tiny = []
    for label in root.findChildren(QLabel):
        if not label.isVisibleTo(root) or not label.text().strip():
            continue
        least = headline_px if label.objectName() == "title" else body_px
        size = label.font().pixelSize()
        if size < least:
            tiny.append(f"{label.text()[:12]} {size}px")
    return tiny


def clipped(root: QWidget) -> list[str]:
    """Visible text labels drawn smaller than their text needs (cut off mid-line or a line
    lost): a wrapping label lower than its height for its width, any label narrower or lower
    than its one-line size when it does not wrap. Nothing on a kiosk screen may be."""
    found = []
    for label in root.findChildren(QLabel):
        if not label.isVisibleTo(root) or not label.text().strip():
            continue
        hint = label.sizeHint()
        if label.wordWrap():
            need_h = label.heightForWidth(label.width())
            short = need_h > label.height() + 2
        else:
            short = hint.width() > label.width() + 2 or hint.height() > label.height() + 2
        if short:
            found.append(f"{label.text()[:16]} {label.width()}x{label.height()}")
    found += squeezed_buttons(root)
    return found


def squeezed_buttons(root: QWidget) -> list[str]:
    """Visible buttons squeezed below their smallest height or drawn past their parent's edge
    (a list given less room than its buttons need overlaps or cuts them off)."""
    found = []
    for widget in root.findChildren(QPushButton):
        parent = widget.parentWidget()
        if not widget.isVisibleTo(root) or parent is None:
            continue
        outside = not parent.rect().adjusted(-1, -1, 1, 1).contains(widget.geometry())
        if widget.height() < widget.minimumHeight() - 1 or outside:
            found.append(f"button {widget.objectName()} {widget.width()}x{widget.height()}")
    return found


def text_sizes(root: QWidget) -> list[tuple[str, int]]:
    """(object name, pixel size) of every visible label showing text under ``root``."""
    return [
        (label.objectName(), label.font().pixelSize())
        for label in root.findChildren(QLabel)
        if label.isVisibleTo(root) and label.text().strip()
    ]


@dataclass(frozen=True)
class Contrast:
    text: str
    ratio: float
    foreground: str
    background: str


def _hex(rgb: int) -> str:
    return f"#{rgb & 0xFFFFFF:06x}"


def text_contrast(root: QWidget) -> list[Contrast]:
    """The rendered contrast of every visible text label under ``root`` (see the module
    docstring), lowest first."""
    results = []
    # One picture of the whole screen, so that each label is seen on what is really behind it.
    shot = root.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    for label in root.findChildren(QLabel):
        if not label.isVisibleTo(root) or not label.text().strip():
            continue
        corner = label.mapTo(root, QPoint(0, 0))
        image = shot.copy(QRect(corner, label.size()))
        if image.isNull() or image.width() == 0 or image.height() == 0:
            continue
        pixels = array("I", bytes(image.constBits()))  # 0xAARRGGBB each (native order)
        colours = Counter(p & 0xFFFFFF for p in pixels)
        if not colours:
            continue
        background = _hex(colours.most_common(1)[0][0])
        light = luminance(background)
        foreground = max((_hex(c) for c in colours), key=lambda c: abs(luminance(c) - light))
        ratio = contrast_ratio(foreground, background)
        results.append(Contrast(label.text()[:20], ratio, foreground, background))
    return sorted(results, key=lambda c: c.ratio)
