"""Transports by address: serial and bare paths, the sim:// scheme, and USB bulk endpoints."""

from __future__ import annotations

import errno
from collections import deque
from pathlib import Path
from typing import Any

import pytest
import usb.core

from devices.address import parse_address
from devices.errors import DeviceAbsent, DeviceAddressError, DeviceError
from devices.idcard import commands as c
from devices.idcard.session import ReaderSession
from devices.idcard.sim import SimulatedReader
from devices.idcard.transport import SerialTransport, UsbTransport, open_transport
from tests.devices.idcard.golden import golden


@pytest.mark.parametrize(
    ("address", "complaint"),
    [
        ("tcp://10.0.0.9:9100", "unknown scheme tcp://"),
        ("sim://printer", "sim://idcard only"),
        ("sim://idcard?cards=passport", "unknown simulated card"),
        ("sim://idcard?faults=fire", "unknown simulator fault"),
        ("sim://idcard?colour=red", "unknown option"),
        ("sim://idcard?cycle=soon", "cycle must be a number"),
        ("usb://c35a", "VID:PID"),
    ],
)
def test_bad_addresses_are_refused_with_a_reason(address: str, complaint: str) -> None:
    with pytest.raises(DeviceAddressError, match=complaint):
        open_transport(address)


@pytest.mark.parametrize("address", ["{path}", "serial://{path}?baud=115200"])
def test_a_missing_serial_port_is_absent_and_named(tmp_path: Path, address: str) -> None:
    path = tmp_path / "ttyUSB9"
    with pytest.raises(DeviceAbsent, match="ttyUSB9"):
        open_transport(address.format(path=path))


def test_a_sim_address_runs_the_simulator_until_the_transport_closes() -> None:
    transport = open_transport("sim://idcard?cards=permit-j")
    assert isinstance(transport, SerialTransport)
    assert "pty /dev/pts/" in transport.description
    pty = transport.description.rsplit("pty ", 1)[1].rstrip(")")
    ReaderSession(transport).check_status()
    transport.close()
    with pytest.raises(DeviceAbsent):
        SerialTransport.open(pty)


def test_a_reader_port_is_opened_by_one_program_at_a_time(tmp_path: Path) -> None:
    with SimulatedReader(link=tmp_path / "idcard") as sim:
        first = open_transport(sim.address)
        try:
            with pytest.raises(DeviceAbsent, match="lock"):
                open_transport(sim.address)
        finally:
            first.close()
        open_transport(sim.address).close()


class FakeUsbReader:
    """Stands in for ``usb.core.Device``: records writes per endpoint and, once something was
    written (a reader answers only when asked), replays the queued replies."""

    def __init__(self, replies: list[tuple[int, bytes]] | None = None) -> None:
        self.writes: list[tuple[int, bytes]] = []
        self.replies = deque(replies or [])
        self.configured = False
        self.fail_with: usb.core.USBError | None = None

    def is_kernel_driver_active(self, interface: int) -> bool:
        return False

    def set_configuration(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.configured = True

    def write(self, endpoint: int, data: bytes, timeout: int) -> int:
        self.writes.append((endpoint, bytes(data)))
        return len(data)

    def read(self, endpoint: int, size: int, timeout: int) -> Any:
        if self.fail_with is not None:
            raise self.fail_with
        if self.writes and self.replies and self.replies[0][0] == endpoint:
            return bytearray(self.replies.popleft()[1])
        raise usb.core.USBTimeoutError("timeout", None, errno.ETIMEDOUT)


def usb_open(address: str, device: FakeUsbReader | None) -> UsbTransport:
    return UsbTransport.open(parse_address(address, ("usb",)), find=lambda **ids: device)


@pytest.mark.parametrize("ids", ["1a86:7523", "10c4:ea60", "067b:2303"])
def test_a_usb_serial_bridge_is_refused_as_a_usb_reader_and_told_to_use_serial(ids: str) -> None:
    with pytest.raises(DeviceAddressError, match="serial"):
        usb_open(f"usb://{ids}", FakeUsbReader([]))


def test_usb_uses_the_endpoints_of_the_address_and_reads_a_reply() -> None:
    device = FakeUsbReader([(0x82, golden("sam_id"))])
    transport = usb_open("usb://0400:c35a?in=0x82&out=0x03", device)
    assert device.configured
    assert ReaderSession(transport).sam_id() == "05.01-20101231-0012345678-1234567890"
    assert device.writes == [(0x03, c.SAM_ID.frame)]


def test_usb_defaults_to_endpoints_0x81_in_and_0x02_out() -> None:
    device = FakeUsbReader([(0x81, golden("find_ok"))])
    assert ReaderSession(usb_open("usb://0400:c35a", device)).find_card()
    assert device.writes == [(0x02, c.FIND_CARD.frame)]


def test_usb_modules_with_split_pipes_get_header_and_body_on_their_own_endpoints() -> None:
    reply = golden("find_ok")
    device = FakeUsbReader([(0x81, reply[:7]), (0x85, reply[7:])])
    transport = usb_open("usb://0400:c35a?body_in=0x85&body_out=0x06", device)
    assert ReaderSession(transport).find_card()
    assert device.writes == [(0x02, c.FIND_CARD.frame[:7]), (0x06, c.FIND_CARD.frame[7:])]


def test_a_usb_reader_that_is_not_plugged_in_is_absent() -> None:
    with pytest.raises(DeviceAbsent, match="0400:c35a"):
        usb_open("usb://0400:c35a", None)


def test_a_usb_reader_unplugged_mid_read_is_absent() -> None:
    device = FakeUsbReader()
    transport = usb_open("usb://0400:c35a", device)
    device.fail_with = usb.core.USBError("No such device", None, errno.ENODEV)
    with pytest.raises(DeviceAbsent, match="No such device"):
        transport.read(64, 0.1)


def test_a_usb_reader_without_permission_says_what_to_install() -> None:
    device = FakeUsbReader()
    device.fail_with = usb.core.USBError("Access denied", None, errno.EACCES)
    with pytest.raises(DeviceError, match="udev rule") as caught:
        usb_open("usb://0400:c35a", device)
    assert not isinstance(caught.value, DeviceAbsent)


def test_a_machine_without_libusb_gets_a_clear_error() -> None:
    def no_backend(**ids: int) -> None:
        raise usb.core.NoBackendError("No backend available")

    with pytest.raises(DeviceError, match="libusb"):
        UsbTransport.open(parse_address("usb://0400:c35a", ("usb",)), find=no_backend)
