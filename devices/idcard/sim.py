"""A simulated ID-card reader on a pty: it answers the real protocol, for demos and tests.

``SimulatedReader`` opens a pseudo-terminal and serves the SAM command set on it from one
thread; a client opens the pty's other end (``path``) with the real serial transport. Cards are
presented and removed at run time (``present``, ``remove``) or rotated: with ``cycle`` seconds,
each card in turn stays that long, with a gap of at most a second between, so a demo kiosk sees
a stream of citizens. Faults are switched on and off with ``set_faults``:

- ``no-card``: find card always answers 0x80;
- ``bad-checksum``: read replies go out with a wrong checksum;
- ``split``: every reply is written in small pieces with pauses;
- ``garbage``: junk bytes (with a partial preamble) precede every reply;
- ``sam-fail``: every command is answered 0x60 (security module self-test failed);
- ``removed``: the card leaves between select and read: reads answer 0x41;
- ``half-frame``: read replies stop half way, then silence;
- ``silent``: nothing is answered;
- ``halt-after-read``: after a read, the next find fails once, as some modules do while the
  card rests in its halted state.

``stop`` and ``start`` again model unplugging and replugging: the pty goes away and comes back
(a new one; give ``link`` to keep a stable path, like a udev symlink).
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
import tty
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from devices.errors import DeviceAddressError
from devices.idcard import commands as c
from devices.idcard.card import IdCard, encode_text
from devices.idcard.commands import ADDRESS_SIZE, CardData, encode_card_data
from devices.idcard.frames import Command, FrameDecoder, Reply, decode_command
from devices.idcard.samples import SAMPLES

log = logging.getLogger(__name__)

FAULTS = frozenset(
    {
        "no-card",
        "bad-checksum",
        "split",
        "garbage",
        "sam-fail",
        "removed",
        "half-frame",
        "silent",
        "halt-after-read",
    }
)
# Labelled "05.01-20101231-0012345678-1234567890" by commands.format_sam_id.
SAM_ID = (
    (5).to_bytes(2, "little")
    + (1).to_bytes(2, "little")
    + (20101231).to_bytes(4, "little")
    + (12345678).to_bytes(4, "little")
    + (1234567890).to_bytes(4, "little")
)
GARBAGE = b"\x00\xff\x13\xaa\xaa\x96\x37"
_FIND_DATA = bytes(4)  # the card's IIN as modules report it (zeros)
_SELECT_DATA = bytes(8)  # the card's serial number
_SPLIT_PIECE = 7
_SPLIT_PAUSE = 0.001
_CYCLE_GAP = 1.0
_READS = (c.READ_CARD, c.READ_CARD_FINGERPRINTS)


def parse_cards(spec: str) -> list[IdCard]:
    """Cards from ``resident,permit-j,...``; raises DeviceAddressError naming unknown ones."""
    names = [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in SAMPLES]
    if unknown:
        raise DeviceAddressError(
            f"unknown simulated card(s) {', '.join(unknown)}; known: {', '.join(SAMPLES)}"
        )
    return [SAMPLES[n] for n in names]


def parse_faults(spec: str) -> set[str]:
    """Faults from ``split,garbage``; raises DeviceAddressError naming unknown ones."""
    faults = {f.strip() for f in spec.split(",") if f.strip()}
    if faults - FAULTS:
        raise DeviceAddressError(
            f"unknown simulator fault(s) {', '.join(sorted(faults - FAULTS))}; "
            f"known: {', '.join(sorted(FAULTS))}"
        )
    return faults


class SimulatedReader:
    """A reader on a pty. Thread-safe: tests and the CLI drive it while its thread serves."""

    def __init__(
        self,
        cards: Sequence[IdCard] = (),
        faults: Iterable[str] = (),
        link: str | Path | None = None,
        cycle: float = 0.0,
    ) -> None:
        self._lock = threading.Lock()
        self._cards = list(cards) or [SAMPLES["resident"]]
        self._faults = parse_faults(",".join(faults))
        self._card: IdCard | None = self._cards[0]
        self._selected = False
        self._halted = False
        self._cycle = cycle
        self._link = Path(link) if link else None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._fds: tuple[int, int, int, int] | None = None  # master, slave, wake_r, wake_w
        self._slave_name = ""
        self.commands: list[Command] = []

    @classmethod
    def from_options(cls, options: Mapping[str, str]) -> SimulatedReader:
        """From ``sim://idcard`` query options: ``cards``, ``faults``, ``cycle`` (s), ``link``."""
        unknown = set(options) - {"cards", "faults", "cycle", "link"}
        if unknown:
            raise DeviceAddressError(
                f"sim://idcard: unknown option(s) {', '.join(sorted(unknown))}"
            )
        try:
            cycle = float(options.get("cycle", "0"))
        except ValueError as err:
            raise DeviceAddressError("sim://idcard: cycle must be a number of seconds") from err
        return cls(
            parse_cards(options.get("cards", "resident")),
            parse_faults(options.get("faults", "")),
            options.get("link") or None,
            cycle,
        )

    @property
    def path(self) -> str:
        """Where a client opens the reader: the stable link if one was given, else the pty."""
        return str(self._link) if self._link else self._slave_name

    @property
    def address(self) -> str:
        """The ``serial://`` address of ``path``."""
        return f"serial://{self.path}?baud=115200"

    def present(self, card: IdCard | None = None) -> None:
        """Put ``card`` (default: the first configured one) on the reader."""
        with self._lock:
            self._card = card or self._cards[0]
            self._selected = self._halted = False

    def remove(self) -> None:
        """Take the card away."""
        with self._lock:
            self._card = None
            self._selected = self._halted = False

    def set_faults(self, faults: Iterable[str]) -> None:
        """Replace the active faults (see the module docstring)."""
        parsed = parse_faults(",".join(faults))
        with self._lock:
            self._faults = parsed

    def start(self) -> None:
        """Open a fresh pty (and point ``link`` at it) and serve it from a new thread."""
        if self._thread is not None:
            return
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing: bytes pass through untouched
        wake_r, wake_w = os.pipe()
        self._fds = (master, slave, wake_r, wake_w)
        self._slave_name = os.ttyname(slave)
        if self._link:
            self._link.unlink(missing_ok=True)
            self._link.symlink_to(self._slave_name)
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="idcard-sim", daemon=True)
        self._thread.start()
        log.debug("simulated ID-card reader on %s", self.path)

    def stop(self) -> None:
        """Stop serving and close the pty: to a client this is the reader being unplugged."""
        thread, fds = self._thread, self._fds
        if thread is None or fds is None:
            return
        self._stop.set()
        os.write(fds[3], b"x")
        thread.join(timeout=5)
        for fd in fds:
            os.close(fd)
        if self._link:
            self._link.unlink(missing_ok=True)
        self._thread, self._fds = None, None

    def __enter__(self) -> SimulatedReader:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        if self._fds is None:
            return
        master, _, wake_r, _ = self._fds
        decoder = FrameDecoder()
        started = time.monotonic()
        while not self._stop.is_set():
            ready, _, _ = select.select([master, wake_r], [], [], 0.05)
            self._rotate(time.monotonic() - started)
            if master not in ready:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            for item in decoder.feed(chunk):
                if isinstance(item, bytes):
                    command = decode_command(item)
                    self.commands.append(command)
                    try:
                        self._answer(master, command)
                    except Exception:  # a simulator bug must not silently kill the reader
                        log.exception("sim: answering %s failed", command)
                else:
                    self._write(master, Reply(0, 0, 0x10).encode(), read_reply=False)

    def _rotate(self, elapsed: float) -> None:
        """In cycle mode: each card in turn for ``cycle`` seconds, a gap with none between."""
        if self._cycle <= 0:
            return
        gap = min(_CYCLE_GAP, self._cycle / 2)
        period = self._cycle + gap
        slot, offset = divmod(elapsed, period)
        card = self._cards[int(slot) % len(self._cards)] if offset < self._cycle else None
        with self._lock:
            if card is not self._card:
                self._card, self._selected, self._halted = card, False, False

    def _answer(self, master: int, command: Command) -> None:
        with self._lock:
            reply = self._reply(command)
            faults = set(self._faults)
        log.debug("sim: %02X %02X -> %s", command.cmd, command.para, reply and hex(reply.sw3))
        if reply is not None:
            is_read = (command.cmd, command.para) in {(r.cmd, r.para) for r in _READS}
            self._write(master, reply.encode(), is_read and reply.sw3 == c.OK, faults)

    def _reply(self, command: Command) -> Reply | None:
        """The answer to ``command`` in the current state (called under the lock)."""
        faults, card = self._faults, self._card
        known = c.COMMAND_BY_CODE.get((command.cmd, command.para))
        if "silent" in faults:
            return None
        if "sam-fail" in faults:
            return Reply(0, 0, 0x60)
        if known is None or command.data:
            return Reply(0, 0, 0x21)
        if known in (c.RESET, c.STATUS):
            return Reply(0, 0, c.OK)
        if known is c.SAM_ID:
            return Reply(0, 0, c.OK, SAM_ID)
        if known is c.FIND_CARD:
            if card is None or "no-card" in faults or self._halted:
                self._halted = False
                return Reply(0, 0, 0x80)
            return Reply(0, 0, c.FIND_OK, _FIND_DATA)
        if known is c.SELECT_CARD:
            self._selected = card is not None
            return Reply(0, 0, c.OK, _SELECT_DATA) if card else Reply(0, 0, 0x81)
        if card is None or not self._selected or "removed" in faults:
            return Reply(0, 0, 0x41)
        if known is c.READ_APPENDED_ADDRESS:
            if not card.appended_address:
                return Reply(0, 0, 0x91)
            address = card.appended_address.encode("utf-16-le")[:ADDRESS_SIZE]
            padding = " " * ((ADDRESS_SIZE - len(address)) // 2)
            return Reply(0, 0, c.OK, address + padding.encode("utf-16-le"))
        self._halted = "halt-after-read" in faults
        with_fp = known is c.READ_CARD_FINGERPRINTS
        data = CardData(encode_text(card), card.photo_wlt, card.fingerprints or bytes(1024))
        return Reply(0, 0, c.OK, encode_card_data(data, with_fp))

    def _write(
        self, master: int, frame: bytes, read_reply: bool, faults: set[str] | None = None
    ) -> None:
        faults = faults if faults is not None else set()
        if read_reply and "bad-checksum" in faults:
            frame = frame[:-1] + bytes([frame[-1] ^ 0x5A])
        if read_reply and "half-frame" in faults:
            frame = frame[: len(frame) // 2]
        if "garbage" in faults:
            frame = GARBAGE + frame
        pieces = (
            [frame[i : i + _SPLIT_PIECE] for i in range(0, len(frame), _SPLIT_PIECE)]
            if "split" in faults
            else [frame]
        )
        try:
            for piece in pieces:
                view = memoryview(piece)
                while view:
                    view = view[os.write(master, view) :]
                if len(pieces) > 1:
                    time.sleep(_SPLIT_PAUSE)
        except OSError as err:
            log.debug("sim: write failed: %s", err)
