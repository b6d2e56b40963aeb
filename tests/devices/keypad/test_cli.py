"""``hall device keypad-test``: each key-down shown as its level; clear failure when the keypad
cannot be opened."""

from __future__ import annotations

import _thread
import io
import threading
from pathlib import Path

import pytest

from config.schema import DeviceSettings
from devices.keypad.keys import KeyMap, KeyValue
from devices.keypad.sim import SimKeypad
from hall.cli import main
from hall.cli_keypad import run_keypad_test
from hall.interrupts import interruptible
from tests.timing import wait_for


def test_each_key_down_is_shown_with_its_level_and_repeats_are_not() -> None:
    keypad = SimKeypad()
    out = io.StringIO()

    def hands() -> None:
        wait_for(lambda: keypad.grabbed, "the keypad grabbed")
        keypad.press("KEY_1")
        keypad.hold("KEY_KP5", repeats=4)
        keypad.press("KEY_ENTER")
        keypad.send("KEY_F3", KeyValue.REPEAT)
        keypad.press("KEY_F2")  # the last key: once it is shown, the others were handled
        wait_for(lambda: "KEY_F2" in out.getvalue(), "the last key shown")
        _thread.interrupt_main()  # Ctrl-C

    threading.Thread(target=hands).start()
    # As hall.cli.main runs it: Ctrl-C works even if this process inherited SIGINT ignored (a
    # background job of a script), and main makes the KeyboardInterrupt exit status 0.
    with interruptible(), pytest.raises(KeyboardInterrupt):
        run_keypad_test(keypad, KeyMap(DeviceSettings().keypad_keys), 0, out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("reading sim://keypad (grabbed)")
    assert lines[1:] == [
        "KEY_1 → 1 非常满意",
        "KEY_KP5 → 5 非常不满意",
        "KEY_ENTER → (not a rating key)",
        "KEY_F2 → 2 满意",
    ]
    assert not keypad.grabbed


def test_a_keypad_unplugged_during_the_test_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    keypad = SimKeypad()

    def unplug() -> None:
        wait_for(lambda: keypad.grabbed, "the keypad grabbed")
        keypad.unplug()

    threading.Thread(target=unplug).start()
    assert run_keypad_test(keypad, KeyMap({}), 0, io.StringIO()) == 1
    assert "the keypad went away" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("device", "message"),
    [
        ("/dev/input/event-hallkit-missing", "no such input device"),
        ("/dev/null", "is not an input (evdev) device"),
        ("evdev://Hallkit%20No%20Such%20Keypad", "no input device named like"),
        ("tcp://10.0.0.1:1", "unknown scheme"),
    ],
)
def test_a_keypad_that_cannot_be_opened_exits_1_with_the_reason(
    device: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["device", "keypad-test", "--device", device, "--seconds", "1"]) == 1
    assert message in capsys.readouterr().err


def test_the_key_map_can_come_from_a_box_in_the_hall_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "hall.toml"
    assert main(["config", "sample", "--out", str(config)]) == 0
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text
        + '\n[devices.counter-x]\nrole = "counter"\nkeypad = "/dev/input/event-hallkit-missing"\n',
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["device", "keypad-test", "--config", str(config), "--box", "counter-x"]) == 1
    assert "event-hallkit-missing" in capsys.readouterr().err
    assert main(["device", "keypad-test", "--config", str(config), "--box", "nobox"]) == 1
    assert "no box 'nobox'" in capsys.readouterr().err
