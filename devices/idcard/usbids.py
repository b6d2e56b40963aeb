"""The USB VID:PIDs an ID-card reader shows up with, and where each one comes from.

Two kinds, because they reach the driver differently:

- ``serial``: the USB-serial bridge chip in front of the SAM module. The ID is the chip's, not
  the reader's (vendors' serial readers ship with these chips: their driver downloads bundle
  the CH340, CP210x and PL2303 drivers), so the same ID may be a printer or a sign: only the
  SAM status command tells a reader (``hall provision`` asks every port). The reader is then
  ``serial:///dev/ttyUSBn`` (or ``/dev/hall-idcard`` through the udev rules).
- ``usb``: the SAM module's own USB with bulk endpoints, addressed ``usb://VID:PID``.

packaging/udev/70-hallkit.rules names the reader by exactly these IDs; a packaging test holds
the two to each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

UsbIds = tuple[int, int]  # (VID, PID)


@dataclass(frozen=True)
class ReaderUsbId:
    name: str
    link: Literal["serial", "usb"]  # a USB-serial bridge (a tty) or the module's own bulk USB
    source: str  # where the ID was taken from


READER_USB_IDS: dict[UsbIds, ReaderUsbId] = {
    (0x1A86, 0x7523): ReaderUsbId(
        "CH340/CH341 USB-serial bridge (WCH)",
        "serial",
        source="Linux drivers/usb/serial/ch341.c id table; CH340 driver in readers' downloads",
    ),
    (0x10C4, 0xEA60): ReaderUsbId(
        "CP2102/CP2104 USB-serial bridge (Silicon Labs)",
        "serial",
        source="Linux drivers/usb/serial/cp210x.c id table; CP210x driver in readers' downloads",
    ),
    (0x067B, 0x2303): ReaderUsbId(
        "PL2303 USB-serial bridge (Prolific)",
        "serial",
        source="Linux drivers/usb/serial/pl2303.h id table; PL2303 driver in readers' downloads",
    ),
    (0x0400, 0xC35A): ReaderUsbId(
        "GA 450/GA 467 SAM module on its own USB (bulk)",
        "usb",
        source="DOMAIN.md Hardware facts (0400:C35A on many readers); docs/devices.md usb:// address",
    ),
}
"""Every VID:PID a reader is known by. Any other bridge (FTDI 0403:6001, say) gets no hall name
from the rules; a box whose reader sits behind one says so in its 69-hallkit-local.rules, and
``hall provision`` still finds it by asking every serial port."""


def reader_usb_id(vid: int, pid: int) -> ReaderUsbId | None:
    """The table's entry for a USB device's ``vid``:``pid``, or None if no reader uses it."""
    return READER_USB_IDS.get((vid, pid))


def usb_address(ids: UsbIds) -> str:
    """The driver's address for a reader on its own USB, ``usb://0400:c35a`` (lower-case hex)."""
    return f"usb://{ids[0]:04x}:{ids[1]:04x}"
