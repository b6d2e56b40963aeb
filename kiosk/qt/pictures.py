"""The kiosk's pictures: the hall's emblem (the configured image, or the built-in one), the
picture of where to put the ID card, and the icons of result and error screens. The built-in
drawings are SVG files shipped in ``kiosk/qt/assets``; icons are painted, so that no font
needs a glyph for them.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QByteArray, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtSvg import QSvgRenderer

log = logging.getLogger(__name__)

EMBLEM = "emblem.svg"
CARD_READER = "idcard-reader.svg"


def _asset(name: str) -> bytes:
    return resources.files("kiosk.qt").joinpath("assets", name).read_bytes()


def _render_svg(data: bytes, width: int, height: int) -> QPixmap | None:
    renderer = QSvgRenderer(QByteArray(data))
    if not renderer.isValid():
        return None
    size = renderer.defaultSize()
    scale = min(width / max(1, size.width()), height / max(1, size.height()))
    w, h = max(1, int(size.width() * scale)), max(1, int(size.height() * scale))
    image = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, w, h))
    painter.end()
    return QPixmap.fromImage(image)


def picture(name: str, width: int, height: int) -> QPixmap:
    """A built-in drawing (``EMBLEM``, ``CARD_READER``) fitted into ``width``×``height`` px."""
    pixmap = _render_svg(_asset(name), width, height)
    return pixmap if pixmap is not None else QPixmap()


def emblem(path: str, side: int) -> QPixmap:
    """The hall's emblem ``side`` px high: the configured image (PNG, JPEG or SVG), or the
    built-in one when ``path`` is empty or cannot be read (logged once per call)."""
    if path:
        file = Path(path)
        try:
            if file.suffix.lower() == ".svg":
                pixmap = _render_svg(file.read_bytes(), side * 3, side)
                if pixmap is not None:
                    return pixmap
            else:
                loaded = QPixmap(str(file))
                if not loaded.isNull():
                    return loaded.scaledToHeight(side, Qt.TransformationMode.SmoothTransformation)
            log.warning("emblem %s is not an image this kiosk can draw; using the built-in", path)
        except OSError as err:
            log.warning("emblem %s cannot be read (%s); using the built-in", path, err)
    return picture(EMBLEM, side, side)


def icon(kind: str, side: int, colour: str) -> QPixmap:
    """A round icon ``side`` px wide: ``ok`` (a tick), ``error`` / ``warning`` (!) or ``info``
    (i), white on ``colour``."""
    image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(QRectF(0, 0, side, side))
    pen = QPen(QColor("#ffffff"), max(2.0, side * 0.11))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    s = float(side)
    if kind == "ok":
        path = QPainterPath(QPointF(s * 0.27, s * 0.52))
        path.lineTo(QPointF(s * 0.44, s * 0.68))
        path.lineTo(QPointF(s * 0.74, s * 0.35))
        painter.drawPath(path)
    else:
        top, bottom = (0.22, 0.56) if kind != "info" else (0.44, 0.76)
        dot = 0.74 if kind != "info" else 0.27
        painter.drawLine(QPointF(s / 2, s * top), QPointF(s / 2, s * bottom))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#ffffff"))
        r = s * 0.07
        painter.drawEllipse(QPointF(s / 2, s * dot), r, r)
    painter.end()
    return QPixmap.fromImage(image)
