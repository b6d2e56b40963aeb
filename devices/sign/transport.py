"""Modbus-RTU over a serial port (RS-485 adapter) with pyserial: 8N1, a bounded reply wait,
one retry.

``modbus:///dev/ttyUSB0?unit=1&baud=9600&timeout=0.5`` names the port and the sign's unit. A
request gets one retry when the reply is missing or damaged (RS-485 lines pick up noise; a sign
can miss a frame while refreshing its LEDs); an exception reply is an answer and is not retried.
"""

from __future__ import annotations

import errno
import logging
import time
from dataclasses import dataclass

import serial

from devices.address import DeviceAddress
from devices.errors import DecodeError, DeviceAbsent, DeviceAddressError, DeviceError, DeviceTimeout
from devices.sign.modbus import (
    ExceptionReply,
    Request,
    check_reply,
    encode_request,
    reply_length,
)

log = logging.getLogger(__name__)

BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


@dataclass(frozen=True)
class SerialSettings:
    """One Modbus serial line: port, unit, speed and how long a reply may take."""

    port: str
    unit: int = 1
    baud: int = 9600
    timeout: float = 0.5  # seconds from the end of our request to the end of the reply
    retries: int = 1

    @classmethod
    def from_address(cls, address: DeviceAddress) -> SerialSettings:
        """Read ``modbus:///dev/ttyUSB0?unit=1&baud=9600&timeout=0.5``.
        Raises DeviceAddressError for a unit outside 1–247, an odd baud rate or timeout."""
        unit = address.int_option("unit", 1)
        baud = address.int_option("baud", 9600)
        timeout = address.float_option("timeout", 0.5)
        if not 1 <= unit <= 247:
            raise DeviceAddressError(f"{address.text}: unit {unit} is outside 1–247")
        if baud not in BAUD_RATES:
            raise DeviceAddressError(
                f"{address.text}: baud {baud} is not one of {', '.join(map(str, BAUD_RATES))}"
            )
        if not 0.05 <= timeout <= 5:
            raise DeviceAddressError(f"{address.text}: timeout {timeout} s is outside 0.05–5")
        return cls(address.target, unit, baud, timeout)

    @property
    def silence(self) -> float:
        """The 3.5-character gap that separates RTU frames, in seconds (fixed 1.75 ms above
        19200 baud, per Modbus over Serial Line §2.5.1.1); a character is 11 bits on the wire."""
        return 0.00175 if self.baud > 19200 else 3.5 * 11 / self.baud


class ModbusRtuClient:
    """A Modbus-RTU master on one serial port. Not thread-safe: one owner thread uses it."""

    def __init__(self, settings: SerialSettings) -> None:
        self.settings = settings
        self._port: serial.Serial | None = None
        self.exchanges = 0  # frames sent, retries included (for tests and the doctor)

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def open(self) -> None:
        """Open the port 8N1. Raises DeviceAbsent when it does not exist, DeviceError when it
        cannot be opened (permission, busy)."""
        if self._port is not None:
            return
        try:
            self._port = serial.Serial(
                self.settings.port,
                baudrate=self.settings.baud,
                bytesize=serial.EIGHTBITS,
                parity=serial.PARITY_NONE,
                stopbits=serial.STOPBITS_ONE,
                timeout=self.settings.timeout,
                write_timeout=self.settings.timeout,
            )
        except serial.SerialException as err:
            if err.errno in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
                raise DeviceAbsent(
                    f"{self.settings.port}: no such serial port (RS-485 adapter unplugged?)"
                ) from err
            raise DeviceError(f"{self.settings.port}: cannot open the serial port: {err}") from err
        except (OSError, ValueError) as err:
            raise DeviceError(f"{self.settings.port}: cannot open the serial port: {err}") from err

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (OSError, serial.SerialException) as err:
                log.debug("closing %s: %s", self.settings.port, err)

    def write(self, request: Request) -> None:
        """Send ``request`` and wait for its confirmation, trying once more on silence or a
        damaged reply. Opens the port if needed.

        Raises SignRefused for an exception reply, DeviceTimeout when no reply came in time,
        DecodeError when the replies were damaged (bad CRC, wrong frame), DeviceAbsent when the
        port went away (the port is then closed and reopened on the next write).
        """
        self.open()
        frame = encode_request(request)
        attempts = 1 + self.settings.retries
        for attempt in range(1, attempts + 1):
            try:
                refused = self._exchange(request, frame)
            except (DeviceTimeout, DecodeError) as err:
                if attempt == attempts:
                    raise type(err)(f"{err} (after {attempts} tries)") from err
                log.debug("sign %s: %s; retrying", self.settings.port, err)
                continue
            if refused is not None:
                raise refused.error()
            return

    def _exchange(self, request: Request, frame: bytes) -> ExceptionReply | None:
        port = self._port
        if port is None:
            raise DeviceAbsent(f"{self.settings.port}: port is not open")
        quiet = self.settings.silence
        try:
            time.sleep(quiet)  # RTU needs a silent line before a frame
            port.reset_input_buffer()  # drop the tail of a damaged earlier reply
            port.write(frame)
            port.flush()
            self.exchanges += 1
            reply = self._read_reply(port)
        except (serial.SerialException, OSError) as err:
            self.close()
            raise DeviceAbsent(f"{self.settings.port}: serial port failed: {err}") from err
        return check_reply(request, reply)

    def _read_reply(self, port: serial.Serial) -> bytes:
        deadline = time.monotonic() + self.settings.timeout
        head = self._read_until(port, 2, deadline)
        size = reply_length(head)
        return head + self._read_until(port, size - 2, deadline)

    def _read_until(self, port: serial.Serial, size: int, deadline: float) -> bytes:
        data = b""
        while len(data) < size:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            port.timeout = left
            data += port.read(size - len(data))
        if len(data) < size:
            unit = self.settings.unit
            raise DeviceTimeout(
                f"sign unit {unit} on {self.settings.port} did not answer within "
                f"{self.settings.timeout:g} s"
                + (f" (got {len(data)} of {size} bytes: {data.hex(' ')})" if data else "")
            )
        return data
