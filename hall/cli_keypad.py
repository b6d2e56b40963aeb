"""``hall device keypad-test`` and ``hall device simulate sign``: the technician's checks for the
rating keypad and the window sign. Registered by ``hall.cli_devices``; handlers import lazily.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from devices.keypad.keys import KeyMap
    from devices.keypad.transport import KeySource

from hall import paths
from hall.exits import EXIT_FAIL, EXIT_OK


def run_keypad_test(
    source: KeySource, keymap: KeyMap, seconds: float, out: TextIO = sys.stdout
) -> int:
    """Open ``source``, print each key-down as its rating level for ``seconds`` (0: until
    Ctrl-C). Returns the exit status: 1 with a message on stderr if the keypad cannot be opened
    and grabbed, or goes away during the test."""
    from devices.errors import DeviceAbsent, DeviceError
    from devices.keypad.keys import LEVEL_NAMES, KeyValue

    try:
        source.open()
    except DeviceError as err:
        print(f"hall device keypad-test: cannot use the keypad: {err}", file=sys.stderr)
        return EXIT_FAIL
    print(f"reading {source.name} (grabbed); press the keypad's keys, Ctrl-C to stop", file=out)
    out.flush()
    deadline = time.monotonic() + seconds if seconds > 0 else float("inf")
    try:
        while (left := deadline - time.monotonic()) > 0:
            for event in source.read(min(left, 0.5)):
                if event.value != KeyValue.DOWN:
                    continue  # key-up and autorepeat never rate
                level = keymap.level_of(event)
                shown = f"{level} {LEVEL_NAMES[level]}" if level else "(not a rating key)"
                print(f"{event.key} → {shown}", file=out)
                out.flush()
    except DeviceAbsent as err:
        print(f"hall device keypad-test: the keypad went away: {err}", file=sys.stderr)
        return EXIT_FAIL
    except DeviceError as err:
        print(f"hall device keypad-test: reading the keypad failed: {err}", file=sys.stderr)
        return EXIT_FAIL
    finally:
        source.close()
    return EXIT_OK


def _cmd_keypad_test(args: argparse.Namespace) -> int:
    from config import load_config
    from config.errors import ConfigError
    from config.schema import DeviceSettings
    from devices.errors import DeviceError
    from devices.keypad.keys import KeyMap
    from devices.keypad.service import open_keypad_source
    from devices.keypad.transport import unknown_key_names

    settings = DeviceSettings()
    config = paths.config_path(args.config) if args.config or args.box else None
    if config is not None:
        try:
            boxes = load_config(config).devices
        except ConfigError as err:
            print(f"hall device keypad-test: {err}", file=sys.stderr)
            return EXIT_FAIL
        if args.box not in boxes:
            known = ", ".join(sorted(boxes)) or "none"
            print(f"hall device keypad-test: no box {args.box!r} (boxes: {known})", file=sys.stderr)
            return EXIT_FAIL
        settings = boxes[args.box]
    address = args.device or settings.keypad
    if not address:
        print("hall device keypad-test: give --device or a box with a keypad", file=sys.stderr)
        return EXIT_FAIL
    try:
        source = open_keypad_source(address, settings.keypad_keys)
        keymap = KeyMap(settings.keypad_keys)
    except DeviceError as err:
        print(f"hall device keypad-test: {err}", file=sys.stderr)
        return EXIT_FAIL
    for name in unknown_key_names(keymap.keys):
        print(f"warning: {name} is not an evdev key name; it will never match", file=sys.stderr)
    return run_keypad_test(source, keymap, args.seconds)


def _cmd_simulate_sign(args: argparse.Namespace) -> int:
    from devices.errors import DeviceError
    from devices.sign.display import SignLayout
    from devices.sign.sim import ModbusSignSimulator

    def shown(text: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} sign shows: {text!r}" if text else "sign is blank")
        sys.stdout.flush()

    try:
        layout = SignLayout(unit=args.unit, chars=args.chars, digits_only=args.digits_only)
        simulator = ModbusSignSimulator(layout, on_show=shown).start()
    except (DeviceError, ValueError) as err:
        print(f"hall device simulate sign: {err}", file=sys.stderr)
        return EXIT_FAIL
    print(f"sign simulator on {simulator.port}; address: {simulator.address}")
    sys.stdout.flush()
    try:
        if args.seconds > 0:
            time.sleep(args.seconds)
        else:
            while True:
                time.sleep(3600)
    finally:
        simulator.stop()
    return EXIT_OK


def register(
    sub: argparse._SubParsersAction[Any], simulate: argparse._SubParsersAction[Any]
) -> None:
    """Add ``keypad-test`` and ``simulate sign`` to ``hall device``."""
    test = sub.add_parser(
        "keypad-test",
        help="按评价器的键，显示对应的评价等级 (show each key of a rating keypad as its level: 1 非常满意 … 5 非常不满意)",
    )
    test.add_argument(
        "--device",
        help="/dev/input/eventN, evdev:///dev/input/hall-keypad, evdev://NAME or sim://keypad",
    )
    test.add_argument(
        "--config",
        help=paths.config_help("，用其中 --box 的按键设置和评价器地址"),
    )
    test.add_argument(
        "--box", default="", help="--config 中的设备名称，如 counter-3 (the box in --config)"
    )
    test.add_argument(
        "--seconds", type=float, default=0, help="stop after this many seconds (0: Ctrl-C)"
    )
    test.set_defaults(handler=_cmd_keypad_test, until_stopped=True)

    sign = simulate.add_parser(
        "sign",
        help="模拟 Modbus-RTU 窗口屏（pty），显示其内容 (a simulated LED window sign on a pty)",
    )
    sign.add_argument("--unit", type=int, default=1, help="Modbus unit (slave) number")
    sign.add_argument("--chars", type=int, default=8, help="characters the sign shows")
    sign.add_argument(
        "--digits-only", action="store_true", help="a display that takes the number as an integer"
    )
    sign.add_argument(
        "--seconds", type=float, default=0, help="stop after this many seconds (0: Ctrl-C)"
    )
    sign.set_defaults(handler=_cmd_simulate_sign, until_stopped=True)
