"""``hall central …``: run the reference central and manage its halls.

``hall central serve --data DIR --bind HOST:PORT`` serves; ``hall central --data DIR --bind
HOST:PORT`` (no subcommand) does the same. The other subcommands work on the database directly
and may run while the server runs. Every command takes ``--db URL`` (``postgresql://…``; or
``HALLKIT_CENTRAL_DB`` in the environment); without it, SQLite in ``--data`` as before.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

from hall.cli_central_common import (
    DATA_HELP,
    DB_HELP,
    database,
    need_data,
    open_central_store,
)
from hall.exits import EXIT_FAIL, EXIT_OK, EXIT_USAGE


def _cmd_serve(args: argparse.Namespace) -> int:
    from hall.cli_province import export_to_workers, province_config
    from sync.central.faults import Faults
    from sync.central.province import ProvinceError
    from sync.central.server import open_central, serve, uvicorn_config
    from sync.errors import StoreError

    data = need_data(args, "serve")
    if data is None:
        return EXIT_USAGE
    db = database(args)
    if args.workers < 1:
        print("hall central: --workers must be 1 or more", file=sys.stderr)
        return EXIT_USAGE
    try:
        province = province_config(args)
    except ProvinceError as err:
        print(f"hall central: {err}", file=sys.stderr)
        return EXIT_USAGE
    export_to_workers(args)  # every worker's open_central reads them there
    if getattr(args, "apt_repo", None):
        from hall.cli_central_repo import ensure_repo

        if ensure_repo(data) != EXIT_OK:
            return EXIT_FAIL
    try:
        faults = Faults(args.fail_rate, args.lose_answer_rate, args.seed)
        central = open_central(data, faults if faults.active else None, db)
        uvicorn_config(central.app, args.bind, args.tls_cert, args.tls_key)
    except (ValueError, StoreError) as err:
        print(f"hall central: {err}", file=sys.stderr)
        return EXIT_FAIL
    scheme = "https" if args.tls_cert else "http"
    host, _, port = args.bind.rpartition(":")
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "[::]") else host  # noqa: S104
    print(
        f"central listening on {scheme}://{shown}:{port}  ({len(central.store.halls())} halls, "
        f"database {central.store.db.location}, {args.workers} worker"
        f"{'s' if args.workers > 1 else ''})"
    )
    print(
        f"admin page: {scheme}://{shown}:{port}/admin?token=… (token in {central.admin_token_path})"
    )
    print(f"console: {scheme}://{shown}:{port}/console/ (accounts: hall central account add)")
    if province is not None:
        print(f"好差评 records go to the province: {province.url} ({province.scale} codes)")
    if faults.active:
        print(
            f"FAULT INJECTION: fail-rate {faults.fail_rate}, lose-answer-rate "
            f"{faults.lose_answer_rate}, seed {faults.seed}"
        )
    sys.stdout.flush()
    serve(
        central,
        args.bind,
        args.tls_cert,
        args.tls_key,
        workers=args.workers,
        db=db,
        faults=faults if faults.active else None,
    )
    return EXIT_OK


def _cmd_add_hall(args: argparse.Namespace) -> int:
    from sync.central.console.accounts import CLI_ACTOR
    from sync.central.console.regions import region_tree, set_hall_region
    from sync.central.errors import CentralError

    central = open_central_store(args, "add-hall")
    if central is None:
        return EXIT_USAGE
    if args.region is not None and args.region not in region_tree(central).by_code:
        print(f"hall central add-hall: no region {args.region!r}", file=sys.stderr)
        return EXIT_FAIL
    try:
        hall, code = central.add_hall(args.name, args.rating_scale)
        if args.region is not None:
            set_hall_region(central, CLI_ACTOR, hall.id, args.region)
    except CentralError as err:
        print(f"hall central add-hall: {err}", file=sys.stderr)
        return EXIT_FAIL
    print(f"hall {hall.id} '{hall.name}' registered (rating scale {hall.rating_scale})")
    print(f"enrollment code (one use, valid 7 days): {code}")
    return EXIT_OK


def _cmd_new_code(args: argparse.Namespace) -> int:
    from sync.central.errors import CentralError

    central = open_central_store(args, "new-code")
    if central is None:
        return EXIT_USAGE
    try:
        code = central.new_code(args.hall)
    except CentralError as err:
        print(f"hall central new-code: {err}", file=sys.stderr)
        return EXIT_FAIL
    print(f"enrollment code for {args.hall} (one use, valid 7 days): {code}")
    return EXIT_OK


def _cmd_dump(args: argparse.Namespace) -> int:
    central = open_central_store(args, "dump")
    if central is None:
        return EXIT_USAGE
    out = sys.stdout
    for event in central.iter_events(args.hall):
        out.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
    out.flush()
    return EXIT_OK


def _cmd_halls(args: argparse.Namespace) -> int:
    central = open_central_store(args, "halls")
    if central is None:
        return EXIT_USAGE
    for hall in central.halls():
        if args.json:
            row = {
                "hall": hall.id,
                "name": hall.name,
                "acked_seq": hall.acked_seq,
                "hub_last_seq": hall.hub_last_seq,
                "held": hall.held,
                "applied": hall.applied,
                "rejected": hall.rejected,
                "conflicts": hall.conflicts,
                "applied_by_type": central.applied_counts(hall.id),
                "catalog_version": hall.catalog_version,
                "last_contact": hall.last_contact,
            }
            print(json.dumps(row, ensure_ascii=False))
        else:
            print(
                f"{hall.id}  {hall.name}  acked {hall.acked_seq}  hub {hall.hub_last_seq}  "
                f"lag {hall.lag}  applied {hall.applied}  rejected {hall.rejected}"
            )
    return EXIT_OK


def _read_catalog_file(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    data: Any = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    if not isinstance(data, dict):
        raise ValueError("the file must hold a table/object with 'categories' and 'items'")
    return data


def _cmd_publish_catalog(args: argparse.Namespace) -> int:
    from sync.central.downlink import publish_catalog
    from sync.central.errors import CentralError

    central = open_central_store(args, "publish-catalog")
    if central is None:
        return EXIT_USAGE
    path = Path(args.file)
    try:
        published = publish_catalog(central, args.hall, _read_catalog_file(path))
    except (OSError, ValueError, tomllib.TOMLDecodeError) as err:
        print(f"{path}: cannot read the catalog: {err}", file=sys.stderr)
        return EXIT_FAIL
    except CentralError as err:
        print(f"{path}: {err}", file=sys.stderr)
        return EXIT_FAIL
    catalog = published.catalog
    print(
        f"catalog version {published.version} for {args.hall}: {len(catalog['categories'])} "
        f"categories, {len(catalog['items'])} items ({published.checksum})"
    )
    return EXIT_OK


def _cmd_add_appointment(args: argparse.Namespace) -> int:
    from devices.errors import DeviceError
    from devices.idnumber import normalize
    from sync.central.downlink import add_appointment, next_appointment_code
    from sync.central.errors import CentralError
    from sync.wire import WireAppointment

    central = open_central_store(args, "add-appointment")
    if central is None:
        return EXIT_USAGE
    try:
        id_number = normalize(args.id_number) if args.id_number else None
        code = args.code or next_appointment_code(central, args.hall, args.date)
        appointment = WireAppointment(
            code=code,
            slot_start=args.start,
            slot_end=args.end,
            category=args.category,
            item_id=args.item,
            id_number=id_number,
        )
        version = add_appointment(central, args.hall, args.date, appointment)
    except (CentralError, DeviceError, ValueError) as err:
        print(f"hall central add-appointment: {err}", file=sys.stderr)
        return EXIT_FAIL
    print(f"appointment {code} on {args.date} {args.start}–{args.end} (day version {version})")
    return EXIT_OK


def _cmd_cancel_appointment(args: argparse.Namespace) -> int:
    from sync.central.downlink import cancel_appointment
    from sync.central.errors import CentralError

    central = open_central_store(args, "cancel-appointment")
    if central is None:
        return EXIT_USAGE
    try:
        version = cancel_appointment(central, args.hall, args.code)
    except CentralError as err:
        print(f"hall central cancel-appointment: {err}", file=sys.stderr)
        return EXIT_FAIL
    print(f"appointment {args.code} cancelled (day version {version})")
    return EXIT_OK


def _cmd_case_status(args: argparse.Namespace) -> int:
    from sync.central.cases import set_case_status
    from sync.central.errors import CentralError

    central = open_central_store(args, "case-status")
    if central is None:
        return EXIT_USAGE
    try:
        case = set_case_status(
            central,
            args.receipt.strip().upper(),
            args.status,
            args.hall,
            missing=args.missing,
            reason=args.reason,
            pickup_window=args.pickup_window,
        )
    except CentralError as err:
        print(f"hall central case-status: {err.message}", file=sys.stderr)
        return EXIT_FAIL
    shown = case.to_dict()
    print(f"{case.receipt} ({case.hall}, {case.item_name}): {case.status} {shown['status_text']}")
    return EXIT_OK


def _serve_options(parser: argparse.ArgumentParser, data_default: Any) -> None:
    from hall.cli_province import province_options

    parser.add_argument("--data", default=data_default, help=DATA_HELP)
    parser.add_argument("--db", default=data_default, help=DB_HELP)
    parser.add_argument(
        "--workers",
        type=int,
        default=1 if data_default is None else data_default,
        help="worker processes (PostgreSQL; uvicorn's supervisor restarts one that dies)",
    )
    parser.add_argument("--bind", default="127.0.0.1:8800", help="HOST:PORT to listen on")
    parser.add_argument("--tls-cert", help="server certificate chain (PEM) for HTTPS")
    parser.add_argument("--tls-key", help="the certificate's private key (PEM)")
    parser.add_argument(
        "--fail-rate",
        type=float,
        default=0.0,
        help="tests only: share of API requests answered 503 + Retry-After (0–1)",
    )
    parser.add_argument(
        "--lose-answer-rate",
        type=float,
        default=0.0,
        help="tests only: share of committed uploads whose answer is cut off (0–1)",
    )
    parser.add_argument("--seed", type=int, help="tests only: seed of the fault injection")
    parser.add_argument(
        "--apt-repo",
        action="store_true",
        default=data_default,
        help="make the package repository (DATA/apt) if missing; served at /apt/ once made",
    )
    province_options(parser, data_default)


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``hall central`` and its subcommands to the ``hall`` parser."""
    central = sub.add_parser(
        "central",
        help="run the reference central platform and manage its halls",
        description=(
            "Without a subcommand, `hall central --data DIR --bind HOST:PORT` serves, "
            "the same as `hall central serve …`."
        ),
    )
    _serve_options(central, None)
    central.set_defaults(handler=_cmd_serve)
    csub = central.add_subparsers(dest="central_command", metavar="COMMAND")
    # Subcommands' --data defaults to SUPPRESS so `hall central --data D add-hall` keeps D.
    keep = argparse.SUPPRESS

    serve = csub.add_parser("serve", help="serve the sync API and the admin page")
    _serve_options(serve, keep)
    serve.set_defaults(handler=_cmd_serve)

    add = csub.add_parser(
        "add-hall", help="register a hall; prints its id and, last, a one-time enrollment code"
    )
    add.add_argument("--data", default=keep, help=DATA_HELP)
    add.add_argument("--db", default=keep, help=DB_HELP)
    add.add_argument("--name", required=True, help="the hall's name (示例镇便民服务中心)")
    add.add_argument(
        "--rating-scale",
        choices=["gbt39046", "reverse"],
        default="gbt39046",
        help="scale of rating satisfaction codes this platform expects (default gbt39046)",
    )
    add.add_argument("--region", help="the code of the region the hall belongs to")
    add.set_defaults(handler=_cmd_add_hall)

    code = csub.add_parser("new-code", help="a new enrollment code for a hall (replacing a hub)")
    code.add_argument("--data", default=keep, help=DATA_HELP)
    code.add_argument("--db", default=keep, help=DB_HELP)
    code.add_argument("--hall", required=True, help="hall id (h-…)")
    code.set_defaults(handler=_cmd_new_code)

    dump = csub.add_parser("dump", help="print every received event as one JSON object per line")
    dump.add_argument("--data", default=keep, help=DATA_HELP)
    dump.add_argument("--db", default=keep, help=DB_HELP)
    dump.add_argument("--hall", help="only this hall's events")
    dump.set_defaults(handler=_cmd_dump)

    halls = csub.add_parser("halls", help="list halls with their sync counters")
    halls.add_argument("--data", default=keep, help=DATA_HELP)
    halls.add_argument("--db", default=keep, help=DB_HELP)
    halls.add_argument("--json", action="store_true", help="one JSON object per hall")
    halls.set_defaults(handler=_cmd_halls)

    publish = csub.add_parser(
        "publish-catalog", help="publish a catalog file (TOML or JSON) as the hall's next version"
    )
    publish.add_argument("--data", default=keep, help=DATA_HELP)
    publish.add_argument("--db", default=keep, help=DB_HELP)
    publish.add_argument("--hall", required=True, help="hall id (h-…)")
    publish.add_argument("file", help="TOML or .json file with 'categories' and 'items'")
    publish.set_defaults(handler=_cmd_publish_catalog)

    book = csub.add_parser("add-appointment", help="book an appointment for a hall's day")
    book.add_argument("--data", default=keep, help=DATA_HELP)
    book.add_argument("--db", default=keep, help=DB_HELP)
    book.add_argument("--hall", required=True, help="hall id (h-…)")
    book.add_argument("--date", required=True, help="service day, YYYY-MM-DD")
    book.add_argument("--start", required=True, help="slot start, HH:MM")
    book.add_argument("--end", required=True, help="slot end, HH:MM")
    book.add_argument("--category", required=True, help="queue category code (A, B, …)")
    book.add_argument("--item", help="service item id")
    book.add_argument("--id-number", help="the citizen's ID number (checked)")
    book.add_argument("--code", help="appointment code (default: Y<YYYYMMDD><NNN>)")
    book.set_defaults(handler=_cmd_add_appointment)

    cancel = csub.add_parser("cancel-appointment", help="cancel a booked appointment")
    cancel.add_argument("--data", default=keep, help=DATA_HELP)
    cancel.add_argument("--db", default=keep, help=DB_HELP)
    cancel.add_argument("--hall", required=True, help="hall id (h-…)")
    cancel.add_argument("--code", required=True, help="appointment code")
    cancel.set_defaults(handler=_cmd_cancel_appointment)

    status = csub.add_parser(
        "case-status",
        help="move a case (收件回执) to a new status; the hall's hub applies it (downlink)",
    )
    status.add_argument("--data", default=keep, help=DATA_HELP)
    status.add_argument("--db", default=keep, help=DB_HELP)
    status.add_argument("--hall", help="hall id (h-…), needed only if two halls hold the receipt")
    status.add_argument("receipt", help="receipt number, e.g. SJ202611220001")
    status.add_argument(
        "status",
        help="processing, correction, ready, delivered, rejected, completed or withdrawn"
        " (only a move the case's status allows)",
    )
    status.add_argument(
        "--missing",
        action="append",
        default=[],
        help="a material still needed, for correction (补正); repeat for each",
    )
    status.add_argument("--reason", help="why, for rejected (不予受理)")
    status.add_argument(
        "--pickup-window", type=int, help="window number where a ready case is collected"
    )
    status.set_defaults(handler=_cmd_case_status)

    from hall import cli_central_console, cli_central_repo, cli_province

    cli_province.register(csub, keep)
    cli_central_console.register_console(csub)
    cli_central_repo.register(csub, keep)
