"""``hall provision``: find this box's devices, test each, write its ``[devices.BOX]`` section.

Detection looks where the hardware shows up on Linux: serial ports that answer the ID-card
module's status command (ports behind the bridges readers ship with asked first), ID-card
modules on their own USB (a VID:PID of ``devices.idcard.usbids``), USB printers (printer interface class 7 or a known VID:PID), and
input devices whose keys look like a five-key rating keypad. Each source is a function the
tests replace with simulators. Addresses given as flags skip detection for that device, so
the whole thing also runs non-interactively (``--yes``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import evdev
import tomlkit
import usb.core
from serial.tools import list_ports

from config.errors import ConfigError, ConfigIssue
from config.loader import config_from_dict
from config.schema import DeviceSettings
from devices.errors import DeviceError
from devices.health import Health, HealthState
from devices.idcard.usbids import reader_usb_id, usb_address
from devices.keypad.keys import KeyMap
from devices.keypad.service import KeypadService, open_keypad_source
from devices.printer.documents import queue_ticket, sample_ticket
from devices.printer.layout import PAPER_58, PAPER_80
from devices.printer.service import PrinterService
from devices.printer.usb import PRINTER_CLASS, USB_MODELS
from devices.probe import probe

# Stable names the hallkit udev rules create; tried before anything detected.
UDEV_NAMES = {
    "idcard": "/dev/hall-idcard",
    "printer": "/dev/hall-printer",
    "keypad": "/dev/input/hall-keypad",
}
KEYPAD_KEY_SETS = (
    {"KEY_1", "KEY_2", "KEY_3", "KEY_4", "KEY_5"},
    {"KEY_KP1", "KEY_KP2", "KEY_KP3", "KEY_KP4", "KEY_KP5"},
    {"KEY_F1", "KEY_F2", "KEY_F3", "KEY_F4", "KEY_F5"},
)
FULL_KEYBOARD_KEYS = 60  # a real keyboard has 100+ keys; a rating keypad a handful
KEYPAD_PRESS_SECONDS = 20.0  # how long provisioning waits for the technician's key press
KIND_NAMES = {"idcard": "身份证阅读器", "printer": "打印机", "keypad": "评价器", "sign": "窗口屏"}


@dataclass(frozen=True)
class Candidate:
    kind: str  # idcard, printer, keypad
    address: str
    description: str


@dataclass
class ProvisionPlan:
    """What provisioning decided, before it is written."""

    box: str
    role: str
    window: int | None = None
    hub: str | None = None
    chosen: dict[str, str] = field(default_factory=dict)  # kind -> address
    tested: dict[str, Health] = field(default_factory=dict)
    press_seconds: float = KEYPAD_PRESS_SECONDS


Say = Callable[[str], None]
Ask = Callable[[str], bool]


# -- detection ---------------------------------------------------------------------------------


def serial_ports() -> list[str]:
    """Serial ports of this machine (USB-serial adapters and on-board ports), those behind a
    bridge ID-card readers ship with first, so a reader is asked before the other ports."""

    def reader_bridge_first(port: Any) -> tuple[bool, str]:
        vid, pid = getattr(port, "vid", None), getattr(port, "pid", None)
        known = reader_usb_id(vid, pid) if vid is not None and pid is not None else None
        return (known is None or known.link != "serial", str(port.device))

    return [str(port.device) for port in sorted(list_ports.comports(), key=reader_bridge_first)]


def detect_idcards(ports: Iterable[str], timeout: float, say: Say) -> list[Candidate]:
    """Ports whose module answers the SAM status command (reset-free, read-only)."""
    found = []
    ports = list(ports)
    for n, port in enumerate(ports, 1):
        say(f"  [{n}/{len(ports)}] {port} …")
        address = port if "://" in port else f"serial://{port}"
        health = probe("idcard", DeviceSettings(idcard=address), timeout)
        if health.state is HealthState.OK:
            found.append(Candidate("idcard", address, health.detail))
    return found


def usb_readers() -> list[Candidate]:
    """ID-card modules on their own USB (bulk), by the reader table's VID:PIDs; an unusable USB
    stack comes back as one candidate without an address that says why."""
    try:
        devices = list(usb.core.find(find_all=True) or [])
    except (usb.core.USBError, usb.core.NoBackendError, ValueError) as err:
        return [Candidate("idcard", "", f"USB not searchable: {err}")]
    found = []
    for dev in devices:
        ids = (int(dev.idVendor), int(dev.idProduct))
        known = reader_usb_id(*ids)
        if known is not None and known.link == "usb":
            found.append(Candidate("idcard", usb_address(ids), known.name))
    return found


def usb_printers() -> list[Candidate]:
    """USB devices with a printer-class interface or a known printer VID:PID."""
    try:
        devices = list(usb.core.find(find_all=True) or [])
    except (usb.core.USBError, usb.core.NoBackendError, ValueError) as err:
        return [Candidate("printer", "", f"USB not searchable: {err}")]
    found = []
    for dev in devices:
        ids = (int(dev.idVendor), int(dev.idProduct))
        classes = {
            int(intf.bInterfaceClass) for config in dev for intf in config
        }  # fmt: skip
        model = USB_MODELS.get(ids)
        if model is not None or PRINTER_CLASS in classes:
            name = getattr(model, "name", "") or "USB printer (class 7)"
            found.append(Candidate("printer", f"usb://{ids[0]:04x}:{ids[1]:04x}", name))
    return found


def input_devices() -> list[tuple[str, str, set[str]]]:
    """(path, name, key names) of every evdev input device."""
    found = []
    for path in evdev.list_devices():
        try:
            dev = evdev.InputDevice(path)
        except OSError:
            continue
        try:
            codes = dev.capabilities().get(evdev.ecodes.EV_KEY, [])
            names: set[str] = set()
            for code in codes:
                name = evdev.ecodes.KEY.get(code)
                if isinstance(name, str):
                    names.add(name)
                elif isinstance(name, list | tuple):
                    names.update(str(n) for n in name)
            found.append((path, dev.name, names))
        finally:
            dev.close()
    return found


def looks_like_keypad(keys: set[str]) -> bool:
    """Has the five rating keys of one default set and is not a whole keyboard."""
    return len(keys) < FULL_KEYBOARD_KEYS and any(s <= keys for s in KEYPAD_KEY_SETS)


def detect_keypads(devices: Iterable[tuple[str, str, set[str]]]) -> list[Candidate]:
    return [
        Candidate("keypad", path, name) for path, name, keys in devices if looks_like_keypad(keys)
    ]


# -- choosing and testing ----------------------------------------------------------------------


def choose(kind: str, candidates: list[Candidate], ask: Ask, say: Say) -> str | None:
    """The technician picks one candidate (first one that is confirmed)."""
    usable = [c for c in candidates if c.address]
    name = KIND_NAMES.get(kind, kind)
    for c in candidates:
        if not c.address:
            say(f"  {name} {kind}: {c.description}")
    if not usable:
        say(f"  {name} {kind}: 没有找到 (none found)")
        return None
    for c in usable:
        if ask(f"使用{name} {c.address}（{c.description}）？ (use {kind} {c.address}?)"):
            return c.address
    return None


def test_device(
    kind: str,
    settings: DeviceSettings,
    ask: Ask,
    say: Say,
    timeout: float,
    press_seconds: float = KEYPAD_PRESS_SECONDS,
) -> Health:
    """Probe the device; for a printer also print a sample and ask whether it came out; for a
    keypad wait for the technician to press one of its rating keys."""
    health = probe(kind, settings, timeout)
    if health.state is HealthState.OK and kind == "keypad":
        health = keypad_press(settings, say, press_seconds)
    if health.state in (HealthState.OK, HealthState.DEGRADED) and kind == "printer":
        page = PAPER_58 if settings.printer_width == 58 else PAPER_80
        service = PrinterService(str(settings.printer), page=page).start()
        try:
            result = service.print(queue_ticket(sample_ticket()), timeout=timeout * 4)
        finally:
            service.stop(timeout=2.0)
        if not result.printed:
            say(
                f"  打印机 printer: 测试打印失败 test print failed: {result.health.problem}"
                f" {result.detail}"
            )
            return result.health
        if not ask(
            "样票打印出来了吗？中文、二维码清楚，并且切纸了？"
            " (did the sample ticket print, with Chinese text, a QR code and a cut?)"
        ):
            return Health("printer", HealthState.ERROR, "测试打印不正常", "检查打印机和纸宽设置",
                          "the technician saw no good print")  # fmt: skip
    state = "ok" if health.state is HealthState.OK else health.state.value
    say(f"  {KIND_NAMES.get(kind, kind)} {kind}: {state} {health.problem} {health.detail}".rstrip())
    return health


def keypad_press(settings: DeviceSettings, say: Say, seconds: float) -> Health:
    """Wait up to ``seconds`` for a press of a rating key on the configured keypad: a keypad
    that opens but whose keys never arrive (wrong node, wrong key map) fails here."""
    address = str(settings.keypad)
    say(
        f"  请在评价器上按任意一个评价键（{seconds:.0f} 秒内） "
        f"(press any rating key on the keypad within {seconds:.0f} s) …"
    )
    try:
        source = open_keypad_source(address, settings.keypad_keys)
    except DeviceError as err:
        return Health("keypad", HealthState.ERROR, "评价器地址有误", "核对评价器地址", str(err))
    service = KeypadService(source, KeyMap(settings.keypad_keys))
    service.start()
    try:
        level = service.request_rating(seconds)
    finally:
        service.stop()
    if level is None:
        return Health(
            "keypad", HealthState.ERROR, "评价器没有收到按键",
            "确认按的是评价器（不是键盘），检查评价器的 USB 线和按键设置（keypad_keys）",
            f"no rating key press from {address} within {seconds:.0f} s",
        )  # fmt: skip
    return Health("keypad", HealthState.OK, "", "", f"key press read: level {level}")


def plan_box(
    plan: ProvisionPlan,
    settings_base: DeviceSettings,
    sources: Sources,
    ask: Ask,
    say: Say,
    timeout: float,
) -> DeviceSettings:
    """Detect (unless an address was given), choose, test; returns the box's settings."""
    steps = [k for k in ("idcard", "printer", "keypad") if k not in plan.chosen]
    for n, kind in enumerate(steps, 1):
        say(f"[{n}/{len(steps)}] 查找{KIND_NAMES.get(kind, kind)} (looking for {kind}) …")
        candidates = []
        udev = UDEV_NAMES[kind]
        if sources.exists(udev):
            prefix = {"idcard": "serial://", "printer": "serial://", "keypad": ""}[kind]
            candidates.append(Candidate(kind, prefix + udev, "hallkit udev name"))
        if kind == "idcard":
            candidates += sources.usb_readers()
            candidates += detect_idcards(sources.serial_ports(), min(timeout, 2.0), say)
        elif kind == "printer":
            candidates += sources.usb_printers()
        else:
            candidates += detect_keypads(sources.input_devices())
        address = choose(kind, candidates, ask, say)
        if address:
            plan.chosen[kind] = address
    data = settings_base.model_dump()
    data.update({"role": plan.role, **plan.chosen})
    if plan.window is not None:
        data["window"] = plan.window
    if plan.hub:
        data["hub"] = plan.hub
    settings = DeviceSettings.model_validate(data)
    for kind in [k for k in ("idcard", "printer", "keypad", "sign") if plan.chosen.get(k)]:
        plan.tested[kind] = test_device(kind, settings, ask, say, timeout, plan.press_seconds)
    return settings


