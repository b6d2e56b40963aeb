"""``hall``: the one command of hallkit. Each subcommand imports only what it needs."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from hall.interrupts import interruptible

if TYPE_CHECKING:
    from hub.actors import Actor
    from hub.auth import DeviceRegistry
    from sync.store import Store

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


def _cmd_config_check(args: argparse.Namespace) -> int:
    from config.loader import check_text

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        print(f"{path}: cannot read the file: {err}", file=sys.stderr)
        return EXIT_FAIL
    issues = check_text(text, str(path))
    if not issues:
        print("ok")
        return EXIT_OK
    print(f"{path}: {len(issues)} problem(s)")
    for issue in issues:
        print(f"  {issue}")
    return EXIT_FAIL


def _cmd_config_sample(args: argparse.Namespace) -> int:
    import tomli_w

    from config.sample import sample_hall_data

    text = tomli_w.dumps(sample_hall_data())
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote the sample hall to {args.out}")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _cmd_config_docs(args: argparse.Namespace) -> int:
    from config.docs import render_markdown

    text = render_markdown()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _cmd_config_hash_pin(args: argparse.Namespace) -> int:
    import getpass

    from config.pins import hash_pin, pin_problem

    if args.stdin:
        pin = sys.stdin.readline().strip()
    else:
        pin = getpass.getpass("PIN (4-12 digits): ")
        if getpass.getpass("PIN again: ") != pin:
            print("the two PINs differ; nothing was made", file=sys.stderr)
            return EXIT_USAGE
    problem = pin_problem(pin)
    if problem:
        print(f"not a PIN: {problem}", file=sys.stderr)
        return EXIT_USAGE
    print(hash_pin(pin))
    return EXIT_OK


def _cmd_hub(args: argparse.Namespace) -> int:
    from config.errors import ConfigError
    from hub.connections import REQUEST_TIMEOUT_SECONDS, ConnectionLimits
    from hub.server import open_hub, parse_bind, serve
    from sync.errors import StoreError

    try:
        host, port = parse_bind(args.bind)
        if args.request_timeout is not None and not args.request_timeout > 0:
            raise ValueError("--request-timeout expects a number of seconds above 0")
        hub = open_hub(
            args.data, args.config, always_open=args.always_open, new_store=args.new_store
        )
    except (ValueError, ConfigError, StoreError) as err:
        print(f"hall hub: {err}", file=sys.stderr)
        return EXIT_FAIL
    from hall import sdnotify

    # READY=1 once the port accepts connections; the watchdog is fed from uvicorn's event loop.
    sdnotify.attach_to_app(hub.app, listen=(host, port), status_text=f"hub {hub.config.hall.id}")
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104
    print(f"hub '{hub.config.hall.name}' ({hub.config.hall.id}) listening on http://{shown}:{port}")
    print(f"admin token: {hub.admin_token_path}" + (" (new)" if hub.new_admin_token else ""))
    print(f"API docs: http://{shown}:{port}/api/v1/docs   events: /api/v1/events")
    sys.stdout.flush()
    limits = ConnectionLimits(request_timeout=args.request_timeout or REQUEST_TIMEOUT_SECONDS)
    serve(hub, args.bind, limits)
    return EXIT_OK


CLI_DEVICE_ACTOR = "hall token (命令行)"
"""Who adds and revokes tokens with ``hall token`` on the hub box, in the audit log."""


def _token_registry(command: str, args: argparse.Namespace) -> tuple[Store, DeviceRegistry] | None:
    """The hub store in ``args.data`` and its token registry (adds and revokes audited, times
    in the hall's zone of ``args.config``), or None after saying why not."""
    from config import load_config, sample_hall
    from config.errors import ConfigError
    from hub.auth import DeviceRegistry
    from hub.server import open_store
    from hub.side_tx import SideTransactions
    from sync.clock import SystemClock
    from sync.errors import StoreError

    try:
        config = load_config(args.config) if args.config else sample_hall()
        store = open_store(args.data)
    except (ConfigError, StoreError) as err:
        print(f"hall token {command}: {err}", file=sys.stderr)
        return None
    registry = DeviceRegistry(store, {w.number for w in config.windows})
    transactions = SideTransactions(store, config, SystemClock())
    registry.transactions = transactions
    zone = transactions.zone
    registry.hall_time = lambda moment: moment.astimezone(zone)
    return store, registry


def _token_actor() -> Actor:
    from hub.actors import Actor

    return Actor(CLI_DEVICE_ACTOR, "admin", "token")


def _cmd_token_add(args: argparse.Namespace) -> int:
    from hub.errors import HubError
    from hub.manage.texts import DEVICE_ROLE_NAMES

    opened = _token_registry("add", args)
    if opened is None:
        return EXIT_FAIL
    store, registry = opened
    try:
        device, token = registry.add(args.role, args.name, args.window, actor=_token_actor())
    except HubError as err:
        print(f"hall token add: {err.message} ({err.code})", file=sys.stderr)
        return EXIT_FAIL
    finally:
        store.close()
    where = f"，{device.window}号窗口" if device.window else ""
    print(
        f"# {DEVICE_ROLE_NAMES.get(device.role, device.role)}“{device.name}”{where}"
        f"的令牌（只显示这一次） / {device.role} '{device.name}'"
        + (f" window {device.window}" if device.window else "")
    )
    print(token)
    return EXIT_OK


def _cmd_token_list(args: argparse.Namespace) -> int:
    import json

    from hub.manage.devices_page import seen_text, stamp_text
    from hub.manage.texts import DEVICE_ROLE_NAMES

    opened = _token_registry("list", args)
    if opened is None:
        return EXIT_FAIL
    store, registry = opened
    try:
        devices = registry.overview()
    finally:
        store.close()
    if args.json:
        print(json.dumps([d.to_dict() for d in devices], ensure_ascii=False, indent=2))
        return EXIT_OK
    now = registry.now()
    rows = [["类型", "名称", "窗口", "最近使用", "状态", "设备状况", "编号"]]
    for info in devices:
        d = info.device
        if info.active:
            state = "有效 (active)"
        else:
            state = f"已吊销 (revoked) {stamp_text(info.revoked_at, registry)}"
        rows.append(
            [
                DEVICE_ROLE_NAMES.get(d.role, d.role),
                d.name,
                f"{d.window}号" if d.window else "-",
                seen_text(info.last_seen, now, registry),
                state,
                info.health["problem"] if info.health else "-",
                d.id,
            ]
        )
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]))
    return EXIT_OK


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (CJK characters take two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cmd_token_revoke(args: argparse.Namespace) -> int:
    opened = _token_registry("revoke", args)
    if opened is None:
        return EXIT_FAIL
    store, registry = opened
    try:
        active = registry.list()
        if args.id:
            chosen = [d for d in active if d.id == args.id]
        else:
            chosen = [d for d in active if d.name == args.name.strip()]
        if not chosen:
            what = f"编号为 {args.id} " if args.id else f"名为“{args.name}”"
            english = f"id {args.id}" if args.id else f"name {args.name!r}"
            print(
                f"hall token revoke: 没有{what}的有效令牌，请用 hall token list --data {args.data}"
                f" 查看 (no active token with {english}; see `hall token list --data {args.data}`)",
                file=sys.stderr,
            )
            return EXIT_FAIL
        for device in chosen:
            registry.revoke(device.id, actor=_token_actor())
            where = f"，{device.window}号窗口" if device.window else ""
            english = f" window {device.window}" if device.window else ""
            print(
                f"已吊销“{device.name}”{where}的令牌 (revoked {device.role} '{device.name}'"
                f"{english}, {device.id})"
            )
    finally:
        store.close()
    print(
        "运行中的大厅主机在这些令牌的下一次请求时拒绝，并断开它们的实时连接"
        " (a running hub refuses these tokens on their next request and ends their event streams)"
    )
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from hall.demo import run_demo

    return run_demo(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hall", description="hallkit: software for government service halls"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)

    hub = sub.add_parser("hub", help="run the hall hub (queue authority, LAN API, events)")
    hub.add_argument("--data", required=True, help="data folder (store, secret, admin token)")
    hub.add_argument("--bind", default="0.0.0.0:8700", help="HOST:PORT to listen on")
    hub.add_argument("--config", help="hall configuration TOML (default: the built-in sample hall)")
    hub.add_argument(
        "--always-open",
        action="store_true",
        help="ignore service hours and last-ticket times (demos, out-of-hours testing)",
    )
    hub.add_argument(
        "--new-store",
        action="store_true",
        help="start with an empty store although a hub ran in this folder before (hall.secret or"
        " admin.token there): every device token becomes void and numbers start again; without"
        " it the hub refuses, so that a lost store is restored from backup instead",
    )
    hub.add_argument(
        "--request-timeout",
        type=float,
        metavar="SECONDS",
        help="answer 408 and close a connection whose request has not arrived whole within"
        " this many seconds (default: 10, hub.connections.REQUEST_TIMEOUT_SECONDS)",
    )
    hub.set_defaults(handler=_cmd_hub)

    config = sub.add_parser("config", help="check, print or document hall configurations")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    check = config_sub.add_parser(
        "check", help="check a configuration file: prints ok or every error"
    )
    check.add_argument("file")
    check.set_defaults(handler=_cmd_config_check)
    sample = config_sub.add_parser("sample", help="print the built-in sample hall as TOML")
    sample.add_argument("--out", help="write to this file instead of standard output")
    sample.set_defaults(handler=_cmd_config_sample)
    docs = config_sub.add_parser("docs", help="print every configuration key with its help")
    docs.add_argument("--out", help="write to this file instead of standard output")
    docs.set_defaults(handler=_cmd_config_docs)
    pin = config_sub.add_parser(
        "hash-pin",
        help="print the hash of a staff or technician PIN, for pin_hash / technician_pin_hash",
    )
    pin.add_argument("--stdin", action="store_true", help="read the PIN from standard input")
    pin.set_defaults(handler=_cmd_config_hash_pin)

    token = sub.add_parser("token", help="设备令牌 (device tokens for the hub)")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    config_help = (
        "大厅配置文件，用于窗口号和时区 (hall configuration; default: the built-in sample)"
    )
    add = token_sub.add_parser(
        "add", help="新增设备令牌，令牌只显示一次 (create a device token in a hub's data folder)"
    )
    add.add_argument("--data", required=True, help="大厅主机的数据目录 (the hub's data folder)")
    add.add_argument(
        "--role", required=True, choices=["admin", "kiosk", "counter", "board", "display"]
    )
    add.add_argument("--name", required=True, help="设备名称，如 取号机-1 (the box's name)")
    add.add_argument("--window", type=int, help="窗口号，窗口和窗口屏必填 (counter and board)")
    add.add_argument("--config", help=config_help)
    add.set_defaults(handler=_cmd_token_add)
    listing = token_sub.add_parser(
        "list",
        help="列出设备令牌：类型、名称、窗口、最近使用、状态、设备状况 (every device token, active"
        " and revoked; last use is written about once a minute)",
    )
    listing.add_argument("--data", required=True, help="大厅主机的数据目录 (the hub's data folder)")
    listing.add_argument("--config", help=config_help)
    listing.add_argument(
        "--json", action="store_true", help="以 JSON 输出，时间为 UTC (as JSON, times in UTC)"
    )
    listing.set_defaults(handler=_cmd_token_list)
    revoke = token_sub.add_parser(
        "revoke",
        help="吊销设备令牌，运行中的大厅主机立即拒绝 (revoke device tokens, e.g. a TV's token"
        " seen by someone: the running hub refuses them at once)",
    )
    revoke.add_argument("--data", required=True, help="大厅主机的数据目录 (the hub's data folder)")
    revoke.add_argument("--config", help=config_help)
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--name", help="吊销此名称设备的全部有效令牌 (every active token of the box)"
    )
    which.add_argument(
        "--id", help="吊销此编号的令牌，见 hall token list (the one token with this id)"
    )
    revoke.set_defaults(handler=_cmd_token_revoke)

    demo = sub.add_parser("demo", help="run a demo hall on this machine")
    demo.add_argument("--data", default="demo-data", help="folder for the demo's data")
    demo.add_argument("--bind", default="127.0.0.1:8700", help="HOST:PORT for the demo hub")
    demo.add_argument(
        "--duration",
        type=float,
        default=0,
        help="stop after this many seconds (0: run until Ctrl-C)",
    )
    demo.add_argument(
        "--rate",
        type=float,
        default=0.2,
        help="simulated citizens per second arriving at the ticket machine",
    )
    demo.add_argument(
        "--script",
        choices=["day"],
        help="play a scripted hall morning and write its evidence, instead of running live",
    )
    demo.add_argument(
        "--out", help="folder for --script's screenshots, tickets, wavs and summary (DATA/out)"
    )
    start = demo.add_mutually_exclusive_group()
    start.add_argument("--fresh", action="store_true", help="wipe the demo data first (default)")
    start.add_argument("--resume", action="store_true", help="keep the demo data of the last run")
    demo.set_defaults(handler=_cmd_demo)

    from hall import (
        cli_account,
        cli_board,
        cli_central,
        cli_counter,
        cli_devices,
        cli_kiosk,
        cli_report,
        cli_sync,
        cli_technician,
    )

    cli_technician.register(sub)
    cli_devices.register(sub)
    cli_sync.register(sub)
    cli_central.register(sub)
    cli_counter.register(sub)
    cli_kiosk.register(sub)
    cli_board.register(sub)
    cli_report.register(sub)
    cli_account.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hall`` console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    handler: Handler = args.handler
    try:
        # Ctrl-C works even when inherited ignored; commands that run until stopped take
        # SIGTERM as Ctrl-C too (hall/interrupts.py).
        with interruptible(sigterm=getattr(args, "until_stopped", False)):
            return handler(args)
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
