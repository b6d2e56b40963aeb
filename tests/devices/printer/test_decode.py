"""Decoding printer bytes back to text: Chinese mode, QR codes, cuts, and bad input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.errors import DecodeError
from devices.printer.decode import decode_job
from devices.printer.layout import Align, CutLine, FeedLine, QrLine, Row, Size


def test_chinese_decodes_only_inside_fs_ampersand() -> None:
    job = decode_job(b"\x1b@A\x1c&\xba\xc5\x1c.\n")
    assert job.texts == ["A号"]
    assert job.inits == 1


def test_chinese_sent_raw_prints_as_code_page_garbage() -> None:
    # What python-escpos 3.1 sends: GB bytes with no FS &; a printer in single-byte mode prints
    # two code-page 437 characters for each Chinese one.
    job = decode_job(b"\x1b@" + "号".encode("gb18030") + b"\n")
    assert job.texts == ["║┼"]


def test_styles_follow_the_commands() -> None:
    job = decode_job(b"\x1b@\x1ba\x01\x1d!\x22\x1bE\x01A001\n\x1ba\x02\x1d!\x00\x1bE\x00x\n")
    assert job.lines == [
        Row("A001", Size.HUGE, True, Align.CENTER),
        Row("x", Size.NORMAL, False, Align.RIGHT),
    ]


def test_qr_payload_and_cuts_are_counted() -> None:
    qr = b"\x1d(k\x03\x001C\x05\x1d(k\x07\x001P0abcd\x1d(k\x03\x001Q0"
    job = decode_job(b"\x1b@" + qr + b"\x1bd\x03\x1dV\x01\x1dVB\x00")
    assert job.qr_payloads == ["abcd"]
    assert job.cuts == 2


def test_esc_at_discards_unprinted_text_and_unterminated_text_is_reported() -> None:
    job = decode_job(b"lost\x1b@kept\nleft")
    assert job.texts == ["kept"]
    assert job.unprinted == "left"


def test_status_requests_inside_a_job_print_nothing() -> None:
    assert decode_job(b"\x10\x04\x01a\n").texts == ["a"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x1b", "cut short"),
        (b"\x1d(k\x05\x001P0", "cut short"),
        (b"\x1c&\xff\xff\n", "not GB18030"),
        (b"\x1d(k\x03\x001Q0", "no QR data"),
        (b"\x1b\x7f", "not understood"),
        (b"\x07", "control byte"),
        (b"\x1d!\x77", "character size"),
    ],
)
def test_bad_bytes_raise_decode_error_saying_what(data: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        decode_job(data)


@settings(max_examples=400)
@given(st.binary(max_size=200))
def test_random_bytes_raise_nothing_but_decode_error(data: bytes) -> None:
    try:
        job = decode_job(data)
    except DecodeError:
        return
    assert all(isinstance(line, (Row, QrLine, FeedLine, CutLine)) for line in job.lines)


command_bytes = st.lists(
    st.one_of(
        st.sampled_from(
            [
                b"\x1b@",
                b"\x1c&",
                b"\x1c.",
                b"\n",
                b"\x1ba\x01",
                b"\x1d!\x11",
                b"\x1dV\x01",
                b"\x1bd",
            ]
        ),
        st.binary(min_size=1, max_size=4),
        st.just(b"\x1d(k"),
    ),
    max_size=30,
).map(b"".join)


@settings(max_examples=400)
@given(command_bytes)
def test_mangled_command_streams_raise_nothing_but_decode_error(data: bytes) -> None:
    try:
        job = decode_job(data)
    except DecodeError:
        return
    assert all(isinstance(line, (Row, QrLine, FeedLine, CutLine)) for line in job.lines)
