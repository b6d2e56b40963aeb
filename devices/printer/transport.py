"""How bytes reach the printer: TCP 9100, serial, USB (pyusb) and the in-process simulator.

Every link has the same four calls: ``open``, ``write``, ``request`` (send a real-time command,
wait a bounded time for one reply byte, ``b""`` when none comes) and ``close``. Library errors
are re-raised as ``DeviceAbsent`` (not there), ``DeviceTimeout`` (there, not answering) or
``DeviceError`` with a sentence a technician can act on.

Addresses: ``tcp://HOST[:9100]``, ``serial:///dev/hall-printer?baud=115200[&flow=rtscts]``,
``usb://VID:PID[?in=0x81&out=0x03&interface=0]``, ``sim://printer[?paper=out&cover=open&
offline=1&silent=1&absent=1&tickets=N]``. USB endpoints come from the address, else from
``usb.USB_MODELS`` when the device has them, else from the device's own descriptors.
"""

from __future__ import annotations

import errno
import logging
import socket
from typing import Any

import serial

from devices.address import DeviceAddress, parse_address
from devices.errors import DeviceAbsent, DeviceAddressError, DeviceError, DeviceTimeout
from devices.printer.link import PrinterLink
from devices.printer.sim import PaperLevel, SimPrinter
from devices.printer.usb import UsbLink

log = logging.getLogger(__name__)

SCHEMES = ("tcp", "serial", "usb", "sim")
DEFAULT_PORT = 9100


class TcpLink(PrinterLink):
    """A network printer on raw TCP (port 9100)."""

    keep_open = False

    def __init__(
        self, address: str, host: str, port: int, connect_timeout: float, write_timeout: float
    ) -> None:
        super().__init__(address)
        self.host, self.port = host, port
        self._connect_timeout, self._write_timeout = connect_timeout, write_timeout
        self._sock: socket.socket | None = None

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    def open(self) -> None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self._connect_timeout)
            # Status requests are 3-byte writes awaiting a 1-byte reply: without NODELAY, Nagle
            # holds each one back for the delayed ACK of the job data (40 ms on Linux).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
        except TimeoutError as err:
            raise DeviceAbsent(
                f"{self.address}: no answer within {self._connect_timeout:g} s; is the printer "
                "on and at this address?"
            ) from err
        except OSError as err:
            raise DeviceAbsent(f"{self.address}: cannot connect ({err.strerror or err})") from err

    def _socket(self) -> socket.socket:
        if self._sock is None:
            raise DeviceError(f"{self.address}: not connected")
        return self._sock

    def write(self, data: bytes) -> None:
        sock = self._socket()
        try:
            sock.settimeout(self._write_timeout)
            sock.sendall(data)
        except TimeoutError as err:
            raise DeviceTimeout(
                f"{self.address}: printer took no data for {self._write_timeout:g} s"
            ) from err
        except OSError as err:
            raise DeviceAbsent(f"{self.address}: connection lost ({err.strerror or err})") from err

    def request(self, command: bytes, timeout: float) -> bytes:
        sock = self._socket()
        self._drain(sock)
        self.write(command)
        try:
            sock.settimeout(timeout)
            return sock.recv(1)
        except TimeoutError:
            return b""
        except OSError as err:
            raise DeviceAbsent(f"{self.address}: connection lost ({err.strerror or err})") from err

    @staticmethod
    def _drain(sock: socket.socket) -> None:
        # A reply that came too late for its request must not be taken for the next one's.
        sock.setblocking(False)
        try:
            while sock.recv(64):
                pass
        except OSError:
            pass
        finally:
            sock.setblocking(True)

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError as err:
                log.debug("%s: close: %s", self.address, err)
            self._sock = None


