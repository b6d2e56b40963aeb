"""The evdev keypad transport without a keypad: missing nodes, wrong files, reading a pipe,
uevent parsing; and with a uinput keyboard where the kernel offers one."""

from __future__ import annotations

import contextlib
import os
import select
import time
from collections.abc import Iterator
from pathlib import Path

import evdev
import pytest
from evdev import ecodes

from devices.errors import DeviceAbsent, DeviceError
from devices.keypad import transport
from devices.keypad.keys import EV_KEY, InputEvent, KeyEvent, encode_input_event
from devices.keypad.transport import (
    EvdevKeypad,
    UeventMonitor,
    is_input_added,
    read_key_events,
    unknown_key_names,
)
from tests.timing import PATIENCE

EV_SYN = 0x00


class SelectSpy:
    """Stands in for the ``select`` module: notes each wait's timeout, then waits for real."""

    def __init__(self) -> None:
        self.timeouts: list[float | None] = []

    def select(
        self, r: list[object], w: list[object], x: list[object], timeout: float | None = None
    ) -> tuple[list[object], list[object], list[object]]:
        self.timeouts.append(timeout)
        return select.select(r, w, x, timeout)


@pytest.fixture
def selects(monkeypatch: pytest.MonkeyPatch) -> SelectSpy:
    spy = SelectSpy()
    monkeypatch.setattr(transport, "select", spy)
    return spy


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    read_fd, write_fd = os.pipe()
    yield read_fd, write_fd
    for fd in (read_fd, write_fd):
        with contextlib.suppress(OSError):  # a test may have closed it already
            os.close(fd)


def test_opening_a_missing_node_says_the_keypad_is_absent(tmp_path: Path) -> None:
    with pytest.raises(DeviceAbsent, match="no such input device"):
        EvdevKeypad(str(tmp_path / "event99")).open()


@pytest.mark.parametrize("make", ["regular file", "/dev/null"])
def test_opening_a_file_that_is_not_an_input_device_is_a_clear_error(
    tmp_path: Path, make: str
) -> None:
    path = "/dev/null" if make == "/dev/null" else str(tmp_path / "not-a-keypad")
    if make == "regular file":
        Path(path).write_text("hello", encoding="utf-8")
    with pytest.raises(DeviceError, match="is not an input \\(evdev\\) device") as caught:
        EvdevKeypad(path).open()
    assert not isinstance(caught.value, DeviceAbsent)


def test_a_keypad_looked_for_by_name_is_absent_when_no_device_matches(tmp_path: Path) -> None:
    (tmp_path / "event0").write_text("", encoding="utf-8")  # not a character device: skipped
    keypad = EvdevKeypad(device_name="SONiX Keypad", input_dir=str(tmp_path))
    with pytest.raises(DeviceAbsent, match="no input device named like 'SONiX Keypad'"):
        keypad.open()


def test_key_names_evdev_does_not_know_are_reported() -> None:
    assert unknown_key_names({"KEY_1", "KEY_KP_1", "BTN_0", "key_f1", "KEY_ONE"}) == [
        "KEY_KP_1",
        "KEY_ONE",
    ]


def test_reading_a_closed_keypad_says_absent() -> None:
    with pytest.raises(DeviceAbsent, match="not open"):
        EvdevKeypad("/dev/input/event0").read(0.01)


def test_a_keypad_needs_a_path_or_a_name() -> None:
    with pytest.raises(DeviceError, match="path or a device name"):
        EvdevKeypad()


def test_read_decodes_key_events_from_the_node(pipe: tuple[int, int]) -> None:
    read_fd, write_fd = pipe
    frames = [
        InputEvent(10.0, EV_KEY, ecodes.ecodes["KEY_KP3"], 1),
        InputEvent(10.0, EV_SYN, 0, 0),
        InputEvent(10.1, EV_KEY, ecodes.ecodes["KEY_KP3"], 0),
    ]
    os.write(write_fd, b"".join(encode_input_event(f) for f in frames))
    assert read_key_events(read_fd, 1.0) == [
        KeyEvent(("KEY_KP3",), 1),
        KeyEvent(("KEY_KP3",), 0),
    ]


def test_a_keypad_that_sends_buttons_gets_button_names(pipe: tuple[int, int]) -> None:
    read_fd, write_fd = pipe
    os.write(write_fd, encode_input_event(InputEvent(0.0, EV_KEY, ecodes.ecodes["BTN_0"], 1)))
    [event] = read_key_events(read_fd, 1.0)
    assert "BTN_0" in event.names


