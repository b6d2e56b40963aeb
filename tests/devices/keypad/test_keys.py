"""Keypad codec: key names to GB/T 39046 levels, press filtering, input_event bytes."""

from __future__ import annotations

import pytest
from evdev import ecodes
from hypothesis import given
from hypothesis import strategies as st

from config.schema import DeviceSettings
from devices.errors import DecodeError, DeviceError
from devices.keypad.keys import (
    EV_KEY,
    INPUT_EVENT,
    LEVEL_NAMES,
    InputEvent,
    KeyEvent,
    KeyMap,
    KeyValue,
    decode_input_events,
    encode_input_event,
    key_events,
)

EV_SYN, EV_MSC = 0x00, 0x04


def down(key: str) -> KeyEvent:
    return KeyEvent((key,), KeyValue.DOWN)


@pytest.fixture
def keymap() -> KeyMap:
    return KeyMap(DeviceSettings().keypad_keys)


def test_levels_are_named_in_gbt_39046_order_one_is_best() -> None:
    assert LEVEL_NAMES == {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}


@pytest.mark.parametrize("prefix", ["KEY_", "KEY_KP", "KEY_F"])
def test_default_map_gives_digit_row_keypad_and_function_keys_their_level(
    keymap: KeyMap, prefix: str
) -> None:
    assert [keymap.rating(down(f"{prefix}{n}")) for n in range(1, 6)] == [1, 2, 3, 4, 5]


def test_only_key_down_rates_autorepeat_and_key_up_do_not(keymap: KeyMap) -> None:
    assert keymap.rating(KeyEvent(("KEY_1",), KeyValue.DOWN)) == 1
    assert keymap.rating(KeyEvent(("KEY_1",), KeyValue.REPEAT)) is None
    assert keymap.rating(KeyEvent(("KEY_1",), KeyValue.UP)) is None


def test_unmapped_keys_rate_nothing(keymap: KeyMap) -> None:
    for key in ("KEY_6", "KEY_0", "KEY_ENTER", "KEY_KP6", "KEY_F6", "KEY_999"):
        assert keymap.rating(down(key)) is None


def test_a_configured_map_replaces_the_default_and_ignores_case() -> None:
    keymap = KeyMap({"key_a": 5, "KEY_B": 1})
    assert keymap.rating(down("KEY_A")) == 5
    assert keymap.rating(down("KEY_B")) == 1
    assert keymap.rating(down("KEY_1")) is None


def test_a_level_outside_one_to_five_is_refused_naming_the_key() -> None:
    with pytest.raises(DeviceError, match="KEY_9: level 6"):
        KeyMap({"KEY_9": 6})


def test_a_key_with_an_evdev_alias_matches_either_name() -> None:
    # code 113 is both KEY_MIN_INTERESTING and KEY_MUTE in evdev's table
    [event] = key_events([InputEvent(0.0, EV_KEY, 113, 1)], ecodes.KEY)
    assert set(event.names) == {"KEY_MIN_INTERESTING", "KEY_MUTE"}
    assert KeyMap({"KEY_MUTE": 4}).rating(event) == 4


def test_decoding_a_keyboard_report_keeps_only_the_key_event() -> None:
    # what a USB HID keypad sends for one press of "1": scan code, key down, sync
    raw = b"".join(
        encode_input_event(e)
        for e in (
            InputEvent(1700000000.25, EV_MSC, 4, 0x7001E),
            InputEvent(1700000000.25, EV_KEY, ecodes.ecodes["KEY_1"], 1),
            InputEvent(1700000000.25, EV_SYN, 0, 0),
        )
    )
    assert len(raw) == 3 * INPUT_EVENT.size
    decoded = decode_input_events(raw)
    assert decoded[1] == InputEvent(1700000000.25, EV_KEY, 2, 1)
    assert list(key_events(decoded, ecodes.KEY)) == [KeyEvent(("KEY_1",), 1)]


def test_an_unknown_key_code_gets_a_visible_name() -> None:
    assert list(key_events([InputEvent(0, EV_KEY, 0x2FF, 1)], {})) == [KeyEvent(("KEY_767",), 1)]


def test_bytes_that_are_not_whole_events_are_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="not a whole number"):
        decode_input_events(b"\0" * (INPUT_EVENT.size + 1))


@given(st.binary(max_size=5 * INPUT_EVENT.size))
def test_decoder_returns_events_or_raises_decode_error_only(data: bytes) -> None:
    try:
        events = decode_input_events(data)
    except DecodeError:
        assert len(data) % INPUT_EVENT.size
    else:
        assert len(events) * INPUT_EVENT.size == len(data)


@given(
    st.integers(0, 2**31 - 1),
    st.integers(0, 999_999),
    st.integers(0, 0xFFFF),
    st.integers(0, 0xFFFF),
    st.integers(-(2**31), 2**31 - 1),
)
def test_input_events_survive_encode_then_decode(
    sec: int, usec: int, type_: int, code: int, value: int
) -> None:
    event = InputEvent(sec + usec / 1_000_000, type_, code, value)
    [back] = decode_input_events(encode_input_event(event))
    assert (back.type, back.code, back.value) == (type_, code, value)
    assert back.time == pytest.approx(event.time, abs=1e-6)
