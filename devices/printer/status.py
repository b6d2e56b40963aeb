"""Real-time status (``DLE EOT n``): the request bytes and the decoding of the replies. Pure.

Each request is answered by one status byte whose bits 1 and 4 are always 1 and bits 0 and 7
always 0 (``0x12`` when nothing is wrong); that is how a status byte is told from stray data.

- ``DLE EOT 1`` printer status: bit 3 offline.
- ``DLE EOT 2`` offline cause: bit 2 cover open, bit 5 printing stopped at paper end,
  bit 6 error (cutter jam, head overheated…).
- ``DLE EOT 4`` roll paper sensor: bits 2–3 paper near end, bits 5–6 paper end.

An empty or missing reply means the printer did not say: every field stays ``None``
("unknown"). It never means "paper ok" (python-escpos 3.1 reports paper ok on an empty reply).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from devices.errors import DecodeError

PRINTER = 1
OFFLINE_CAUSE = 2
PAPER = 4
REQUESTS = (PRINTER, OFFLINE_CAUSE, PAPER)
"""The requests a status check sends, in order."""

_FIXED_MASK, _FIXED_BITS = 0x93, 0x12


def status_request(n: int) -> bytes:
    """``DLE EOT n`` (``10 04 n``) for n in 1–4; raises ValueError otherwise."""
    if not 1 <= n <= 4:
        raise ValueError(f"DLE EOT takes n = 1–4, got {n}")
    return b"\x10\x04" + bytes([n])


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said about itself; ``None`` wherever it said nothing."""

    online: bool | None = None
    cover_open: bool | None = None
    paper_end: bool | None = None
    paper_near_end: bool | None = None
    error: bool | None = None

    @property
    def known(self) -> bool:
        """True when at least one field came from a reply."""
        return any(getattr(self, f.name) is not None for f in fields(self))

    @property
    def can_print(self) -> bool | None:
        """False when a known fault stops printing, True when the printer reported itself
        online with paper and no fault, None when it did not say enough to tell."""
        if self.paper_end or self.cover_open or self.error or self.online is False:
            return False
        if self.online and self.paper_end is False:
            return True
        return None

    def merged(self, other: PrinterStatus) -> PrinterStatus:
        """This status with every field ``other`` knows taken from ``other``."""
        known = {f.name: getattr(other, f.name) for f in fields(other)}
        return replace(self, **{k: v for k, v in known.items() if v is not None})


def decode_status(n: int, reply: bytes | None) -> PrinterStatus:
    """The status one ``DLE EOT n`` reply tells. ``None`` or ``b""`` → all unknown.

    A reply longer than one byte (a late answer to an earlier request arriving with this one)
    is read by its last byte. Raises DecodeError when that byte is not a status byte (fixed
    bits wrong) or ``n`` is not a request this module sends.
    """
    if n not in REQUESTS:
        raise DecodeError(f"DLE EOT {n} replies are not decoded here")
    if not reply:
        return PrinterStatus()
    byte = reply[-1]
    if byte & _FIXED_MASK != _FIXED_BITS:
        raise DecodeError(
            f"0x{byte:02x} is not a DLE EOT {n} status byte (fixed bits 0x12 expected)"
        )
    if n == PRINTER:
        return PrinterStatus(online=not byte & 0x08)
    if n == OFFLINE_CAUSE:
        return PrinterStatus(
            cover_open=bool(byte & 0x04), paper_end=bool(byte & 0x20), error=bool(byte & 0x40)
        )
    return PrinterStatus(paper_near_end=bool(byte & 0x0C), paper_end=bool(byte & 0x60))


def decode_replies(replies: dict[int, bytes | None]) -> PrinterStatus:
    """All replies of one status check merged; a paper end seen by either request wins.

    Raises DecodeError if any reply is not a status byte."""
    status = PrinterStatus()
    paper_end = False
    for n in REQUESTS:
        part = decode_status(n, replies.get(n))
        paper_end = paper_end or bool(part.paper_end)
        status = status.merged(part)
    if paper_end:
        status = replace(status, paper_end=True)
    return status


def encode_status(
    *,
    online: bool = True,
    cover_open: bool = False,
    paper_end: bool = False,
    paper_near_end: bool = False,
    error: bool = False,
) -> dict[int, bytes]:
    """The reply bytes a printer in this state sends to DLE EOT 1, 2 and 4 (for simulators)."""
    return {
        PRINTER: bytes([_FIXED_BITS | (0 if online else 0x08)]),
        OFFLINE_CAUSE: bytes(
            [_FIXED_BITS | (0x04 * cover_open) | (0x20 * paper_end) | (0x40 * error)]
        ),
        PAPER: bytes([_FIXED_BITS | (0x0C * (paper_near_end or paper_end)) | (0x60 * paper_end)]),
    }
