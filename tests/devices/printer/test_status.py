"""DLE EOT status: request bytes, reply decoding, and "no reply" meaning unknown, never ok."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.errors import DecodeError
from devices.printer.status import (
    OFFLINE_CAUSE,
    PAPER,
    PRINTER,
    PrinterStatus,
    decode_replies,
    decode_status,
    encode_status,
    status_request,
)


def test_requests_are_dle_eot_n() -> None:
    assert [status_request(n) for n in (1, 2, 4)] == [
        b"\x10\x04\x01",
        b"\x10\x04\x02",
        b"\x10\x04\x04",
    ]
    with pytest.raises(ValueError):
        status_request(5)


def test_an_empty_reply_is_unknown_not_paper_ok() -> None:
    for n in (PRINTER, OFFLINE_CAUSE, PAPER):
        assert decode_status(n, b"") == PrinterStatus()
        assert decode_status(n, None) == PrinterStatus()
    status = decode_replies({})
    assert status.paper_end is None and status.online is None
    assert not status.known
    assert status.can_print is None


def test_a_healthy_printer_answers_0x12_to_each_request() -> None:
    status = decode_replies({PRINTER: b"\x12", OFFLINE_CAUSE: b"\x12", PAPER: b"\x12"})
    assert status == PrinterStatus(
        online=True, cover_open=False, paper_end=False, paper_near_end=False, error=False
    )
    assert status.can_print is True


def test_paper_end_and_near_end_bits_of_dle_eot_4() -> None:
    assert decode_status(PAPER, b"\x7e") == PrinterStatus(paper_near_end=True, paper_end=True)
    assert decode_status(PAPER, b"\x72") == PrinterStatus(paper_near_end=False, paper_end=True)
    assert decode_status(PAPER, b"\x1e") == PrinterStatus(paper_near_end=True, paper_end=False)


def test_cover_open_and_offline_bits() -> None:
    assert decode_status(PRINTER, b"\x1a").online is False
    assert decode_status(OFFLINE_CAUSE, b"\x16").cover_open is True
    assert decode_status(OFFLINE_CAUSE, b"\x52").error is True


def test_paper_end_from_the_offline_cause_counts_even_if_the_sensor_reply_is_missing() -> None:
    status = decode_replies({PRINTER: b"\x1a", OFFLINE_CAUSE: b"\x32"})
    assert status.paper_end is True
    assert status.can_print is False


def test_a_byte_with_wrong_fixed_bits_is_not_a_status_byte() -> None:
    with pytest.raises(DecodeError, match="not a DLE EOT 1 status byte"):
        decode_status(PRINTER, b"A")


def test_a_late_extra_byte_is_read_by_the_last_byte() -> None:
    assert decode_status(PAPER, b"\x12\x72").paper_end is True


def test_only_online_without_paper_information_cannot_say_it_can_print() -> None:
    assert decode_replies({PRINTER: b"\x12"}).can_print is None


@given(
    online=st.booleans(),
    cover_open=st.booleans(),
    paper_end=st.booleans(),
    near=st.booleans(),
    error=st.booleans(),
)
def test_encoded_states_decode_to_themselves(
    online: bool, cover_open: bool, paper_end: bool, near: bool, error: bool
) -> None:
    replies = encode_status(
        online=online, cover_open=cover_open, paper_end=paper_end, paper_near_end=near, error=error
    )
    status = decode_replies(dict(replies))
    assert status.online is online
    assert status.cover_open is cover_open
    assert status.paper_end is paper_end
    assert status.paper_near_end is (near or paper_end)
    assert status.error is error


@given(n=st.integers(-1, 300), reply=st.one_of(st.none(), st.binary(max_size=4)))
def test_decoding_any_reply_raises_nothing_but_decode_error(n: int, reply: bytes | None) -> None:
    try:
        status = decode_status(n, reply)
    except DecodeError:
        return
    if not reply:
        assert not status.known  # silence is never read as "paper ok"
