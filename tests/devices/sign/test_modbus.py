"""Modbus-RTU frames: CRC, golden bytes, 0x06/0x10 requests and replies, exception replies."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.errors import DecodeError
from devices.sign.modbus import (
    ExceptionReply,
    OtherRequest,
    WriteRegister,
    WriteRegisters,
    WriteRegistersReply,
    add_crc,
    check_reply,
    crc16,
    decode_reply,
    decode_request,
    encode_exception,
    encode_reply,
    encode_request,
    reply_length,
    strip_crc,
)
from tests.devices.sign.frames import golden


def test_crc_has_the_catalogued_check_value() -> None:
    assert crc16(b"123456789") == 0x4B37


@pytest.mark.parametrize("name", ["write-register-1-3", "read-holding-0-1"])
def test_crc_matches_published_frames_low_byte_first(name: str) -> None:
    frame = golden(name)
    assert add_crc(frame[:-2]) == frame


def test_write_single_register_has_the_published_bytes() -> None:
    assert encode_request(WriteRegister(1, 1, 3)) == golden("write-register-1-3")


def test_showing_a001_on_unit_1_is_one_write_multiple_frame() -> None:
    request = WriteRegisters(1, 0, (0x4130, 0x3031, 0x2020, 0x2020))
    assert encode_request(request) == golden("show-A001-unit-1")
    assert decode_request(golden("show-A001-unit-1")) == request


def test_replies_to_writes_are_an_echo_and_an_address_count_pair() -> None:
    assert encode_reply(WriteRegister(1, 1, 3)) == golden("write-register-1-3")
    assert encode_reply(WriteRegisters(1, 0, (1, 2, 3, 4))) == golden("reply-show-unit-1")
    assert decode_reply(golden("reply-show-unit-1")) == WriteRegistersReply(1, 0, 4)


def test_an_exception_reply_becomes_an_error_naming_the_code() -> None:
    frame = golden("exception-illegal-address-0x10")
    assert encode_exception(1, 0x10, 2) == frame
    reply = decode_reply(frame)
    assert reply == ExceptionReply(1, 0x10, 2)
    request = WriteRegisters(1, 0, (0x4130, 0x3031, 0x2020, 0x2020))
    refused = check_reply(request, frame)
    assert refused is not None
    err = refused.error()
    assert err.code == 2
    assert "exception 0x02 (illegal data address)" in str(err)


def test_check_reply_accepts_the_matching_confirmation() -> None:
    request = WriteRegisters(1, 0, (0x4130, 0x3031, 0x2020, 0x2020))
    assert check_reply(request, golden("reply-show-unit-1")) is None
    assert check_reply(WriteRegister(1, 1, 3), golden("write-register-1-3")) is None


@pytest.mark.parametrize(
    ("request_", "reply", "message"),
    [
        (WriteRegister(2, 1, 3), encode_reply(WriteRegister(1, 1, 3)), "from unit 1"),
        (WriteRegister(1, 1, 4), encode_reply(WriteRegister(1, 1, 3)), "does not match"),
        (WriteRegisters(1, 0, (1, 2)), encode_reply(WriteRegisters(1, 0, (1,))), "expected"),
        (WriteRegister(1, 1, 3), encode_exception(1, 0x10, 2), "sent 0x06"),
    ],
)
def test_a_reply_to_another_request_is_a_decode_error(
    request_: WriteRegister | WriteRegisters, reply: bytes, message: str
) -> None:
    with pytest.raises(DecodeError, match=message):
        check_reply(request_, reply)


def test_a_damaged_crc_is_a_decode_error_showing_the_bytes() -> None:
    frame = bytearray(golden("write-register-1-3"))
    frame[-1] ^= 0x01
    with pytest.raises(DecodeError, match=r"CRC mismatch.*01 06 00 01 00 03 98 0a"):
        strip_crc(bytes(frame))


def test_reply_length_comes_from_the_function_byte() -> None:
    assert reply_length(b"\x01\x06") == 8
    assert reply_length(b"\x01\x10") == 8
    assert reply_length(b"\x01\x90") == 5
    with pytest.raises(DecodeError):
        reply_length(b"\x01\x03")
    with pytest.raises(DecodeError):
        reply_length(b"\x01")


def test_an_unknown_function_decodes_as_other_request_for_exception_1() -> None:
    assert decode_request(golden("read-holding-0-1")) == OtherRequest(1, 0x03)


@pytest.mark.parametrize(
    "request_",
    [
        WriteRegister(248, 0, 0),
        WriteRegister(1, 0, 0x10000),
        WriteRegisters(1, 0, ()),
        WriteRegisters(1, 0, (0,) * 124),
        WriteRegisters(1, 0xFFFF, (0, 0)),
    ],
)
def test_requests_outside_modbus_limits_are_refused_before_sending(
    request_: WriteRegister | WriteRegisters,
) -> None:
    with pytest.raises(ValueError):
        encode_request(request_)


units = st.integers(0, 247)
registers = st.integers(0, 0xFFFF)
single = st.builds(WriteRegister, units, registers, registers)
multiple = st.builds(
    WriteRegisters,
    units,
    st.integers(0, 0xFF00),
    st.lists(registers, min_size=1, max_size=123).map(tuple),
)


@given(st.one_of(single, multiple))
def test_requests_survive_encode_then_decode(request_: WriteRegister | WriteRegisters) -> None:
    assert decode_request(encode_request(request_)) == request_


@given(st.one_of(single, multiple), st.data())
def test_any_single_bit_error_is_caught(
    request_: WriteRegister | WriteRegisters, data: st.DataObject
) -> None:
    frame = bytearray(encode_request(request_))
    bit = data.draw(st.integers(0, len(frame) * 8 - 1))
    frame[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(DecodeError):
        decode_request(bytes(frame))


@given(st.binary(max_size=300))
def test_request_parser_raises_only_decode_errors(data: bytes) -> None:
    with contextlib.suppress(DecodeError):
        decode_request(data)


@given(st.binary(max_size=20))
def test_reply_parser_raises_only_decode_errors(data: bytes) -> None:
    with contextlib.suppress(DecodeError):
        decode_reply(data)


@given(st.binary(min_size=2, max_size=250))
def test_frames_with_a_valid_crc_still_parse_or_fail_cleanly(body: bytes) -> None:
    frame = add_crc(body)
    for parse in (decode_request, decode_reply):
        with contextlib.suppress(DecodeError):
            parse(frame)
