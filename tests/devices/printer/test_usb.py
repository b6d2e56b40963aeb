"""USB printers without hardware: endpoint choice, and pyusb errors turned into ours.

``FakeUsbPrinter`` has the few pyusb calls the link uses and a ``SimPrinter`` behind its bulk
endpoints, so the link's real code runs; only libusb is missing.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import Any

import pytest
import usb.core

from devices.errors import DeviceAbsent, DeviceError, DeviceTimeout
from devices.printer.decode import decode_job
from devices.printer.sim import SimPrinter
from devices.printer.status import status_request
from devices.printer.usb import Endpoint, UsbLink, choose_endpoints

POS58 = (0x0416, 0x5011)


def endpoints(*addresses: int, interface_class: int = 7) -> list[Endpoint]:
    return [Endpoint(a, True, 0, interface_class) for a in addresses]


def test_known_model_uses_its_table_endpoints() -> None:
    chosen = choose_endpoints(POS58, endpoints(0x81, 0x03))
    assert (chosen.out_ep, chosen.in_ep, chosen.chosen_by) == (0x03, 0x81, "model table")


def test_known_model_with_other_endpoints_falls_back_to_its_descriptors() -> None:
    # Some POS58 batches use OUT 0x01: the table must not send to an endpoint that is not there.
    chosen = choose_endpoints(POS58, endpoints(0x01, 0x81))
    assert (chosen.out_ep, chosen.in_ep, chosen.chosen_by) == (0x01, 0x81, "descriptors")


def test_unknown_device_prints_to_the_printer_class_interface() -> None:
    found = [Endpoint(0x02, True, 0, 3), Endpoint(0x84, True, 1, 7), Endpoint(0x03, True, 1, 7)]
    chosen = choose_endpoints((0x6868, 0x0500), found)
    assert (chosen.interface, chosen.out_ep, chosen.in_ep) == (1, 0x03, 0x84)


def test_address_endpoints_win_but_must_exist() -> None:
    chosen = choose_endpoints(POS58, endpoints(0x81, 0x03, 0x02), out_ep=0x02, in_ep=0x81)
    assert (chosen.out_ep, chosen.chosen_by) == (0x02, "address")
    with pytest.raises(DeviceError, match=r"OUT endpoint 0x05 is not on this device \(it has"):
        choose_endpoints(POS58, endpoints(0x81, 0x03), out_ep=0x05)


def test_a_device_without_bulk_out_cannot_print() -> None:
    with pytest.raises(DeviceError, match="no bulk OUT endpoint"):
        choose_endpoints((1, 2), endpoints(0x81))


def test_a_printer_without_in_endpoint_has_no_status() -> None:
    assert choose_endpoints((1, 2), endpoints(0x01)).in_ep is None


@dataclass
class FakeEndpoint:
    bEndpointAddress: int  # pyusb descriptor field names
    bmAttributes: int = 0x02


@dataclass
class FakeInterface:
    bInterfaceNumber: int
    bInterfaceClass: int
    endpoints: list[FakeEndpoint]

    def __iter__(self) -> Any:
        return iter(self.endpoints)


@dataclass
class FakeUsbPrinter:
    addresses: tuple[int, ...] = (0x81, 0x03)
    printer: SimPrinter = field(default_factory=SimPrinter)
    kernel_driver: bool = True
    write_error: usb.core.USBError | None = None
    written_to: list[int] = field(default_factory=list)
    replies: bytearray = field(default_factory=bytearray)

    def get_active_configuration(self) -> list[FakeInterface]:
        return [FakeInterface(0, 7, [FakeEndpoint(a) for a in self.addresses])]

    def is_kernel_driver_active(self, interface: int) -> bool:
        return self.kernel_driver

    def detach_kernel_driver(self, interface: int) -> None:
        self.kernel_driver = False

    def write(self, endpoint: int, data: bytes, timeout: int) -> int:
        if self.write_error is not None:
            raise self.write_error
        self.written_to.append(endpoint)
        self.replies += self.printer.receive(bytes(data))
        return len(data)

    def read(self, endpoint: int, size: int, timeout: int) -> bytes:
        if not self.replies:
            raise usb.core.USBTimeoutError("Operation timed out", -7, errno.ETIMEDOUT)
        reply, self.replies[:] = bytes(self.replies[:size]), self.replies[size:]
        return reply


def link_to(device: FakeUsbPrinter | None, address: str = "usb://0416:5011") -> UsbLink:
    return UsbLink(address, *POS58, find=lambda **_ids: device, release=lambda _d: None)


def test_no_device_present_is_absent_with_a_clear_message() -> None:
    with pytest.raises(DeviceAbsent, match=r"0416:5011\): no such USB device; check the printer"):
        link_to(None).open()


def test_missing_libusb_is_a_device_error_saying_what_to_install() -> None:
    def no_backend(**_ids: int) -> None:
        raise usb.core.NoBackendError("No backend available")

    link = UsbLink("usb://0416:5011", *POS58, find=no_backend)
    with pytest.raises(DeviceError, match=r"apt install libusb-1\.0-0"):
        link.open()


def test_usb_link_detaches_usblp_prints_to_the_out_endpoint_and_reads_status() -> None:
    device = FakeUsbPrinter()
    link = link_to(device)
    link.open()
    assert not device.kernel_driver
    link.write(b"\x1b@A001\n")
    assert link.request(status_request(1), 0.5) == b"\x12"
    device.printer.set_answers_status(False)
    assert link.request(status_request(1), 0.5) == b""  # a read timeout is "unknown"
    link.close()
    device.printer.end_connection()
    assert set(device.written_to) == {0x03}
    assert decode_job(device.printer.jobs[0].data).texts == ["A001"]


@pytest.mark.parametrize(
    ("error", "kind", "message"),
    [
        (usb.core.USBError("No such device", -4, errno.ENODEV), DeviceAbsent, "unplugged"),
        (usb.core.USBTimeoutError("timeout", -7, errno.ETIMEDOUT), DeviceTimeout, "timed out"),
        (usb.core.USBError("Access denied", -3, errno.EACCES), DeviceError, "udev rule"),
        (usb.core.USBError("Busy", -6, errno.EBUSY), DeviceError, "CUPS"),
    ],
)
def test_pyusb_errors_become_device_errors(
    error: usb.core.USBError, kind: type[DeviceError], message: str
) -> None:
    device = FakeUsbPrinter()
    link = link_to(device)
    link.open()
    device.write_error = error
    with pytest.raises(kind, match=message) as raised:
        link.write(b"x")
    assert raised.value.__cause__ is error
