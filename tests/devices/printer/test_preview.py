"""The PNG preview: printer dot width, real Chinese glyphs, and the same picture as the bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops

from devices.printer import preview
from devices.printer.decode import decode_job
from devices.printer.escpos import render as render_bytes
from devices.printer.layout import (
    PAPER_58,
    PAPER_80,
    QR_MAX_BYTES,
    Align,
    Document,
    KeyValue,
    Paper,
    Text,
)
from tests.devices.printer.samples import all_documents


def _has_ink(image: Image.Image) -> bool:
    return ImageChops.invert(image).getbbox() is not None


@pytest.mark.parametrize("page", [PAPER_58, PAPER_80], ids=["58", "80"])
def test_preview_is_as_wide_as_the_print_head(page: Paper) -> None:
    for document in all_documents().values():
        assert preview.render(document, page).width == page.dots


def test_chinese_is_drawn_as_glyphs_not_missing_character_boxes() -> None:
    # U+4DFF is a hexagram sign the font does not have: it draws the font's "missing" box.
    missing = preview._glyph("\u4dff", False).tobytes()
    for ch in "天宁区便民服务中心号":
        glyph = preview._glyph(ch, False)
        assert glyph.getbbox() is not None, ch
        assert glyph.tobytes() != missing, ch
    assert preview._glyph("中", False).tobytes() != preview._glyph("文", False).tobytes()


@pytest.mark.parametrize("name", ["ticket", "checklist", "receipt"])
def test_preview_of_the_printed_bytes_equals_preview_of_the_layout(name: str) -> None:
    document = all_documents()[name]
    from_layout = preview.render(document, PAPER_58)
    from_bytes = preview.render_lines(decode_job(render_bytes(document, PAPER_58)).lines, PAPER_58)
    assert ImageChops.difference(from_layout, from_bytes).getbbox() is None


def test_right_edge_of_a_key_value_row_has_ink_and_centred_text_is_centred() -> None:
    image = preview.render(
        Document((KeyValue("等候", "3人"), Text("中", align=Align.CENTER))), PAPER_58
    )
    row = image.crop((0, 0, PAPER_58.dots, 24))
    assert _has_ink(row.crop((PAPER_58.dots - 24, 0, PAPER_58.dots, 24)))
    box = ImageChops.invert(image.crop((0, 30, PAPER_58.dots, 54))).getbbox()
    assert box is not None
    assert abs((box[0] + box[2]) / 2 - PAPER_58.dots / 2) <= 2


@pytest.mark.parametrize("page", [PAPER_58, PAPER_80], ids=["58", "80"])
def test_the_longest_qr_payload_still_fits_the_paper(page: Paper) -> None:
    code = preview.qr_image("x" * QR_MAX_BYTES, page.qr_module)
    assert code.width <= page.dots


def test_saved_preview_is_a_png(tmp_path: Path) -> None:
    path = preview.save(preview.render(all_documents()["ticket"], PAPER_80), tmp_path / "t.png")
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width == 576