@dataclass
class Sources:
    """Where detection looks; tests swap these for simulators."""

    serial_ports: Callable[[], list[str]] = serial_ports
    usb_readers: Callable[[], list[Candidate]] = usb_readers
    usb_printers: Callable[[], list[Candidate]] = usb_printers
    input_devices: Callable[[], list[tuple[str, str, set[str]]]] = input_devices
    exists: Callable[[str], bool] = os.path.exists


# -- writing -----------------------------------------------------------------------------------


def write_box(config_path: Path, box: str, settings: DeviceSettings) -> Path:
    """Set ``[devices.BOX]`` in the configuration file, keeping the rest as it was: comments,
    order and layout (tomlkit); returns the backup.

    The whole file is validated with the new section before anything is written; the old file
    is kept as ``FILE.bak``; the new one replaces it atomically. Raises ConfigError.
    """
    try:
        doc = tomlkit.parse(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.ParseError) as err:
        message = (
            f"无法读取配置文件（{err}），可用 hall config sample --out {config_path} 生成一份"
            f" (cannot read it; create one with: hall config sample --out {config_path})"
        )
        raise ConfigError(str(config_path), [ConfigIssue("", message)]) from err
    defaults = DeviceSettings().model_dump()
    section = {
        key: value
        for key, value in settings.model_dump(exclude_none=True).items()
        if value != defaults.get(key) or key == "role"
    }
    table = tomlkit.table()
    table.update(section)
    devices = doc.get("devices")
    if devices is None:
        devices = tomlkit.table(is_super_table=True)
        doc.add("devices", devices)
    if box in devices:
        devices[box] = table
    else:
        devices.add(box, table)
    text = tomlkit.dumps(doc)
    config_from_dict(tomllib.loads(text), str(config_path))  # raises ConfigError naming the key
    backup = config_path.with_name(config_path.name + ".bak")
    backup.write_bytes(config_path.read_bytes())
    temp = config_path.with_name(config_path.name + ".tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, config_path)
    return backup
