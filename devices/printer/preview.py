"""Layout → PNG at the printer's dot width, from the same laid-out lines the printer gets.

Every character is drawn into the cell the printer gives it (12×24 dots for ASCII, 24×24 for
anything else, scaled by the row's size), with WenQuanYi Micro Hei, so columns, wrapping and
alignment match the paper; the QR code is drawn with ``qrcode`` at the printer's module size,
error level M. The image height is the paper the slip takes (8 dots per mm) at the default line
spacing; a dashed line marks the cut. Fonts differ from the printer's ROM font, the layout does
not.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from devices.errors import DeviceError
from devices.printer.layout import (
    CELL_DOTS,
    CHAR_DOTS,
    LINE_DOTS,
    QR_GAP_DOTS,
    Align,
    CutLine,
    Document,
    FeedLine,
    Line,
    Paper,
    QrLine,
    Row,
    char_columns,
    lay_out,
    row_height_dots,
)

FONT_NAME = "WenQuanYi Micro Hei"
FONT_PATHS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
)
FONT_PIXELS = 22  # em size drawn into a 24-dot cell: leaves the printer's one-dot gap around it
ASCII_FONT_PIXELS = 20  # Latin capitals of the font run wider than 12 dots at 22
WHITE, BLACK, CUT_GREY = 255, 0, 160


class PreviewFontMissing(DeviceError):
    """The Chinese font for previews is not installed."""


@lru_cache(maxsize=1)
def font_path() -> Path:
    """The WenQuanYi Micro Hei file; raises PreviewFontMissing naming the package to install."""
    for path in FONT_PATHS:
        if path.exists():
            return path
    fc_match = shutil.which("fc-match")
    if fc_match:
        found = subprocess.run(  # noqa: S603 - fixed program and arguments
            [fc_match, "-f", "%{file}", FONT_NAME], capture_output=True, text=True, check=False
        ).stdout.strip()
        if found and "wqy" in found.lower() and Path(found).exists():
            return Path(found)
    raise PreviewFontMissing(
        f"font {FONT_NAME} not found: install it (apt install fonts-wqy-microhei) so Chinese "
        "prints as text in previews"
    )


@lru_cache(maxsize=2)
def _font(ascii_cell: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), ASCII_FONT_PIXELS if ascii_cell else FONT_PIXELS)


@lru_cache(maxsize=4096)
def _glyph(ch: str, bold: bool) -> Image.Image:
    """Ink mask (255 = black) of one character in its printer cell at normal size."""
    cell = CELL_DOTS * char_columns(ch)
    canvas = Image.new("L", (cell * 3, CHAR_DOTS), 0)
    draw = ImageDraw.Draw(canvas)
    centre = (cell * 3 // 2, CHAR_DOTS // 2)
    font = _font(cell == CELL_DOTS)
    draw.text(centre, ch, font=font, fill=255, anchor="mm")
    if bold:  # the printer's emphasis: the same dots struck again one dot to the right
        draw.text((centre[0] + 1, centre[1]), ch, font=font, fill=255, anchor="mm")
    box = canvas.getbbox()
    left = cell
    if box and (box[0] < left or box[2] > left + cell):  # wider than its cell: squeeze it in
        ink = canvas.crop((box[0], 0, box[2], CHAR_DOTS))
        out = Image.new("L", (cell, CHAR_DOTS), 0)
        out.paste(ink.resize((cell, CHAR_DOTS), Image.Resampling.LANCZOS), (0, 0))
        return out
    return canvas.crop((left, 0, left + cell, CHAR_DOTS))


def _row_image(row: Row) -> Image.Image:
    width = sum(CELL_DOTS * char_columns(ch) for ch in row.text)
    mask = Image.new("L", (max(width, 1), CHAR_DOTS), 0)
    x = 0
    for ch in row.text:
        glyph = _glyph(ch, row.bold)
        mask.paste(glyph, (x, 0))
        x += glyph.width
    if row.size.width > 1 or row.size.height > 1:  # the printer scales dots, so do we
        mask = mask.resize(
            (mask.width * row.size.width, CHAR_DOTS * row.size.height), Image.Resampling.NEAREST
        )
    return mask


def qr_image(data: str, module: int) -> Image.Image:
    """The QR code (model 2, level M, no quiet zone) as an ink mask, ``module`` dots a module."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data.encode("utf-8"))
    code.make(fit=True)
    matrix = code.get_matrix()
    n = len(matrix)
    small = Image.frombytes("L", (n, n), bytes(255 if dark else 0 for r in matrix for dark in r))
    return small.resize((n * module, n * module), Image.Resampling.NEAREST)


def _x(align: Align, width: int, page: Paper) -> int:
    if align is Align.CENTER:
        return max((page.dots - width) // 2, 0)
    if align is Align.RIGHT:
        return max(page.dots - width, 0)
    return 0


def render_lines(lines: Iterable[Line], page: Paper) -> Image.Image:
    """Laid-out lines as a greyscale image ``page.dots`` wide, one pixel per printer dot."""
    pieces: list[tuple[Image.Image | None, int, int]] = []  # (ink mask, x, height)
    for line in lines:
        if isinstance(line, Row):
            mask = _row_image(line) if line.text else None
            width = mask.width if mask else 0
            pieces.append((mask, _x(line.align, width, page), row_height_dots(line)))
        elif isinstance(line, QrLine):
            mask = qr_image(line.data, line.module)
            pieces.append((mask, _x(Align.CENTER, mask.width, page), mask.height + QR_GAP_DOTS))
        elif isinstance(line, FeedLine):
            pieces.append((None, 0, line.lines * LINE_DOTS))
        elif isinstance(line, CutLine):
            pieces.append((None, -1, 2))  # the cut mark
    image = Image.new("L", (page.dots, max(sum(p[2] for p in pieces), 1)), WHITE)
    draw = ImageDraw.Draw(image)
    y = 0
    for mask, x, height in pieces:
        if mask is not None:
            image.paste(BLACK, (x, y, x + mask.width, y + mask.height), mask)
        elif x == -1:
            for dash in range(0, page.dots, 16):
                draw.line((dash, y, dash + 8, y), fill=CUT_GREY, width=2)
        y += height
    return image


def render(document: Document, page: Paper) -> Image.Image:
    """The document as it prints on ``page``."""
    return render_lines(lay_out(document, page), page)


def save(image: Image.Image, path: Path) -> Path:
    """Write ``image`` as PNG at 203 dpi (so viewers show it at paper size); returns ``path``."""
    image.save(path, format="PNG", dpi=(203, 203))
    return path
