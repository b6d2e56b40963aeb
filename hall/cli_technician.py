"""``hall doctor`` and ``hall provision``: the field technician's two commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hall import exits, paths


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``doctor`` and ``provision`` to the ``hall`` parser."""
    doctor = sub.add_parser(
        "doctor",
        help="检查本机依赖的每个设备和服务，并说明怎么处理 (check every device and service this box"
        " depends on; says what to do)",
    )
    doctor.add_argument("--config", help=paths.config_help())
    doctor.add_argument(
        "--box", help="本机在 [devices.名称] 中的名称，默认为主机名 (default: host name)"
    )
    doctor.add_argument(
        "--data",
        type=Path,
        help=paths.data_help(
            "大厅主机的数据目录（在大厅主机上检查数据库、磁盘和同步；角色为 hub 的本机自动使用）"
        ),
    )
    doctor.add_argument(
        "--token-file",
        type=Path,
        help="本机的设备令牌文件 (an app box's device token; default: $HALLKIT_DATA or"
        " /var/lib/hallkit, device.token)",
    )
    doctor.add_argument(
        "--records",
        type=Path,
        help="各应用记录设备状况的目录，用于显示每个设备最近的故障 (folder where the running apps"
        " record device health)",
    )
    doctor.add_argument(
        "--timeout", type=float, default=5.0, help="每个设备检查的秒数 (seconds per device probe)"
    )
    doctor.add_argument("--json", action="store_true", help="以 JSON 输出 (print JSON)")
    doctor.set_defaults(handler=_cmd_doctor)
    register_provision(sub)


def _cmd_doctor(args: argparse.Namespace) -> int:
    import logging

    from hall.doctor import DoctorRequest, default_box_name, render_json, render_text, run_doctor

    found = paths.config_path(args.config)
    request = DoctorRequest(
        config=str(found) if found is not None else None,
        box=args.box or default_box_name(),
        data_dir=args.data,
        hub_data=paths.data_dir(),
        token_path=args.token_file,
        record_dir=args.records,
        timeout=args.timeout,
    )
    if not args.verbose:  # the report says it all; the drivers' own log lines would repeat it
        logging.getLogger("devices").setLevel(logging.CRITICAL)
    findings = run_doctor(request)
    print(render_json(findings) if args.json else render_text(findings))
    sys.stdout.flush()
    return exits.OK if all(f.ok for f in findings) else exits.FAIL


