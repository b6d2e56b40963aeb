"""A simulated rating keypad (``sim://keypad``) with the same interface as the evdev keypad.

It behaves the way the kernel does where tests and demos can tell: key events reach only an open
(grabbed) reader, a held key sends autorepeats, and unplugging makes the next read fail the way
ENODEV does, after which ``open`` fails until the keypad is plugged in again.
"""

from __future__ import annotations

import threading

from devices.errors import DeviceAbsent, DeviceError
from devices.keypad.keys import KeyEvent, KeyValue


class SimKeypad:
    """A keypad a test or the demo can press. Thread-safe: press from any thread."""

    def __init__(self, *, plugged: bool = True) -> None:
        self._cond = threading.Condition()
        self._plugged = plugged
        self._opened = False
        self._events: list[KeyEvent] = []
        self._returned = threading.Event()
        self.opens = 0  # how often a reader opened it (tests check the service reopened)

    @property
    def name(self) -> str:
        return "sim://keypad"

    @property
    def grabbed(self) -> bool:
        """True while a reader has it open (the real keypad is always grabbed)."""
        with self._cond:
            return self._opened

    # The KeySource side: what the keypad service calls.

    def open(self) -> None:
        """Raises DeviceAbsent while unplugged, DeviceError if already grabbed (EBUSY)."""
        with self._cond:
            if not self._plugged:
                raise DeviceAbsent("sim://keypad: unplugged")
            if self._opened:
                raise DeviceError("sim://keypad: another reader has grabbed the keypad (EBUSY)")
            self._opened = True
            self._events.clear()  # a new reader sees only what happens after it opened
            self.opens += 1

    def read(self, timeout: float) -> list[KeyEvent]:
        """Events pressed since the last read, waiting up to ``timeout`` seconds for one.
        Raises DeviceAbsent (and closes) once unplugged, as a read on a vanished node does."""
        with self._cond:
            self._cond.wait_for(
                lambda: bool(self._events) or not self._plugged or not self._opened, timeout
            )
            if not self._opened or not self._plugged:
                self._opened = False
                raise DeviceAbsent("sim://keypad: unplugged (ENODEV)")
            events, self._events = self._events, []
            return events

    def close(self) -> None:
        with self._cond:
            self._opened = False
            self._cond.notify_all()

    def wait_for_return(self, timeout: float) -> bool:
        """True as soon as the keypad is plugged in again (the udev "add" event)."""
        if self._returned.wait(timeout):
            self._returned.clear()
            return True
        return False

    # The hand side: what a test or the demo does to the keypad.

    def press(self, key: str) -> None:
        """Press and release ``key`` (an evdev name, e.g. ``KEY_1``)."""
        self._send(key, [KeyValue.DOWN, KeyValue.UP])

    def hold(self, key: str, repeats: int = 3) -> None:
        """Hold ``key`` long enough for ``repeats`` autorepeats, then release it."""
        self._send(key, [KeyValue.DOWN, *[KeyValue.REPEAT] * repeats, KeyValue.UP])

    def send(self, key: str, value: KeyValue) -> None:
        """Send one raw key event: a down, an autorepeat or an up on its own."""
        self._send(key, [value])

    def unplug(self) -> None:
        with self._cond:
            self._plugged = False
            self._returned.clear()
            self._cond.notify_all()

    def replug(self) -> None:
        with self._cond:
            self._plugged = True
            self._returned.set()
            self._cond.notify_all()

    def _send(self, key: str, values: list[KeyValue]) -> None:
        with self._cond:
            if not (self._plugged and self._opened):
                return  # nobody is reading: the press goes nowhere, as with the real device
            self._events.extend(KeyEvent((key,), int(value)) for value in values)
            self._cond.notify_all()
