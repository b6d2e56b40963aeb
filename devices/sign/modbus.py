"""Modbus-RTU frames for the window sign: write single register (0x06) and write multiple
registers (0x10), their replies and exception replies. Pure: bytes in, values out.

Frame: unit (1 byte), function (1), data, CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF)
sent low byte first. Register addresses and values are big-endian. Source: Modbus Application
Protocol Specification V1.1b3 §6.6, §6.12, §7 and Modbus over Serial Line V1.02 §2.5.1.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from devices.errors import DecodeError, DeviceError

WRITE_REGISTER = 0x06
WRITE_REGISTERS = 0x10
EXCEPTION_FLAG = 0x80
MAX_WRITE_REGISTERS = 123  # 0x10 carries at most 123 registers (246 data bytes)

EXCEPTION_MEANINGS: dict[int, str] = {
    0x01: "illegal function",
    0x02: "illegal data address",
    0x03: "illegal data value",
    0x04: "slave device failure",
    0x05: "acknowledge (busy with a long command)",
    0x06: "slave device busy",
    0x08: "memory parity error",
    0x0A: "gateway path unavailable",
    0x0B: "gateway target device failed to respond",
}


class SignRefused(DeviceError):
    """The sign answered with a Modbus exception reply: it heard us and said no."""

    def __init__(self, unit: int, function: int, code: int) -> None:
        self.unit, self.function, self.code = unit, function, code
        meaning = EXCEPTION_MEANINGS.get(code, "unknown exception code")
        super().__init__(
            f"sign unit {unit} refused function 0x{function:02X}: "
            f"exception 0x{code:02X} ({meaning})"
        )


@dataclass(frozen=True)
class WriteRegister:
    """Function 0x06: write ``value`` to holding register ``address``. Its reply is an echo."""

    unit: int
    address: int
    value: int


@dataclass(frozen=True)
class WriteRegisters:
    """Function 0x10: write ``values`` to consecutive holding registers from ``address``."""

    unit: int
    address: int
    values: tuple[int, ...]


@dataclass(frozen=True)
class WriteRegistersReply:
    """The normal reply to 0x10: unit, start address and how many registers were written."""

    unit: int
    address: int
    count: int


@dataclass(frozen=True)
class ExceptionReply:
    """``function | 0x80`` and an exception code: the slave refused the request."""

    unit: int
    function: int  # the request's function code, without the 0x80 flag
    code: int

    def error(self) -> SignRefused:
        return SignRefused(self.unit, self.function, self.code)


@dataclass(frozen=True)
class OtherRequest:
    """A well-formed request with a function the sign does not implement (answer exception 1)."""

    unit: int
    function: int


Request = WriteRegister | WriteRegisters
Reply = WriteRegister | WriteRegistersReply | ExceptionReply


def crc16(data: bytes) -> int:
    """CRC-16/MODBUS of ``data`` (check value for b"123456789" is 0x4B37)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def add_crc(body: bytes) -> bytes:
    """``body`` with its CRC appended, low byte first."""
    return body + struct.pack("<H", crc16(body))


def strip_crc(frame: bytes) -> bytes:
    """The frame without its CRC. Raises DecodeError if it is too short or the CRC is wrong."""
    if len(frame) < 4:
        raise DecodeError(f"Modbus frame too short: {len(frame)} bytes ({frame.hex(' ')})")
    body, (crc,) = frame[:-2], struct.unpack("<H", frame[-2:])
    if crc16(body) != crc:
        raise DecodeError(
            f"Modbus CRC mismatch: got {crc:04X}, expected {crc16(body):04X} ({frame.hex(' ')})"
        )
    return body


def _check_fields(unit: int, address: int, values: tuple[int, ...]) -> None:
    if not 0 <= unit <= 247:
        raise ValueError(f"Modbus unit {unit} is outside 0–247")
    if not 0 <= address <= 0xFFFF or address + len(values) > 0x10000:
        raise ValueError(f"register address {address} (+{len(values)}) is outside 0–65535")
    for value in values:
        if not 0 <= value <= 0xFFFF:
            raise ValueError(f"register value {value} is outside 0–65535")


def encode_request(request: Request) -> bytes:
    """The request's bytes with CRC. Raises ValueError for fields outside Modbus limits."""
    if isinstance(request, WriteRegister):
        _check_fields(request.unit, request.address, (request.value,))
        body = struct.pack(">BBHH", request.unit, WRITE_REGISTER, request.address, request.value)
        return add_crc(body)
    values = request.values
    if not 1 <= len(values) <= MAX_WRITE_REGISTERS:
        raise ValueError(f"0x10 writes 1–{MAX_WRITE_REGISTERS} registers, not {len(values)}")
    _check_fields(request.unit, request.address, values)
    head = struct.pack(
        ">BBHHB", request.unit, WRITE_REGISTERS, request.address, len(values), 2 * len(values)
    )
    return add_crc(head + struct.pack(f">{len(values)}H", *values))