def register_provision(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``provision`` to the ``hall`` parser."""
    p = sub.add_parser(
        "provision",
        help="查找本机设备，逐个测试，写入配置文件中本机的 [devices.名称] 一节 (find this box's"
        " devices, test each, write its [devices.BOX] section of the config)",
        description=(
            "查找身份证阅读器、USB 打印机和评价器，经确认后逐个测试（打印机打印样票，评价器要按一下"
            "评价键），把本机的设置写入大厅配置文件，文件里的注释和顺序保持不变，旧文件保存为"
            " FILE.bak。用选项给出的地址不再查找；--yes 对每个问题都回答“是”。任何设备测试未通过时"
            "退出码为 1。 Detects ID-card readers, USB printers and rating keypads, tests each"
            " (a sample ticket; a key press on the keypad), and writes this box's section of the"
            " hall configuration keeping its comments and order (the old file is kept as"
            " FILE.bak). Exit status 1 when a device failed its test."
        ),
    )
    p.add_argument(
        "--config", type=Path, help=paths.config_help("（要修改的文件，the file to update）")
    )
    p.add_argument("--box", help="本机名称，默认为主机名 (this box's name; default: host name)")
    p.add_argument(
        "--role",
        required=True,
        choices=["hub", "kiosk", "ticket", "counter", "board", "display"],
        help="本机的角色 (this box's role)",
    )
    p.add_argument("--window", type=int, help="窗口号，窗口和窗口屏必填 (counter and board)")
    p.add_argument(
        "--hub", help="本机访问大厅主机的地址 http://HOST:8700 (the hub's address from this box)"
    )
    for kind, name in (("idcard", "身份证阅读器"), ("printer", "打印机"), ("keypad", "评价器"),
                       ("sign", "窗口屏")):  # fmt: skip
        p.add_argument(f"--{kind}", help=f"{name}地址，给出则不再查找 ({kind} address)")
    p.add_argument(
        "--printer-width", type=int, choices=(58, 80), help="纸宽（毫米） (paper width in mm)"
    )
    p.add_argument(
        "--no-detect", action="store_true", help="只用选项给出的地址 (use only the addresses given)"
    )
    p.add_argument(
        "--yes", action="store_true", help="不提问，全部接受并测试 (non-interactive: accept all)"
    )
    p.add_argument(
        "--dry-run", action="store_true", help="只测试，不写文件 (test but do not write the file)"
    )
    p.add_argument(
        "--timeout", type=float, default=5.0, help="每个设备测试的秒数 (seconds per device test)"
    )
    p.add_argument(
        "--press-seconds",
        type=float,
        default=20.0,
        help="等待在评价器上按键的秒数 (seconds to wait for a key press on the keypad)",
    )
    p.set_defaults(handler=_cmd_provision)


def _cmd_provision(args: argparse.Namespace) -> int:
    from config.errors import ConfigError
    from config.schema import DeviceSettings
    from devices.health import HealthState
    from hall.doctor import default_box_name
    from hall.provision import KIND_NAMES, ProvisionPlan, Sources, plan_box, write_box

    if not args.yes and not sys.stdin.isatty():
        print(
            "hall provision：没有终端可以提问，请加 --yes (no terminal to ask questions on; pass"
            " --yes)",
            file=sys.stderr,
        )
        return exits.USAGE
    config_file = paths.config_path(args.config)
    if config_file is None and not args.dry_run:
        print(
            "hall provision：请用 --config 指定要写入的配置文件（本机没有 /etc/hallkit/hall.toml）"
            " (name the configuration file to update with --config)",
            file=sys.stderr,
        )
        return exits.USAGE

    def say(line: str) -> None:
        print(line, flush=True)

    def ask(question: str) -> bool:
        if args.yes:
            say(f"  {question} 是 yes (--yes)")
            return True
        try:
            answer = input(f"  {question} [y 是 / N 否] ")
        except EOFError:
            return False
        return answer.strip().lower() in ("y", "yes", "是")

    box = args.box or default_box_name()
    plan = ProvisionPlan(box=box, role=args.role, window=args.window, hub=args.hub)
    plan.press_seconds = args.press_seconds
    plan.chosen = {k: getattr(args, k) for k in ("idcard", "printer", "keypad", "sign")}
    plan.chosen = {k: v for k, v in plan.chosen.items() if v}
    base = DeviceSettings(printer_width=args.printer_width or 80)
    sources = Sources() if not args.no_detect else _no_detection()
    say(f"正在配置本机“{box}”，角色 {args.role} (provisioning box '{box}' as {args.role})")
    try:
        settings = plan_box(plan, base, sources, ask, say, args.timeout)
    except ValueError as err:  # pydantic: a flag value the schema refuses
        print(f"hall provision：选项的值不被接受 (a value is refused): {err}", file=sys.stderr)
        return exits.USAGE
    failed = [k for k, h in plan.tested.items() if h.state is not HealthState.OK]
    if args.dry_run or config_file is None:
        say("试运行：没有写入配置文件 (dry run: configuration not written)")
    else:
        try:
            backup = write_box(config_file, box, settings)
        except ConfigError as err:
            print(f"hall provision：没有写入：{err}", file=sys.stderr)
            return exits.FAIL
        say(
            f"已写入 [devices.{box}] 到 {config_file}，原文件保存为 {backup}"
            f" (wrote [devices.{box}] to {config_file}; previous file: {backup})"
        )
    if failed:
        names = "、".join(KIND_NAMES.get(k, k) for k in failed)
        say(
            f"需要处理：{names}测试未通过，详见 hall doctor"
            f" (needs attention: {', '.join(failed)}; run `hall doctor` for details)"
        )
        return exits.FAIL
    say("全部设备测试通过 (every device passed its test)")
    return exits.OK


def _nothing() -> list[Any]:
    return []


def _no_detection() -> Any:
    from hall.provision import Sources

    return Sources(
        serial_ports=_nothing, usb_printers=_nothing, input_devices=_nothing, exists=lambda _: False
    )
