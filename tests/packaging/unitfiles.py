"""Readers for the packaging files the tests check: systemd units and the env file."""

from __future__ import annotations

import shlex
from pathlib import Path

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
CENTRAL_UNIT = PACKAGING / "systemd" / "hallkit-central.service"
UPDATE_UNIT = PACKAGING / "systemd" / "hallkit-update.service"
UPDATE_TIMER = PACKAGING / "systemd" / "hallkit-update.timer"
ALL_UNITS = sorted((PACKAGING / "systemd").glob("*.service"))
UNITS = [u for u in ALL_UNITS if u not in (CENTRAL_UNIT, UPDATE_UNIT)]
"""The hall's boxes' role units (docs/install.md explains each); central's runs on central's
machine; the update unit is every box's, started by its timer (docs/fleet-updates.md)."""
ENV_FILE = PACKAGING / "etc" / "hallkit.env"
GUI_ROLES = ("kiosk", "counter", "board", "display")

TTY = "/dev/tty1"  # the session's terminal (TTYPath=)
DRM = "char-drm"  # /dev/dri/card* and renderD*: the screen
INPUT = "char-input"  # /dev/input/*: touch, keyboards, the rating keypad
USB_SERIAL = "char-ttyUSB"  # /dev/hall-idcard, /dev/hall-printer, /dev/hall-sign (USB bridges)
USB_DEVICE = "char-usb_device"  # /dev/bus/usb: readers and printers on their own USB (libusb)
ALSA = "char-alsa"  # /dev/snd/*: the voice (espeak-ng)
ROLE_DEVICES = {
    # ID-card reader (serial or USB), ticket printer (serial or USB), the voice, the touch screen.
    "kiosk": {TTY, DRM, INPUT, USB_SERIAL, USB_DEVICE, ALSA},
    # ID-card reader (case intake), receipt printer, rating keypad; no voice, no sign.
    "counter": {TTY, DRM, INPUT, USB_SERIAL, USB_DEVICE},
    # The window sign (RS-485 adapter); the board says nothing aloud.
    "board": {TTY, DRM, INPUT, USB_SERIAL},
    # The voice calls.
    "display": {TTY, DRM, INPUT, ALSA},
}
"""Devices each screen unit may open (DeviceAllow=, all ``rw``): cage's needs and the role's own."""
MAJOR_MODULES = {DRM: "drm", USB_SERIAL: "usbserial", USB_DEVICE: "usbcore", ALSA: "snd"}
"""The kernel module that registers each device class's major number (the input core is built in)."""


def read_unit(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) in file order; systemd allows a key more than once."""
    entries: list[tuple[str, str, str]] = []
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"{path.name}: not KEY=VALUE: {raw!r}")
        entries.append((section, key.strip(), value.strip()))
    return entries


def values(path: Path, key: str, section: str = "Service") -> list[str]:
    return [v for s, k, v in read_unit(path) if s == section and k == key]


def value(path: Path, key: str, section: str = "Service") -> str:
    found = values(path, key, section)
    if len(found) != 1:
        raise KeyError(f"{path.name}: [{section}] {key} set {len(found)} times")
    return found[0]


def words(path: Path, key: str, section: str = "Service") -> set[str]:
    return {w for v in values(path, key, section) for w in v.split()}


def read_env(path: Path = ENV_FILE) -> dict[str, str]:
    env = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            key, _, val = line.partition("=")
            env[key] = val
    return env


def unit_env(path: Path) -> dict[str, str]:
    """The unit's own Environment= settings (KEY=VALUE words, no quoting used in ours)."""
    env = {}
    for line in values(path, "Environment"):
        for word in line.split():
            key, _, val = word.partition("=")
            env[key] = val
    return env


def exec_argv(path: Path, env: dict[str, str]) -> list[str]:
    """ExecStart as systemd splits it: ${VAR} is one word, a bare $VAR is zero or more words.

    The unit's own Environment= defaults apply first, ``env`` (the env file) over them.
    """
    env = {**unit_env(path), **env}
    argv: list[str] = []
    for word in shlex.split(value(path, "ExecStart")):
        if word.startswith("${") and word.endswith("}"):
            argv.append(env[word[2:-1]])
        elif word.startswith("$"):
            argv.extend(env[word[1:]].split())
        else:
            argv.append(word)
    return argv
