"""Byte transports for the ID-card reader, chosen by address.

- ``serial:///dev/hall-idcard?baud=115200`` or a bare ``/dev/ttyUSB0``: pyserial, 8N1, opened
  exclusively (two programs on one reader would steal each other's replies);
- ``usb://0400:c35a?in=0x81&out=0x02``: pyusb bulk endpoints. Modules that split the header and
  the body over two pipes each (the "SAM_V" sheet: out 0x02 + 0x06, in 0x81 + 0x85) take
  ``&body_out=0x06&body_in=0x85``. The VID:PIDs readers are known by are in ``usbids``; a
  USB-serial bridge's ID is refused here (its reader is a serial port, and claiming the bridge
  over USB would detach its kernel serial driver);
- ``sim://idcard?cards=resident,permit-j&faults=split``: starts the pty simulator in-process and
  opens the real serial transport on its pty, so the real codec and transport run end to end.

Library errors are re-raised as ``DeviceAbsent`` (port or device gone) or ``DeviceError``.
"""

from __future__ import annotations

import errno
import logging
import select
import termios
from collections.abc import Callable
from typing import Any, Protocol

import serial
import usb.core
import usb.util

from devices.address import DeviceAddress, parse_address
from devices.errors import DeviceAbsent, DeviceAddressError, DeviceError
from devices.idcard.frames import HEADER_SIZE
from devices.idcard.sim import SimulatedReader
from devices.idcard.usbids import reader_usb_id

log = logging.getLogger(__name__)

# What pyserial lets through when a port vanishes: its own error, OSError, termios.error (a
# tcflush/tcdrain on a dead pty), ValueError (a closed port's fileno).
_SERIAL_ERRORS = (serial.SerialException, OSError, termios.error, ValueError)

SCHEMES = ("serial", "usb", "sim")
DEFAULT_BAUD = 115200
READ_SIZE = 4096


class Transport(Protocol):
    """A byte pipe to one reader. ``read`` returns b"" when ``timeout`` seconds pass with
    nothing to read; both directions raise DeviceAbsent when the device has gone."""

    description: str

    def write(self, data: bytes) -> None: ...

    def read(self, max_bytes: int, timeout: float) -> bytes: ...

    def discard_input(self) -> None: ...

    def close(self) -> None: ...


def open_transport(text: str) -> Transport:
    """Open the transport ``text`` names; raises DeviceAddressError for a bad address,
    DeviceAbsent when the port or device is not there."""
    address = parse_address(text, SCHEMES, bare_path_scheme="serial")
    if address.scheme == "serial":
        return SerialTransport.open(address.target, address.int_option("baud", DEFAULT_BAUD))
    if address.scheme == "usb":
        return UsbTransport.open(address)
    return open_simulated(address)


class SerialTransport:
    """pyserial, 8N1, non-blocking reads paced by ``select``."""

    def __init__(
        self, port: serial.Serial, description: str, on_close: Callable[[], None] | None = None
    ) -> None:
        self._port = port
        self.description = description
        self._on_close = on_close

    @classmethod
    def open(
        cls, path: str, baud: int = DEFAULT_BAUD, on_close: Callable[[], None] | None = None
    ) -> SerialTransport:
        """Open ``path`` at ``baud`` 8N1; raises DeviceAbsent if it cannot be opened."""
        try:
            port = serial.Serial(
                port=path,
                baudrate=baud,
                bytesize=serial.EIGHTBITS,
                parity=serial.PARITY_NONE,
                stopbits=serial.STOPBITS_ONE,
                timeout=0,
                exclusive=True,
            )
        except _SERIAL_ERRORS as err:
            raise DeviceAbsent(f"cannot open the ID-card reader port {path}: {err}") from err
        return cls(port, f"serial://{path}?baud={baud}", on_close)

    def write(self, data: bytes) -> None:
        try:
            self._port.write(data)
            self._port.flush()
        except _SERIAL_ERRORS as err:
            raise DeviceAbsent(f"{self.description}: write failed: {err}") from err

    def read(self, max_bytes: int, timeout: float) -> bytes:
        try:
            ready, _, _ = select.select([self._port.fileno()], [], [], max(0.0, timeout))
            if not ready:
                return b""
            data: bytes = self._port.read(max(1, min(max_bytes, self._port.in_waiting)))
        except _SERIAL_ERRORS as err:
            raise DeviceAbsent(f"{self.description}: read failed: {err}") from err
        return data

    def discard_input(self) -> None:
        try:
            self._port.reset_input_buffer()
        except _SERIAL_ERRORS as err:
            raise DeviceAbsent(f"{self.description}: {err}") from err

    def close(self) -> None:
        try:
            self._port.close()
        except _SERIAL_ERRORS as err:
            log.debug("%s: close: %s", self.description, err)
        if self._on_close is not None:
            self._on_close()


