"""Status codes become clear errors; read replies and the SAM id are taken apart correctly."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.errors import DecodeError, DeviceError
from devices.idcard import commands as c
from devices.idcard.errors import (
    CardUnreadable,
    NoCard,
    NoContent,
    ReaderRejectedFrame,
    ReaderStatusError,
    SamFault,
)
from devices.idcard.frames import Reply, decode_frame, decode_reply
from tests.devices.idcard.golden import golden

EXPECTED = {
    0x10: ReaderRejectedFrame,
    0x11: ReaderRejectedFrame,
    0x21: ReaderRejectedFrame,
    0x23: SamFault,
    0x24: ReaderStatusError,
    0x31: CardUnreadable,
    0x32: CardUnreadable,
    0x33: CardUnreadable,
    0x40: CardUnreadable,
    0x41: CardUnreadable,
    0x47: CardUnreadable,
    0x60: SamFault,
    0x66: SamFault,
    0x80: NoCard,
    0x81: CardUnreadable,
    0x91: NoContent,
}


def test_the_status_table_is_the_one_pinned_here() -> None:
    assert {code: meaning.error for code, meaning in c.STATUSES.items()} == EXPECTED


@pytest.mark.parametrize(
    ("status", "error"), sorted(EXPECTED.items()), ids=[hex(k) for k in sorted(EXPECTED)]
)
def test_each_status_code_raises_its_error_naming_command_and_code(
    status: int, error: type[ReaderStatusError]
) -> None:
    with pytest.raises(error) as caught:
        c.check_reply(c.READ_CARD, Reply(0, 0, status))
    assert type(caught.value) is error
    assert caught.value.status == status
    assert isinstance(caught.value, DeviceError)
    assert str(caught.value).startswith("read text and photo: ")
    assert f"0x{status:02X}" in str(caught.value)


def test_an_unknown_status_is_a_generic_reader_status_error() -> None:
    with pytest.raises(ReaderStatusError, match="unknown status 0x42") as caught:
        c.check_reply(c.STATUS, Reply(0, 0, 0x42))
    assert type(caught.value) is ReaderStatusError


def test_find_card_succeeds_on_9f_and_everything_else_on_90() -> None:
    c.check_reply(c.FIND_CARD, decode_reply(decode_frame(golden("find_ok"))))
    for command in set(c.COMMANDS) - {c.FIND_CARD}:
        c.check_reply(command, Reply(0, 0, 0x90))
    with pytest.raises(ReaderStatusError):
        c.check_reply(c.FIND_CARD, Reply(0, 0, 0x90))
    with pytest.raises(NoCard, match="no card on the reader"):
        c.check_reply(c.FIND_CARD, decode_reply(decode_frame(golden("find_no_card"))))


def test_the_sam_id_is_formatted_like_its_label() -> None:
    data = decode_reply(decode_frame(golden("sam_id"))).data
    assert c.format_sam_id(data) == "05.01-20101231-0012345678-1234567890"
    with pytest.raises(DecodeError, match="15 bytes"):
        c.format_sam_id(data[:15])


def test_a_read_reply_splits_into_text_and_photo() -> None:
    data = decode_reply(decode_frame(golden("read_resident"))).data
    parts = c.parse_card_data(data)
    assert (len(parts.text), len(parts.photo), parts.fingerprints) == (256, 1024, b"")
    assert c.encode_card_data(parts) == data


def test_a_fingerprint_read_reply_has_a_third_part() -> None:
    parts = c.CardData(bytes(256), b"p" * 1024, b"f" * 1024)
    wire = c.encode_card_data(parts, with_fingerprints=True)
    assert wire[:6] == bytes.fromhex("0100 0400 0400")
    assert c.parse_card_data(wire, with_fingerprints=True) == parts


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        (b"\x01", "no length fields"),
        (bytes.fromhex("0080 0400") + bytes(128 + 1024), "text length 128"),
        (bytes.fromhex("0100 0400") + bytes(256 + 1000), "do not make"),
    ],
)
def test_read_replies_whose_lengths_do_not_add_up_are_decode_errors(
    data: bytes, complaint: str
) -> None:
    with pytest.raises(DecodeError, match=complaint):
        c.parse_card_data(data)


@given(st.binary(max_size=1400), st.booleans())
def test_random_read_data_raises_nothing_but_decode_error(data: bytes, fp: bool) -> None:
    with contextlib.suppress(DecodeError):
        c.parse_card_data(data, fp)
