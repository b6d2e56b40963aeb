"""``hall demo``: a whole demo hall on this machine, in one command.

A reference central and a hub enrolled with it run as processes (:mod:`hall.demo.site`); every
app (ticket machine, touch kiosk, two counters, their window boards, the hall display) runs in
this process over simulated devices (:mod:`hall.demo.apps`), with one QApplication. On a
desktop their windows open; with no display they run offscreen. Simulated citizens and clerks
keep the hall busy through the apps' windows and devices (:mod:`hall.demo.live`), or
``--script day`` plays a scripted morning and writes its evidence (:mod:`hall.demo.day`).

The package's modules import downwards only: this one starts :mod:`hall.demo.run` (lazily), which
uses the apps, the day, the live hall and the site; none of them imports back.

Qt is imported only after the platform is chosen (``QT_QPA_PLATFORM`` must be set before the
QApplication exists), so this module imports nothing of Qt at its top.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import threading
from pathlib import Path
from types import FrameType

log = logging.getLogger(__name__)


def choose_platform() -> bool:
    """True when windows can open (a desktop session); otherwise sets the offscreen platform."""
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        return False
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return True
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
    return False


def _log_to_file(path: Path, verbose: bool) -> None:
    """The apps' logs go to ``path``; the terminal keeps the demo's own lines and warnings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for existing in root.handlers:
        existing.setLevel(logging.DEBUG if verbose else logging.WARNING)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)


def run_demo(args: argparse.Namespace) -> int:
    """Start the demo hall and keep it running (or play ``--script``); returns the exit status.

    Stops cleanly on Ctrl-C, SIGTERM or after ``--duration`` seconds: apps closed, simulators
    stopped, hub and central stopped.
    """
    data = Path(args.data).resolve()
    script = getattr(args, "script", None)
    if data.exists() and not args.resume:
        shutil.rmtree(data)
    data.mkdir(parents=True, exist_ok=True)
    windowed = choose_platform()
    _log_to_file(data / "demo.log", bool(getattr(args, "verbose", False)))
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        print(f"\n{signal.Signals(signum).name}: 正在停止演示 / stopping the demo …", flush=True)
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        from hall.demo.run import run  # noqa: PLC0415 - Qt only once QT_QPA_PLATFORM is set

        return run(args, data, windowed, stop, script)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
