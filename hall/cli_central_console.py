"""``hall central account …``, ``hall central region …`` and ``hall central set-hall-region``:
the people who sign in to central's console (``/console/``) and the region tree halls belong
to. Every change is a row of the console's audit log, by ``hall central (命令行)``.

Passwords are read from standard input, one line (never from the command line, where other
users of the machine could see them in the process list).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from hall.exits import EXIT_FAIL, EXIT_OK, EXIT_USAGE

DATA_HELP = "central's data folder (central.db unless --db names a database)"
DB_HELP = "central's database: postgresql://… (default: HALLKIT_CENTRAL_DB, else --data)"


def _run(
    args: argparse.Namespace, command: str, action: Callable[..., str], *, password: bool = False
) -> int:
    """Open central's database and print what ``action(central)`` returns (with ``password``:
    ``action(central, password)``, the password read from standard input). A refused change
    prints its reason and exits 1, storing nothing."""
    from hall.cli_central_common import open_central_store
    from sync.central.errors import CentralError

    central = open_central_store(args, command)
    if central is None:
        return EXIT_USAGE
    extra = []
    if password:
        line = sys.stdin.readline()
        if not line:
            print(f"hall central {command}: give the password on standard input", file=sys.stderr)
            return EXIT_USAGE
        extra.append(line.rstrip("\r\n"))
    try:
        said = action(central, *extra)
    except CentralError as err:
        print(f"hall central {command}: {err.message}", file=sys.stderr)
        return EXIT_FAIL
    if said:
        print(said)
    return EXIT_OK


def _cmd_account_add(args: argparse.Namespace) -> int:
    from sync.central.console.accounts import CLI_ACTOR, ConsoleAccounts

    def add(central: Any, password: str) -> str:
        accounts = ConsoleAccounts(central)
        account = accounts.add(CLI_ACTOR, args.user, args.role, password, args.region)
        scope = f", region {account.region}" if account.region else ""
        return f"account {account.username} added ({account.role}{scope})"

    return _run(args, "account add", add, password=True)


def _cmd_account_list(args: argparse.Namespace) -> int:
    from sync.central.console.accounts import ConsoleAccounts

    def listing(central: Any) -> str:
        return "\n".join(
            f"{a.username}\t{a.role}\t{a.region or '-'}\t"
            + ("enabled" if a.enabled else f"disabled {a.disabled_at}")
            for a in ConsoleAccounts(central).all()
        )

    return _run(args, "account list", listing)


def _cmd_account_disable(args: argparse.Namespace) -> int:
    from sync.central.console.accounts import CLI_ACTOR, ConsoleAccounts

    def disable(central: Any) -> str:
        account = ConsoleAccounts(central).disable(CLI_ACTOR, args.user)
        return f"account {account.username} disabled"

    return _run(args, "account disable", disable)


def _cmd_account_password(args: argparse.Namespace) -> int:
    from sync.central.console.accounts import CLI_ACTOR, ConsoleAccounts

    def change(central: Any, password: str) -> str:
        account = ConsoleAccounts(central).set_password(CLI_ACTOR, args.user, password)
        return f"account {account.username} has a new password (its sessions ended)"

    return _run(args, "account password", change, password=True)


def _cmd_region_add(args: argparse.Namespace) -> int:
    from sync.central.console.accounts import CLI_ACTOR
    from sync.central.console.regions import add_region

    def add(central: Any) -> str:
        add_region(central, CLI_ACTOR, args.code, args.name, args.level, args.parent)
        return f"region {args.code} '{args.name.strip()}' added ({args.level})"

    return _run(args, "region add", add)


def _cmd_region_list(args: argparse.Namespace) -> int:
    from sync.central.console.regions import region_tree

    def listing(central: Any) -> str:
        return "\n".join(
            f"{'  ' * depth}{r.code}\t{r.name}\t{r.level}\t{r.halls} halls"
            for depth, r in region_tree(central).walk()
        )

    return _run(args, "region list", listing)


def _cmd_set_hall_region(args: argparse.Namespace) -> int:
    from sync.central.console.accounts import CLI_ACTOR
    from sync.central.console.regions import set_hall_region

    def move(central: Any) -> str:
        set_hall_region(central, CLI_ACTOR, args.hall, args.region)
        return f"hall {args.hall} is in region {args.region}"

    return _run(args, "set-hall-region", move)


def _where(parser: argparse.ArgumentParser, keep: Any) -> None:
    parser.add_argument("--data", default=keep, help=DATA_HELP)
    parser.add_argument("--db", default=keep, help=DB_HELP)


def register_console(csub: argparse._SubParsersAction[Any]) -> None:
    """Add ``account``, ``region`` and ``set-hall-region`` under ``hall central``."""
    keep = argparse.SUPPRESS
    account = csub.add_parser("account", help="people who sign in to central's console")
    asub = account.add_subparsers(dest="account_command", metavar="ACTION", required=True)
    add = asub.add_parser("add", help="add an account (password: one line on standard input)")
    _where(add, keep)
    add.add_argument("--user", required=True, help="user name (2-32 of a-z 0-9 . _ -)")
    add.add_argument("--role", required=True, choices=["admin", "supervisor"])
    add.add_argument("--region", help="region code: the account sees only that subtree")
    add.set_defaults(handler=_cmd_account_add)
    listing = asub.add_parser("list", help="every account")
    _where(listing, keep)
    listing.set_defaults(handler=_cmd_account_list)
    disable = asub.add_parser("disable", help="disable an account (its sessions end)")
    _where(disable, keep)
    disable.add_argument("--user", required=True)
    disable.set_defaults(handler=_cmd_account_disable)
    password = asub.add_parser("password", help="a new password (one line on standard input)")
    _where(password, keep)
    password.add_argument("--user", required=True)
    password.set_defaults(handler=_cmd_account_password)

    region = csub.add_parser("region", help="the region tree halls belong to (区 / 镇 / 村)")
    rsub = region.add_subparsers(dest="region_command", metavar="ACTION", required=True)
    radd = rsub.add_parser("add", help="add a region")
    _where(radd, keep)
    radd.add_argument("--code", required=True, help="division code (2-12 digits)")
    radd.add_argument("--name", required=True)
    radd.add_argument(
        "--level", required=True, choices=["province", "city", "district", "town", "village"]
    )
    radd.add_argument("--parent", help="the parent region's code (none for the top)")
    radd.set_defaults(handler=_cmd_region_add)
    rlist = rsub.add_parser("list", help="the tree, with each region's hall count")
    _where(rlist, keep)
    rlist.set_defaults(handler=_cmd_region_list)

    move = csub.add_parser("set-hall-region", help="put a hall in a region")
    _where(move, keep)
    move.add_argument("--hall", required=True, help="hall id (h-…)")
    move.add_argument("--region", required=True, help="region code")
    move.set_defaults(handler=_cmd_set_hall_region)
