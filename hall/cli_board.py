"""``hall board`` (the window board) and ``hall display`` (the hall display with its voice)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from appkit.startup import AppSetupError
from hall.appsetup import add_app_arguments, resolve
from hall.exits import EXIT_FAIL, EXIT_OK, EXIT_USAGE
from hall.qtcheck import require_qt


def _cmd_board(args: argparse.Namespace) -> int:
    if (status := require_qt("hall board")) is not None:
        return status
    try:
        setup = resolve(args, "board")
    except AppSetupError as err:
        print(f"hall board: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.tour:
        from boards.qt.app import tour

        # The hall's own board: --window, else the box's window (--box), else a sample window.
        window = args.window or setup.settings.window
        for path in tour(setup.config, Path(args.tour), "board", window):
            print(path)
        return EXIT_OK
    window = args.window or setup.settings.window
    if window is None or setup.config.window(window) is None:
        known = ", ".join(str(w.number) for w in setup.config.windows)
        print(f"hall board: give --window N (this hall has windows {known})", file=sys.stderr)
        return EXIT_USAGE
    from appkit.qtapp import make_application
    from boards.qt.app import run_board
    from hall.sdnotify_qt import qt_watchdog

    qt_watchdog(make_application(), f"board window {window}")

    try:
        return run_board(setup, window, windowed=args.windowed)
    except AppSetupError as err:
        print(f"hall board: {err}", file=sys.stderr)
        return EXIT_FAIL


def _cmd_display(args: argparse.Namespace) -> int:
    if (status := require_qt("hall display")) is not None:
        return status
    try:
        setup = resolve(args, "display")
    except AppSetupError as err:
        print(f"hall display: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.tour:
        from boards.qt.app import tour

        for path in tour(setup.config, Path(args.tour), "display"):
            print(path)
        return EXIT_OK
    from appkit.qtapp import make_application
    from boards.qt.app import run_display
    from hall.sdnotify_qt import qt_watchdog

    qt_watchdog(make_application(), "hall display")

    try:
        return run_display(setup, windowed=args.windowed)
    except AppSetupError as err:
        print(f"hall display: {err}", file=sys.stderr)
        return EXIT_FAIL


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``board`` and ``display`` to the ``hall`` command."""
    board = sub.add_parser(
        "board", help="the window board above a window (number, clerk, status, rating prompt)"
    )
    add_app_arguments(board)
    board.add_argument("--window", type=int, help="window number (default: the box's window)")
    board.add_argument(
        "--tour",
        metavar="DIR",
        help="draw every board screen of this hall (--config) and window (--window, --box) "
        "to PNG files in DIR",
    )
    board.add_argument("--windowed", action="store_true", help="a window, not full screen")
    board.set_defaults(handler=_cmd_board)

    display = sub.add_parser(
        "display", help="the hall display: latest calls, waiting counts, notice; speaks calls"
    )
    add_app_arguments(display)
    display.add_argument("--tour", metavar="DIR", help="draw the display screen to PNG in DIR")
    display.add_argument("--windowed", action="store_true", help="a window, not full screen")
    display.set_defaults(handler=_cmd_display)
