"""Commands to one reader over one transport, each with a bounded time limit.

A ``ReaderSession`` belongs to one thread. Every command discards stale input, sends its frame
and waits at most its own time limit for a complete reply: a half frame followed by silence ends
in ``DeviceTimeout``, never a hang. Status codes become the errors of ``devices.idcard.errors``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace

from devices.errors import DecodeError, DeviceError, DeviceTimeout
from devices.idcard import commands as c
from devices.idcard.card import IdCard, decode_address, decode_text
from devices.idcard.errors import CardUnreadable, NoCard, NoContent
from devices.idcard.frames import FrameDecoder, Reply, decode_reply
from devices.idcard.transport import READ_SIZE, Transport, open_transport

log = logging.getLogger(__name__)

_QUIET = 0.05  # seconds of silence after which a reply is over (115200 baud never pauses so)


class ReaderSession:
    """The SAM command set over ``transport``. ``timeouts`` overrides the per-command limits
    (seconds) by command name, e.g. ``{"read text and photo": 5.0}``."""

    def __init__(self, transport: Transport, timeouts: Mapping[str, float] | None = None) -> None:
        self.transport = transport
        self._timeouts = dict(timeouts or {})
        self._decoder = FrameDecoder()

    def timeout_of(self, command: c.ReaderCommand) -> float:
        """The time limit in seconds this session gives ``command``."""
        return self._timeouts.get(command.name, command.timeout)

    def exchange(self, command: c.ReaderCommand) -> Reply:
        """Send ``command`` and return its successful reply.

        Raises DeviceTimeout when no complete reply arrives in time, DecodeError for a corrupt
        reply, DeviceAbsent when the transport has gone, and the status error of any other SW3.
        """
        limit = self.timeout_of(command)
        self.transport.discard_input()
        self._decoder.reset()
        self.transport.write(command.frame)
        deadline = time.monotonic() + limit
        corrupt: DecodeError | None = None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if corrupt is not None:
                    raise corrupt
                partial = self._decoder.pending
                raise DeviceTimeout(
                    f"{command.name}: no complete reply within {limit:g} s from "
                    f"{self.transport.description}"
                    + (f" ({partial} bytes of an unfinished frame)" if partial else "")
                )
            # Once a corrupt frame was seen, wait only while bytes keep coming: a false
            # preamble in line noise is rejected just before the real reply completes, but a
            # genuinely corrupt reply should fail now, not at the time limit.
            chunk = self.transport.read(READ_SIZE, min(remaining, _QUIET) if corrupt else remaining)
            if corrupt is not None and not chunk:
                raise corrupt
            for item in self._decoder.feed(chunk):
                if isinstance(item, DecodeError):
                    corrupt = corrupt or DecodeError(f"{command.name}: corrupt reply: {item}")
                    continue
                reply = decode_reply(item)
                c.check_reply(command, reply)
                return reply
            if corrupt is not None and not self._decoder.pending:
                raise corrupt

    def reset(self) -> None:
        """Reset the security module."""
        self.exchange(c.RESET)

    def check_status(self) -> None:
        """Ask the module whether it works; raises SamFault if it does not."""
        self.exchange(c.STATUS)

    def sam_id(self) -> str:
        """The module's id, ``05.01-20101231-0012345678-1234567890`` style."""
        return c.format_sam_id(self.exchange(c.SAM_ID).data)

    def find_card(self) -> bool:
        """Whether a card is on the reader (find card answered 0x9F rather than 0x80)."""
        try:
            self.exchange(c.FIND_CARD)
        except NoCard:
            return False
        return True

    def read_selected(self, fingerprints: bool = False, appended_address: bool = True) -> IdCard:
        """Select the found card and read it (text and photo; fingerprints too if asked, and the
        appended address unless told not to). Raises CardUnreadable if it went away."""
        self.exchange(c.SELECT_CARD)
        command = c.READ_CARD_FINGERPRINTS if fingerprints else c.READ_CARD
        data = c.parse_card_data(self.exchange(command).data, fingerprints)
        card = decode_text(data.text, data.photo, data.fingerprints)
        if appended_address:
            card = replace(card, appended_address=self.read_appended_address())
        return card

    def read_appended_address(self) -> str:
        """The address added after issue (30 03), or "" when the card has none."""
        try:
            return decode_address(self.exchange(c.READ_APPENDED_ADDRESS).data)
        except NoContent:
            return ""

    def read_presented(self, fingerprints: bool = False) -> IdCard | None:
        """Find, select and read the card on the reader; None when there is none."""
        if not self.find_card():
            return None
        return self.read_selected(fingerprints)

    def close(self) -> None:
        self.transport.close()


def read_one_card(
    address: str,
    wait: float,
    poll_interval: float = 0.2,
    opener: Callable[[str], Transport] = open_transport,
) -> tuple[IdCard, str]:
    """Open ``address``, wait up to ``wait`` seconds (plus at most one command's time limit) for
    a card, read it; returns the card and the module's SAM id. Raises DeviceAbsent (no reader), SamFault (broken module), or
    DeviceTimeout naming the last trouble when no card could be read in time."""
    session = ReaderSession(opener(address))
    try:
        session.check_status()
        sam = session.sam_id()
        deadline = time.monotonic() + wait
        last: DeviceError | None = None
        while True:
            try:
                card = session.read_presented()
                if card is not None:
                    return card, sam
            except (CardUnreadable, DecodeError, DeviceTimeout) as err:
                log.debug("read attempt failed: %s", err)
                last = err
            if time.monotonic() + poll_interval > deadline:
                raise DeviceTimeout(
                    f"no card could be read within {wait:g} s"
                    + (f" (last problem: {last})" if last else "; is a card on the reader?")
                )
            time.sleep(poll_interval)
    finally:
        session.close()
