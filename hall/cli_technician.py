"""``hall doctor`` and ``hall provision``: the field technician's two commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``doctor`` and ``provision`` to the ``hall`` parser."""
    doctor = sub.add_parser(
        "doctor",
        help="check every device and service this box depends on; says what to do (中文/English)",
    )
    doctor.add_argument("--config", help="hall configuration (default: the built-in sample hall)")
    doctor.add_argument("--box", help="this box's name in [devices.NAME] (default: host name)")
    doctor.add_argument("--data", type=Path, help="the hub's data folder (on the hub box)")
    doctor.add_argument(
        "--records",
        type=Path,
        help="folder where the running apps record device health (shows each device's last error)",
    )
    doctor.add_argument("--timeout", type=float, default=5.0, help="seconds per device probe")
    doctor.add_argument("--json", action="store_true", help="print the findings as JSON")
    doctor.set_defaults(handler=_cmd_doctor)


def _cmd_doctor(args: argparse.Namespace) -> int:
    import logging

    from hall.doctor import DoctorRequest, default_box_name, render_json, render_text, run_doctor

    request = DoctorRequest(
        config=args.config,
        box=args.box or default_box_name(),
        data_dir=args.data,
        record_dir=args.records,
        timeout=args.timeout,
    )
    if not args.verbose:  # the report says it all; the drivers' own log lines would repeat it
        logging.getLogger("devices").setLevel(logging.CRITICAL)
    findings = run_doctor(request)
    print(render_json(findings) if args.json else render_text(findings))
    sys.stdout.flush()
    return 0 if all(f.ok for f in findings) else 1
