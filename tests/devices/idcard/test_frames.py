"""The frame codec: exact command bytes, strict decoding, and the incremental stream decoder."""

from __future__ import annotations

import contextlib
from functools import reduce
from operator import xor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.errors import DecodeError
from devices.idcard import commands as c
from devices.idcard.frames import (
    MAX_LEN,
    PREAMBLE,
    Command,
    FrameDecoder,
    Reply,
    decode_command,
    decode_frame,
    decode_reply,
    encode_frame,
    xor_checksum,
)
from tests.devices.idcard.golden import golden

COMMAND_BYTES = [
    (c.RESET, "AA AA AA 96 69 00 03 10 FF EC"),
    (c.STATUS, "AA AA AA 96 69 00 03 11 FF ED"),
    (c.SAM_ID, "AA AA AA 96 69 00 03 12 FF EE"),
    (c.FIND_CARD, "AA AA AA 96 69 00 03 20 01 22"),
    (c.SELECT_CARD, "AA AA AA 96 69 00 03 20 02 21"),
    (c.READ_CARD, "AA AA AA 96 69 00 03 30 01 32"),
    (c.READ_CARD_FINGERPRINTS, "AA AA AA 96 69 00 03 30 10 23"),
    (c.READ_APPENDED_ADDRESS, "AA AA AA 96 69 00 03 30 03 30"),
]

valid_frames = st.builds(encode_frame, st.binary(min_size=2, max_size=300))


@pytest.mark.parametrize(("command", "wire"), COMMAND_BYTES, ids=lambda v: getattr(v, "name", ""))
def test_each_command_is_sent_as_its_exact_bytes(command: c.ReaderCommand, wire: str) -> None:
    assert command.frame == bytes.fromhex(wire)
    assert decode_command(decode_frame(command.frame)) == Command(command.cmd, command.para)


def test_the_command_set_has_one_entry_per_code() -> None:
    assert len(c.COMMAND_BY_CODE) == len(c.COMMANDS) == len(COMMAND_BYTES)


def test_a_read_reply_is_1295_bytes_with_len_0508_and_decodes_to_its_status_and_data() -> None:
    wire = golden("read_resident")
    assert len(wire) == 1295
    assert wire[5:7] == b"\x05\x08"
    reply = decode_reply(decode_frame(wire))
    assert (reply.sw1, reply.sw2, reply.sw3) == (0, 0, 0x90)
    assert len(reply.data) == 4 + 256 + 1024


def test_replies_encode_back_to_the_golden_bytes() -> None:
    for name in ("read_resident", "find_ok", "find_no_card", "sam_id"):
        wire = golden(name)
        assert decode_reply(decode_frame(wire)).encode() == wire, name
    assert Reply(0, 0, 0x80).encode() == golden("find_no_card")


@pytest.mark.parametrize(
    ("wire", "complaint"),
    [
        ("AA AA AA 96 69 00 03 20 01 23", "checksum 0x23 does not match 0x22"),
        ("AA AA AA 96 69 00 04 20 01 22", "LEN says 4"),
        ("AA AA AA 96 68 00 03 20 01 22", "preamble"),
        ("AA AA AA 96 69 00 02 20 23", "shorter"),
    ],
)
def test_decode_frame_names_what_is_wrong(wire: str, complaint: str) -> None:
    with pytest.raises(DecodeError, match=complaint):
        decode_frame(bytes.fromhex(wire))


def test_decode_frame_refuses_a_length_beyond_the_limit() -> None:
    with pytest.raises(DecodeError, match="outside"):
        decode_frame(PREAMBLE + (MAX_LEN + 1).to_bytes(2, "big") + bytes(MAX_LEN + 1))


def test_payloads_too_short_for_a_command_or_reply_are_decode_errors() -> None:
    with pytest.raises(DecodeError):
        decode_command(b"\x20")
    with pytest.raises(DecodeError):
        decode_reply(b"\x00\x00")


def test_a_payload_longer_than_the_frame_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="exceeds"):
        encode_frame(bytes(MAX_LEN))


def test_the_stream_decoder_takes_a_reply_one_byte_at_a_time() -> None:
    wire = golden("read_resident")
    decoder = FrameDecoder()
    out = [item for byte in wire for item in decoder.feed(bytes([byte]))]
    assert out == [decode_frame(wire)]
    assert decoder.pending == 0


