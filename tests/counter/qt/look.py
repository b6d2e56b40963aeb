"""Measuring the counter's drawn screens (tests, and the figures in docs/apps.md): the contrast
of the labels on disabled keys as rendered, and text that does not fit its widget."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QLabel, QPushButton, QWidget

from kiosk.qt.measure import Contrast, text_contrast


def disabled_label_contrast(root: QWidget) -> list[Contrast]:
    """The rendered contrast of every text on a disabled key under ``root``, lowest first
    (a key's own text, or the labels inside it), measured as the kiosk's figures are."""
    texts: set[str] = set()
    for button in root.findChildren(QAbstractButton):
        if not button.isVisibleTo(root) or button.isEnabled():
            continue
        texts.update(label.text()[:20] for label in button.findChildren(QLabel) if label.text())
    found = [c for c in text_contrast(root) if c.text in texts]
    return sorted(found, key=lambda c: c.ratio)


def cut_texts(root: QWidget) -> list[str]:
    """Texts wider than the room their widget gives them (a one-line label or a key's text):
    ``text (needs N px, has M px)`` each."""
    cut = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root):
            continue
        if isinstance(widget, QLabel) and not widget.wordWrap() and widget.text():
            room = widget.contentsRect().width()
            text = widget.text()
        elif isinstance(widget, QPushButton) and widget.text() and not widget.children():
            room = widget.contentsRect().width() - 12  # the keys' padding, both sides
            text = widget.text()
        else:
            continue
        need = max(widget.fontMetrics().horizontalAdvance(line) for line in text.split("\n"))
        if need > room:
            cut.append(f"{text[:16]} (needs {need} px, has {room} px)")
    return cut
