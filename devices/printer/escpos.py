"""Layout → ESC/POS bytes. Pure: no I/O.

Command bytes come from ``escpos.constants`` (python-escpos). Its printer classes are not used,
not even ``Dummy`` as a byte builder: importing ``escpos.printer`` loads the capabilities
database (about 0.2 s, and a fresh ``mkdtemp`` directory per process for its pickle cache), its
``text()`` sends Chinese raw without ``FS &`` (garbage on printers that start in single-byte
mode), and its ``cut()`` feeds a profile-chosen distance. The few frames python-escpos would
build for us (``GS ( k`` for QR) are written here in a dozen lines.

Chinese text: every run of non-ASCII characters goes as GB18030 between ``FS &`` (enter Chinese
mode) and ``FS .`` (leave it); ASCII is sent as is, so it prints the same in both modes.
"""

from __future__ import annotations

from collections.abc import Iterable

from escpos import constants as c

from devices.printer.layout import (
    Align,
    CutLine,
    Document,
    FeedLine,
    Line,
    Paper,
    QrLine,
    Row,
    Size,
    lay_out,
)

ESC: bytes = c.ESC
GS: bytes = c.GS
FS: bytes = c.FS
INIT: bytes = c.HW_INIT  # ESC @
CHINESE_ON = FS + b"&"  # FS &
CHINESE_OFF = FS + b"."  # FS .
CHAR_SIZE: bytes = c.TXT_SIZE  # GS !
PARTIAL_CUT: bytes = c.PAPER_PART_CUT  # GS V 1
LF: bytes = c.CTL_LF
ENCODING = "gb18030"

_ALIGN = {
    Align.LEFT: c.TXT_STYLE["align"]["left"],
    Align.CENTER: c.TXT_STYLE["align"]["center"],
    Align.RIGHT: c.TXT_STYLE["align"]["right"],
}


def encode_text(text: str) -> bytes:
    """``text`` as printer bytes: ASCII as is, each run of other characters as GB18030
    wrapped in ``FS &`` … ``FS .``. ``text`` must already be clean (``layout.clean``): control
    characters here would reach the printer as commands."""
    out = bytearray()
    run: list[str] = []
    for ch in text:
        if ch < "\x80":
            if run:
                out += CHINESE_ON + "".join(run).encode(ENCODING) + CHINESE_OFF
                run = []
            out += ch.encode("ascii")
        else:
            run.append(ch)
    if run:
        out += CHINESE_ON + "".join(run).encode(ENCODING) + CHINESE_OFF
    return bytes(out)


def size_command(size: Size) -> bytes:
    """``GS ! n``: character size for ASCII and Chinese alike (n = (w−1)·16 + (h−1))."""
    return CHAR_SIZE + bytes([(size.width - 1) << 4 | (size.height - 1)])


def bold_command(bold: bool) -> bytes:
    """``ESC E n``: emphasis on or off."""
    return bytes(c.TXT_STYLE["bold"][bold])


def feed_command(lines: int) -> bytes:
    """``ESC d n``: print the buffer and feed ``lines`` lines (0–255)."""
    return ESC + b"d" + bytes([lines])


def _qr_frame(function: int, payload: bytes) -> bytes:
    # GS ( k pL pH cn fn [payload]; the length counts cn, fn and the payload.
    size = len(payload) + 2
    return GS + b"(k" + bytes([size & 0xFF, size >> 8, 0x31, function]) + payload


def qr_command(data: str, module: int) -> bytes:
    """Native QR (``GS ( k``): model 2, module ``module`` dots, error level M, store the
    UTF-8 payload, print it. Raises ValueError for a module outside 1–16."""
    if not 1 <= module <= 16:
        raise ValueError(f"QR module size must be 1–16 dots, got {module}")
    return b"".join(
        (
            _qr_frame(0x41, bytes([0x30 + c.QR_MODEL_2, 0])),  # fn 165: model
            _qr_frame(0x43, bytes([module])),  # fn 167: module size
            _qr_frame(0x45, bytes([0x30 + c.QR_ECLEVEL_M])),  # fn 169: error level M
            _qr_frame(0x50, b"0" + data.encode("utf-8")),  # fn 180: store
            _qr_frame(0x51, b"0"),  # fn 181: print
        )
    )


def render(document: Document, page: Paper) -> bytes:
    """The document as one print job for ``page``: ``ESC @`` first, a cut where it says."""
    return render_lines(lay_out(document, page))


def render_lines(lines: Iterable[Line]) -> bytes:
    """Laid-out lines as one print job. Style commands are sent only when they change."""
    out = bytearray(INIT)
    size, bold, align = Size.NORMAL, False, Align.LEFT  # what ESC @ leaves
    for line in lines:
        if isinstance(line, Row):
            if line.align is not align:
                out += _ALIGN[line.align]
                align = line.align
            if line.size is not size:
                out += size_command(line.size)
                size = line.size
            if line.bold is not bold:
                out += bold_command(line.bold)
                bold = line.bold
            out += encode_text(line.text) + LF
        elif isinstance(line, QrLine):
            if align is not Align.CENTER:
                out += _ALIGN[Align.CENTER]
                align = Align.CENTER
            out += qr_command(line.data, line.module)
        elif isinstance(line, FeedLine):
            out += feed_command(line.lines)
        elif isinstance(line, CutLine):
            out += PARTIAL_CUT
    return bytes(out)
