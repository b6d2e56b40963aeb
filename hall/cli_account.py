"""``hall account``: the console's accounts, on the hub box. Registered by ``hall.cli``.

- ``hall account add --data DIR --user NAME --role manager|supervisor|technician``
- ``hall account list --data DIR [--json]``
- ``hall account disable --data DIR --user NAME`` / ``hall account enable …``
- ``hall account password --data DIR --user NAME``

Passwords are read from standard input (one line), without echo when it is a terminal (then
asked twice); nothing secret is printed. The commands work beside a running hub: the store
takes a second writer process, a disabled account or a new password ends that person's
console sessions at their next request, and each change is audited (actor
``hall account (命令行)``) and sent up to central by the hub's uplink.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.accounts import AccountBook

from hall import paths
from hall.exits import EXIT_FAIL, EXIT_OK, EXIT_USAGE

_ROLES = ("manager", "supervisor", "technician")


class _Refused(Exception):
    """A command that cannot go on: its message, and its exit status."""

    def __init__(self, message: str, status: int = EXIT_FAIL) -> None:
        super().__init__(message)
        self.status = status


def _book(args: argparse.Namespace) -> AccountBook:
    from config.errors import ConfigError
    from hub.accounts import AccountBook
    from hub.server import DB_NAME, open_store
    from hub.side_tx import SideTransactions
    from sync.clock import SystemClock
    from sync.errors import StoreError

    if not (Path(args.data) / DB_NAME).is_file():
        raise _Refused(
            f"{args.data} 里没有大厅主机的数据库 {DB_NAME}：请核对 --data 是大厅主机的数据目录，"
            f"或先启动一次 hall hub --data {args.data}"
            f" (no {DB_NAME} in {args.data}: is --data the hub's data folder?)"
        )
    try:
        config = paths.load(args.config)
        store = open_store(args.data)
    except (ConfigError, StoreError) as err:
        raise _Refused(str(err)) from err
    clock = SystemClock()
    transactions = SideTransactions(store, config, clock)
    return AccountBook(store, transactions, clock, transactions.zone)


def _password(repeat: bool) -> str:
    """The password from standard input: one line, or asked without echo on a terminal."""
    import getpass

    if sys.stdin.isatty():
        password = getpass.getpass("密码 (password): ")
        if repeat and getpass.getpass("再输入一次 (again): ") != password:
            raise _Refused(
                "两次输入的密码不一致，没有做任何修改 (the passwords differ)", EXIT_USAGE
            )
        return password
    line = sys.stdin.readline()
    if not line:
        raise _Refused("请从标准输入提供密码（一行） (no password on standard input)", EXIT_USAGE)
    return line.rstrip("\r\n")


def _run(args: argparse.Namespace) -> int:
    from hub.accounts import CLI_ACTOR
    from hub.errors import HubError, Invalid

    try:
        if getattr(args, "role", None) is not None and args.role not in _ROLES:
            raise _Refused(
                f"角色须为 manager（负责人）、supervisor（督查）或 technician（技术人员），"
                f"不是“{args.role}” (bad role)",
                EXIT_USAGE,
            )
        book = _book(args)
        try:
            return int(args.action(book, CLI_ACTOR, args))
        except Invalid as err:
            raise _Refused(err.message, EXIT_USAGE) from err
        except HubError as err:
            raise _Refused(err.message) from err
    except _Refused as err:
        print(f"hall account {args.account_command}: {err}", file=sys.stderr)
        return err.status


def _add(book: AccountBook, actor: Any, args: argparse.Namespace) -> int:
    from hub.accounts import normal_username
    from hub.passwords import password_problem

    normal_username(args.user)  # a bad name is refused before the password is asked
    password = _password(repeat=True)
    problem = password_problem(password)
    if problem:
        raise _Refused(problem, EXIT_USAGE)
    account = book.add(actor, args.user, args.role, password)
    print(f"已新增账号 {account.username}（{account.role_name}） (account added)")
    return EXIT_OK


def _list(book: AccountBook, _actor: Any, args: argparse.Namespace) -> int:
    accounts = book.list()
    if args.json:
        print(json.dumps([a.to_dict() for a in accounts], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not accounts:
        print("还没有账号。新增：hall account add --data DIR --user 用户名 --role manager")
        return EXIT_OK
    rows = [("用户名", "角色", "状态", "创建时间", "密码修改时间")]
    for a in accounts:
        rows.append(
            (
                a.username,
                a.role_name,
                "正常" if a.enabled else "已停用",
                a.created_at[:19].replace("T", " "),
                a.password_changed_at[:19].replace("T", " "),
            )
        )
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK


def _width(text: str) -> int:
    """Terminal columns of ``text`` (CJK characters take two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _disable(book: AccountBook, actor: Any, args: argparse.Namespace) -> int:
    before = book.get(args.user)
    account = book.disable(actor, args.user)
    if before is not None and not before.enabled:
        print(f"账号 {account.username} 已经是停用状态 (already disabled)")
    else:
        print(f"已停用账号 {account.username}，其登录已失效 (account disabled)")
    return EXIT_OK


def _enable(book: AccountBook, actor: Any, args: argparse.Namespace) -> int:
    account = book.enable(actor, args.user)
    print(f"账号 {account.username} 可以登录 (account enabled)")
    return EXIT_OK


def _change_password(book: AccountBook, actor: Any, args: argparse.Namespace) -> int:
    if book.get(args.user) is None:  # before asking for a password
        raise _Refused(f"没有用户名为“{args.user.strip().lower()}”的账号 (unknown user)")
    password = _password(repeat=True)
    account = book.change_password(actor, args.user, password)
    print(f"已修改账号 {account.username} 的密码，其登录已失效 (password changed)")
    return EXIT_OK


def register(sub: Any) -> None:
    """Add ``hall account`` and its subcommands to the ``hall`` parser's subparsers."""
    account = sub.add_parser("account", help="people who sign in to the console (/manage/)")
    account_sub = account.add_subparsers(dest="account_command", required=True)

    def command(name: str, text: str, action: Any, *, user: bool = True) -> Any:
        parser = account_sub.add_parser(name, help=text)
        paths.add_hub_options(parser)
        if user:
            parser.add_argument("--user", required=True, help="the user name")
        parser.set_defaults(handler=_run, action=action)
        return parser

    add = command("add", "add an account; the password is read from standard input", _add)
    add.add_argument("--role", required=True, help="manager, supervisor or technician")
    listing = command("list", "list the accounts", _list, user=False)
    listing.add_argument("--json", action="store_true", help="print JSON")
    command("disable", "disable an account (it cannot sign in; its history stays)", _disable)
    command("enable", "enable a disabled account again", _enable)
    command("password", "set a new password, read from standard input", _change_password)