def test_garbage_before_a_frame_is_skipped_and_counted() -> None:
    decoder = FrameDecoder()
    garbage = b"\x00\xff\xaa\xaa\x96\x13"
    assert decoder.feed(garbage + golden("find_ok")) == [decode_frame(golden("find_ok"))]
    assert decoder.skipped == len(garbage)


def test_a_preamble_split_across_chunks_is_kept_until_the_rest_arrives() -> None:
    decoder = FrameDecoder()
    wire = golden("find_ok")
    assert decoder.feed(b"\x01\x02" + wire[:3]) == []
    assert decoder.pending == 3
    assert decoder.feed(wire[3:]) == [decode_frame(wire)]


def test_a_corrupt_frame_is_reported_and_the_next_one_still_decoded() -> None:
    bad = bytearray(golden("sam_id"))
    bad[-1] ^= 0x01
    decoder = FrameDecoder()
    out = decoder.feed(bytes(bad) + golden("find_no_card"))
    assert isinstance(out[0], DecodeError)
    assert "checksum" in str(out[0])
    assert out[-1] == decode_frame(golden("find_no_card"))


def test_a_false_preamble_with_a_huge_length_does_not_swallow_the_real_frame() -> None:
    false_start = PREAMBLE + b"\xff\xff"
    decoder = FrameDecoder()
    out = decoder.feed(false_start + golden("find_ok"))
    assert [type(item) for item in out] == [DecodeError, bytes]
    assert out[1] == decode_frame(golden("find_ok"))


def test_a_false_preamble_with_a_plausible_length_resyncs_onto_the_real_frame() -> None:
    # LEN 12 makes the decoder wait for and check 12 bytes that are really the next frame's start.
    false_start = PREAMBLE + b"\x00\x0c"
    decoder = FrameDecoder()
    out = decoder.feed(false_start + golden("find_ok"))
    assert out[-1] == decode_frame(golden("find_ok"))
    assert all(isinstance(item, DecodeError) for item in out[:-1])


def test_a_preamble_inside_the_photo_does_not_split_the_reply() -> None:
    wire = golden("read_resident")
    assert wire.count(PREAMBLE) > 1
    assert FrameDecoder().feed(wire) == [decode_frame(wire)]


def test_two_frames_in_one_chunk_come_out_in_order() -> None:
    first, second = golden("find_ok"), golden("sam_id")
    assert FrameDecoder().feed(first + second) == [decode_frame(first), decode_frame(second)]


def test_reset_forgets_a_partial_frame() -> None:
    decoder = FrameDecoder()
    decoder.feed(golden("read_resident")[:100])
    decoder.reset()
    assert decoder.feed(golden("find_ok")) == [decode_frame(golden("find_ok"))]


@given(st.binary(max_size=2000))
def test_random_bytes_never_raise_from_the_stream_decoder(data: bytes) -> None:
    for item in FrameDecoder().feed(data):
        assert isinstance(item, bytes | DecodeError)


@given(st.binary(max_size=600))
def test_random_bytes_raise_nothing_but_decode_error_from_decode_frame(data: bytes) -> None:
    for candidate in (data, PREAMBLE + data):
        try:
            payload = decode_frame(candidate)
        except DecodeError:
            continue
        for decode in (decode_reply, decode_command):
            with contextlib.suppress(DecodeError):
                decode(payload)


@given(st.lists(valid_frames, min_size=1, max_size=5), st.data())
def test_valid_frames_split_anywhere_come_out_whole_and_in_order(
    frames: list[bytes], data: st.DataObject
) -> None:
    stream = b"".join(frames)
    cuts = sorted(data.draw(st.sets(st.integers(0, len(stream)), max_size=20)))
    decoder = FrameDecoder()
    out: list[bytes | DecodeError] = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        out += decoder.feed(stream[start:end])
    assert out == [decode_frame(f) for f in frames]


@given(st.binary(max_size=50).filter(lambda g: PREAMBLE[:1] not in g), valid_frames)
def test_a_valid_frame_after_garbage_is_found(garbage: bytes, frame: bytes) -> None:
    assert FrameDecoder().feed(garbage + frame) == [decode_frame(frame)]


@given(st.binary(max_size=3000))
def test_the_folded_checksum_equals_a_plain_xor(data: bytes) -> None:
    assert xor_checksum(data) == reduce(xor, data, 0)
