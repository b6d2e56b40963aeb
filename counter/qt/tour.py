"""``hall counter --tour DIR``: every counter screen rendered to PNG, offscreen, with no hub.

The workflow runs over ``counter.simhub.SimHub`` (the sample hall) with jobs run inline, so each
screen is exactly the state the steps before it left.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget

from config import HallConfig, sample_hall
from config.sample import DEMO_STAFF_PIN
from config.schema import DeviceSettings
from counter.ports import RatingDone
from counter.qt.dialogs import make_dialog
from counter.qt.keys import parse_keys
from counter.qt.window import FONT_FAMILY, CounterWindow
from counter.simhub import SimHub
from counter.states import Action, InlineExecutor
from counter.workflow import CounterWorkflow

SCREENS = (
    "sign-in",
    "idle",
    "serving",
    "rating-wait",
    "bad-reason",
    "bad-reason-sent",
    "transfer-dialog",
    "pause-dialog",
    "receipt-dialog",
    "hub-away",
)


class TourKeypad:
    """A keypad the tour presses by hand."""

    def __init__(self) -> None:
        self.done: RatingDone | None = None

    def begin_rating(self, timeout: float, on_done: RatingDone) -> int:
        self.done = on_done
        return 1

    def cancel_rating(self) -> None:
        self.press(None)

    def press(self, level: int | None) -> None:
        done, self.done = self.done, None
        if done is not None:
            done(level)


class _WallClock:
    def __init__(self, zone: tzinfo) -> None:
        self.offset = 0.0
        self.zone = zone

    def now(self) -> datetime:
        return datetime.now(self.zone)

    def monotonic(self) -> float:
        return time.monotonic() + self.offset


def render_tour(
    out_dir: str | Path, config: HallConfig | None = None, window: int = 1
) -> list[Path]:
    """Render every screen of ``SCREENS`` to ``out_dir/NN-name.png``; returns the files."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setFont(QFont(FONT_FAMILY, 12))
    config = config or sample_hall()
    hub, keypad, clock = SimHub(config), TourKeypad(), _WallClock(ZoneInfo(config.hall.timezone))
    for category, lane in (
        ("A", "ordinary"),
        ("A", "green"),
        ("B", "ordinary"),
        ("B", "appointment"),
    ):
        hub.issue(category, lane)
    hub.set_figures(window, [300.0, 420.0, 380.0])
    item = next(i for i in config.items if i.category == "A" and i.materials)
    hub.issue("A", "ordinary", item.id)
    flow = CounterWorkflow(window, hub, config, clock, keypad=keypad, executor=InlineExecutor())
    settings_keys = {k: list(v) for k, v in _default_keys().items()}
    view = CounterWindow(flow, parse_keys(settings_keys))
    view.resize(1280, 800)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []

    def shot(widget: QWidget, name: str) -> None:
        widget.show()
        for _ in range(3):
            app.processEvents()
        path = out / f"{len(files) + 1:02d}-{name}.png"
        widget.grab().save(str(path))
        files.append(path)

    view.redraw()
    shot(view, "sign-in")
    flow.sign_in("1001", DEMO_STAFF_PIN)
    flow.refresh()
    view.redraw()
    shot(view, "idle")
    flow.press(Action.CALL_NEXT)
    clock.offset = 200.0
    view.redraw()
    shot(view, "serving")
    flow.press(Action.FINISH)
    clock.offset = 207.0
    view.redraw()
    shot(view, "rating-wait")
    keypad.press(4)
    view.redraw()
    shot(view, "bad-reason")
    flow.choose_bad_reason(config.rating.bad_reasons[0])
    view.redraw()
    shot(view, "bad-reason-sent")
    flow.call_number(hub.issue("A", "ordinary", item.id))
    view.redraw()
    for action, name in (
        (Action.TRANSFER, "transfer-dialog"),
        (Action.PAUSE, "pause-dialog"),
        (Action.RECEIPT, "receipt-dialog"),
    ):
        dialog = make_dialog(action, flow, view)
        if action is Action.RECEIPT:
            dialog.resize(1000, 680)
            dialog.tick(*item.materials[:2])  # type: ignore[attr-defined]
        shot(dialog, name)
        dialog.close()
    hub.away = True
    flow.press(Action.RECALL)
    flow.press(Action.SKIP)
    view.redraw()
    shot(view, "hub-away")
    view.close()
    return files


def _default_keys() -> dict[str, list[str]]:
    return {k: list(v) for k, v in DeviceSettings(role="counter").counter_keys.items()}
