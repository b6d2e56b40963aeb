"""``hall`` subcommands for the sync: registered by ``hall.cli``; handlers import lazily.

- ``hall enroll --data DIR --central URL --code CODE [--ca-file PEM] [--name NAME]``
- ``hall sync status --data DIR [--json]``: read-only, whether or not the hub runs;
- ``hall sync now --data DIR``: drain the backlog from this process, with a progress bar;
- ``hall sync purge --data DIR``: purge acknowledged events past the retention days.

``sync now`` and ``sync purge`` are safe while the hub runs: SQLite serialises the two
processes' writes, the acknowledged mark only ever moves forward, and central stores each
``(hall, seq)`` once, so two uplinks sending the same events at once cost bandwidth, not data.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from hall import paths
from hall.exits import EXIT_FAIL, EXIT_OK


def _config(args: argparse.Namespace) -> Any:
    return paths.load(args.config)


def _store_path(data: str) -> Path:
    from hub.server import DB_NAME

    path = Path(data) / DB_NAME
    if not path.exists():
        raise FileNotFoundError(
            f"{data} 里没有大厅主机的数据库 {DB_NAME}，请核对 --data 是大厅主机的数据目录"
            f" ({path} does not exist: is --data the hub's data folder?)"
        )
    return path


# -- enroll ------------------------------------------------------------------------------------


def _cmd_enroll(args: argparse.Namespace) -> int:
    from hall.explain import enroll_error
    from sync.enroll import EnrollError, enroll

    try:
        credential = enroll(args.central, args.code, args.data, args.name, args.ca_file)
    except EnrollError as err:
        print(f"hall enroll：注册没有成功：{enroll_error(err, args.central)}", file=sys.stderr)
        return EXIT_FAIL
    print(
        f"已注册到中心平台 {credential.central_url}：大厅 {credential.hall}“{credential.hall_name}”"
        f" (enrolled as hall {credential.hall})"
    )
    print(f"凭据 credential: {Path(args.data) / 'central.json'} (mode 0600)")
    print(f"评价按“{credential.rating_scale}”标准上传 (ratings go up in this scale)")
    print(
        "重启大厅主机后开始同步：systemctl restart hallkit-hub (restart the hub to start syncing)"
    )
    return EXIT_OK


# -- status ------------------------------------------------------------------------------------


def read_status(data: str, alarm_threshold: int) -> dict[str, Any]:
    """What the hub's store says about the sync, read-only (the hub may be running).

    Raises FileNotFoundError (no store) or sqlite3.Error (unreadable store).
    """
    import sqlite3
    from contextlib import closing

    import sqlite_utils

    from sync.credential import CredentialError, load_credential
    from sync.outbox import Outbox
    from sync.uplink_records import rejected_count, rejected_events, state_value

    path = _store_path(data)
    try:
        credential = load_credential(data)
        problem = None
    except CredentialError as err:
        credential, problem = None, str(err)
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    with closing(conn):
        db = sqlite_utils.Database(conn)
        last, acked = Outbox.last_seq(db), Outbox.acked_seq(db)
        try:
            rejected, latest = rejected_count(db), rejected_events(db, 5)
        except sqlite3.OperationalError:  # a store the new hub has not opened yet
            rejected, latest = 0, []
        facts = {k: state_value(db, k) for k in ("last_contact", "last_error", "last_error_at")}
    backlog = max(0, last - acked)
    return {
        "enrolled": credential is not None,
        "credential_problem": problem,
        "hall": credential.hall if credential else None,
        "hall_name": credential.hall_name if credential else None,
        "central_url": credential.central_url if credential else None,
        "rating_scale": credential.rating_scale if credential else None,
        "acked_seq": acked,
        "last_seq": last,
        "backlog": backlog,
        "alarm": backlog > alarm_threshold,
        "alarm_threshold": alarm_threshold,
        "rejected": rejected,
        "latest_rejections": [r.to_dict() for r in latest],
        **facts,
    }


def _print_status(status: dict[str, Any]) -> None:
    if status["enrolled"]:
        print(f"大厅 hall:              {status['hall']} '{status['hall_name']}'")
        print(
            f"中心平台 central:       {status['central_url']} (ratings: {status['rating_scale']})"
        )
    else:
        print(
            "大厅 hall:              未注册 not enrolled"
            " (hall enroll --data DIR --central URL --code CODE)"
        )
        if status["credential_problem"]:
            print(f"                        {status['credential_problem']}")
    print(f"已确认 acknowledged:    seq {status['acked_seq']}")
    print(f"最新事件 last event:    seq {status['last_seq']}")
    alarm = f"  积压告警 ALARM: 超过 over {status['alarm_threshold']}" if status["alarm"] else ""
    print(f"待上传 backlog:         {status['backlog']} 条 events{alarm}")
    print(f"最近联系 last contact:  {status['last_contact'] or '从未 never'}")
    if status["last_error"]:
        print(f"最近错误 last error:    {status['last_error']} ({status['last_error_at']})")
    print(f"被拒收 rejected:        {status['rejected']} 条 events")
    for item in status["latest_rejections"]:
        print(f"  seq {item['seq']} {item['type']}: {item['reason']}")


def _cmd_status(args: argparse.Namespace) -> int:
    import sqlite3

    from config.errors import ConfigError

    try:
        status = read_status(args.data, _config(args).sync.backlog_alarm_events)
    except (FileNotFoundError, sqlite3.Error, ConfigError) as err:
        print(f"hall sync status：{err}", file=sys.stderr)
        return EXIT_FAIL
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2))
    else:
        _print_status(status)
    return EXIT_OK


# -- now ---------------------------------------------------------------------------------------


class _Progress:
    """A one-line bar on a terminal; a plain line every few seconds otherwise."""

    def __init__(self, tty: bool, first_acked: int, every: float = 2.0) -> None:
        self.tty = tty
        self.every = every
        self.started = time.monotonic()
        self.first_acked = first_acked
        self.last_print = 0.0
        self.width = shutil.get_terminal_size().columns - 1

    def __call__(self, status: Any) -> None:
        if status.last_seq <= self.first_acked:
            return  # nothing was waiting
        total = status.last_seq - self.first_acked
        done = max(0, status.acked_seq - self.first_acked)
        elapsed = max(1e-6, time.monotonic() - self.started)
        rate = done / elapsed
        share = min(1.0, done / total)
        failing = status.state in ("backing off", "unreachable")
        note = f" {status.state}: {status.last_error}" if failing else ""
        if self.tty:
            bar = "#" * int(share * 30)
            eta = f"eta {(total - done) / rate:.0f} s" if rate > 0 else ""
            line = f"\r[{bar:<30}] {share:4.0%} {done}/{total} events {rate:.0f}/s {eta}{note}"
            sys.stdout.write(line[: self.width].ljust(self.width))
            sys.stdout.flush()
        elif time.monotonic() - self.last_print >= self.every:
            self.last_print = time.monotonic()
            print(f"sent {done}/{total} events ({share:.0%}), {rate:.0f}/s{note}", flush=True)

    def finish(self) -> None:
        if self.tty:
            print()


def _cmd_now(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from config.errors import ConfigError
    from hub.tables import ALL_MIGRATIONS
    from sync.clock import SystemClock
    from sync.credential import CredentialError, load_credential
    from sync.errors import StoreError
    from sync.http import CentralClient
    from sync.outbox import Outbox
    from sync.store import Store
    from sync.uplink import Uplink

    try:
        config = _config(args)
        credential = load_credential(args.data)
        if credential is None:
            print(
                "hall sync now：大厅主机尚未注册到中心平台，请先运行 hall enroll"
                " (not enrolled: run hall enroll first)",
                file=sys.stderr,
            )
            return EXIT_FAIL
        store = Store(_store_path(args.data), ALL_MIGRATIONS)
    except (FileNotFoundError, ConfigError, CredentialError, StoreError) as err:
        print(f"hall sync now：{err}", file=sys.stderr)
        return EXIT_FAIL
    client = CentralClient(credential, timeout=config.sync.request_timeout_seconds)
    uplink = Uplink(
        store,
        config.sync,
        client,
        SystemClock(),
        zone=ZoneInfo(config.hall.timezone),
        purge_every=None,
    )
    tty = sys.stdout.isatty()
    if tty and not getattr(args, "verbose", False):
        # The bar shows the state and the last error; log lines would tear it apart.
        logging.getLogger("sync").setLevel(logging.ERROR)
    progress = _Progress(tty, Outbox.acked_seq(store.reader()))
    started = time.monotonic()
    try:
        status = uplink.drain(progress, give_up_after=args.give_up_after)
    finally:
        progress.finish()
        store.close()
    seconds = time.monotonic() - started
    if status.backlog:
        print(
            f"没有发完：还有 {status.backlog} 条待上传，请检查到中心平台的网络后再试"
            f" (not finished: {status.backlog} events wait; {status.state}: {status.last_error})",
            file=sys.stderr,
        )
        return EXIT_FAIL
    print(
        f"drained: central acknowledges seq {status.acked_seq}; {status.sent_events} events "
        f"in {status.sent_batches} batches, {seconds:.1f} s; {status.rejected} rejected in all"
    )
    return EXIT_OK


# -- purge -------------------------------------------------------------------------------------


def _cmd_purge(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from config.errors import ConfigError
    from hub.tables import ALL_MIGRATIONS
    from sync.errors import StoreError
    from sync.purge import purge_acknowledged
    from sync.store import Store

    try:
        config = _config(args)
        store = Store(_store_path(args.data), ALL_MIGRATIONS)
    except (FileNotFoundError, ConfigError, StoreError) as err:
        print(f"hall sync purge：{err}", file=sys.stderr)
        return EXIT_FAIL
    try:
        days = config.sync.retention_days if args.days is None else args.days
        result = purge_acknowledged(store, days, datetime.now(UTC))
    finally:
        store.close()
    print(
        f"purged {result.deleted} acknowledged events written before {result.cutoff} "
        f"({days} days; acknowledged up to seq {result.acked_seq}) in {result.seconds:.1f} s"
    )
    return EXIT_OK


# -- the parser --------------------------------------------------------------------------------


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add this module's subcommands to the ``hall`` parser."""
    enroll = sub.add_parser(
        "enroll", help="用一次性注册码把大厅主机注册到中心平台 (enroll this hub with central, once)"
    )
    paths.add_hub_options(enroll, config=False)
    enroll.add_argument(
        "--central", required=True, help="中心平台地址，如 https://host/ (central's base URL)"
    )
    enroll.add_argument(
        "--code", required=True, help="一次性注册码 XXXX-XXXX-XXXX (the one-time code)"
    )
    enroll.add_argument(
        "--ca-file", help="中心平台的 CA 证书 PEM 文件 (pin central's CA; default: system CAs)"
    )
    enroll.add_argument(
        "--name", default="hub", help="本机在中心平台显示的名称 (this hub's name at central)"
    )
    enroll.set_defaults(handler=_cmd_enroll)

    sync = sub.add_parser(
        "sync", help="与中心平台的同步：状态、立即上传、清理 (the hub's uplink to central)"
    )
    sync_sub = sync.add_subparsers(dest="sync_command", required=True)
    status = sync_sub.add_parser(
        "status",
        help="同步状态：已确认、待上传、被拒收、最近联系（只读） (acknowledged seq, backlog,"
        " rejections, last contact; read-only)",
    )
    paths.add_hub_options(status)
    status.add_argument("--json", action="store_true", help="以 JSON 输出 (print JSON)")
    status.set_defaults(handler=_cmd_status)

    now = sync_sub.add_parser(
        "now",
        help="立即把待上传数据发往中心平台，显示进度（大厅主机运行时也可用） (send the backlog now)",
    )
    paths.add_hub_options(now)
    now.add_argument(
        "--give-up-after",
        type=float,
        default=120.0,
        help="stop after central has failed for this many seconds in a row (default 120)",
    )
    now.set_defaults(handler=_cmd_now)

    purge = sync_sub.add_parser(
        "purge",
        help="删除中心平台已确认、超过保留天数的数据 (delete acknowledged events older than"
        " sync.retention_days)",
    )
    paths.add_hub_options(purge)
    purge.add_argument(
        "--days", type=int, help="keep this many days instead of the config's (0: all acknowledged)"
    )
    purge.set_defaults(handler=_cmd_purge)