def open_simulated(address: DeviceAddress) -> SerialTransport:
    """Start a simulator for ``sim://idcard?...`` and open the serial transport on its pty;
    closing the transport stops the simulator."""
    if address.target != "idcard":
        raise DeviceAddressError(f"{address.text}: this device simulates sim://idcard only")
    sim = SimulatedReader.from_options(address.options)
    sim.start()
    try:
        transport = SerialTransport.open(sim.path, DEFAULT_BAUD, on_close=sim.stop)
    except DeviceAbsent:
        sim.stop()
        raise
    transport.description = f"{address.text} (pty {sim.path})"
    return transport


class UsbTransport:
    """pyusb bulk transfers on configurable endpoints (``usb.core.Device`` or a stand-in)."""

    def __init__(
        self,
        device: Any,
        in_ep: int,
        out_ep: int,
        description: str,
        body_in: int | None = None,
        body_out: int | None = None,
    ) -> None:
        self._device = device
        self._in, self._out = in_ep, out_ep
        self._body_in, self._body_out = body_in, body_out
        self.description = description

    @classmethod
    def open(cls, address: DeviceAddress, find: Callable[..., Any] | None = None) -> UsbTransport:
        """Find ``address``'s VID:PID and claim it; raises DeviceAddressError for a USB-serial
        bridge's VID:PID, DeviceAbsent if it is not plugged in, DeviceError if it cannot be used
        (no libusb, no permission)."""
        vid, pid = address.usb_ids()
        known = reader_usb_id(vid, pid)
        if known is not None and known.link == "serial":
            raise DeviceAddressError(
                f"{address.text}: {vid:04x}:{pid:04x} is a {known.name}; its reader is a serial "
                "port: use serial:///dev/hall-idcard or serial:///dev/ttyUSB0"
            )
        finder = find if find is not None else usb.core.find
        try:
            device = finder(idVendor=vid, idProduct=pid)
        except usb.core.NoBackendError as err:
            raise DeviceError("libusb is not installed (Debian: apt install libusb-1.0-0)") from err
        if device is None:
            named = f" ({known.name})" if known is not None else ""
            raise DeviceAbsent(
                f"no USB device {vid:04x}:{pid:04x}{named}: is the reader plugged in?"
            )
        body_in = address.int_option("body_in", -1)
        body_out = address.int_option("body_out", -1)
        transport = cls(
            device,
            address.int_option("in", 0x81),
            address.int_option("out", 0x02),
            address.text,
            body_in if body_in >= 0 else None,
            body_out if body_out >= 0 else None,
        )
        try:
            if device.is_kernel_driver_active(0):
                device.detach_kernel_driver(0)
            device.set_configuration()
        except usb.core.USBError as err:
            raise transport._error("cannot claim the device", err) from err
        return transport

    def _error(self, what: str, err: Exception) -> DeviceError:
        code = getattr(err, "errno", None)
        if code == errno.EACCES:
            return DeviceError(
                f"{self.description}: {what}: permission denied (install the udev rule "
                "for the reader, or add the user to its group)"
            )
        if code in (errno.ENODEV, errno.ENOENT, errno.EIO, errno.EPIPE):
            return DeviceAbsent(f"{self.description}: {what}: {err}")
        return DeviceError(f"{self.description}: {what}: {err}")

    def write(self, data: bytes) -> None:
        ms = 1000
        try:
            if self._body_out is None:
                self._device.write(self._out, data, ms)
            else:
                self._device.write(self._out, data[:HEADER_SIZE], ms)
                self._device.write(self._body_out, data[HEADER_SIZE:], ms)
        except usb.core.USBError as err:
            raise self._error("write failed", err) from err

    def read(self, max_bytes: int, timeout: float) -> bytes:
        data = self._read_pipe(self._in, max_bytes, timeout)
        if data and self._body_in is not None:
            data += self._read_pipe(self._body_in, max_bytes, timeout)
        return data

    def _read_pipe(self, endpoint: int, max_bytes: int, timeout: float) -> bytes:
        try:
            return bytes(self._device.read(endpoint, max_bytes, max(1, int(timeout * 1000))))
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as err:
            raise self._error("read failed", err) from err

    def discard_input(self) -> None:
        while self._read_pipe(self._in, READ_SIZE, 0.001):
            pass

    def close(self) -> None:
        try:
            usb.util.dispose_resources(self._device)
        except (usb.core.USBError, AttributeError, TypeError) as err:
            log.debug("%s: close: %s", self.description, err)
