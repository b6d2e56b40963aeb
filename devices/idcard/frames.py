"""The SAM module's frame codec: pure functions from values to bytes and back, no I/O.

A frame is ``AA AA AA 96 69 | LEN (2, big-endian) | payload | CHK``. ``LEN`` counts every byte
after itself, the checksum included; ``CHK`` is the XOR of the ``LEN`` bytes and the payload. A
command's payload is ``CMD PARA [DATA]``; a reply's is ``SW1 SW2 SW3 [DATA]``.

``decode_frame`` checks one whole frame and raises ``DecodeError``. ``FrameDecoder`` takes a byte
stream in arbitrary chunks, yields each complete payload, skips garbage to the next preamble and
reports a bad frame as a ``DecodeError`` value instead of stopping, so one corrupt reply never
wedges the stream.
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.errors import DecodeError

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_SIZE = len(PREAMBLE) + 2
MIN_LEN = 3  # CMD PARA CHK: the shortest thing either side sends
# The longest real frame is the 30 10 reply (text, photo, fingerprints: LEN 2314); a LEN far above
# that is garbage that happens to follow a preamble, and waiting for it would stall the stream.
MAX_LEN = 4096


def xor_checksum(data: bytes) -> int:
    """XOR of all bytes of ``data`` (0 for no bytes).

    Folds the bytes as one big integer, halving it each round: a 1.3 kB reply costs a dozen
    big-integer operations instead of 1,300 Python-level XORs.
    """
    value = int.from_bytes(data, "little")
    width = len(data)
    while width > 1:
        half = (width + 1) // 2
        value = (value & ((1 << (8 * half)) - 1)) ^ (value >> (8 * half))
        width = half
    return value


def encode_frame(payload: bytes) -> bytes:
    """The frame carrying ``payload``; raises ValueError if it would exceed ``MAX_LEN``."""
    length = len(payload) + 1
    if length > MAX_LEN:
        raise ValueError(f"payload of {len(payload)} bytes exceeds the frame limit of {MAX_LEN}")
    head = length.to_bytes(2, "big")
    return PREAMBLE + head + payload + bytes([xor_checksum(head + payload)])


def decode_frame(frame: bytes) -> bytes:
    """The payload of exactly one valid frame; raises DecodeError naming what is wrong."""
    if not frame.startswith(PREAMBLE):
        raise DecodeError(
            f"frame does not start with the preamble AA AA AA 96 69: {frame[:5].hex(' ')}"
        )
    if len(frame) < HEADER_SIZE + MIN_LEN:
        raise DecodeError(f"frame of {len(frame)} bytes is shorter than the minimum of 10")
    length = int.from_bytes(frame[5:7], "big")
    if length != len(frame) - HEADER_SIZE:
        raise DecodeError(f"LEN says {length} bytes follow it but {len(frame) - HEADER_SIZE} do")
    _check_length(length)
    _check_sum(frame[5:-1], frame[-1], length)
    return bytes(frame[HEADER_SIZE:-1])


def _check_length(length: int) -> None:
    if not MIN_LEN <= length <= MAX_LEN:
        raise DecodeError(f"LEN {length} is outside {MIN_LEN}..{MAX_LEN}")


def _check_sum(covered: bytes | bytearray, received: int, length: int) -> None:
    expected = xor_checksum(bytes(covered))
    if expected != received:
        raise DecodeError(
            f"checksum 0x{received:02X} does not match 0x{expected:02X} (frame LEN {length})"
        )


@dataclass(frozen=True)
class Command:
    """What the host sends: command byte, parameter byte and optional data."""

    cmd: int
    para: int
    data: bytes = b""

    def encode(self) -> bytes:
        """The command's frame bytes."""
        return encode_frame(bytes([self.cmd, self.para]) + self.data)


@dataclass(frozen=True)
class Reply:
    """What the module answers: SW1 SW2 (from the card) and SW3 (the module's status), data."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes = b""

    def encode(self) -> bytes:
        """The reply's frame bytes."""
        return encode_frame(bytes([self.sw1, self.sw2, self.sw3]) + self.data)


def decode_command(payload: bytes) -> Command:
    """A command from a frame payload; raises DecodeError if it is too short."""
    if len(payload) < 2:
        raise DecodeError(f"a command payload needs CMD and PARA, got {len(payload)} byte(s)")
    return Command(payload[0], payload[1], bytes(payload[2:]))


def decode_reply(payload: bytes) -> Reply:
    """A reply from a frame payload; raises DecodeError if it has no SW1 SW2 SW3."""
    if len(payload) < 3:
        raise DecodeError(f"a reply payload needs SW1 SW2 SW3, got {len(payload)} byte(s)")
    return Reply(payload[0], payload[1], payload[2], bytes(payload[3:]))


def _preamble_prefix_at_end(buffer: bytearray) -> int:
    """How many trailing bytes of ``buffer`` could be the start of a preamble."""
    for size in range(min(len(PREAMBLE) - 1, len(buffer)), 0, -1):
        if buffer.endswith(PREAMBLE[:size]):
            return size
    return 0


class FrameDecoder:
    """Incremental frame decoder for a byte stream (not thread-safe: one owner).

    ``feed`` returns, in stream order, the payload of each complete valid frame and a
    ``DecodeError`` for each rejected one (bad LEN or checksum). Bytes before a preamble are
    skipped and counted in ``skipped``. After a rejected frame it resynchronises one byte past
    that frame's preamble, so a real frame hidden inside a false one is still found.
    """

    def __init__(self, max_len: int = MAX_LEN) -> None:
        self._buffer = bytearray()
        self._max_len = max_len
        self.skipped = 0

    @property
    def pending(self) -> int:
        """Bytes held back waiting for the rest of a frame."""
        return len(self._buffer)

    def reset(self) -> None:
        """Forget any partial frame (before a new command, so stale bytes cannot answer it)."""
        self._buffer.clear()

    def feed(self, chunk: bytes) -> list[bytes | DecodeError]:
        """Add ``chunk``; return what completed. Never raises."""
        buffer = self._buffer
        buffer += chunk
        out: list[bytes | DecodeError] = []
        while True:
            start = buffer.find(PREAMBLE)
            if start < 0:
                keep = _preamble_prefix_at_end(buffer)
                self.skipped += len(buffer) - keep
                del buffer[: len(buffer) - keep]
                return out
            if start:
                self.skipped += start
                del buffer[:start]
            if len(buffer) < HEADER_SIZE:
                return out
            length = int.from_bytes(buffer[5:7], "big")
            if not MIN_LEN <= length <= self._max_len:
                out.append(DecodeError(f"LEN {length} is outside {MIN_LEN}..{self._max_len}"))
                del buffer[:1]
                continue
            end = HEADER_SIZE + length
            if len(buffer) < end:
                return out
            try:
                _check_sum(buffer[5 : end - 1], buffer[end - 1], length)
            except DecodeError as err:
                out.append(err)
                del buffer[:1]
                continue
            out.append(bytes(buffer[HEADER_SIZE : end - 1]))
            del buffer[:end]
