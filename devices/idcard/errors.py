"""What can go wrong with an ID-card reader, as ``DeviceError`` subclasses.

Each status code a SAM module answers with (SW3) maps to one class here, grouped by who can fix it:
the citizen (card not there, card unreadable), the software (a frame the module rejected) or the
technician (security module broken or not authorised). ``devices.idcard.commands`` holds the table
from code to class and sentence.
"""

from __future__ import annotations

from devices.errors import DeviceError


class ReaderStatusError(DeviceError):
    """The reader answered, with a status code other than success. ``status`` is SW3."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class NoCard(ReaderStatusError):
    """No card on the reader (SW3 0x80): the normal answer to a poll with nothing there."""


class CardUnreadable(ReaderStatusError):
    """A card is there but could not be selected, authenticated or read (0x31, 0x32, 0x33, 0x40,
    0x41, 0x47, 0x81): usually moved away mid-read, or not a genuine card; present it again."""


class NoContent(ReaderStatusError):
    """The card holds nothing for this request (0x91), e.g. no appended address."""


class ReaderRejectedFrame(ReaderStatusError):
    """The module rejected what we sent (0x10 checksum, 0x11 length, 0x21 command, 0x24
    unrecognised): a wiring, baud-rate or software fault, not the citizen's."""


class SamFault(ReaderStatusError):
    """The security module cannot work (0x60 self-test failed, 0x23/0x66 not authorised): the
    reader needs a technician or replacement."""
