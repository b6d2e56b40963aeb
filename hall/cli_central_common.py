"""What every ``hall central …`` command shares: the ``--data`` / ``--db`` help texts, and opening
central's store from them with a one-line error (the serve, console, repository and province
commands all use it)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

DATA_HELP = "central's data folder (admin.token; central.db unless --db names a database)"
DB_HELP = (
    "central's database: postgresql://USER@HOST/NAME (default: $HALLKIT_CENTRAL_DB, "
    "else SQLite central.db in --data)"
)


def need_data(args: argparse.Namespace, command: str) -> str | None:
    data: str | None = getattr(args, "data", None)
    if not data:
        print(f"hall central {command}: --data DIR is required", file=sys.stderr)
    return data


def database(args: argparse.Namespace) -> str | None:
    from sync.central.server import database_of

    return database_of(getattr(args, "db", None))


def open_central_store(args: argparse.Namespace, command: str) -> Any:
    from sync.central.server import open_store
    from sync.errors import StoreError

    db = database(args)
    if db is None and need_data(args, command) is None:
        print(f"  (or name a database: hall central {command} --db URL)", file=sys.stderr)
        return None
    try:
        return open_store(getattr(args, "data", None), db)
    except StoreError as err:
        print(f"hall central {command}: {err}", file=sys.stderr)
        return None
