"""A QR code as a Qt image, drawn from the ``qrcode`` package's module matrix."""

from __future__ import annotations

import logging

import qrcode
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter

log = logging.getLogger(__name__)


def qr_image(data: str, side_px: int) -> QImage | None:
    """A square black-on-white QR image about ``side_px`` pixels wide (whole pixels per
    module, quiet zone of 2 modules), or None if ``data`` cannot be encoded (too long)."""
    try:
        code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
        code.add_data(data)
        code.make(fit=True)
        matrix = code.get_matrix()
    except (ValueError, qrcode.exceptions.DataOverflowError) as err:
        log.warning("cannot draw a QR code of %d characters: %s", len(data), err)
        return None
    modules = len(matrix)
    cell = max(1, side_px // modules)
    side = cell * modules
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("black"))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.drawRect(x * cell, y * cell, cell, cell)
    painter.end()
    return image
