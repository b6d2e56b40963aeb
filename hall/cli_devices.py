"""``hall device …``: the technician's commands for the hall's hardware.

Each kind of device registers its own commands from its own module (``hall.cli_idcard``,
``hall.cli_printer``, ``hall.cli_keypad``, ``hall.cli_speech``); handlers import lazily so that
``hall --help`` stays fast and needs no hardware library.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hall import cli_idcard, cli_keypad, cli_printer, cli_speech, exits, paths

KINDS = ("idcard", "printer", "keypad", "sign")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``hall device`` and its subcommands to the ``hall`` parser."""
    device = sub.add_parser(
        "device", help="列出、测试、模拟大厅的设备 (list, test, read and simulate the devices)"
    )
    device_sub = device.add_subparsers(dest="device_command", required=True)
    listing = device_sub.add_parser(
        "list",
        help="列出配置中每台设备的外设及地址 (every box's configured devices and addresses)",
    )
    listing.add_argument("--config", help=paths.config_help())
    listing.add_argument("--box", help="只列出这台设备 (only this box)")
    listing.add_argument("--json", action="store_true", help="以 JSON 输出 (print JSON)")
    listing.set_defaults(handler=_cmd_list)
    test = device_sub.add_parser(
        "test",
        help="逐个检查本机配置的外设，说明故障和处理办法 (probe every device configured for this"
        " box; exit 1 when one is not ok)",
    )
    test.add_argument("--config", help=paths.config_help())
    test.add_argument("--box", help="本机名称，默认为主机名 (this box; default: host name)")
    test.add_argument(
        "--timeout", type=float, default=5.0, help="每个设备的秒数 (seconds per device)"
    )
    test.add_argument(
        "--records", type=Path, help="各应用记录设备状况的目录 (where the apps record health)"
    )
    test.add_argument("--json", action="store_true", help="以 JSON 输出 (print JSON)")
    test.set_defaults(handler=_cmd_test)
    simulate = device_sub.add_parser(
        "simulate",
        help="运行模拟设备（演示和测试用），直到 Ctrl-C (run a simulated device for demos and tests)",
    )
    simulate_sub = simulate.add_subparsers(dest="simulate_device", required=True)
    for module in (cli_idcard, cli_printer, cli_keypad, cli_speech):
        module.register(device_sub, simulate_sub)


def _load(args: argparse.Namespace, command: str) -> Any:
    from config.errors import ConfigError

    try:
        return paths.load(args.config)
    except ConfigError as err:
        print(f"hall device {command}：配置文件有误 (the configuration has errors): {err}",
              file=sys.stderr)  # fmt: skip
        return None


def _cmd_list(args: argparse.Namespace) -> int:
    config = _load(args, "list")
    if config is None:
        return exits.FAIL
    boxes = {args.box: config.devices[args.box]} if args.box in config.devices else {}
    if not args.box:
        boxes = dict(config.devices)
    elif not boxes:
        known = "、".join(sorted(config.devices)) or "无 none"
        print(f"hall device list：配置中没有设备“{args.box}”（已有：{known}） (no such box)",
              file=sys.stderr)  # fmt: skip
        return exits.FAIL
    rows = [
        {
            "box": name,
            "role": settings.role,
            "window": settings.window,
            "hub": settings.hub,
            "devices": {k: getattr(settings, k) for k in KINDS if getattr(settings, k)},
        }
        for name, settings in sorted(boxes.items())
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return exits.OK
    if not rows:
        print(
            "配置中还没有设备，用 hall provision 添加 (no [devices.NAME] yet: run hall provision)"
        )
    for row in rows:
        window = f" 窗口 window {row['window']}" if row["window"] is not None else ""
        print(f"{row['box']}  {row['role']}{window}  hub {row['hub']}")
        for kind, address in row["devices"].items():
            print(f"    {kind:<8} {address}")
    return exits.OK


def _cmd_test(args: argparse.Namespace) -> int:
    import logging

    from devices.probe import probe
    from hall.doctor import box_settings, check_devices, default_box_name, render_json, render_text

    config = _load(args, "test")
    if config is None:
        return exits.FAIL
    box = args.box or default_box_name()
    settings, found = box_settings(config, box)
    findings = [found]
    if settings is not None:
        if not args.verbose:
            logging.getLogger("devices").setLevel(logging.CRITICAL)
        findings += check_devices(settings, probe, args.records, box, args.timeout)
    print(render_json(findings) if args.json else render_text(findings))
    return exits.OK if all(f.ok for f in findings) else exits.FAIL
