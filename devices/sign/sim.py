"""A Modbus-RTU window sign on a pseudo-terminal, for tests, demos and technicians.

The simulator opens a pty and serves the slave side's path (``/dev/pts/N``) as if it were the
RS-485 adapter: it reads the master's real frames, splits them at line silence as a slave does,
drops frames with a bad CRC or for another unit, answers writes like a real slave (echo for 0x06,
address and count for 0x10, exception replies for unknown functions and registers) and keeps what
its LEDs show. ``fail_next`` makes it go silent or damage a reply, to test the master's retry.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import tty
from collections import deque
from collections.abc import Callable
from typing import Literal

from devices.errors import DecodeError, DeviceError
from devices.sign.display import ILLEGAL_FUNCTION, SignLayout, SignMemory
from devices.sign.modbus import (
    WRITE_REGISTER,
    WRITE_REGISTERS,
    OtherRequest,
    Request,
    WriteRegister,
    decode_request,
    encode_exception,
    encode_reply,
)

log = logging.getLogger(__name__)

Fault = Literal["silent", "bad_crc", "busy"]
SLAVE_BUSY = 0x06


class ModbusSignSimulator:
    """A simulated RS-485 Modbus sign. Use as a context manager, or start() and stop()."""

    def __init__(
        self,
        layout: SignLayout | None = None,
        *,
        on_show: Callable[[str], None] | None = None,
        frame_gap: float = 0.005,
    ) -> None:
        """``on_show`` is called (on the simulator's thread) with the new text whenever what the
        sign shows changes. ``frame_gap``: line silence in seconds that ends a frame."""
        self.layout = layout or SignLayout()
        self._memory = SignMemory(self.layout)
        self._lock = threading.Lock()
        self._faults: deque[Fault] = deque()
        self._on_show = on_show
        self._gap = frame_gap
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master = -1
        self._slave = -1
        self.port = ""
        self.frames: list[bytes] = []  # every frame heard on the line, as received
        self.requests: list[Request | OtherRequest] = []  # every request addressed to us
        self.bad_frames = 0  # frames dropped for a bad CRC or a malformed body

    @property
    def address(self) -> str:
        """The device address a ModbusSign uses to reach this simulator."""
        digits = "&digits=1" if self.layout.digits_only else ""
        return f"modbus://{self.port}?unit={self.layout.unit}{digits}"

    @property
    def shown(self) -> str:
        """What the sign shows now ('' when blank)."""
        with self._lock:
            return self._memory.shown

    @property
    def brightness(self) -> int:
        with self._lock:
            return self._memory.brightness

    def fail_next(self, fault: Fault, times: int = 1) -> None:
        """Misbehave on the next ``times`` requests: ``silent`` (the frame is lost, no reply),
        ``bad_crc`` (done, but the reply's CRC is damaged), ``busy`` (exception 6)."""
        with self._lock:
            self._faults.extend([fault] * times)

    def power_cycle(self) -> None:
        """Lose power and come back: registers cleared, display blank, full brightness."""
        with self._lock:
            self._memory = SignMemory(self.layout)

    def start(self) -> ModbusSignSimulator:
        """Open the pty and start answering. Raises DeviceError if no pty can be made."""
        if self._thread is not None:
            raise DeviceError("the sign simulator was already started")
        try:
            self._master, self._slave = os.openpty()
            tty.setraw(self._slave)  # no echo, no CR/LF translation: Modbus is binary
            self.port = os.ttyname(self._slave)
        except OSError as err:
            raise DeviceError(
                f"cannot open a pseudo-terminal for the sign simulator: {err}"
            ) from err
        self._thread = threading.Thread(target=self._run, name="sign-sim", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1

    def __enter__(self) -> ModbusSignSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                frame = self._read_frame()
                if frame:
                    self._handle(frame)
            except OSError as err:  # the pty closed under us: nothing left to serve
                if not self._stop.is_set():
                    log.warning("sign simulator stopped: %s", err)
                return

    def _read_frame(self) -> bytes:
        readable, _, _ = select.select([self._master], [], [], 0.1)
        if not readable:
            return b""
        frame = os.read(self._master, 512)
        while select.select([self._master], [], [], self._gap)[0]:
            frame += os.read(self._master, 512)
        return frame

    def _handle(self, frame: bytes) -> None:
        self.frames.append(frame)
        try:
            request = decode_request(frame)
        except DecodeError as err:
            log.debug("sign simulator dropped a frame: %s", err)
            self.bad_frames += 1
            return
        if request.unit not in (self.layout.unit, 0):
            return  # another sign on the same bus
        with self._lock:
            self.requests.append(request)
            fault = self._faults.popleft() if self._faults else None
            if fault == "silent":
                return
            before = self._memory.shown
            if isinstance(request, OtherRequest):
                reply = encode_exception(request.unit, request.function, ILLEGAL_FUNCTION)
            elif fault == "busy":
                reply = encode_exception(request.unit, _function(request), SLAVE_BUSY)
            else:
                code = self._memory.apply(request)
                if code is None:
                    reply = encode_reply(request)
                else:
                    reply = encode_exception(request.unit, _function(request), code)
            after = self._memory.shown
        if fault == "bad_crc":
            reply = reply[:-1] + bytes([reply[-1] ^ 0xFF])
        if request.unit != 0:  # nobody answers a broadcast
            os.write(self._master, reply)
        if after != before and self._on_show is not None:
            self._on_show(after)


def _function(request: Request) -> int:
    return WRITE_REGISTER if isinstance(request, WriteRegister) else WRITE_REGISTERS
