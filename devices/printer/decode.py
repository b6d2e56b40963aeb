"""ESC/POS bytes → what a printer would print: text lines, QR payloads, cuts. Pure.

For tests and the simulator: it reads back a job so a test can assert "A001 and the hall's
Chinese name were printed, one QR code with this URL, one cut". It understands the commands
our encoder and common POS software send; anything else raises DecodeError (the only exception
it raises), as does a command cut short or a bad GB18030 sequence inside ``FS &`` … ``FS .``.
Bytes above 0x7F outside Chinese mode are read as code page 437, what a printer that starts in
single-byte mode prints: Chinese sent without ``FS &`` decodes to visible garbage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from devices.errors import DecodeError
from devices.printer.layout import Align, CutLine, FeedLine, Line, QrLine, Row, Size

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
_SIZES = {size.value: size for size in Size}
_ALIGNS = {0: Align.LEFT, 1: Align.CENTER, 2: Align.RIGHT}

# Commands that only set a mode we do not track, by how many argument bytes follow them.
_ESC_SKIP = {
    ord("-"): 1, ord("2"): 0, ord("3"): 1, ord("M"): 1, ord("t"): 1, ord("R"): 1, ord("G"): 1,
    ord("V"): 1, ord("{"): 1, ord(" "): 1, ord("="): 1, ord("p"): 3, ord("B"): 2, ord("$"): 2,
    ord("\\"): 2, ord("r"): 1, ord("U"): 1, ord("c"): 2, ord("S"): 0, ord("L"): 0,
}  # fmt: skip
_GS_SKIP = {
    ord("B"): 1, ord("b"): 1, ord("H"): 1, ord("h"): 1, ord("w"): 1, ord("f"): 1, ord("L"): 2,
    ord("W"): 2, ord("P"): 2, ord("a"): 1, ord("r"): 1, ord("I"): 1,
}  # fmt: skip
_FS_SKIP = {ord("!"): 1, ord("C"): 1, ord("-"): 1, ord("S"): 2, ord("W"): 1, ord("p"): 2}


@dataclass
class DecodedJob:
    """What a job prints, in order, as layout lines (so ``preview`` can draw it)."""

    lines: list[Line] = field(default_factory=list)
    inits: int = 0  # ESC @ seen
    unprinted: str = ""  # text left in the buffer with no line feed after it

    @property
    def texts(self) -> list[str]:
        return [line.text for line in self.lines if isinstance(line, Row)]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def qr_payloads(self) -> list[str]:
        return [line.data for line in self.lines if isinstance(line, QrLine)]

    @property
    def cuts(self) -> int:
        return sum(isinstance(line, CutLine) for line in self.lines)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, count: int, what: str) -> bytes:
        end = self.pos + count
        if end > len(self.data):
            raise DecodeError(f"{what} cut short at byte {self.pos} of {len(self.data)}")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def byte(self, what: str) -> int:
        return self.take(1, what)[0]


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.r = _Reader(data)
        self.job = DecodedJob()
        self.text: list[str] = []
        self.size, self.bold, self.align, self.chinese = Size.NORMAL, False, Align.LEFT, False
        self.qr_data: bytes | None = None
        self.qr_module = 3  # the printer's default module size

    def reset(self) -> None:
        self.text = []  # ESC @ clears the print buffer
        self.size, self.bold, self.align, self.chinese = Size.NORMAL, False, Align.LEFT, False
        self.qr_data, self.qr_module = None, 3

    def flush(self, force: bool = False) -> None:
        if self.text or force:
            self.job.lines.append(Row("".join(self.text), self.size, self.bold, self.align))
            self.text = []

    def run(self) -> DecodedJob:
        r = self.r
        while r.pos < len(r.data):
            b = r.byte("data")
            if b == 0x0A:
                self.flush(force=True)
            elif b == 0x0D:
                pass  # CR is ignored when LF ends lines
            elif b == 0x09:
                self.text.append(" ")
            elif b == ESC:
                self.esc(r.byte("ESC command"))
            elif b == GS:
                self.gs(r.byte("GS command"))
            elif b == FS:
                self.fs(r.byte("FS command"))
            elif b == DLE:
                self.dle(r.byte("DLE command"))
            elif 0x20 <= b < 0x7F:
                self.text.append(chr(b))
            elif b >= 0x80:
                self.text.append(self.high_byte(b))
            else:
                raise DecodeError(f"control byte 0x{b:02x} at {r.pos - 1} is not understood")
        self.job.unprinted = "".join(self.text)
        return self.job

    def high_byte(self, lead: int) -> str:
        if not self.chinese:
            return bytes([lead]).decode("cp437")
        r = self.r
        second = r.byte("GB18030 character")
        raw = bytes([lead, second])
        if 0x30 <= second <= 0x39:  # four-byte sequence
            raw += r.take(2, "GB18030 four-byte character")
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError as err:
            raise DecodeError(
                f"bytes {raw.hex(' ')} at {r.pos - len(raw)} are not GB18030"
            ) from err

    def esc(self, cmd: int) -> None:
        r = self.r
        if cmd == ord("@"):
            self.reset()
            self.job.inits += 1
        elif cmd == ord("E"):
            self.bold = bool(r.byte("ESC E") & 1)
        elif cmd == ord("a"):
            n = r.byte("ESC a")
            if n % 48 not in _ALIGNS or n > 50:
                raise DecodeError(f"ESC a {n}: no such alignment")
            self.align = _ALIGNS[n % 48]
        elif cmd == ord("!"):
            n = r.byte("ESC !")
            self.bold = bool(n & 0x08)
            self.size = _SIZES[(2 if n & 0x20 else 1, 2 if n & 0x10 else 1)]
        elif cmd in (ord("d"), ord("J")):
            n = r.byte("ESC d / ESC J")
            self.flush()
            lines = n if cmd == ord("d") else n // 30  # ESC J counts dots
            if lines:
                self.job.lines.append(FeedLine(lines))
        elif cmd in (ord("i"), ord("m")):
            self.flush()
            self.job.lines.append(CutLine())
        elif cmd == ord("D"):  # tab stops, up to a NUL
            while r.byte("ESC D") != 0:
                pass
        elif cmd == ord("*"):  # bit image: m nL nH and the columns
            m, low, high = r.take(3, "ESC *")
            r.take((low + 256 * high) * (3 if m in (32, 33) else 1), "ESC * image data")
        elif cmd in _ESC_SKIP:
            r.take(_ESC_SKIP[cmd], f"ESC {chr(cmd)}")
        else:
            raise DecodeError(f"ESC 0x{cmd:02x} at {r.pos - 2} is not understood")

    def gs(self, cmd: int) -> None:
        r = self.r
        if cmd == ord("!"):
            n = r.byte("GS !")
            key = ((n >> 4) + 1, (n & 0x0F) + 1)
            if key not in _SIZES:
                raise DecodeError(f"GS ! 0x{n:02x}: character size {key[0]}×{key[1]} not decoded")
            self.size = _SIZES[key]
        elif cmd == ord("V"):
            m = r.byte("GS V")
            if m in (65, 66, 97, 98):
                feed = r.byte("GS V m n")
            elif m in (0, 1, 48, 49):
                feed = 0
            else:
                raise DecodeError(f"GS V {m}: no such cut")
            self.flush()
            if feed // 30:  # GS V 65/66 n feed n dots past the cutter first
                self.job.lines.append(FeedLine(feed // 30))
            self.job.lines.append(CutLine())
        elif cmd == ord("("):
            self.gs_paren()
        elif cmd == ord("v"):  # raster image: '0' m xL xH yL yH data
            _zero, _m, xl, xh, yl, yh = r.take(6, "GS v 0")
            r.take((xl + 256 * xh) * (yl + 256 * yh), "GS v 0 image data")
        elif cmd == ord("k"):  # barcode: printed, but not decoded
            m = r.byte("GS k")
            if m <= 6:
                while r.byte("GS k data") != 0:
                    pass
            else:
                r.take(r.byte("GS k length"), "GS k data")
        elif cmd in _GS_SKIP:
            r.take(_GS_SKIP[cmd], f"GS {chr(cmd)}")
        else:
            raise DecodeError(f"GS 0x{cmd:02x} at {r.pos - 2} is not understood")

    def gs_paren(self) -> None:
        r = self.r
        kind = r.byte("GS (")
        low, high = r.take(2, "GS ( length")
        body = r.take(low + 256 * high, "GS ( body")
        if kind != ord("k"):
            return  # GS ( A/E/L…: settings and NV graphics, nothing printed as text
        if len(body) < 2 or body[0] != 0x31:
            raise DecodeError("GS ( k: only QR codes (cn 49) are decoded")
        fn, args = body[1], body[2:]
        if fn == 0x43 and args:
            self.qr_module = args[0]
        elif fn == 0x50:
            if not args or args[0] != 0x30:
                raise DecodeError("GS ( k store: m must be 48")
            self.qr_data = bytes(args[1:])
        elif fn == 0x51:
            if not self.qr_data:
                raise DecodeError("GS ( k print with no QR data stored")
            try:
                payload = self.qr_data.decode("utf-8")
            except UnicodeDecodeError as err:
                raise DecodeError("QR payload is not UTF-8") from err
            self.flush()
            self.job.lines.append(QrLine(payload, self.qr_module))
        elif fn not in (0x41, 0x45, 0x52):
            raise DecodeError(f"GS ( k function 0x{fn:02x} not decoded")

    def fs(self, cmd: int) -> None:
        if cmd == ord("&"):
            self.chinese = True
        elif cmd == ord("."):
            self.chinese = False
        elif cmd in _FS_SKIP:
            self.r.take(_FS_SKIP[cmd], f"FS {chr(cmd)}")
        else:
            raise DecodeError(f"FS 0x{cmd:02x} at {self.r.pos - 2} is not understood")

    def dle(self, cmd: int) -> None:
        if cmd in (0x04, 0x05):  # real-time status request / recovery: nothing printed
            self.r.byte("DLE EOT/ENQ n")
        else:
            raise DecodeError(f"DLE 0x{cmd:02x} at {self.r.pos - 2} is not understood")


def decode_job(data: bytes) -> DecodedJob:
    """Decode one job's bytes. Raises DecodeError (only) for bytes it cannot read."""
    return _Decoder(bytes(data)).run()
