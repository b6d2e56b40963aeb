"""The keypad service: one thread reads the keypad and answers rating requests.

The counter app asks ``begin_rating(timeout, on_done)`` when a service finishes and gets the level
(1 非常满意 … 5 非常不满意) or None ("no rating") on the service thread; ``request_rating`` is the
blocking form for scripts and tests. The thread keeps running through every device error: when the
keypad is away, health says absent and the thread retries once a second (sooner when udev reports
a new input device), so a replugged keypad rates again without anyone restarting anything.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import unquote

from devices.address import parse_address
from devices.errors import DeviceAbsent, DeviceError
from devices.health import Health, HealthState, HealthTracker
from devices.keypad.keys import KeyEvent, KeyMap
from devices.keypad.session import RatingDesk, RatingRequest
from devices.keypad.sim import SimKeypad
from devices.keypad.transport import EvdevKeypad, KeySource

log = logging.getLogger(__name__)

RatingCallback = Callable[[int | None], None]

ABSENT_PROBLEM = "评价器未连接"
ABSENT_ADVICE = "请检查评价器的USB线是否插好，插好后会自动恢复"
ERROR_PROBLEM = "评价器无法使用"
ERROR_ADVICE = "请联系技术人员检查评价器"


def open_keypad_source(address: str, keys: Mapping[str, int] | None = None) -> KeySource:
    """The key source for a configured address.

    ``/dev/input/eventN`` or ``evdev:///dev/input/hall-keypad`` (a node), ``evdev://NAME`` (the
    first input device whose name contains NAME, URL-quoted), ``sim://keypad`` (a SimKeypad).
    ``keys`` (the key map) helps pick the right node of a keypad found by name. Nothing is opened
    here. Raises DeviceAddressError for a malformed address.
    """
    parsed = parse_address(address, ("evdev", "sim"), bare_path_scheme="evdev")
    if parsed.scheme == "sim":
        return SimKeypad()
    wanted = frozenset(k.upper() for k in keys or {})
    if parsed.target.startswith("/"):
        return EvdevKeypad(parsed.target, wanted_keys=wanted)
    return EvdevKeypad(device_name=unquote(parsed.target), wanted_keys=wanted)


class KeypadService:
    """Owns the keypad's thread. Start it once; every method is safe from any thread."""

    def __init__(
        self,
        source: KeySource,
        keymap: KeyMap,
        *,
        retry_seconds: float = 1.0,
        slice_seconds: float = 0.2,
        device: str = "keypad",
        record_dir: str | Path | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``retry_seconds``: how often an absent keypad is looked for; ``slice_seconds``: the
        longest the thread blocks in one wait, which bounds how late a timeout or stop is seen;
        ``record_dir``: where health changes are recorded for ``hall doctor`` (none: not kept);
        ``monotonic``: the clock rating timeouts and retries are measured by (seconds; tests
        pass one they move by hand)."""
        self._clock = monotonic
        self._source = source
        self._keymap = keymap
        self._retry = retry_seconds
        self._slice = slice_seconds
        self._tracker = HealthTracker(device, log, record_dir)
        self._lock = threading.Lock()
        self._desk = RatingDesk()
        self._callbacks: dict[int, RatingCallback] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._opened = False
        self._next_try = 0.0
        self.presses: list[KeyEvent] = []  # last key events seen, newest last (for diagnostics)

    @property
    def health(self) -> Health:
        return self._tracker.health

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread (once). The keypad is opened on the thread, not here."""
        if self._thread is not None:
            raise DeviceError("the keypad service was already started")
        self._thread = threading.Thread(target=self._run, name="keypad", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the thread, release the keypad and end an open request as "no rating"."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            cancelled = self._desk.cancel()
        self._finish(cancelled)

    def begin_rating(self, timeout: float, on_done: RatingCallback) -> int:
        """Open a rating request for ``timeout`` seconds; returns its number.

        ``on_done`` is called once, on the keypad thread, with the level of the first key-down of
        a mapped key, or None when time runs out or the request is cancelled or replaced by a
        newer one. It must not block. Raises ValueError for a timeout that is not positive.
        """
        with self._lock:
            request, replaced = self._desk.open(timeout, self._clock())
            self._callbacks[request.number] = on_done
        self._finish(replaced)
        return request.number

    def cancel_rating(self) -> None:
        """End the open request, if any, as "no rating" (the clerk moved on)."""
        with self._lock:
            cancelled = self._desk.cancel()
        self._finish(cancelled)

    def request_rating(self, timeout: float) -> int | None:
        """Block until a rating or ``timeout`` seconds; returns the level or None ("no rating").

        Not for a GUI thread. Raises DeviceError if the service is not running.
        """
        if not self.running:
            raise DeviceError("the keypad service is not running")
        done = threading.Event()
        result: list[int | None] = []

        def on_done(level: int | None) -> None:
            result.append(level)
            done.set()

        self.begin_rating(timeout, on_done)
        done.wait(timeout + self._slice + 1.0)
        return result[0] if result else None

    # The thread.

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._step()
            except Exception:  # a bug here must not end rating at this window: log, back off
                log.exception("keypad service step failed; retrying")
                self._close_source()
                self._tracker.set(HealthState.ERROR, ERROR_PROBLEM, ERROR_ADVICE, "internal error")
                self._stop.wait(self._retry)
        self._close_source()

    def _step(self) -> None:
        now = self._clock()
        if not self._opened and now >= self._next_try:
            self._try_open()
        wait = self._slice
        with self._lock:
            left = self._desk.time_left(self._clock())
        if left is not None:
            wait = min(wait, left)
        if self._opened:
            self._read(wait)
        elif self._source.wait_for_return(min(wait, max(0.0, self._next_try - now))):
            self._next_try = 0.0  # udev says an input device appeared: look now
        with self._lock:
            expired = self._desk.expire(self._clock())
        self._finish(expired)

    def _try_open(self) -> None:
        try:
            self._source.open()
        except DeviceAbsent as err:
            self._tracker.set(HealthState.ABSENT, ABSENT_PROBLEM, ABSENT_ADVICE, str(err))
            self._next_try = self._clock() + self._retry
        except DeviceError as err:
            self._tracker.set(HealthState.ERROR, ERROR_PROBLEM, ERROR_ADVICE, str(err))
            self._next_try = self._clock() + self._retry
        else:
            self._opened = True
            self._tracker.ok(self._source.name)

    def _read(self, timeout: float) -> None:
        try:
            events = self._source.read(timeout)
        except DeviceAbsent as err:
            self._close_source()
            self._tracker.set(HealthState.ABSENT, ABSENT_PROBLEM, ABSENT_ADVICE, str(err))
            self._next_try = self._clock() + self._retry
            return
        except DeviceError as err:
            self._close_source()
            self._tracker.set(HealthState.ERROR, ERROR_PROBLEM, ERROR_ADVICE, str(err))
            self._next_try = self._clock() + self._retry
            return
        for event in events:
            self.presses = [*self.presses[-19:], event]
            level = self._keymap.rating(event)
            with self._lock:
                answered = self._desk.press(level, self._clock())
            if answered is not None:
                log.info("rating %s: %s gives level %s", answered.number, event.key, level)
            self._finish(answered)

    def _close_source(self) -> None:
        self._opened = False
        try:
            self._source.close()
        except DeviceError as err:
            log.debug("closing the keypad: %s", err)

    def _finish(self, request: RatingRequest | None) -> None:
        if request is None:
            return
        with self._lock:
            callback = self._callbacks.pop(request.number, None)
        if callback is None:
            return
        try:
            callback(request.level)
        except Exception:  # the caller's bug must not stop the keypad
            log.exception("rating callback for request %s failed", request.number)