def decode_request(frame: bytes) -> Request | OtherRequest:
    """Decode one whole request frame (what a slave receives). Raises DecodeError."""
    body = strip_crc(frame)
    unit, function = body[0], body[1]
    if function == WRITE_REGISTER:
        if len(body) != 6:
            raise DecodeError(f"0x06 request must be 8 bytes, got {len(frame)}")
        address, value = struct.unpack(">HH", body[2:6])
        return WriteRegister(unit, address, value)
    if function == WRITE_REGISTERS:
        if len(body) < 7:
            raise DecodeError(f"0x10 request too short: {len(frame)} bytes")
        address, count, byte_count = struct.unpack(">HHB", body[2:7])
        if not 1 <= count <= MAX_WRITE_REGISTERS or byte_count != 2 * count:
            raise DecodeError(f"0x10 request: {count} registers but {byte_count} data bytes")
        if len(body) != 7 + byte_count:
            raise DecodeError(f"0x10 request: {byte_count} data bytes announced, frame disagrees")
        return WriteRegisters(unit, address, struct.unpack(f">{count}H", body[7:]))
    if function & EXCEPTION_FLAG:
        raise DecodeError(f"function 0x{function:02X} is a reply, not a request")
    return OtherRequest(unit, function)


def encode_reply(request: Request) -> bytes:
    """The normal reply a slave sends after doing ``request``."""
    if isinstance(request, WriteRegister):
        return encode_request(request)  # 0x06 replies with an echo of the request
    body = struct.pack(">BBHH", request.unit, WRITE_REGISTERS, request.address, len(request.values))
    return add_crc(body)


def encode_exception(unit: int, function: int, code: int) -> bytes:
    """An exception reply: ``function | 0x80`` and ``code``."""
    return add_crc(bytes([unit, (function | EXCEPTION_FLAG) & 0xFF, code]))


def reply_length(head: bytes) -> int:
    """Length of the whole reply frame, from its first two bytes (unit, function).

    Raises DecodeError for a function code a write never gets back.
    """
    if len(head) < 2:
        raise DecodeError("need the unit and function bytes to size a reply")
    function = head[1]
    if function & EXCEPTION_FLAG:
        return 5
    if function in (WRITE_REGISTER, WRITE_REGISTERS):
        return 8
    raise DecodeError(f"unexpected function 0x{function:02X} in a reply")


def decode_reply(frame: bytes) -> Reply:
    """Decode one whole reply frame to a write. Raises DecodeError."""
    body = strip_crc(frame)
    unit, function = body[0], body[1]
    if function & EXCEPTION_FLAG:
        if len(body) != 3:
            raise DecodeError(f"exception reply must be 5 bytes, got {len(frame)}")
        return ExceptionReply(unit, function & ~EXCEPTION_FLAG, body[2])
    if len(body) != 6:
        raise DecodeError(f"reply to 0x{function:02X} must be 8 bytes, got {len(frame)}")
    address, value = struct.unpack(">HH", body[2:6])
    if function == WRITE_REGISTER:
        return WriteRegister(unit, address, value)
    if function == WRITE_REGISTERS:
        return WriteRegistersReply(unit, address, value)
    raise DecodeError(f"unexpected function 0x{function:02X} in a reply")


def check_reply(request: Request, frame: bytes) -> ExceptionReply | None:
    """Decode ``frame`` as the reply to ``request``.

    Returns None when the slave confirmed the write, the ExceptionReply when it refused.
    Raises DecodeError for a damaged frame or a reply that belongs to another request.
    """
    reply = decode_reply(frame)
    function = WRITE_REGISTER if isinstance(request, WriteRegister) else WRITE_REGISTERS
    if reply.unit != request.unit:
        raise DecodeError(f"reply from unit {reply.unit}, expected unit {request.unit}")
    if isinstance(reply, ExceptionReply):
        if reply.function != function:
            raise DecodeError(
                f"exception for function 0x{reply.function:02X}, sent 0x{function:02X}"
            )
        return reply
    if isinstance(request, WriteRegister):
        if reply != request:
            raise DecodeError(f"0x06 echo {reply} does not match the request {request}")
        return None
    expected = WriteRegistersReply(request.unit, request.address, len(request.values))
    if reply != expected:
        raise DecodeError(f"0x10 reply {reply} does not match the request (expected {expected})")
    return None
