"""Reading the keypad through evdev: open, grab, read with a timeout, notice unplug and replug.

The keypad is a USB HID keyboard. We take it exclusively (EVIOCGRAB) so its digits never type into
the clerk's desktop, and hide it from the desktop with the udev rule in ``packaging/``. Reading
goes through ``select`` and ``os.read`` on the node so the same code reads a pipe in tests; the
bytes are decoded by ``devices.keypad.keys``.

Replug: while the keypad is away the service calls ``wait_for_return``, which listens to the
kernel's and udev's netlink uevents (the socket pyudev uses, without the dependency) and reports
an input device being added; the service also retries once a second, so a box where netlink is
unavailable (a container) still picks the keypad up again.
"""

from __future__ import annotations

import errno
import logging
import os
import select
import socket
from collections.abc import Mapping
from typing import Protocol

import evdev

from devices.errors import DecodeError, DeviceAbsent, DeviceError
from devices.keypad.keys import INPUT_EVENT, KeyEvent, decode_input_events, key_events

log = logging.getLogger(__name__)

# Errors meaning "the device is not there (any more)": unplugged mid-read (ENODEV), no such node
# (ENOENT), no such device behind the node (ENXIO).
_GONE = {errno.ENODEV, errno.ENOENT, errno.ENXIO}
_READ_BYTES = INPUT_EVENT.size * 64
NETLINK_KOBJECT_UEVENT = 15
_UEVENT_GROUPS = 0b11  # 1: kernel events, 2: udev events (after udev made its symlinks)
# Names of EV_KEY codes, keys and buttons (BTN_0 …) alike: some keypads send buttons.
_KEY_NAMES: Mapping[int, str | tuple[str, ...]] = evdev.ecodes.bytype[evdev.ecodes.EV_KEY]


