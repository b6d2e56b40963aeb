"""``hall kiosk``: the touch kiosk and ticket machine (PySide6), and its offscreen tour."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from hall.appsetup import add_app_arguments

log = logging.getLogger(__name__)


def _cmd_kiosk(args: argparse.Namespace) -> int:
    if args.tour:
        return _tour(Path(args.tour))
    from hall.appsetup import AppSetupError, resolve

    try:
        setup = resolve(args, "kiosk")
    except AppSetupError as err:
        print(f"hall kiosk: {err}", file=sys.stderr)
        return 1
    from hall.sdnotify_qt import qt_watchdog
    from kiosk.app_model import Role
    from kiosk.qt.app import make_application, run

    role: Role = "ticket" if (args.role or setup.settings.role) == "ticket" else "kiosk"

    # The app object exists before run() builds the window, so that systemd hears READY=1 on
    # the event loop's first turn and the watchdog is fed from the GUI thread only.
    qt_watchdog(make_application(), f"kiosk {setup.box} ({role})")
    return run(setup, role, windowed=args.windowed)


def _tour(out: Path) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")  # offscreen's size-hint chatter
    from kiosk.qt.app import make_application
    from kiosk.qt.tour import run_tour

    make_application()
    files = run_tour(out)
    print(f"wrote {len(files)} screens to {out}")
    return 0


def register(sub: Any) -> None:
    """Add ``hall kiosk`` to the ``hall`` command's subparsers."""
    kiosk = sub.add_parser(
        "kiosk", help="run the touch kiosk / ticket machine (full screen), or render its tour"
    )
    add_app_arguments(kiosk)
    kiosk.add_argument(
        "--role",
        choices=["ticket", "kiosk"],
        help="ticket: a ticket machine (取号 first, queue journeys only); kiosk: every journey "
        "(default: the box's role in the configuration)",
    )
    kiosk.add_argument(
        "--tour",
        metavar="DIR",
        help="render every screen (portrait and landscape, elder mode off and on) to PNG "
        "files in DIR, offscreen, and exit",
    )
    kiosk.add_argument(
        "--windowed",
        action="store_true",
        help="a 540x960 window instead of full screen (development)",
    )
    kiosk.set_defaults(handler=_cmd_kiosk)
