"""Layout → ESC/POS bytes. Pure: no I/O.

The commands are the standard ESC/POS ones (Epson's command reference; the same bytes every
Chinese thermal printer takes), named here once each. python-escpos is not used, not even for
its constants: its printer classes are wrong for this job (docs/dependencies.md: importing
``escpos.printer`` takes 0.3 s and makes a ``mkdtemp`` directory per process, ``text()`` sends
Chinese without ``FS &``, ``cut()`` feeds a profile-chosen distance), and the dozen command
bytes we send do not need a package.

Chinese text: every run of non-ASCII characters goes as GB18030 between ``FS &`` (enter Chinese
mode) and ``FS .`` (leave it); ASCII is sent as is, so it prints the same in both modes.
"""

from __future__ import annotations

from collections.abc import Iterable

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

ESC = b"\x1b"
GS = b"\x1d"
FS = b"\x1c"
INIT = ESC + b"@"  # ESC @: initialise
CHINESE_ON = FS + b"&"  # FS &: Chinese character mode on
CHINESE_OFF = FS + b"."  # FS .: Chinese character mode off
CHAR_SIZE = GS + b"!"  # GS ! n: character size
PARTIAL_CUT = GS + b"V\x01"  # GS V 1: partial cut
LF = b"\n"
ENCODING = "gb18030"
QR_MODEL_2 = 2  # GS ( k fn 165: model 2
QR_LEVEL_M = 1  # GS ( k fn 169: error correction M (15 %)

_ALIGN = {  # ESC a n: justification
    Align.LEFT: ESC + b"a\x00",
    Align.CENTER: ESC + b"a\x01",
    Align.RIGHT: ESC + b"a\x02",
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
    return ESC + (b"E\x01" if bold else b"E\x00")


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
            _qr_frame(0x41, bytes([0x30 + QR_MODEL_2, 0])),  # fn 165: model
            _qr_frame(0x43, bytes([module])),  # fn 167: module size
            _qr_frame(0x45, bytes([0x30 + QR_LEVEL_M])),  # fn 169: error level M
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
