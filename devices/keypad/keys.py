"""Keypad codec: Linux input events to key presses, key presses to rating levels. Pure, no I/O.

Levels follow GB/T 39046-2020 appendix A.8, the order the keypads print on their keys:
1 非常满意, 2 满意, 3 基本满意, 4 不满意, 5 非常不满意. Provincial platforms that count the
other way round convert at their own boundary, never here.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import IntEnum

from devices.errors import DecodeError, DeviceError

LEVEL_NAMES: dict[int, str] = {
    1: "非常满意",
    2: "满意",
    3: "基本满意",
    4: "不满意",
    5: "非常不满意",
}

EV_KEY = 0x01  # linux/input-event-codes.h

# struct input_event on this machine's ABI: struct timeval (two C longs), u16 type, u16 code,
# s32 value. Native layout because the kernel writes it in the native layout (24 bytes on
# x86-64 and arm64).
INPUT_EVENT = struct.Struct("@llHHi")


class KeyValue(IntEnum):
    """The ``value`` of an EV_KEY event."""

    UP = 0
    DOWN = 1
    REPEAT = 2  # autorepeat while a key is held: never a second rating


@dataclass(frozen=True)
class InputEvent:
    """One decoded ``struct input_event``; ``time`` is the kernel's wall-clock stamp in seconds."""

    time: float
    type: int
    code: int
    value: int


@dataclass(frozen=True)
class KeyEvent:
    """A key event with its evdev names (a few codes have aliases, e.g. KEY_MUTE).

    ``value`` is a KeyValue number: 1 down, 2 repeat, 0 up.
    """

    names: tuple[str, ...]
    value: int

    @property
    def key(self) -> str:
        """The key's first evdev name, e.g. ``KEY_1``."""
        return self.names[0] if self.names else "KEY_UNKNOWN"


def decode_input_events(data: bytes) -> list[InputEvent]:
    """Decode bytes read from an evdev node into events.

    The kernel hands out whole events only, so a length that is not a multiple of the event size
    means the bytes did not come from an input device: raises DecodeError.
    """
    if len(data) % INPUT_EVENT.size:
        raise DecodeError(
            f"{len(data)} bytes is not a whole number of {INPUT_EVENT.size}-byte input events"
        )
    events = []
    for sec, usec, type_, code, value in INPUT_EVENT.iter_unpack(data):
        events.append(InputEvent(sec + usec / 1_000_000, type_, code, value))
    return events


def encode_input_event(event: InputEvent) -> bytes:
    """The kernel's bytes for ``event`` (simulators and tests feed these to the decoder)."""
    sec = int(event.time)
    usec = round((event.time - sec) * 1_000_000)
    return INPUT_EVENT.pack(sec, usec, event.type, event.code, event.value)


def key_events(
    events: list[InputEvent], names: Mapping[int, str | tuple[str, ...]]
) -> Iterator[KeyEvent]:
    """The EV_KEY events among ``events``, named through ``names`` (evdev's ``ecodes.KEY``).

    Sync, scan-code (EV_MSC) and LED events are dropped; a code missing from ``names`` is named
    ``KEY_<code>`` so that it shows up, unmapped, in the keypad test.
    """
    for event in events:
        if event.type != EV_KEY:
            continue
        named = names.get(event.code, f"KEY_{event.code}")
        yield KeyEvent((named,) if isinstance(named, str) else tuple(named), event.value)


class KeyMap:
    """Key names to rating levels, from ``DeviceSettings.keypad_keys``."""

    def __init__(self, keys: Mapping[str, int]) -> None:
        """Raises DeviceError naming the first key whose level is not 1–5."""
        for name, level in keys.items():
            if level not in LEVEL_NAMES:
                raise DeviceError(f"keypad key {name}: level {level} is not one of 1–5")
        self._levels = {name.strip().upper(): level for name, level in keys.items()}

    @property
    def keys(self) -> frozenset[str]:
        """Every key name that gives a level."""
        return frozenset(self._levels)

    def level_of(self, key: KeyEvent) -> int | None:
        """The level ``key`` stands for, whatever its value; None for an unmapped key."""
        for name in key.names:
            level = self._levels.get(name.upper())
            if level is not None:
                return level
        return None

    def rating(self, key: KeyEvent) -> int | None:
        """The level a press gives: only a key-down of a mapped key counts.

        Autorepeat (a held key) and key-up give None, so holding a key never rates twice.
        """
        if key.value != KeyValue.DOWN:
            return None
        return self.level_of(key)
