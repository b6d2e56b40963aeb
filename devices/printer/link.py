"""The one interface every printer connection offers; ``transport`` and ``usb`` implement it."""

from __future__ import annotations

from abc import ABC, abstractmethod


class PrinterLink(ABC):
    """A connection to one printer. Not thread-safe: the printer service's thread owns it."""

    keep_open = True
    """False for links that should be closed after every job (a network printer serves one
    connection at a time, so holding it would lock other hosts out)."""

    def __init__(self, address: str) -> None:
        self.address = address

    @property
    @abstractmethod
    def is_open(self) -> bool: ...

    @abstractmethod
    def open(self) -> None:
        """Connect. Raises DeviceAbsent, DeviceTimeout or DeviceError."""

    @abstractmethod
    def write(self, data: bytes) -> None:
        """Send all of ``data``. Raises DeviceAbsent, DeviceTimeout or DeviceError."""

    @abstractmethod
    def request(self, command: bytes, timeout: float) -> bytes:
        """Send a real-time ``command`` and return its reply byte, or ``b""`` if none came
        within ``timeout`` seconds. Raises like ``write``."""

    @abstractmethod
    def close(self) -> None:
        """Disconnect; never raises."""
