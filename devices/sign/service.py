"""The window sign as the counter app sees it: ``show(number)``, ``clear()``, ``health``.

Two kinds: ``ModbusSign`` drives an RS-485 LED sign from its own thread, and ``BoardSign`` is the
``board`` setting, where the window's HDMI screen or Android TV (the board app) shows the call and
this object only records what it was asked to show. ``open_sign(address)`` picks one.

A sign needs only its latest state, not a queue: ``show`` replaces what is waiting to be written,
returns at once, and the thread writes it. The thread also rewrites the state every
``refresh_seconds``, because an LED sign that lost power comes back blank, and that rewrite is
also how a dead sign is noticed while nobody calls.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from devices.address import DeviceAddress, parse_address
from devices.errors import DeviceAbsent, DeviceAddressError, DeviceError
from devices.health import Health, HealthState, HealthTracker
from devices.sign.display import (
    DEFAULT_CHARS,
    MAX_BRIGHTNESS,
    SignLayout,
    blank_requests,
    brightness_requests,
    show_requests,
)
from devices.sign.modbus import Request, SignRefused
from devices.sign.sim import ModbusSignSimulator
from devices.sign.transport import ModbusRtuClient, SerialSettings

log = logging.getLogger(__name__)

ABSENT_PROBLEM = "窗口屏未连接"
ABSENT_ADVICE = "请检查USB转RS-485转换器是否插好"
SILENT_PROBLEM = "窗口屏没有响应"
SILENT_ADVICE = "请检查窗口屏的电源和RS-485接线（A/B线）"
REFUSED_PROBLEM = "窗口屏不接受指令"
REFUSED_ADVICE = "请技术人员核对窗口屏的Modbus地址和寄存器设置"
BOARD_DETAIL = "board: the window's HDMI/TV board app shows the called number"


class Sign(Protocol):
    """What the counter app drives. ``show`` and ``clear`` never block on I/O."""

    @property
    def health(self) -> Health: ...

    @property
    def shown(self) -> str:
        """What the sign was last asked to show ('' for blank)."""
        ...

    def start(self) -> None: ...

    def show(self, number: str) -> None:
        """Show a called ticket number; raises SignTextError if this sign cannot show it."""
        ...

    def clear(self) -> None: ...

    def close(self) -> None: ...


class BoardSign:
    """The ``board`` sign: the board app on the window's screen shows the call. This records
    each change and tells listeners, which is what the board app builds on."""

    def __init__(self, device: str = "sign", record_dir: str | Path | None = None) -> None:
        self._tracker = HealthTracker(device, log, record_dir)
        self._tracker.ok(BOARD_DETAIL)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[str], None]] = []
        self.history: list[str] = []  # every state asked for, '' for clear

    @property
    def health(self) -> Health:
        return self._tracker.health

    @property
    def shown(self) -> str:
        with self._lock:
            return self.history[-1] if self.history else ""

    def add_listener(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(text)`` (on the caller's thread) after every show or clear."""
        with self._lock:
            self._listeners.append(listener)

    def start(self) -> None:
        """Nothing to start: the board app does the showing."""

    def show(self, number: str) -> None:
        self._set(number)

    def clear(self) -> None:
        self._set("")

    def close(self) -> None:
        """Nothing to release."""

    def _set(self, text: str) -> None:
        with self._lock:
            self.history.append(text)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(text)


