"""``hall``: the one command of hallkit. Each subcommand imports only what it needs."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hall import exits, paths
from hall.interrupts import interruptible

if TYPE_CHECKING:
    from config import HallConfig
    from hub.actors import Actor
    from hub.auth import DeviceRegistry
    from sync.store import Store

from hall.exits import EXIT_FAIL, EXIT_OK, EXIT_USAGE  # noqa: F401 (tests import them here)

Handler = Callable[[argparse.Namespace], int]

# Commands that finish by themselves: Ctrl-C during one exits with exits.INTERRUPTED.
ONE_SHOT = frozenset(
    {
        "config",
        "token",
        "sync",
        "enroll",
        "provision",
        "doctor",
        "device",
        "account",
        "report",
        "update",
    }
)


def _cmd_config_check(args: argparse.Namespace) -> int:
    """Check the configuration file (the resolved one), and with ``--data`` the hub's
    effective configuration: which version it is and whether the file differs from it."""
    from config.loader import check_text

    path = paths.config_path(args.file)
    report: dict[str, Any] = {"file": str(path) if path else None, "ok": True, "problems": []}
    file_config = None
    if path is None:
        if not args.data:
            print(
                "没有配置文件可查：请给出文件，如 hall config check /etc/hallkit/hall.toml"
                " (no configuration file: name one)",
                file=sys.stderr,
            )
            return exits.USAGE
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            print(
                f"{path}：无法读取配置文件（{reason}），请核对路径和权限"
                f" (cannot read the file: {reason})",
                file=sys.stderr,
            )
            return exits.FAIL
        issues = check_text(text, str(path))
        report["problems"] = [{"path": i.path, "message": i.message} for i in issues]
        report["ok"] = not issues
        if not issues:
            file_config = paths.load(path)
    if args.data:
        effective = _effective_report(Path(args.data), file_config, path)
        if effective is None:
            return exits.FAIL
        report["effective"] = effective
        report["ok"] = report["ok"] and effective["ok"]
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return exits.OK if report["ok"] else exits.FAIL
    if path is not None:
        if report["problems"]:
            print(f"{path}: {len(report['problems'])} 处问题 (problem(s))")
            for problem in report["problems"]:
                print(f"  {problem['path']}: {problem['message']}")
        else:
            print("ok" if not args.data else f"ok：{path}")
    if args.data:
        _print_effective(report["effective"])
    return exits.OK if report["ok"] else exits.FAIL


def _effective_report(
    data: Path, file_config: HallConfig | None, path: Path | None
) -> dict[str, Any] | None:
    """What ``config check --data`` says about the store's effective configuration; None after
    saying why it cannot be read."""
    from config.errors import ConfigError
    from hub.config_book import plain, read_effective
    from sync.errors import StoreError

    try:
        store = _open_hub_store(data, "hall config check")
    except _Refused as err:
        print(err, file=sys.stderr)
        return None
    try:
        config, version = read_effective(store)
    except ConfigError as err:
        return {
            "ok": False,
            "version": None,
            "problems": [{"path": i.path, "message": i.message} for i in err.issues],
        }
    except StoreError as err:
        print(f"hall config check：无法读取大厅数据库（{err}） (cannot read the store)",
              file=sys.stderr)  # fmt: skip
        return None
    finally:
        store.close()
    same = None if file_config is None else plain(file_config) == plain(config)
    return {
        "ok": True,
        "data": str(data),
        "version": version.to_dict(),
        "hall": config.hall.id,
        "file": str(path) if path else None,
        "file_matches": same,
        "problems": [],
    }


def _print_effective(effective: dict[str, Any]) -> None:
    from hub.config_book import SOURCE_NAMES

    version = effective.get("version")
    if not effective["ok"] or version is None:
        print("生效配置无法使用 (the effective configuration does not validate):")
        for problem in effective["problems"]:
            print(f"  {problem['path']}: {problem['message']}")
        return
    when = version["created_at"][:19].replace("T", " ")
    source = SOURCE_NAMES.get(version["source"], version["source"])
    print(
        f"ok：大厅主机生效的配置是第 {version['version']} 版（{source}，{version['author']}，"
        f"{when}） (effective configuration: version {version['version']})"
    )
    if version["note"]:
        print(f"  说明：{version['note']}")
    if effective["file_matches"] is True:
        print(f"  与配置文件 {effective['file']} 相同 (the file gives the same configuration)")
    elif effective["file_matches"] is False:
        print(
            f"  与配置文件 {effective['file']} 不同：管理后台改过配置，或文件改过但大厅主机未重启。"
            f"查看生效配置：hall config export --data {effective['data']}"
            f" (the file differs from the effective configuration)"
        )


class _Refused(Exception):
    """A command that cannot go on; ``str()`` is the sentence for the technician."""


def _open_hub_store(data: Path, command: str) -> Store:
    """The hub store in ``data``, without creating one; raises _Refused saying why not."""
    from hub.server import DB_NAME, open_store
    from sync.errors import StoreError

    if not (data / DB_NAME).is_file():
        raise _Refused(
            f"{command}：{data} 里没有大厅主机的数据库 {DB_NAME}，请核对 --data 是大厅主机的数据目录，"
            f"或先启动一次大厅主机 (no {DB_NAME} in {data}: is --data the hub's data folder?)"
        )
    try:
        return open_store(data)
    except StoreError as err:
        raise _Refused(f"{command}：无法打开大厅数据库：{err}") from err


def _cmd_config_export(args: argparse.Namespace) -> int:
    from config.errors import ConfigError
    from config.toml_out import commented_toml
    from hub.config_book import SOURCE_NAMES, read_effective

    try:
        store = _open_hub_store(Path(args.data), "hall config export")
    except _Refused as err:
        print(err, file=sys.stderr)
        return exits.FAIL
    try:
        config, version = read_effective(store)
    except ConfigError as err:
        print(f"hall config export：大厅主机的生效配置无法导出：{err}", file=sys.stderr)
        return exits.FAIL
    finally:
        store.close()
    when = version.created_at[:19].replace("T", " ")
    header = [
        f"大厅“{config.hall.name}”（{config.hall.id}）生效的配置，第 {version.number} 版",
        f"来源：{SOURCE_NAMES.get(version.source, version.source)}，{version.author}，{when}"
        + (f"；{version.note}" if version.note else ""),
        "由 hall config export 从大厅主机的数据库导出；用作大厅主机的配置文件时配置不变。",
        "检查：hall config check FILE；各项含义：hall config docs",
        f"Effective configuration of hall {config.hall.id}, version {version.number},"
        " exported by `hall config export`.",
    ]
    data = config.model_dump(mode="json", exclude_defaults=True)  # what the hall set itself
    data["hall"] = config.model_dump(mode="json")["hall"]  # who the hall is, always in full
    text = commented_toml(data, header)
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as err:
            print(f"hall config export：无法写入 {args.out}（{err.strerror or err}）",
                  file=sys.stderr)  # fmt: skip
            return exits.FAIL
        print(f"已导出第 {version.number} 版生效配置到 {args.out} (written)")
    else:
        sys.stdout.write(text)
    return exits.OK


def _cmd_config_sample(args: argparse.Namespace) -> int:
    from config.sample import sample_hall_data
    from config.toml_out import commented_toml

    header = [
        "示例大厅配置（hall config sample 生成）。按本大厅修改后用 hall config check FILE 检查。",
        "每一节上方的注释说明其用途；全部配置项及默认值：hall config docs。",
        "The built-in sample hall (`hall config sample`); every key: `hall config docs`.",
    ]
    text = commented_toml(sample_hall_data(), header)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"已写入示例大厅配置 {args.out} (wrote the sample hall)")
    else:
        sys.stdout.write(text)
    return exits.OK


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

    try:
        if args.stdin or not sys.stdin.isatty():
            line = sys.stdin.readline()
            if not line:
                print(
                    "标准输入里没有 PIN：请用 echo 1234 | hall config hash-pin --stdin"
                    " (no PIN on standard input)",
                    file=sys.stderr,
                )
                return exits.USAGE
            pin = line.strip()
        else:
            pin = getpass.getpass("PIN（4 至 12 位数字）: ")
            if getpass.getpass("再输入一次 (again): ") != pin:
                print("两次输入的 PIN 不一致，没有生成哈希 (the two PINs differ)", file=sys.stderr)
                return exits.USAGE
    except (EOFError, KeyboardInterrupt):
        print("\n没有输入 PIN，没有生成哈希 (no PIN given)", file=sys.stderr)
        return exits.USAGE
    except UnicodeDecodeError:
        pin = "\ufffd"
    if pin_problem(pin):
        print(
            "这不是有效的 PIN：PIN 是 4 至 12 位数字（0-9），不能有字母、空格或其它符号"
            " (a PIN is 4 to 12 digits, nothing else)",
            file=sys.stderr,
        )
        return exits.USAGE
    print(hash_pin(pin))
    return exits.OK


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
        print(f"hall hub：{err}", file=sys.stderr)
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
    from config.errors import ConfigError
    from hub.auth import DeviceRegistry
    from hub.config_book import read_effective
    from hub.server import open_store
    from hub.side_tx import SideTransactions
    from sync.clock import SystemClock
    from sync.errors import StoreError

    try:
        config = paths.load(args.config)
        store = open_store(args.data)
    except (ConfigError, StoreError) as err:
        print(f"hall token {command}：{err}", file=sys.stderr)
        return None
    with contextlib.suppress(ConfigError, StoreError):  # the windows the hub runs on now
        config = read_effective(store)[0]
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
    from hall.qtcheck import require_qt

    problem = require_qt("hall demo")  # the demo hall runs the screens too
    if problem is not None:
        return problem
    from hall.demo import run_demo

    return run_demo(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hall",
        description="hallkit 政务服务大厅软件的命令 (hallkit: software for government service"
        f" halls). 配置文件 configuration: {paths.describe_config()}；数据目录 data folder:"
        f" {paths.describe_data()}",
        epilog="退出码 exit status:\n"
        + "\n".join(f"  {code:<4} {text}" for code, text in exits.MEANINGS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="输出更多日志 (log more)")
    parser.add_argument(
        "--version", action="version", version=f"hall {version_text()}", help="显示版本 (version)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    hub = sub.add_parser("hub", help="运行大厅主机 (run the hall hub: queue, LAN API, events)")
    paths.add_hub_options(hub)
    hub.add_argument("--bind", default="0.0.0.0:8700", help="HOST:PORT to listen on")
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

    config = sub.add_parser(
        "config", help="检查、导出、生成大厅配置 (check, export, print or document configurations)"
    )
    config_sub = config.add_subparsers(dest="config_command", required=True)
    check = config_sub.add_parser(
        "check",
        help="检查配置文件，以及大厅主机生效的配置（--data）：输出 ok 或每一处问题"
        " (check a configuration file and, with --data, the hub's effective configuration)",
    )
    check.add_argument("file", nargs="?", help=paths.config_help("（要检查的文件）"))
    check.add_argument(
        "--data",
        help="大厅主机的数据目录：同时检查生效的配置（第几版、与文件是否相同）"
        " (the hub's data folder: also check its effective configuration)",
    )
    check.add_argument("--json", action="store_true", help="以 JSON 输出 (print JSON)")
    check.set_defaults(handler=_cmd_config_check)
    export = config_sub.add_parser(
        "export",
        help="把大厅主机生效的配置（含管理后台的修改）导出为带注释的 TOML"
        " (write the hub's effective configuration as commented TOML)",
    )
    export.add_argument("--data", help=paths.data_help())
    export.add_argument("--out", help="写入此文件，而不是标准输出 (write to this file)")
    export.set_defaults(handler=_cmd_config_export, hub_paths=True)
    sample = config_sub.add_parser(
        "sample", help="输出带注释的内置示例大厅配置 (print the built-in sample hall as TOML)"
    )
    sample.add_argument("--out", help="写入此文件，而不是标准输出 (write to this file)")
    sample.set_defaults(handler=_cmd_config_sample)
    docs = config_sub.add_parser(
        "docs", help="输出全部配置项及说明 (print every configuration key with its help)"
    )
    docs.add_argument("--out", help="写入此文件，而不是标准输出 (write to this file)")
    docs.set_defaults(handler=_cmd_config_docs)
    pin = config_sub.add_parser(
        "hash-pin",
        help="生成工作人员或技术人员 PIN 的哈希，填入 pin_hash / technician_pin_hash"
        " (print the hash of a staff or technician PIN)",
    )
    pin.add_argument(
        "--stdin", action="store_true", help="从标准输入读取 PIN (read the PIN from standard input)"
    )
    pin.set_defaults(handler=_cmd_config_hash_pin)

    token = sub.add_parser("token", help="设备令牌：新增、列出、吊销 (device tokens for the hub)")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    add = token_sub.add_parser(
        "add", help="新增设备令牌，令牌只显示一次 (create a device token in a hub's data folder)"
    )
    paths.add_hub_options(add)
    add.add_argument(
        "--role", required=True, choices=["admin", "kiosk", "counter", "board", "display"]
    )
    add.add_argument("--name", required=True, help="设备名称，如 取号机-1 (the box's name)")
    add.add_argument("--window", type=int, help="窗口号，窗口和窗口屏必填 (counter and board)")
    add.set_defaults(handler=_cmd_token_add)
    listing = token_sub.add_parser(
        "list",
        help="列出设备令牌：类型、名称、窗口、最近使用、状态、设备状况 (every device token, active"
        " and revoked; last use is written about once a minute)",
    )
    paths.add_hub_options(listing)
    listing.add_argument(
        "--json", action="store_true", help="以 JSON 输出，时间为 UTC (as JSON, times in UTC)"
    )
    listing.set_defaults(handler=_cmd_token_list)
    revoke = token_sub.add_parser(
        "revoke",
        help="吊销设备令牌，运行中的大厅主机立即拒绝 (revoke device tokens, e.g. a TV's token"
        " seen by someone: the running hub refuses them at once)",
    )
    paths.add_hub_options(revoke)
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
        cli_update,
        completion,
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
    cli_update.register(sub)
    completion.register(sub, parser)
    return parser


def version_text() -> str:
    """The installed hallkit's version (the source tree's when it is not installed)."""
    from importlib import metadata

    try:
        return metadata.version("hallkit")
    except metadata.PackageNotFoundError:
        import tomllib

        pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
        try:
            return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hall`` console script; returns the exit status."""
    from hall.logsetup import configure_logging

    parser = _parser()
    args = parser.parse_args(argv)
    configure_logging(verbose=args.verbose)
    if getattr(args, "hub_paths", False):
        try:
            paths.resolve_hub_options(args, f"hall {args.command}")
        except paths.NoDataFolder as err:
            print(err, file=sys.stderr)
            return exits.USAGE
    handler: Handler = args.handler
    try:
        # Ctrl-C works even when inherited ignored; commands that run until stopped take
        # SIGTERM as Ctrl-C too (hall/interrupts.py).
        with interruptible(sigterm=getattr(args, "until_stopped", False)):
            return handler(args)
    except KeyboardInterrupt:
        # A command that runs until stopped ends so; a one-shot command was cut short.
        cut_short = args.command in ONE_SHOT and not getattr(args, "until_stopped", False)
        return exits.INTERRUPTED if cut_short else exits.OK


if __name__ == "__main__":
    sys.exit(main())
