"""USB printers through pyusb (libusb): the known models' endpoints, and the link.

Cheap USB printers do not agree on endpoints: python-escpos assumes OUT 0x01 / IN 0x82 (Epson),
while the common 58 mm units use OUT 0x03 / IN 0x81 or OUT 0x02 / IN 0x81, and even one VID:PID
differs between batches. So the endpoints are chosen in this order: the address's ``in=`` /
``out=``, then ``USB_MODELS`` when the device really has those endpoints, then the first bulk
OUT and IN endpoints of the device's printer-class interface (read from its descriptors).
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import usb.core
import usb.util

from devices.errors import DeviceAbsent, DeviceError, DeviceTimeout
from devices.printer.link import PrinterLink

log = logging.getLogger(__name__)

PRINTER_CLASS = 7


@dataclass(frozen=True)
class UsbModel:
    name: str
    out_ep: int
    in_ep: int | None  # None: the model has no status channel
    interface: int = 0
    source: str = ""  # where these endpoints were seen


USB_MODELS: dict[tuple[int, int], UsbModel] = {
    (0x0416, 0x5011): UsbModel(
        "POS58 generic 58 mm (Winbond/Nuvoton VID; sold as Zjiang, Seafon, …)",
        out_ep=0x03,
        in_ep=0x81,
        source="python-escpos issues #444, #636 (lsusb of POS58 units); some batches use OUT 0x01",
    ),
    (0x0483, 0x5743): UsbModel(
        "Xprinter XP-T58H and other STM32-based 58 mm",
        out_ep=0x02,
        in_ep=0x81,
        source="sintrb/USB-Printer-Descriptors (XP-T58H descriptor dump)",
    ),
    (0x0483, 0x5720): UsbModel(
        "STM32-based 58 mm generic (MHT-W5801 and others)",
        out_ep=0x02,
        in_ep=0x82,
        source="a python-escpos user script for this ID; unverified on hardware here",
    ),
    (0x6868, 0x0200): UsbModel(
        "Gprinter GP-58 series",
        out_ep=0x02,
        in_ep=0x81,
        source="sintrb/USB-Printer-Descriptors (GP-58MBIII+ dump)",
    ),
    (0x04B8, 0x0202): UsbModel(
        "Epson TM-T88 / TM-T70 series",
        out_ep=0x01,
        in_ep=0x82,
        source="python-escpos defaults for Epson units",
    ),
}
"""Known VID:PIDs. 6868:0500 (Gprinter ZH-380, GP-R222C) is left out on purpose: its units
were seen with IN 0x84/OUT 0x03 and with IN 0x81/OUT 0x01, so only the descriptors can tell."""


@dataclass(frozen=True)
class Endpoint:
    address: int
    bulk: bool
    interface: int
    interface_class: int

    @property
    def is_in(self) -> bool:
        return bool(self.address & 0x80)


@dataclass(frozen=True)
class Endpoints:
    interface: int
    out_ep: int
    in_ep: int | None
    chosen_by: str  # "address", "model table", "descriptors"


def choose_endpoints(
    ids: tuple[int, int],
    endpoints: Sequence[Endpoint],
    *,
    in_ep: int = -1,
    out_ep: int = -1,
    interface: int = -1,
) -> Endpoints:
    """The endpoints to use for a device with these ``endpoints`` (from its descriptors).

    ``in_ep``/``out_ep``/``interface`` from the address win (−1: not given) and must exist on
    the device; else the ``USB_MODELS`` entry if the device has its endpoints; else the first
    bulk OUT (and bulk IN, if any) of the printer-class interface, or of any interface. Raises
    DeviceError naming the endpoints the device does have when no choice works.
    """
    have = ", ".join(f"0x{e.address:02x} {'IN' if e.is_in else 'OUT'}" for e in endpoints)
    by_address = {e.address: e for e in endpoints}
    if out_ep >= 0:
        found = by_address.get(out_ep)
        if found is None or found.is_in:
            raise DeviceError(f"OUT endpoint 0x{out_ep:02x} is not on this device (it has {have})")
        if in_ep >= 0 and (in_ep not in by_address or not by_address[in_ep].is_in):
            raise DeviceError(f"IN endpoint 0x{in_ep:02x} is not on this device (it has {have})")
        return Endpoints(
            interface if interface >= 0 else found.interface,
            out_ep,
            in_ep if in_ep >= 0 else _first(endpoints, True, found.interface),
            "address",
        )
    model = USB_MODELS.get(ids)
    if model is not None:
        out_ok = model.out_ep in by_address and not by_address[model.out_ep].is_in
        in_ok = model.in_ep is None or (model.in_ep in by_address and by_address[model.in_ep].is_in)
        if out_ok and in_ok:
            return Endpoints(model.interface, model.out_ep, model.in_ep, "model table")
        log.warning(
            "USB %04x:%04x (%s) lacks the table's endpoints; using its descriptors (%s)",
            *ids,
            model.name,
            have,
        )
    bulk = [e for e in endpoints if e.bulk]
    printer = [e for e in bulk if e.interface_class == PRINTER_CLASS] or bulk
    outs = [e for e in printer if not e.is_in]
    if not outs:
        raise DeviceError(f"no bulk OUT endpoint to print to (the device has {have or 'none'})")
    chosen = outs[0]
    return Endpoints(
        chosen.interface, chosen.address, _first(printer, True, chosen.interface), "descriptors"
    )


def _first(endpoints: Sequence[Endpoint], is_in: bool, interface: int) -> int | None:
    for e in endpoints:
        if e.is_in is is_in and e.bulk and e.interface == interface:
            return e.address
    return None


def device_endpoints(device: Any) -> list[Endpoint]:
    """Every endpoint of the device's active configuration (pyusb descriptor objects)."""
    return [
        Endpoint(ep.bEndpointAddress, ep.bmAttributes & 0x03 == 0x02, intf.bInterfaceNumber,
                 intf.bInterfaceClass)
        for intf in device.get_active_configuration()
        for ep in intf
    ]  # fmt: skip


