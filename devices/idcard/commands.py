"""The SAM module's command set and status codes (GA 467 family), as data; pure, no I/O.

Each command carries its own time limit: the module's work plus the transfer at 115200 baud
(a 1,295-byte read reply alone takes 0.11 s on the wire; the card read itself about a second).

Status codes (SW3) and what each means come from the SAM module protocol as vendors publish it
(e.g. the DONSEE/eastcoms "SAM_V" protocol sheet). 0x23 and 0x91 are included as the family
documents them; their sentences were not confirmed from a complete published table.
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.errors import DecodeError
from devices.idcard.card import TEXT_SIZE
from devices.idcard.errors import (
    CardUnreadable,
    NoCard,
    NoContent,
    ReaderRejectedFrame,
    ReaderStatusError,
    SamFault,
)
from devices.idcard.frames import Command, Reply

OK = 0x90
FIND_OK = 0x9F
SAM_ID_SIZE = 16
ADDRESS_SIZE = 70


@dataclass(frozen=True)
class ReaderCommand:
    """One command of the set: its bytes, its success status and its time limit (seconds)."""

    name: str
    cmd: int
    para: int
    timeout: float
    success: int = OK

    @property
    def frame(self) -> bytes:
        """The exact bytes sent for this command."""
        return Command(self.cmd, self.para).encode()


RESET = ReaderCommand("reset", 0x10, 0xFF, 3.0)
STATUS = ReaderCommand("status", 0x11, 0xFF, 1.0)
SAM_ID = ReaderCommand("read SAM id", 0x12, 0xFF, 1.0)
FIND_CARD = ReaderCommand("find card", 0x20, 0x01, 1.0, success=FIND_OK)
SELECT_CARD = ReaderCommand("select card", 0x20, 0x02, 1.0)
READ_CARD = ReaderCommand("read text and photo", 0x30, 0x01, 3.0)
READ_CARD_FINGERPRINTS = ReaderCommand("read text, photo and fingerprints", 0x30, 0x10, 4.0)
READ_APPENDED_ADDRESS = ReaderCommand("read appended address", 0x30, 0x03, 1.5)
COMMANDS = (
    RESET,
    STATUS,
    SAM_ID,
    FIND_CARD,
    SELECT_CARD,
    READ_CARD,
    READ_CARD_FINGERPRINTS,
    READ_APPENDED_ADDRESS,
)
COMMAND_BY_CODE = {(c.cmd, c.para): c for c in COMMANDS}


@dataclass(frozen=True)
class StatusMeaning:
    error: type[ReaderStatusError]
    text: str


STATUSES: dict[int, StatusMeaning] = {
    0x10: StatusMeaning(ReaderRejectedFrame, "the module received a frame with a bad checksum"),
    0x11: StatusMeaning(ReaderRejectedFrame, "the module received a frame of the wrong length"),
    0x21: StatusMeaning(ReaderRejectedFrame, "the module rejected the command or its values"),
    0x23: StatusMeaning(SamFault, "the operation is not authorised"),
    0x24: StatusMeaning(ReaderStatusError, "the module reports an unrecognised error"),
    0x31: StatusMeaning(CardUnreadable, "the card failed to authenticate the reader"),
    0x32: StatusMeaning(CardUnreadable, "the reader failed to authenticate the card"),
    0x33: StatusMeaning(CardUnreadable, "the card's information failed verification"),
    0x40: StatusMeaning(CardUnreadable, "this is not an ID card the module can read"),
    0x41: StatusMeaning(CardUnreadable, "reading the card failed (was it moved away?)"),
    0x47: StatusMeaning(CardUnreadable, "the card gave no random number"),
    0x60: StatusMeaning(SamFault, "the security module failed its self-test"),
    0x66: StatusMeaning(SamFault, "the reader is not authorised for use"),
    0x80: StatusMeaning(NoCard, "no card on the reader"),
    0x81: StatusMeaning(CardUnreadable, "selecting the card failed"),
    0x91: StatusMeaning(NoContent, "the card holds nothing for this item"),
}


def status_error(command: ReaderCommand, status: int) -> ReaderStatusError:
    """The error for ``command`` answered with SW3 ``status`` (a generic ReaderStatusError for a
    code not in the table)."""
    meaning = STATUSES.get(status)
    if meaning is None:
        return ReaderStatusError(f"{command.name}: unknown status 0x{status:02X}", status)
    return meaning.error(f"{command.name}: {meaning.text} (status 0x{status:02X})", status)


def check_reply(command: ReaderCommand, reply: Reply) -> None:
    """Return if ``reply`` reports success for ``command``, else raise its status error."""
    if reply.sw3 != command.success:
        raise status_error(command, reply.sw3)


@dataclass(frozen=True)
class CardData:
    """The parts of a read reply: text block, WLT photo and (30 10 only) fingerprints."""

    text: bytes
    photo: bytes
    fingerprints: bytes = b""


def parse_card_data(data: bytes, with_fingerprints: bool = False) -> CardData:
    """Split a 30 01 (or, with fingerprints, 30 10) reply's data: big-endian lengths of text,
    photo (and fingerprints), then the parts. Raises DecodeError if the lengths do not add up."""
    count = 3 if with_fingerprints else 2
    head = 2 * count
    if len(data) < head:
        raise DecodeError(f"read reply data of {len(data)} bytes has no length fields")
    sizes = [int.from_bytes(data[2 * i : 2 * i + 2], "big") for i in range(count)]
    if sizes[0] != TEXT_SIZE:
        raise DecodeError(f"text length {sizes[0]} is not {TEXT_SIZE}")
    if head + sum(sizes) != len(data):
        raise DecodeError(
            f"read reply lengths {sizes} plus {head} header bytes do not make its {len(data)}"
        )
    parts, at = [], head
    for size in sizes:
        parts.append(bytes(data[at : at + size]))
        at += size
    return CardData(*parts)


def encode_card_data(card: CardData, with_fingerprints: bool = False) -> bytes:
    """The inverse of ``parse_card_data`` (for the simulator and fixtures)."""
    parts = [card.text, card.photo] + ([card.fingerprints] if with_fingerprints else [])
    return b"".join(len(p).to_bytes(2, "big") for p in parts) + b"".join(parts)


def format_sam_id(data: bytes) -> str:
    """The SAM module's id as printed on its label, ``05.01-20101231-0012345678-1234567890``.

    Layout (little-endian): two 16-bit fields, then three 32-bit ones; the third is padded to ten
    digits. This follows the reference SDK's ``SDT_GetSAMIDToStr``; HslCommunication agrees on the
    fields. Raises DecodeError unless ``data`` is 16 bytes.
    """
    if len(data) != SAM_ID_SIZE:
        raise DecodeError(f"SAM id is {len(data)} bytes, expected {SAM_ID_SIZE}")

    def u16(at: int) -> int:
        return int.from_bytes(data[at : at + 2], "little")

    def u32(at: int) -> int:
        return int.from_bytes(data[at : at + 4], "little")

    return f"{u16(0):02d}.{u16(2):02d}-{u32(4)}-{u32(8):010d}-{u32(12)}"
