"""The sign's register convention: text packing, digits-only numbers, what the sign shows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.sign.display import (
    BRIGHTNESS_REGISTER,
    CONTROL_REGISTER,
    ILLEGAL_ADDRESS,
    ILLEGAL_VALUE,
    SignLayout,
    SignMemory,
    SignTextError,
    blank_requests,
    brightness_requests,
    number_value,
    pack_text,
    show_requests,
    unpack_text,
)
from devices.sign.modbus import WriteRegister, WriteRegisters


def test_text_goes_two_ascii_characters_per_register_high_byte_first() -> None:
    assert pack_text("A001", 8) == (0x4130, 0x3031, 0x2020, 0x2020)
    assert unpack_text((0x4130, 0x3031, 0x2020, 0x2020)) == "A001"


def test_showing_a_number_in_text_mode_is_one_write_multiple() -> None:
    assert show_requests(SignLayout(unit=3), "B12") == [
        WriteRegisters(3, 0, (0x4231, 0x3220, 0x2020, 0x2020))
    ]


def test_digits_only_signs_get_the_number_as_one_integer_register() -> None:
    layout = SignLayout(digits_only=True, register=1)
    assert show_requests(layout, "A001") == [WriteRegister(1, 1, 1)]
    assert show_requests(layout, "B123") == [WriteRegister(1, 1, 123)]


@pytest.mark.parametrize(
    ("text", "message"), [("ABC", "no digits"), ("A70000", "does not fit"), ("", "no digits")]
)
def test_numbers_a_digits_only_sign_cannot_show_are_refused(text: str, message: str) -> None:
    with pytest.raises(SignTextError, match=message):
        number_value(text)


@pytest.mark.parametrize(
    ("text", "message"), [("请A001", "ASCII"), ("Ａ001", "ASCII"), ("A0000001X", "longer")]
)
def test_text_the_led_sign_cannot_show_is_refused(text: str, message: str) -> None:
    with pytest.raises(SignTextError, match=message):
        show_requests(SignLayout(), text)


def test_blank_and_brightness_use_the_control_registers() -> None:
    layout = SignLayout(unit=2)
    assert blank_requests(layout) == [WriteRegister(2, CONTROL_REGISTER, 1)]
    assert brightness_requests(layout, 3) == [WriteRegister(2, BRIGHTNESS_REGISTER, 3)]
    with pytest.raises(SignTextError):
        brightness_requests(layout, 8)


@pytest.mark.parametrize("chars", [0, 3, 34])
def test_a_sign_width_must_be_an_even_number_of_characters(chars: int) -> None:
    with pytest.raises(ValueError, match="even"):
        SignLayout(chars=chars)


def test_a_sign_is_blank_until_written_then_shows_until_blanked() -> None:
    memory = SignMemory(SignLayout())
    assert memory.shown == ""
    for request in show_requests(memory.layout, "A001"):
        assert memory.apply(request) is None
    assert memory.shown == "A001"
    assert memory.apply(blank_requests(memory.layout)[0]) is None
    assert memory.shown == ""
    assert memory.apply(show_requests(memory.layout, "A002")[0]) is None
    assert memory.shown == "A002"


def test_brightness_zero_darkens_the_sign() -> None:
    memory = SignMemory(SignLayout())
    memory.apply(show_requests(memory.layout, "A001")[0])
    memory.apply(brightness_requests(memory.layout, 0)[0])
    assert memory.shown == ""


def test_the_sign_refuses_unknown_registers_and_values() -> None:
    memory = SignMemory(SignLayout())
    assert memory.apply(WriteRegister(1, 0x0004, 0x4141)) == ILLEGAL_ADDRESS
    assert memory.apply(WriteRegisters(1, 0x0002, (1, 2, 3))) == ILLEGAL_ADDRESS
    assert memory.apply(WriteRegister(1, BRIGHTNESS_REGISTER, 8)) == ILLEGAL_VALUE
    assert memory.apply(WriteRegister(1, CONTROL_REGISTER, 2)) == ILLEGAL_VALUE
    assert memory.registers == {}


def test_a_digits_only_sign_shows_the_number_without_letter_or_leading_zeros() -> None:
    memory = SignMemory(SignLayout(digits_only=True))
    memory.apply(show_requests(memory.layout, "A007")[0])
    assert memory.shown == "7"


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=8))
def test_any_ascii_text_that_fits_is_shown_as_written(text: str) -> None:
    memory = SignMemory(SignLayout())
    for request in show_requests(memory.layout, text):
        assert memory.apply(request) is None
    assert memory.shown == text