class UsbLink(PrinterLink):
    """A USB printer (``usb://VID:PID``), driven with bulk transfers through pyusb."""

    def __init__(
        self,
        address: str,
        vid: int,
        pid: int,
        *,
        in_ep: int = -1,
        out_ep: int = -1,
        interface: int = -1,
        timeout: float = 5.0,
        find: Callable[..., Any] | None = None,
        release: Callable[[Any], None] | None = None,
    ) -> None:
        """``find``/``release`` default to pyusb's ``usb.core.find`` and
        ``usb.util.dispose_resources``; tests pass their own. ``timeout``: seconds a write may
        take before DeviceTimeout."""
        super().__init__(address)
        self.ids = (vid, pid)
        self._wanted = (in_ep, out_ep, interface)
        self._timeout_ms = int(timeout * 1000)
        self._find = find or usb.core.find
        self._release = release or usb.util.dispose_resources
        self._device: Any = None
        self.endpoints: Endpoints | None = None

    @property
    def is_open(self) -> bool:
        return self._device is not None

    def _name(self) -> str:
        return f"{self.address} ({self.ids[0]:04x}:{self.ids[1]:04x})"

    def open(self) -> None:
        try:
            device = self._find(idVendor=self.ids[0], idProduct=self.ids[1])
        except usb.core.NoBackendError as err:
            raise DeviceError(
                f"{self._name()}: libusb is not installed (apt install libusb-1.0-0)"
            ) from err
        if device is None:
            raise DeviceAbsent(
                f"{self._name()}: no such USB device; check the printer is on and its USB cable "
                "is in (lsusb lists it when it is)"
            )
        try:
            try:
                endpoints = device_endpoints(device)
            except usb.core.USBError:  # not configured yet
                device.set_configuration()
                endpoints = device_endpoints(device)
            in_ep, out_ep, interface = self._wanted
            chosen = choose_endpoints(
                self.ids, endpoints, in_ep=in_ep, out_ep=out_ep, interface=interface
            )
            try:
                if device.is_kernel_driver_active(chosen.interface):
                    device.detach_kernel_driver(chosen.interface)  # usblp holds printers
            except NotImplementedError:
                pass  # not on Linux: there is no kernel driver to take it from
        except usb.core.USBError as err:
            raise self._wrap(err, "open") from err
        self._device, self.endpoints = device, chosen
        log.info(
            "%s: OUT 0x%02x, IN %s (by %s)",
            self._name(),
            chosen.out_ep,
            "none" if chosen.in_ep is None else f"0x{chosen.in_ep:02x}",
            chosen.chosen_by,
        )

    def _wrap(self, err: usb.core.USBError, doing: str) -> DeviceError:
        code = getattr(err, "errno", None)
        if isinstance(err, usb.core.USBTimeoutError) or code == errno.ETIMEDOUT:
            return DeviceTimeout(f"{self._name()}: {doing} timed out (printer busy or stalled)")
        if code in (errno.ENODEV, errno.ENOENT):
            return DeviceAbsent(f"{self._name()}: unplugged or switched off during {doing}")
        if code == errno.EACCES:
            return DeviceError(
                f"{self._name()}: permission denied; install the hall's udev rule for this "
                "VID:PID or run as a user in its group"
            )
        if code == errno.EBUSY:
            return DeviceError(f"{self._name()}: busy; another program (CUPS?) holds it")
        return DeviceError(f"{self._name()}: USB error during {doing}: {err}")

    def write(self, data: bytes) -> None:
        if self._device is None or self.endpoints is None:
            raise DeviceError(f"{self._name()}: not open")
        try:
            sent = self._device.write(self.endpoints.out_ep, data, self._timeout_ms)
        except usb.core.USBError as err:
            raise self._wrap(err, "write") from err
        if sent != len(data):
            raise DeviceTimeout(f"{self._name()}: printer took {sent} of {len(data)} bytes")

    def request(self, command: bytes, timeout: float) -> bytes:
        self.write(command)
        if self._device is None or self.endpoints is None or self.endpoints.in_ep is None:
            return b""  # no way back from this printer: status unknown
        try:
            return bytes(self._device.read(self.endpoints.in_ep, 64, int(timeout * 1000)))
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as err:
            raise self._wrap(err, "status read") from err

    def close(self) -> None:
        if self._device is not None:
            try:
                self._release(self._device)
            except usb.core.USBError as err:
                log.debug("%s: release: %s", self._name(), err)
            self._device = None