class KeySource(Protocol):
    """What the keypad service reads from: the evdev keypad or the simulated one."""

    @property
    def name(self) -> str:
        """A short description for logs and health (the address)."""
        ...

    def open(self) -> None:
        """Open and grab the keypad; raises DeviceAbsent when it is not there, DeviceError when
        it is there but cannot be used (not an input device, no permission, grabbed elsewhere)."""
        ...

    def read(self, timeout: float) -> list[KeyEvent]:
        """Key events that arrive within ``timeout`` seconds (maybe none); raises DeviceAbsent
        when the keypad was unplugged, after which the source is closed."""
        ...

    def close(self) -> None:
        """Release the keypad; safe to call twice."""
        ...

    def wait_for_return(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a sign that the keypad may be back; True if seen."""
        ...


def read_key_events(fd: int, timeout: float) -> list[KeyEvent]:
    """Read the key events waiting on ``fd`` (an evdev node), waiting up to ``timeout`` seconds.

    Returns [] when nothing arrived. Raises DeviceAbsent when the device went away (ENODEV, or
    end of file) and DeviceError for any other read error or bytes that are not input events.
    """
    try:
        readable, _, _ = select.select([fd], [], [], max(0.0, timeout))
        if not readable:
            return []
        data = os.read(fd, _READ_BYTES)
    except BlockingIOError:
        return []
    except OSError as err:
        if err.errno in _GONE:
            raise DeviceAbsent(f"keypad went away: {err.strerror}") from err
        raise DeviceError(f"reading the keypad failed: {err}") from err
    if not data:
        raise DeviceAbsent("keypad went away: end of file")
    try:
        events = decode_input_events(data)
    except DecodeError as err:
        raise DeviceError(f"the keypad node gave bytes that are not input events: {err}") from err
    return list(key_events(events, _KEY_NAMES))


def unknown_key_names(names: frozenset[str] | set[str]) -> list[str]:
    """The names in ``names`` that evdev does not know (typos like KEY_KP_1), sorted."""
    known = {n for named in _KEY_NAMES.values() for n in _names(named)}
    return sorted(n for n in names if n.upper() not in known)


def is_input_added(message: bytes) -> bool:
    """True if a netlink uevent message says an input device was added.

    Works for both the kernel's form (``add@/devices/…\\0ACTION=add\\0SUBSYSTEM=input…``) and
    udev's (a binary ``libudev`` header, then the same ``KEY=value`` pairs). A false positive only
    costs one extra open attempt, so the check is deliberately loose.
    """
    fields = set(message.split(b"\0"))
    return b"ACTION=add" in fields and b"SUBSYSTEM=input" in fields


class UeventMonitor:
    """Netlink uevent listener that says when an input device may have appeared.

    If the socket cannot be opened (no netlink in this network namespace), ``wait`` just waits
    and says False; callers poll anyway.
    """

    def __init__(self) -> None:
        self._sock: socket.socket | None
        try:
            sock = socket.socket(
                socket.AF_NETLINK,
                socket.SOCK_DGRAM | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC,
                NETLINK_KOBJECT_UEVENT,
            )
            sock.bind((0, _UEVENT_GROUPS))
        except OSError as err:
            log.debug("no netlink uevents (%s); the keypad is polled once a second", err)
            self._sock = None
        else:
            self._sock = sock

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds; True if an input device was added meanwhile."""
        if self._sock is None:
            select.select([], [], [], max(0.0, timeout))
            return False
        readable, _, _ = select.select([self._sock], [], [], max(0.0, timeout))
        added = False
        while readable:
            try:
                added |= is_input_added(self._sock.recv(65536))
            except BlockingIOError:
                break
            except OSError as err:  # ENOBUFS: we missed events; say "maybe" and let open decide
                log.debug("uevent socket: %s", err)
                return True
        return added

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


class EvdevKeypad:
    """The keypad as an evdev node: a fixed path, or found by (part of) its device name."""

    def __init__(
        self,
        path: str | None = None,
        *,
        device_name: str | None = None,
        wanted_keys: frozenset[str] = frozenset(),
        input_dir: str = "/dev/input",
        grab: bool = True,
    ) -> None:
        """``path`` (``/dev/input/hall-keypad``) or ``device_name`` must be given. When looking
        by name, a node whose keys include one of ``wanted_keys`` is preferred (a HID keypad often
        has a second node for its media keys). Raises DeviceError if neither is given."""
        if not path and not device_name:
            raise DeviceError("an evdev keypad needs a device path or a device name")
        self._path = path
        self._device_name = device_name
        self._wanted = wanted_keys
        self._input_dir = input_dir
        self._grab = grab
        self._device: evdev.InputDevice[str] | None = None
        self._monitor: UeventMonitor | None = None

    @property
    def name(self) -> str:
        if self._path:
            return f"evdev://{self._path}"
        return f"evdev://{self._device_name}"

    @property
    def device_label(self) -> str:
        """The open device's path and name as the kernel reports it ('' when closed)."""
        if self._device is None:
            return ""
        return f"{os.fsdecode(self._device.path)} ({self._device.name})"

    def open(self) -> None:
        """Open and grab the keypad. Raises DeviceAbsent when the node or named device is not
        there; DeviceError when the node is not an input device, not readable by this user, or
        grabbed by another program."""
        self.close()
        path = self._path or self._find_by_name()
        device = _open_input_device(path)
        if self._grab:
            try:
                device.grab()
            except OSError as err:
                device.close()
                if err.errno == errno.EBUSY:
                    raise DeviceError(
                        f"{path}: another program has grabbed the keypad (EBUSY); "
                        "stop it (e.g. a second hallkit counter app) and try again"
                    ) from err
                if err.errno in _GONE:
                    raise DeviceAbsent(f"{path}: keypad went away while opening") from err
                raise DeviceError(f"{path}: cannot grab the keypad: {err}") from err
        self._device = device
        if self._monitor is not None:  # not needed while the keypad is here
            self._monitor.close()
            self._monitor = None
        log.debug("keypad open: %s", self.device_label)

    def read(self, timeout: float) -> list[KeyEvent]:
        """See KeySource.read. Raises DeviceAbsent when not open."""
        if self._device is None:
            raise DeviceAbsent(f"{self.name}: keypad is not open")
        try:
            return read_key_events(self._device.fd, timeout)
        except DeviceError:
            self.close()
            raise

    def close(self) -> None:
        """Ungrab and close the node and the uevent listener; safe to call twice."""
        device, self._device = self._device, None
        if device is not None:
            try:
                device.close()  # closing the fd also ends the grab, even on a vanished device
            except OSError as err:
                log.debug("closing %s: %s", device.path, err)
        if self._monitor is not None:
            self._monitor.close()
            self._monitor = None

    def wait_for_return(self, timeout: float) -> bool:
        """See KeySource.wait_for_return (netlink uevents, or a plain wait without them)."""
        if self._monitor is None:
            self._monitor = UeventMonitor()
        return self._monitor.wait(timeout)

    def _find_by_name(self) -> str:
        wanted_name = (self._device_name or "").casefold()
        fallback = ""
        for path in sorted(evdev.list_devices(self._input_dir)):
            try:
                device = evdev.InputDevice(path)
            except OSError:
                continue  # vanished or unreadable meanwhile: not ours to judge
            try:
                if wanted_name not in device.name.casefold():
                    continue
                codes = device.capabilities().get(evdev.ecodes.EV_KEY, [])
                if not codes:
                    continue
                names = {n for code in codes for n in _names(_KEY_NAMES.get(code, ()))}
                if not self._wanted or names & self._wanted:
                    return path
                fallback = fallback or path
            finally:
                device.close()
        if fallback:
            return fallback
        raise DeviceAbsent(f"no input device named like {self._device_name!r} in {self._input_dir}")


def _names(named: str | tuple[str, ...]) -> tuple[str, ...]:
    return (named,) if isinstance(named, str) else tuple(named)


def _open_input_device(path: str) -> evdev.InputDevice[str]:
    try:
        return evdev.InputDevice(path)
    except PermissionError as err:
        raise DeviceError(
            f"{path}: no permission to read the keypad; install the hallkit udev rule "
            "or add this user to the 'input' group"
        ) from err
    except OSError as err:
        if err.errno in _GONE:
            raise DeviceAbsent(f"{path}: no such input device (keypad unplugged?)") from err
        if err.errno in (errno.ENOTTY, errno.EINVAL):
            raise DeviceError(
                f"{path} is not an input (evdev) device; give /dev/input/eventN "
                "or the keypad's udev symlink"
            ) from err
        raise DeviceError(f"{path}: cannot open the keypad: {err}") from err
