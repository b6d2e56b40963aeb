"""``hall counter``: the clerk's counter app (PySide6), or ``--tour DIR`` to render its screens.

Handlers import Qt lazily, so ``hall`` stays usable on a box with no display.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from hall.exits import EXIT_FAIL, EXIT_OK

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``hall counter`` to the ``hall`` parser."""
    from hall.appsetup import add_app_arguments

    counter = sub.add_parser("counter", help="the clerk's counter app for one window (PySide6)")
    counter.add_argument("--window", type=int, help="window number (default: [devices.BOX].window)")
    counter.add_argument("--tour", metavar="DIR", help="render every screen to PNG and exit")
    add_app_arguments(counter)
    counter.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start the counter; returns the exit status. Start-up problems are one sentence on stderr."""
    from appkit.startup import AppSetupError
    from hall.appsetup import resolve
    from hall.qtcheck import require_qt

    if (status := require_qt("hall counter")) is not None:
        return status
    try:
        setup = resolve(args, "counter")
    except AppSetupError as err:
        print(f"hall counter: {err}", file=sys.stderr)
        return EXIT_FAIL
    window = args.window or setup.settings.window
    if args.tour:
        from counter.qt.tour import render_tour

        keys: dict[str, list[str]] = {
            str(k): list(v) for k, v in setup.settings.counter_keys.items()
        }
        number = window or setup.config.windows[0].number
        files = render_tour(args.tour, setup.config, number, keys)
        for path in files:
            print(path)
        return EXIT_OK
    if window is None:
        print(
            f"hall counter: no window number: pass --window N or set window in "
            f"[devices.{setup.box}]",
            file=sys.stderr,
        )
        return EXIT_FAIL
    if setup.config.window(window) is None:
        print(f"hall counter: the hall has no window {window}", file=sys.stderr)
        return EXIT_FAIL
    try:
        token = setup.require_token()
    except AppSetupError as err:
        print(f"hall counter: {err}", file=sys.stderr)
        return EXIT_FAIL
    return _run_gui(setup, window, token)


def _run_gui(setup: Any, window: int, token: str) -> int:
    from appkit.qtapp import make_application
    from counter.qt.app import build_counter, open_devices
    from counter.qt.keys import KeyConfigError, parse_keys
    from devices.errors import DeviceError
    from hub.client import HubClient

    # the one factory of every app (the feed and hub calls run on other threads: the cyclic
    # collector runs on the GUI thread); the counter's widgets are drawn in the hall font
    app = make_application(sys.argv[:1], hall_font=True)
    try:
        parse_keys({k: list(v) for k, v in setup.settings.counter_keys.items()})
    except KeyConfigError as err:
        print(f"hall counter: {err}", file=sys.stderr)
        return EXIT_FAIL
    try:
        keypad, printer, stoppers = open_devices(
            setup.settings, setup.config, str(setup.data_dir / "health")
        )
    except DeviceError as err:
        print(f"hall counter: {err}", file=sys.stderr)
        return EXIT_FAIL
    client = HubClient(setup.hub_url, token)
    counter = build_counter(
        window,
        setup.config,
        setup.settings,
        client,
        keypad=keypad,
        printer=printer,
        stoppers=stoppers,
    )
    counter.window.show()
    from hall.sdnotify_qt import qt_watchdog

    qt_watchdog(app, f"counter window {window}")
    try:
        return app.exec()
    finally:
        counter.close()