class SerialLink(PrinterLink):
    """A printer on a serial port (pyserial)."""

    def __init__(self, address: str, path: str, baud: int, flow: str, write_timeout: float) -> None:
        super().__init__(address)
        if flow not in ("none", "rtscts", "xonxoff"):
            raise DeviceAddressError(f"{address}: flow must be none, rtscts or xonxoff")
        self.path, self.baud, self.flow = path, baud, flow
        self._write_timeout = write_timeout
        self._port: Any = None

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def open(self) -> None:
        try:
            self._port = serial.Serial(
                self.path,
                self.baud,
                timeout=0.5,
                write_timeout=self._write_timeout,
                rtscts=self.flow == "rtscts",
                xonxoff=self.flow == "xonxoff",
            )
        except serial.SerialException as err:
            missing = getattr(err, "errno", None) == errno.ENOENT
            kind = DeviceAbsent if missing else DeviceError
            raise kind(f"{self.address}: cannot open {self.path}: {err}") from err

    def write(self, data: bytes) -> None:
        try:
            self._port.write(data)
            self._port.flush()
        except serial.SerialTimeoutException as err:
            raise DeviceTimeout(
                f"{self.address}: printer took no data for {self._write_timeout:g} s "
                "(flow control held, or wrong baud rate)"
            ) from err
        except (serial.SerialException, OSError) as err:
            raise DeviceAbsent(f"{self.address}: port lost: {err}") from err

    def request(self, command: bytes, timeout: float) -> bytes:
        try:
            self._port.reset_input_buffer()
            self.write(command)
            self._port.timeout = timeout
            return bytes(self._port.read(1))
        except (serial.SerialException, OSError) as err:
            raise DeviceAbsent(f"{self.address}: port lost: {err}") from err

    def close(self) -> None:
        if self._port is not None:
            try:
                self._port.close()
            except OSError as err:
                log.debug("%s: close: %s", self.address, err)
            self._port = None


class SimLink(PrinterLink):
    """A ``SimPrinter`` in this process, fed the same bytes a real link would carry."""

    keep_open = False

    def __init__(self, address: str, printer: SimPrinter, absent: bool = False) -> None:
        """``absent``: play a printer that is switched off or unplugged (open fails)."""
        super().__init__(address)
        self.printer = printer
        self.absent = absent
        self._open = False

    @property
    def is_open(self) -> bool:
        return self._open

    def open(self) -> None:
        if self.absent:
            raise DeviceAbsent(f"{self.address}: simulated printer is switched off")
        self._open = True

    def write(self, data: bytes) -> None:
        if not self._open:
            raise DeviceError(f"{self.address}: not connected")
        self.printer.receive(data)

    def request(self, command: bytes, timeout: float) -> bytes:
        if not self._open:
            raise DeviceError(f"{self.address}: not connected")
        return self.printer.receive(command)[:1]

    def close(self) -> None:
        if self._open:
            self.printer.end_connection()
        self._open = False


def _sim_printer(parsed: DeviceAddress) -> SimPrinter:
    paper = parsed.option("paper", "ok")
    if paper not in {p.value for p in PaperLevel}:
        raise DeviceAddressError(f"{parsed.text}: paper must be ok, near or out")
    tickets = parsed.int_option("tickets", -1)
    return SimPrinter(
        paper=paper,
        cover_open=parsed.option("cover", "closed") == "open",
        online=parsed.int_option("offline", 0) == 0,
        answers_status=parsed.int_option("silent", 0) == 0,
        tickets=tickets if tickets >= 0 else None,
    )


def open_link(address: str) -> PrinterLink:
    """The link for a configured printer address; nothing is opened yet.

    Raises DeviceAddressError for a malformed address (naming what was expected)."""
    parsed = parse_address(address, SCHEMES, bare_path_scheme="serial")
    if parsed.scheme == "tcp":
        host, port = parsed.host_port(DEFAULT_PORT)
        return TcpLink(
            parsed.text,
            host,
            port,
            parsed.float_option("connect_timeout", 3.0),
            parsed.float_option("write_timeout", 10.0),
        )
    if parsed.scheme == "serial":
        return SerialLink(
            parsed.text,
            parsed.target,
            parsed.int_option("baud", 115200),
            parsed.option("flow", "none"),
            parsed.float_option("write_timeout", 10.0),
        )
    if parsed.scheme == "usb":
        vid, pid = parsed.usb_ids()
        return UsbLink(
            parsed.text,
            vid,
            pid,
            in_ep=parsed.int_option("in", -1),
            out_ep=parsed.int_option("out", -1),
            interface=parsed.int_option("interface", -1),
            timeout=parsed.float_option("timeout", 5.0),
        )
    return SimLink(parsed.text, _sim_printer(parsed), parsed.int_option("absent", 0) == 1)