class ModbusSign:
    """An RS-485 Modbus LED sign, written from its own thread."""

    def __init__(
        self,
        client: ModbusRtuClient,
        layout: SignLayout,
        *,
        brightness: int = MAX_BRIGHTNESS,
        refresh_seconds: float = 30.0,
        retry_seconds: float = 2.0,
        device: str = "sign",
        record_dir: str | Path | None = None,
        simulator: ModbusSignSimulator | None = None,
    ) -> None:
        """``refresh_seconds``: how often the current state is rewritten while idle;
        ``retry_seconds``: the wait after a failed write; ``simulator``: stopped on close."""
        brightness_requests(layout, brightness)  # raises SignTextError now, not on the thread
        self.client = client
        self.layout = layout
        self.simulator = simulator
        self._refresh = refresh_seconds
        self._retry = retry_seconds
        self._tracker = HealthTracker(device, log, record_dir)
        self._cond = threading.Condition()
        self._text: str | None = None  # None: not told yet, '' blank, else the number
        self._brightness = brightness
        self._version = 1  # bumped by every change; the thread writes until it catches up
        self._written = 0
        self._failed = 0  # the version whose write failed last
        self._due = 0.0
        self._stop = False
        self._thread: threading.Thread | None = None

    @property
    def health(self) -> Health:
        return self._tracker.health

    @property
    def shown(self) -> str:
        with self._cond:
            return self._text or ""

    def start(self) -> None:
        """Start the thread; its first write sets the brightness, which also checks the line."""
        if self._thread is not None:
            raise DeviceError("the sign was already started")
        self._thread = threading.Thread(target=self._run, name="sign", daemon=True)
        self._thread.start()

    def show(self, number: str) -> None:
        """Show ``number`` soon. Raises SignTextError at once if this sign cannot show it."""
        show_requests(self.layout, number)
        self._change(text=number)

    def clear(self) -> None:
        self._change(text="")

    def set_brightness(self, level: int) -> None:
        """Brightness 0–7; raises SignTextError outside that range."""
        brightness_requests(self.layout, level)
        self._change(brightness=level)

    def flush(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until the latest state is on the sign; True if it is."""
        with self._cond:
            return self._cond.wait_for(lambda: self._written >= self._version, timeout)

    def close(self) -> None:
        """Stop the thread, close the port and stop a simulator this sign owns."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(3)
        self.client.close()
        if self.simulator is not None:
            self.simulator.stop()

    def _change(self, *, text: str | None = None, brightness: int | None = None) -> None:
        with self._cond:
            if text is not None:
                self._text = text
            if brightness is not None:
                self._brightness = brightness
            self._version += 1
            self._cond.notify_all()

    def _requests(self) -> tuple[int, list[Request]]:
        requests = brightness_requests(self.layout, self._brightness)
        if self._text == "":
            requests += blank_requests(self.layout)
        elif self._text is not None:
            requests += show_requests(self.layout, self._text)
        return self._version, requests

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(self._ready, max(0.0, self._due - time.monotonic()))
                if self._stop:
                    return
                version, requests = self._requests()
            ok = self._write(requests)
            with self._cond:
                if ok:
                    self._written = max(self._written, version)
                    self._due = time.monotonic() + self._refresh
                else:  # wait before retrying, unless something new is asked for meanwhile
                    self._failed = version
                    self._due = time.monotonic() + self._retry
                self._cond.notify_all()

    def _ready(self) -> bool:
        """With the lock held: is there something to do now?"""
        if self._stop or time.monotonic() >= self._due:
            return True
        return self._written < self._version and self._version > self._failed

    def _write(self, requests: list[Request]) -> bool:
        port = self.client.settings.port
        try:
            for request in requests:
                self.client.write(request)
        except DeviceAbsent as err:
            self._tracker.set(HealthState.ABSENT, ABSENT_PROBLEM, ABSENT_ADVICE, str(err))
        except SignRefused as err:
            self._tracker.set(HealthState.ERROR, REFUSED_PROBLEM, REFUSED_ADVICE, str(err))
        except DeviceError as err:  # DeviceTimeout, DecodeError: silent or garbled after retry
            self._tracker.set(HealthState.ERROR, SILENT_PROBLEM, SILENT_ADVICE, str(err))
        except Exception:  # a bug must not end the sign's thread
            log.exception("writing the sign on %s failed", port)
            self._tracker.set(HealthState.ERROR, SILENT_PROBLEM, SILENT_ADVICE, "internal error")
        else:
            self._tracker.ok(f"modbus {port} unit {self.layout.unit}")
            return True
        return False


def open_sign(address: str | None, *, record_dir: str | Path | None = None) -> Sign:
    """The sign for a configured address; call ``start()`` on it, ``close()`` when done.

    ``board`` or nothing: BoardSign. ``modbus:///dev/ttyUSB0?unit=1&baud=9600&timeout=0.5``
    with layout options ``chars=8``, ``digits=1`` (digits-only display), ``reg=0`` (first
    register), ``brightness=7``. ``sim://sign?…`` (same options): a ModbusSign talking to a
    ModbusSignSimulator started on a pty. Raises DeviceAddressError for a bad address and
    DeviceError when the simulator cannot start.
    """
    if address is None or address.strip() in ("", "board"):
        return BoardSign(record_dir=record_dir)
    parsed = parse_address(address, ("modbus", "sim"))
    layout = _layout(parsed)
    brightness = parsed.int_option("brightness", MAX_BRIGHTNESS)
    if not 0 <= brightness <= MAX_BRIGHTNESS:
        raise DeviceAddressError(f"{parsed.text}: brightness {brightness} is outside 0–7")
    simulator = None
    if parsed.scheme == "sim":
        simulator = ModbusSignSimulator(layout).start()
        parsed = parse_address(simulator.address, ("modbus",))
    client = ModbusRtuClient(SerialSettings.from_address(parsed))
    return ModbusSign(
        client, layout, brightness=brightness, record_dir=record_dir, simulator=simulator
    )


def _layout(address: DeviceAddress) -> SignLayout:
    try:
        return SignLayout(
            unit=address.int_option("unit", 1),
            chars=address.int_option("chars", DEFAULT_CHARS),
            digits_only=address.option("digits", "0").lower() in ("1", "true", "yes"),
            register=address.int_option("reg", 0),
        )
    except DeviceAddressError:
        raise
    except ValueError as err:
        raise DeviceAddressError(f"{address.text}: {err}") from err
