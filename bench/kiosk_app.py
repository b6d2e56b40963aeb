"""The kiosk app (PySide6, offscreen): start to first screen interactive, and memory growth over
an hour's worth of citizens.

Start: a fresh Python process builds the kiosk for the sample hall (no devices configured, the
hub unreachable: the first screen must not wait for it), shows the window at 1080×1920, draws
the home screen and processes events; the time runs from spawning the process until it reports
the screen drawn (interpreter, imports, Qt, fonts, catalog index not included: built later in a
worker). Memory: a real hub in the same process; ~60 citizens (an hour of a small hall's
kiosk) each take a ticket, search a guide by pinyin, open an item, check progress, and go home;
RSS and tracemalloc are read after a 10-citizen warm-up and at the end.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from appkit.qtapp import make_application
from bench.report import Measure, Target
from kiosk.app_model import KioskModel
from kiosk.catalog import CatalogKeeper, CatalogStore
from kiosk.journeys.base import Context
from kiosk.qt.maintenance import Technician
from kiosk.qt.tour import LogAlerts, TourClock, TourKiosk, TourPrinter, tour_hub
from kiosk.qt.window import KioskWindow

GROUP = "kiosk app"
START_TARGET_S = 1.5
GROWTH_TARGET_MB = 10.0
ROOT = Path(__file__).resolve().parents[1]

_START_CHILD = textwrap.dedent(
    """
    import argparse, os, sys
    from hall.appsetup import resolve
    from appkit.qtapp import make_application
    from kiosk.qt.app import build_kiosk
    make_application()
    args = argparse.Namespace(config=None, box="bench-kiosk", hub="http://127.0.0.1:9",
                              token_file=None, data=sys.argv[1])
    kiosk = build_kiosk(resolve(args, "kiosk"), "kiosk")
    kiosk.window.setFixedSize(1080, 1920)
    kiosk.window.show()
    kiosk.window.refresh(force=True)
    from PySide6.QtWidgets import QApplication
    QApplication.processEvents()
    assert kiosk.window.view.button("ticket") is not None
    print("ready", flush=True)
    os._exit(0)
    """
)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def start_seconds(runs: int = 5) -> list[float]:
    """Seconds from spawning a kiosk process to its first screen drawn, ``runs`` times."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="kiosk-start-") as data:
            began = time.perf_counter()
            out = subprocess.run(  # noqa: S603 (our own interpreter and script)
                [sys.executable, "-c", _START_CHILD, data],
                env=_env(),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            elapsed = time.perf_counter() - began
        if "ready" not in out.stdout:
            raise RuntimeError(f"kiosk did not start: {out.stderr[-2000:]}")
        times.append(elapsed)
    return times


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def memory_growth(citizens: int = 60, warmup: int = 10) -> dict[str, float]:
    """RSS and traced-heap growth (MB) of a kiosk window serving ``citizens`` after
    ``warmup`` (run in its own process: ``python -m bench.kiosk_app memory``)."""
    make_application()
    with (
        tempfile.TemporaryDirectory(prefix="kiosk-mem-") as temp,
        tour_hub(Path(temp) / "hub") as (url, admin),
    ):
        tour = TourKiosk(url, admin, Path(temp) / "kiosk")
        keeper = CatalogKeeper(CatalogStore(Path(temp) / "kiosk"))
        keeper.refresh(tour.port)
        printer = TourPrinter()
        ctx = Context(tour.port, printer, LogAlerts(), lambda: keeper.current, TourClock())
        model = KioskModel(ctx, keeper=keeper)
        tech = Technician(None, printer, None, printer.health, TourClock().zone)
        window = KioskWindow(model, tech, tick_ms=3_600_000, maintain_ms=3_600_000)
        window.setFixedSize(1080, 1920)
        window.show()

        def settle() -> None:
            deadline = time.monotonic() + 10
            while not (window.idle and not model.busy) and time.monotonic() < deadline:
                QApplication.processEvents()
                time.sleep(0.002)
            QApplication.processEvents()
            # No exec() loop here: old screens' deleteLater must be delivered by hand, as the
            # app's event loop does between taps.
            QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

        def tap(choice: str) -> None:
            window.on_tap(choice)
            settle()

        def citizen(n: int) -> None:
            tap("ticket")
            tap(f"cat:{'ABCD'[n % 4]}")
            tap("nav:home")
            tap("guide")
            tap("search")
            for char in "hjdj"[: 2 + n % 3]:
                window.on_key(char)
            items = [b.objectName() for b in window.view.buttons() if "item:" in b.objectName()]
            if items:
                tap(items[0].removeprefix("choice:"))
            tap("nav:home")
            tap("progress")
            tap("nav:home")
            printer.slips.clear()

        for n in range(warmup):
            citizen(n)
        gc.collect()
        tracemalloc.start()
        rss0, heap0 = _rss_mb(), tracemalloc.get_traced_memory()[0] / 1e6
        for n in range(warmup, warmup + citizens):
            citizen(n)
        gc.collect()
        QApplication.processEvents()
        rss1, heap1 = _rss_mb(), tracemalloc.get_traced_memory()[0] / 1e6
        tracemalloc.stop()
        window.exit_app()
        tour.close()
    return {"rss_growth_mb": rss1 - rss0, "heap_growth_mb": heap1 - heap0, "rss_mb": rss1}


def run(quick: bool) -> list[Measure]:
    """The kiosk app's measures (about 30 s; quick: fewer starts and citizens)."""
    starts = start_seconds(2 if quick else 5)
    citizens = 20 if quick else 60
    out = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "bench.kiosk_app", "memory", str(citizens)],
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    numbers = dict(line.split("=", 1) for line in out.stdout.split() if "=" in line)
    if "rss_growth_mb" not in numbers:
        raise RuntimeError(f"kiosk memory run failed: {out.stderr[-2000:]}")
    note = f"{citizens} citizens (ticket, pinyin search, guide item, progress) after 10 warm-up"
    return [
        Measure(
            GROUP,
            "start to first screen (median)",
            statistics.median(starts),
            "s",
            len(starts),
            Target(at_most=START_TARGET_S),
            "fresh process, offscreen, sample hall, hub unreachable",
        ),
        Measure(
            GROUP,
            "memory growth (RSS)",
            float(numbers["rss_growth_mb"]),
            "MB",
            citizens,
            Target(at_most=GROWTH_TARGET_MB),
            note,
        ),
        Measure(GROUP, "traced heap growth", float(numbers["heap_growth_mb"]), "MB", citizens),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["memory"]:
        result = memory_growth(int(sys.argv[2]) if len(sys.argv) > 2 else 60)
        print(" ".join(f"{k}={v:.3f}" for k, v in result.items()))
    else:
        for measure in run(quick="--quick" in sys.argv):
            print(measure)
