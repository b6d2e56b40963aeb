"""``hall central repo …``: central's signed apt repository of hallkit's packages.

``init`` makes the signing key and the empty repository (idempotent; ``hall central serve
--apt-repo`` runs it at start too), ``add DEB…`` publishes packages, ``list`` shows them. Central
serves the repository at ``/apt/`` to the boxes of enrolled hubs (docs/fleet-updates.md).
``release VERSION [--region CODE]`` names the version the halls (of a region) should run; the
repository may hold a version before any release names it. ``release`` alone lists them,
``release --clear [--region CODE]`` drops one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hall.exits import EXIT_FAIL, EXIT_OK, EXIT_USAGE

DATA_HELP = "central's data folder (the repository and its key live in DATA/apt)"


def _data(args: argparse.Namespace, command: str) -> str | None:
    data: str | None = getattr(args, "data", None)
    if not data:
        print(f"hall central repo {command}: --data DIR is required", file=sys.stderr)
    return data


def ensure_repo(data: str) -> int:
    """Make the repository of ``data`` if missing (for ``serve --apt-repo``); prints what it did."""
    from sync.central.apt_repo import AptRepoError, init_repo

    try:
        repo, key, made = init_repo(data)
    except AptRepoError as err:
        print(f"hall central: package repository: {err}", file=sys.stderr)
        return EXIT_FAIL
    if made:
        print(f"package repository made in {repo.root}; signing key {key}")
    return EXIT_OK


def _cmd_init(args: argparse.Namespace) -> int:
    from sync.central.apt_repo import AptRepoError, init_repo

    data = _data(args, "init")
    if data is None:
        return EXIT_USAGE
    try:
        repo, key, made = init_repo(data)
    except AptRepoError as err:
        print(f"hall central repo init: {err}", file=sys.stderr)
        return EXIT_FAIL
    print(f"package repository {'made' if made else 'already there'} in {repo.root}")
    print(f"signing key fingerprint: {key}")
    print(f"public key: {repo.key_file} (boxes fetch it from CENTRAL/apt/{repo.key_file.name})")
    return EXIT_OK


def _cmd_add(args: argparse.Namespace) -> int:
    from sync.central.apt_repo import AptRepoError, add_packages

    data = _data(args, "add")
    if data is None:
        return EXIT_USAGE
    try:
        added = add_packages(data, [Path(d) for d in args.debs])
    except AptRepoError as err:
        print(f"hall central repo add: {err}", file=sys.stderr)
        return EXIT_FAIL
    for info in added:
        print(f"published {info.package} {info.version} ({info.architecture})")
    return EXIT_OK


def _cmd_list(args: argparse.Namespace) -> int:
    from sync.central.apt_repo import AptRepoError, list_packages

    data = _data(args, "list")
    if data is None:
        return EXIT_USAGE
    try:
        lines = list_packages(data)
    except AptRepoError as err:
        print(f"hall central repo list: {err}", file=sys.stderr)
        return EXIT_FAIL
    for line in lines:
        print(line)
    return EXIT_OK


def _cmd_release(args: argparse.Namespace) -> int:
    from hall.cli_central_common import open_central_store
    from sync.central.fleet import ReleaseError, clear_release, name_release, releases

    central = open_central_store(args, "repo release")
    if central is None:
        return EXIT_USAGE
    try:
        if args.clear:
            if args.version:
                print("hall central repo release: --clear takes no VERSION", file=sys.stderr)
                return EXIT_USAGE
            gone = clear_release(central, args.region)
            where = f"region {args.region}" if args.region else "every hall"
            print(f"release of {where} {'cleared' if gone else 'was not named'}")
            return EXIT_OK
        if args.version:
            try:
                named = name_release(central, args.version, args.region)
            except ReleaseError as err:
                print(f"hall central repo release: {err}", file=sys.stderr)
                return EXIT_FAIL
            where = f"the halls of region {named.scope}" if named.scope else "every hall"
            print(f"release {named.version} named for {where}")
            return EXIT_OK
        for release in releases(central):
            where = f"region {release.scope}" if release.scope else "every hall"
            print(f"{release.version}\t{where}\tnamed {release.named_at}")
        return EXIT_OK
    finally:
        central.close()


def register(csub: argparse._SubParsersAction[Any], keep: Any) -> None:
    """Add ``repo init|add|list`` under ``hall central``."""
    repo = csub.add_parser(
        "repo", help="central's signed apt repository of hallkit's packages (for the boxes)"
    )
    rsub = repo.add_subparsers(dest="repo_command", metavar="ACTION", required=True)
    init = rsub.add_parser("init", help="make the signing key and the repository (idempotent)")
    init.add_argument("--data", default=keep, help=DATA_HELP)
    init.set_defaults(handler=_cmd_init)
    add = rsub.add_parser("add", help="publish .deb packages (a newer version replaces the older)")
    add.add_argument("--data", default=keep, help=DATA_HELP)
    add.add_argument("debs", nargs="+", metavar="DEB", help="a .deb file")
    add.set_defaults(handler=_cmd_add)
    listing = rsub.add_parser("list", help="the published packages: name, version, architecture")
    listing.add_argument("--data", default=keep, help=DATA_HELP)
    listing.set_defaults(handler=_cmd_list)
    release = rsub.add_parser(
        "release",
        help="name the version the halls (of a region) should run; alone: list the releases",
    )
    release.add_argument("version", nargs="?", metavar="VERSION", help="e.g. 1.4.0")
    release.add_argument(
        "--region", help="only the halls of this region (its code) and below; default every hall"
    )
    release.add_argument("--clear", action="store_true", help="drop the release (of --region)")
    release.add_argument("--data", default=keep, help="central's data folder (central.db)")
    release.add_argument("--db", default=keep, help="central's database (postgresql://…)")
    release.set_defaults(handler=_cmd_release)
