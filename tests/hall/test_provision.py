"""``hall provision``: detect, test and write a box's device section; never lose the config."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from config import load_config
from config.schema import DeviceSettings
from devices.idcard.sim import SimulatedReader
from hall.cli import main
from hall.provision import (
    Candidate,
    ProvisionPlan,
    Sources,
    detect_idcards,
    detect_keypads,
    looks_like_keypad,
    plan_box,
    write_box,
)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "hall.toml"
    assert main(["config", "sample", "--out", str(path)]) == 0
    return path


def test_non_interactive_provisioning_writes_the_box_and_keeps_a_backup(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = config_file.read_text(encoding="utf-8")
    status = main(
        [
            "provision", "--config", str(config_file), "--box", "kiosk-9", "--role", "kiosk",
            "--idcard", "sim://idcard", "--printer", "sim://printer", "--printer-width", "58",
            "--no-detect", "--yes", "--timeout", "3",
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert status == 0, out
    box = load_config(config_file).devices["kiosk-9"]
    assert (box.role, box.idcard, box.printer, box.printer_width) == (
        "kiosk", "sim://idcard", "sim://printer", 58,
    )  # fmt: skip
    assert Path(f"{config_file}.bak").read_text(encoding="utf-8") == before
    assert "idcard: ok" in out and "printer: ok" in out


def test_a_device_that_fails_its_test_is_named_and_the_exit_is_1(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        [
            "provision", "--config", str(config_file), "--box", "ticket-1", "--role", "ticket",
            "--printer", "sim://printer?paper=out", "--no-detect", "--yes", "--timeout", "3",
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert status == 1
    assert "needs attention: printer" in out and "打印机缺纸" in out


def test_a_section_the_hall_refuses_leaves_the_file_untouched(config_file: Path) -> None:
    before = config_file.read_bytes()
    settings = DeviceSettings(role="counter", window=99)
    with pytest.raises(Exception, match="99"):
        write_box(config_file, "counter-99", settings)
    assert config_file.read_bytes() == before


def test_only_ports_that_answer_the_sam_status_command_are_readers(tmp_path: Path) -> None:
    reader = SimulatedReader()
    reader.start()
    master, slave = os.openpty()  # a serial port with nothing behind it
    try:
        found = detect_idcards([reader.path, os.ttyname(slave)], 0.5, lambda _line: None)
    finally:
        reader.stop()
        os.close(master)
        os.close(slave)
    assert [c.address for c in found] == [f"serial://{reader.path}"]


def test_keypads_are_told_apart_from_keyboards() -> None:
    keyboard = {f"KEY_{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"} | {
        f"KEY_F{n}" for n in range(1, 25)
    }
    five_keys = {"KEY_KP1", "KEY_KP2", "KEY_KP3", "KEY_KP4", "KEY_KP5", "KEY_ENTER"}
    assert looks_like_keypad(five_keys)
    assert not looks_like_keypad(keyboard)
    assert not looks_like_keypad({"KEY_1", "KEY_2"})
    found = detect_keypads(
        [("/dev/input/event3", "Keyboard", keyboard), ("/dev/input/event7", "评价器", five_keys)]
    )
    assert found == [Candidate("keypad", "/dev/input/event7", "评价器")]


def test_detection_asks_and_skips_what_the_technician_refuses() -> None:
    reader = SimulatedReader()
    reader.start()
    questions: list[str] = []

    def ask(question: str) -> bool:
        questions.append(question)
        return "keypad" not in question

    sources = Sources(
        serial_ports=lambda: [reader.path],
        usb_readers=lambda: [],
        usb_printers=lambda: [Candidate("printer", "sim://printer", "test printer")],
        input_devices=lambda: [("sim://keypad", "评价器", {f"KEY_{n}" for n in range(1, 6)})],
        exists=lambda _path: False,
    )
    plan = ProvisionPlan(box="kiosk-2", role="kiosk")
    try:
        settings = plan_box(plan, DeviceSettings(), sources, ask, lambda _l: None, 3.0)
    finally:
        reader.stop()
    assert settings.idcard == f"serial://{reader.path}"
    assert settings.printer == "sim://printer"
    assert settings.keypad is None
    assert any("did the sample ticket print" in q for q in questions)


def test_the_written_section_holds_only_what_differs_from_the_defaults(config_file: Path) -> None:
    write_box(config_file, "board-3", DeviceSettings(role="board", window=3, sign="board"))
    data = tomllib.loads(config_file.read_text(encoding="utf-8"))
    assert data["devices"]["board-3"] == {"role": "board", "window": 3, "sign": "board"}


def test_a_sam_module_on_its_own_usb_is_offered_for_the_id_card() -> None:
    sources = Sources(
        serial_ports=lambda: [],
        usb_readers=lambda: [Candidate("idcard", "usb://0400:c35a", "SAM module")],
        usb_printers=lambda: [],
        input_devices=lambda: [],
        exists=lambda _path: False,
    )
    questions: list[str] = []

    def ask(question: str) -> bool:
        questions.append(question)
        return "usb://0400:c35a" in question

    plan = ProvisionPlan(box="kiosk-3", role="kiosk")
    settings = plan_box(plan, DeviceSettings(), sources, ask, lambda _l: None, 1.0)
    assert settings.idcard == "usb://0400:c35a"