def test_read_waits_once_for_its_timeout_and_no_longer(
    pipe: tuple[int, int], selects: SelectSpy
) -> None:
    assert read_key_events(pipe[0], 0.1) == []
    assert selects.timeouts == [0.1]


def test_a_node_that_closes_under_the_reader_is_absent(pipe: tuple[int, int]) -> None:
    read_fd, write_fd = pipe
    os.close(write_fd)
    with pytest.raises(DeviceAbsent, match="went away"):
        read_key_events(read_fd, 1.0)


def test_bytes_that_are_not_input_events_are_a_device_error(pipe: tuple[int, int]) -> None:
    read_fd, write_fd = pipe
    os.write(write_fd, b"hello")
    with pytest.raises(DeviceError, match="not input events"):
        read_key_events(read_fd, 1.0)


KERNEL_ADD = (
    b"add@/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/0003:1A2C:2124.0005/input/input21\0"
    b"ACTION=add\0DEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/input/input21\0"
    b'SUBSYSTEM=input\0PRODUCT=3/1a2c/2124/110\0NAME="SONiX USB Keypad"\0SEQNUM=4242\0'
)
UDEV_ADD = (
    b"libudev\0\xfe\xed\xca\xfe\x28\0\0\0\x28\0\0\0\x90\0\0\0\x12\x34\x56\x78"
    b"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
    b"ACTION=add\0DEVPATH=/devices/virtual/input/input21/event7\0SUBSYSTEM=input\0"
    b"DEVNAME=/dev/input/event7\0DEVLINKS=/dev/input/hall-keypad\0"
)


def test_input_add_uevents_from_kernel_and_udev_are_recognised() -> None:
    assert is_input_added(KERNEL_ADD)
    assert is_input_added(UDEV_ADD)


def test_other_uevents_are_not_an_input_add() -> None:
    assert not is_input_added(KERNEL_ADD.replace(b"ACTION=add", b"ACTION=remove"))
    assert not is_input_added(UDEV_ADD.replace(b"SUBSYSTEM=input", b"SUBSYSTEM=tty"))
    assert not is_input_added(b"")


def test_the_uevent_monitor_waits_its_timeout_when_nothing_happens(selects: SelectSpy) -> None:
    monitor = UeventMonitor()
    try:
        assert monitor.wait(0.1) is False
        assert selects.timeouts == [0.1]
    finally:
        monitor.close()


def _uinput_keyboard(name: str) -> evdev.UInput:
    """A virtual keyboard, or a skip saying why the kernel will not make one here."""
    if not os.path.exists("/dev/uinput"):
        pytest.skip("no /dev/uinput on this machine (container or uinput module not loaded)")
    keys = [ecodes.ecodes[f"KEY_{n}"] for n in range(1, 6)]
    try:
        return evdev.UInput({ecodes.EV_KEY: keys}, name=name)
    except (OSError, evdev.UInputError) as err:
        pytest.skip(f"cannot create a uinput keyboard here: {err}")


def test_a_uinput_keypad_is_found_by_name_grabbed_read_and_noticed_when_it_goes() -> None:
    ui = _uinput_keyboard("hallkit test keypad")
    keypad = EvdevKeypad(device_name="hallkit test keypad", wanted_keys=frozenset({"KEY_3"}))
    try:
        deadline = time.monotonic() + PATIENCE
        while True:  # udev may take a moment to make the node readable
            try:
                keypad.open()
                break
            except DeviceError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        assert "hallkit test keypad" in keypad.device_label
        ui.write(ecodes.EV_KEY, ecodes.ecodes["KEY_3"], 1)
        ui.write(ecodes.EV_KEY, ecodes.ecodes["KEY_3"], 0)
        ui.syn()
        seen: list[KeyEvent] = []
        while len(seen) < 2 and time.monotonic() < deadline:
            seen += keypad.read(0.2)
        assert seen == [KeyEvent(("KEY_3",), 1), KeyEvent(("KEY_3",), 0)]
        ui.close()  # the keypad is unplugged
        with pytest.raises(DeviceAbsent):
            while time.monotonic() < deadline + 2:
                keypad.read(0.2)
    finally:
        keypad.close()
        ui.close()
