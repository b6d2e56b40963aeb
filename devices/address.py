"""Device addresses: the URL-like strings in the configuration that pick a transport.

``serial:///dev/hall-idcard?baud=115200``, ``usb://0400:c35a``, ``tcp://10.0.0.9:9100``,
``sim://idcard?cards=resident``, ``modbus:///dev/ttyUSB0?unit=1``, ``evdev:///dev/input/event3``.
A bare path (``/dev/ttyUSB0``) is taken as ``serial://`` for serial devices by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from devices.errors import DeviceAddressError


@dataclass(frozen=True)
class DeviceAddress:
    """A parsed device address. ``target`` is the path, ``host:port`` or ``VID:PID`` part."""

    scheme: str
    target: str
    options: dict[str, str] = field(default_factory=dict)
    text: str = ""

    def option(self, name: str, default: str) -> str:
        """The query option ``name``, or ``default`` when absent."""
        return self.options.get(name, default)

    def int_option(self, name: str, default: int) -> int:
        """The query option ``name`` as an integer; raises DeviceAddressError if it is not one."""
        raw = self.options.get(name)
        if raw is None:
            return default
        try:
            return int(raw, 0)
        except ValueError as err:
            raise DeviceAddressError(
                f"{self.text}: option {name}={raw!r} must be a whole number"
            ) from err

    def float_option(self, name: str, default: float) -> float:
        """The query option ``name`` as a number; raises DeviceAddressError if it is not one."""
        raw = self.options.get(name)
        if raw is None:
            return default
        try:
            return float(raw)
        except ValueError as err:
            raise DeviceAddressError(
                f"{self.text}: option {name}={raw!r} must be a number"
            ) from err

    def host_port(self, default_port: int) -> tuple[str, int]:
        """``target`` read as ``HOST[:PORT]``; raises DeviceAddressError when malformed."""
        host, sep, port = self.target.rpartition(":")
        if not sep:
            host, port = self.target, str(default_port)
        if not host:
            raise DeviceAddressError(f"{self.text}: expected HOST:PORT, e.g. tcp://10.0.0.9:9100")
        try:
            number = int(port)
        except ValueError as err:
            raise DeviceAddressError(f"{self.text}: port {port!r} is not a number") from err
        if not 0 < number < 65536:
            raise DeviceAddressError(f"{self.text}: port {number} is out of range 1–65535")
        return host, number

    def usb_ids(self) -> tuple[int, int]:
        """``target`` read as ``VID:PID`` in hex (``0400:c35a``)."""
        vid, sep, pid = self.target.partition(":")
        try:
            if not sep:
                raise ValueError(self.target)
            return int(vid, 16), int(pid, 16)
        except ValueError as err:
            raise DeviceAddressError(
                f"{self.text}: expected usb://VID:PID in hex, e.g. usb://0400:c35a"
            ) from err


def parse_address(text: str, schemes: tuple[str, ...], bare_path_scheme: str = "") -> DeviceAddress:
    """Parse ``text`` and check its scheme is one of ``schemes``.

    A bare absolute path becomes ``bare_path_scheme`` when one is given. Raises
    DeviceAddressError naming the address and the schemes that would have been accepted.
    """
    text = text.strip()
    if text.startswith("/") and bare_path_scheme:
        text = f"{bare_path_scheme}://{text}"
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if not scheme:
        raise DeviceAddressError(
            f"{text!r}: a device address needs a scheme, one of "
            + ", ".join(f"{s}://" for s in schemes)
        )
    if scheme not in schemes:
        raise DeviceAddressError(
            f"{text}: unknown scheme {scheme}://; this device takes "
            + ", ".join(f"{s}://" for s in schemes)
        )
    target = parts.netloc + parts.path
    if not target:
        raise DeviceAddressError(f"{text}: nothing after {scheme}://")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    return DeviceAddress(scheme, target, options, text)
