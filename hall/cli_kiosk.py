"""``hall kiosk``: the touch kiosk and ticket machine (PySide6), and its offscreen tour."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from appkit.startup import AppSetup
from hall.appsetup import add_app_arguments

log = logging.getLogger(__name__)


def _cmd_kiosk(args: argparse.Namespace) -> int:
    from appkit.startup import AppSetupError
    from hall.appsetup import resolve
    from hall.qtcheck import require_qt

    if (status := require_qt("hall kiosk")) is not None:
        return status
    try:
        setup = resolve(args, "kiosk")
    except AppSetupError as err:
        print(f"hall kiosk: {err}", file=sys.stderr)
        return 1
    if args.tour:
        return _tour(Path(args.tour), setup)
    from appkit.qtapp import make_application
    from hall.sdnotify_qt import qt_watchdog
    from kiosk.app_model import Role
    from kiosk.qt.app import run

    role: Role = "ticket" if (args.role or setup.settings.role) == "ticket" else "kiosk"

    # The app object exists before run() builds the window, so that systemd hears READY=1 on
    # the event loop's first turn and the watchdog is fed from the GUI thread only.
    qt_watchdog(make_application(), f"kiosk {setup.box} ({role})")
    return run(setup, role, windowed=args.windowed)


def _tour(out: Path, setup: AppSetup) -> int:
    """The tour of this hall (``--config``) and box (``--box``: its role, else both roles)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")  # offscreen's size-hint chatter
    from appkit.qtapp import make_application
    from kiosk.qt.app import emblem_path
    from kiosk.qt.tour import run_tour

    make_application()
    files = run_tour(
        out,
        config=setup.config,
        config_path=setup.config_path,
        box=setup.box if setup.configured else None,
        emblem=emblem_path(setup),
    )
    print(f"wrote {len(files)} screens to {out} (measurements: {out / 'tour.csv'})")
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
        help="render every screen of this hall (--config) and box (--box: a kiosk at "
        "1080x1920 and 1920x1080, a ticket machine at 720x1280 and 1280x720; both without a "
        "box), 标准版 and 长辈版, to PNG files in DIR with tour.csv (measurements), offscreen, "
        "and exit",
    )
    kiosk.add_argument(
        "--windowed",
        action="store_true",
        help="a 540x960 window instead of full screen (development)",
    )
    kiosk.set_defaults(handler=_cmd_kiosk)
