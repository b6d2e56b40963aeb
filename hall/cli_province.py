"""``hall central province-status``, ``province-send``, ``province-retry``, and the province
options of ``serve``.

The province (the provincial 好差评 system central forwards ratings and follow-up steps to) is
named by ``--province-url`` and ``--province-token-file`` (or ``HALLKIT_PROVINCE_URL`` and
``HALLKIT_PROVINCE_TOKEN_FILE``); docs/province.md describes the records and their delivery.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from hall.exits import EXIT_FAIL, EXIT_OK, EXIT_USAGE

SEND_PASSES = 10_000
"""``province-send`` stops after this many passes even if records keep coming."""


def province_options(parser: argparse.ArgumentParser, default: Any) -> None:
    """``--province-url``, ``--province-token-file``, ``--province-scale``, ``--province-lease``."""
    parser.add_argument(
        "--province-url",
        default=default,
        help="the provincial 好差评 system's endpoint (default: $HALLKIT_PROVINCE_URL); "
        "without it central keeps the records until one is configured",
    )
    parser.add_argument(
        "--province-token-file",
        default=default,
        help="file holding the province's access token (default: $HALLKIT_PROVINCE_TOKEN_FILE)",
    )
    parser.add_argument(
        "--province-scale",
        default=default,
        help="the province's satisfaction codes: gbt39046 (1 非常满意 … 5, default) or reverse "
        "(5 非常满意 … 1)",
    )
    parser.add_argument(
        "--province-lease",
        type=float,
        default=default,
        help="seconds one sender holds a hall's records before another may take over (60)",
    )


def province_config(args: argparse.Namespace) -> Any:
    """The province configuration from the options (else the environment), or None.

    Raises ProvinceError naming the bad setting.
    """
    from sync.central.province import LEASE_ENV, SCALE_ENV, TOKEN_FILE_ENV, URL_ENV, load_config

    lease = getattr(args, "province_lease", None) or os.environ.get(LEASE_ENV)
    return load_config(
        getattr(args, "province_url", None) or os.environ.get(URL_ENV),
        getattr(args, "province_token_file", None) or os.environ.get(TOKEN_FILE_ENV),
        getattr(args, "province_scale", None) or os.environ.get(SCALE_ENV),
        float(lease) if lease else None,
    )


def export_to_workers(args: argparse.Namespace) -> None:
    """Put the province options in the environment, where every worker of ``serve`` (and
    :func:`sync.central.server.open_central`) reads them."""
    from sync.central.province import LEASE_ENV, SCALE_ENV, TOKEN_FILE_ENV, URL_ENV

    for name, env in (
        ("province_url", URL_ENV),
        ("province_token_file", TOKEN_FILE_ENV),
        ("province_scale", SCALE_ENV),
        ("province_lease", LEASE_ENV),
    ):
        value = getattr(args, name, None)
        if value:
            os.environ[env] = str(value)


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _cmd_status(args: argparse.Namespace) -> int:
    from hall.cli_central_common import open_central_store
    from sync.central.province import province_status

    central = open_central_store(args, "province-status")
    if central is None:
        return EXIT_USAGE
    try:
        status = province_status(central)
    finally:
        central.close()
    if args.json:
        print(json.dumps(status.to_dict(), ensure_ascii=False))
        return EXIT_OK
    print(
        f"province: {status.pending} pending (oldest {_age(status.oldest_pending_seconds)}), "
        f"{status.sent} sent, {status.held} held"
    )
    if status.last_error:
        print(f"last error: {status.last_error}")
    for hall, name, count in status.waiting_for_region:
        print(f"waiting: {hall} {name}: {count} records, the hall has no region (division code)")
        print(f"  set it: hall central set-hall-region --hall {hall} --region CODE")
    for rid, reason in status.held_records:
        print(f"held: {rid}: {reason}")
    return EXIT_OK


def _cmd_send(args: argparse.Namespace) -> int:
    from hall.cli_central_common import open_central_store
    from sync.central.forwarder import Forwarder
    from sync.central.province import ProvinceError
    from sync.errors import StoreError

    try:
        config = province_config(args)
    except ProvinceError as err:
        print(f"hall central province-send: {err}", file=sys.stderr)
        return EXIT_USAGE
    if config is None:
        print(
            "hall central province-send: --province-url URL and --province-token-file FILE "
            "are required (or HALLKIT_PROVINCE_URL and HALLKIT_PROVINCE_TOKEN_FILE)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    central = open_central_store(args, "province-send")
    if central is None:
        return EXIT_USAGE
    forwarder = Forwarder(central, config)
    sent = held = 0
    failed: set[str] = set()
    try:
        for _ in range(SEND_PASSES):
            result = forwarder.run_once()
            sent, held = sent + result.sent, held + result.held
            failed.update(result.failed)
            if not result.worked:
                break
    except StoreError as err:
        print(f"hall central province-send: {err}", file=sys.stderr)
        return EXIT_FAIL
    finally:
        forwarder.stop()
        central.close()
    print(f"sent {sent}, held {held}" + (f", failed for {len(failed)} halls" if failed else ""))
    if failed:
        print(
            "see hall central province-status for the error; central will try again",
            file=sys.stderr,
        )
        return EXIT_FAIL
    return EXIT_OK


def _cmd_retry(args: argparse.Namespace) -> int:
    from hall.cli_central_common import open_central_store
    from sync.central.province import ProvinceError, release_held

    if bool(args.all) == bool(args.records):
        print("hall central province-retry: name RECORD_IDs or --all", file=sys.stderr)
        return EXIT_USAGE
    central = open_central_store(args, "province-retry")
    if central is None:
        return EXIT_USAGE
    try:
        released = release_held(central, None if args.all else args.records)
    except ProvinceError as err:
        print(f"hall central province-retry: {err}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        central.close()
    print(f"{released} refused records will be sent again")
    return EXIT_OK


def register(csub: argparse._SubParsersAction[Any], keep: Any) -> None:
    """Add ``province-status``, ``province-send`` and ``province-retry`` to ``hall central``."""
    from hall.cli_central_common import DATA_HELP, DB_HELP

    status = csub.add_parser(
        "province-status",
        help="好差评 records for the province: pending, sent, held (with why), last error",
    )
    status.add_argument("--data", default=keep, help=DATA_HELP)
    status.add_argument("--db", default=keep, help=DB_HELP)
    status.add_argument("--json", action="store_true", help="one JSON object")
    status.set_defaults(handler=_cmd_status)

    send = csub.add_parser(
        "province-send", help="send the due 好差评 records to the province now (cron, tests)"
    )
    send.add_argument("--data", default=keep, help=DATA_HELP)
    send.add_argument("--db", default=keep, help=DB_HELP)
    province_options(send, keep)
    send.set_defaults(handler=_cmd_send)

    retry = csub.add_parser(
        "province-retry", help="send records the province refused again (after it was fixed)"
    )
    retry.add_argument("--data", default=keep, help=DATA_HELP)
    retry.add_argument("--db", default=keep, help=DB_HELP)
    retry.add_argument("--all", action="store_true", help="every record the province refused")
    retry.add_argument("records", nargs="*", help="record ids (HALL:SEQ) from province-status")
    retry.set_defaults(handler=_cmd_retry)
