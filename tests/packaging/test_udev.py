"""The udev rules: they read as udev rules, name and open up the right devices, and every
VID:PID in them is one the drivers know."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from devices.idcard.usbids import READER_USB_IDS
from devices.printer.usb import USB_MODELS
from tests.packaging.udevrules import Device, Rule, apply_rules, parse_rules
from tests.packaging.unitfiles import PACKAGING

RULES_FILE = PACKAGING / "udev" / "70-hallkit.rules"
LOCAL_EXAMPLE = PACKAGING / "udev" / "69-hallkit-local.rules.example"


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    return parse_rules(RULES_FILE)


def _ids_for(rules: list[Rule], device: str, subsystem: str | None = None) -> set[tuple[int, int]]:
    """The VID:PIDs of the rules that decide ``device``, only those matching ``subsystem`` if
    given (tty: a bridge's serial port; usb: the USB device itself)."""
    found = set()
    for rule in rules:
        terms = {(t.key, t.name, t.op): t.value for t in rule.terms}
        if terms.get(("ENV", "HALLKIT_DEVICE", "=")) != device:
            continue
        if subsystem is not None and terms.get(("SUBSYSTEM", None, "==")) != subsystem:
            continue
        vid = terms.get(("ATTRS", "idVendor", "==")) or terms.get(("ATTR", "idVendor", "=="))
        pid = terms.get(("ATTRS", "idProduct", "==")) or terms.get(("ATTR", "idProduct", "=="))
        if vid and pid:
            found.add((int(vid, 16), int(pid, 16)))
    return found


def _reader_ids(link: str) -> set[tuple[int, int]]:
    return {ids for ids, reader in READER_USB_IDS.items() if reader.link == link}


def test_the_rules_read_as_udev_rules(rules: list[Rule]) -> None:
    assert len(rules) >= 15
    assert rules[0].terms[-1].key == "GOTO"
    assert rules[-1].terms[0].key == "LABEL"


def test_every_rule_with_a_vid_pid_says_where_it_comes_from(rules: list[Rule]) -> None:
    for rule in rules:
        if any(t.name == "idVendor" for t in rule.terms):
            assert rule.comment_above, f"line {rule.line_number} has no comment above it"
            ids = [t.value for t in rule.terms if t.name in ("idVendor", "idProduct")]
            assert all(re.fullmatch(r"[0-9a-f]{4}", v) for v in ids), ids  # udev compares text


def test_printer_ids_are_exactly_the_printer_drivers_model_table(rules: list[Rule]) -> None:
    assert _ids_for(rules, "printer") == set(USB_MODELS)


def test_idcard_ids_are_exactly_the_idcard_drivers_reader_table(rules: list[Rule]) -> None:
    assert _ids_for(rules, "idcard") == set(READER_USB_IDS)


def test_reader_bridges_name_a_serial_port_and_the_sam_modules_usb_the_usb_device(
    rules: list[Rule],
) -> None:
    assert _ids_for(rules, "idcard", "tty") == _reader_ids("serial")
    assert _ids_for(rules, "idcard", "usb") == _reader_ids("usb")
    assert _reader_ids("serial") and _reader_ids("usb")


def test_every_reader_id_in_the_driver_says_where_it_comes_from() -> None:
    for ids, reader in READER_USB_IDS.items():
        assert reader.name and reader.source, ids


@pytest.mark.parametrize(
    "ids", sorted(_reader_ids("serial")), ids=lambda i: f"{i[0]:04x}:{i[1]:04x}"
)
def test_a_reader_behind_each_known_bridge_becomes_dev_hall_idcard(
    rules: list[Rule], ids: tuple[int, int]
) -> None:
    tty = Device("tty", "ttyUSB0", parents=[_usb_parent(f"{ids[0]:04x}", f"{ids[1]:04x}")])
    apply_rules(rules, tty)
    assert (tty.symlinks, tty.group, tty.mode) == (["hall-idcard"], "dialout", "0660")


def _usb_parent(vid: str, pid: str) -> Device:
    return Device("usb", "1-2", {"idVendor": vid, "idProduct": pid}, {"DEVTYPE": "usb_device"})


def test_a_local_decision_makes_a_bridge_the_sign_not_the_reader(
    rules: list[Rule], local: list[Rule]
) -> None:
    tty = Device("tty", "ttyUSB1", parents=[_usb_parent("1a86", "7523")])
    tty.env["ID_PATH"] = "pci-0000:00:14.0-usb-0:2:1.0"
    apply_rules(rules, apply_rules(local, tty))
    assert (tty.symlinks, tty.group) == (["hall-sign"], "dialout")


def test_an_unknown_serial_adapter_gets_no_hall_name(rules: list[Rule]) -> None:
    tty = Device("tty", "ttyUSB0", parents=[_usb_parent("0403", "6001")])  # FTDI
    apply_rules(rules, tty)
    assert (tty.symlinks, tty.group) == ([], "root")


@pytest.mark.parametrize("ids", sorted(USB_MODELS), ids=lambda i: f"{i[0]:04x}:{i[1]:04x}")
def test_known_usb_printers_are_opened_to_the_lp_group(
    rules: list[Rule], ids: tuple[int, int]
) -> None:
    device = _usb_parent(f"{ids[0]:04x}", f"{ids[1]:04x}")
    apply_rules(rules, device)
    assert (device.group, device.mode) == ("lp", "0660")


def test_any_printer_class_device_is_opened_to_lp_and_other_usb_is_left_alone(
    rules: list[Rule],
) -> None:
    printer = _usb_parent("1fc9", "2016")
    printer.env["ID_USB_INTERFACES"] = ":070102:"
    mouse = _usb_parent("046d", "c077")
    mouse.env["ID_USB_INTERFACES"] = ":030102:"
    apply_rules(rules, printer)
    apply_rules(rules, mouse)
    assert (printer.group, mouse.group) == ("lp", "root")


@pytest.mark.parametrize("ids", sorted(_reader_ids("usb")), ids=lambda i: f"{i[0]:04x}:{i[1]:04x}")
def test_a_sam_module_on_its_own_usb_is_opened_to_dialout(
    rules: list[Rule], ids: tuple[int, int]
) -> None:
    reader = _usb_parent(f"{ids[0]:04x}", f"{ids[1]:04x}")
    apply_rules(rules, reader)
    assert (reader.group, reader.mode, reader.symlinks) == ("dialout", "0660", [])


def _keyboard_event(vid: str, pid: str) -> Device:
    return Device(
        "input",
        "event7",
        env={
            "ID_INPUT": "1",
            "ID_INPUT_KEY": "1",
            "ID_INPUT_KEYBOARD": "1",
            "ID_VENDOR_ID": vid,
            "ID_MODEL_ID": pid,
        },
    )


def test_the_keypad_gets_its_name_and_is_hidden_from_the_desktop(
    rules: list[Rule], local: list[Rule]
) -> None:
    keypad = apply_rules(rules, apply_rules(local, _keyboard_event("1234", "5678")))
    keyboard = apply_rules(rules, apply_rules(local, _keyboard_event("046d", "c31c")))
    assert keypad.symlinks == ["input/hall-keypad"]
    assert keypad.env.get("LIBINPUT_IGNORE_DEVICE") == "1"
    assert "ID_INPUT_KEYBOARD" not in keypad.env
    assert "ID_INPUT_KEY" not in keypad.env
    assert keyboard.symlinks == []
    assert keyboard.env.get("ID_INPUT_KEYBOARD") == "1"  # the clerk's own keyboard still types


def test_removal_events_are_skipped(rules: list[Rule]) -> None:
    first = rules[0].terms
    assert [(t.key, t.op, t.value) for t in first[:1]] == [("ACTION", "==", "remove")]


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> list[Rule]:
    """The local example with its commented-out rules switched on (its sample values)."""
    lines = [
        line.removeprefix("#") if line.startswith("#SUBSYSTEM") else line
        for line in LOCAL_EXAMPLE.read_text(encoding="utf-8").splitlines()
    ]
    path = tmp_path_factory.mktemp("udev") / "69-hallkit-local.rules"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return parse_rules(path)


@pytest.mark.skipif(shutil.which("udevadm") is None, reason="no udevadm on this machine")
def test_udevadm_verify_accepts_the_rules() -> None:
    help_text = subprocess.run(
        ["udevadm", "--help"], capture_output=True, text=True, check=False
    ).stdout
    if " verify " not in help_text:
        pytest.skip("udevadm has no verify (systemd < 254)")
    done = subprocess.run(
        ["udevadm", "verify", str(RULES_FILE)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
