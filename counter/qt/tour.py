"""``hall counter --tour DIR``: every counter screen rendered to PNG, offscreen, with no hub.

The workflow runs over ``counter.simhub.SimHub`` (the sample hall) with jobs run inline, so each
screen is exactly the state the steps before it left.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QApplication, QWidget

from appkit.fonts import install
from config import HallConfig, sample_hall
from config.sample import DEMO_STAFF_PIN
from config.schema import DeviceSettings
from counter.ports import RatingDone
from counter.qt.case_dialogs import CaseDialog
from counter.qt.keys import parse_keys
from counter.qt.open_dialog import make_dialog
from counter.qt.window import CounterWindow
from counter.simhub import SimHub
from counter.states import Action, InlineExecutor
from counter.workflow import CounterWorkflow
from devices.idcard.samples import SAMPLES

SCREENS = (
    "sign-in",
    "idle",
    "serving",
    "rating-wait",
    "calling-while-rating",
    "bad-reason",
    "bad-reason-sent",
    "transfer-dialog",
    "pause-dialog",
    "receipt-dialog",
    "progress-dialog",
    "deliver-dialog",
    "correction-dialog",
    "reject-dialog",
    "paused",
    "signed-out-bad-reason",
    "hub-away",
)
SIZES = ((1280, 800), (1920, 1080))
"""The counters' screens: a 1280×800 all-in-one and a 1920×1080 monitor."""


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
    out_dir: str | Path,
    config: HallConfig | None = None,
    window: int = 1,
    keys: dict[str, list[str]] | None = None,
    sizes: tuple[tuple[int, int], ...] = SIZES,
) -> list[Path]:
    """Render every screen of ``SCREENS`` at each of ``sizes`` to
    ``out_dir/NN-name-WxH.png`` (the hall's ``config``, its ``window`` and that box's
    ``keys``; the sample hall's window 1 with the default keys otherwise); returns the files."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    install(app)
    config = config or sample_hall()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for width, height in sizes:
        files += _render(app, out, config, window, keys or _default_keys(), (width, height))
    return files


def _render(
    app: QApplication,
    out: Path,
    config: HallConfig,
    window: int,
    keys: dict[str, list[str]],
    size: tuple[int, int],
) -> list[Path]:
    hub, keypad, clock = SimHub(config), TourKeypad(), _WallClock(ZoneInfo(config.hall.timezone))
    hub.any_pin = True
    spec = config.window(window) or config.windows[0]
    codes = list(spec.categories) or [config.categories[0].code]
    early = clock.now() - timedelta(minutes=37)
    hub.issue(codes[0], "ordinary", issued_at=early)
    hub.issue(codes[0], "green")
    hub.issue(codes[-1], "ordinary")
    hub.issue(codes[-1], "appointment")
    hub.set_figures(window, [300.0, 420.0, 380.0])
    item = max(
        (i for i in config.items if i.category in codes and i.materials),
        key=lambda i: len(i.name),
        default=None,
    )
    flow = CounterWorkflow(window, hub, config, clock, keypad=keypad, executor=InlineExecutor())
    view = CounterWindow(flow, parse_keys(keys))
    view.resize(*size)
    files: list[Path] = []
    suffix = f"{size[0]}x{size[1]}"

    def shot(widget: QWidget, name: str) -> None:
        widget.show()
        for _ in range(3):
            app.processEvents()
        if widget is view:  # a screen is its size: a layout that needs more is cut, and seen
            view.resize(*size)
            app.processEvents()
        path = out / f"{len(files) + 1:02d}-{name}-{suffix}.png"
        widget.grab().save(str(path))
        files.append(path)

    view.redraw()
    shot(view, "sign-in")
    clerk = next((m for m in config.staff if not m.windows or window in m.windows), None)
    flow.sign_in(clerk.number if clerk else "1001", DEMO_STAFF_PIN)
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
    flow.call_number(hub.issue(codes[0], "ordinary", item.id if item else None))
    clock.offset = 212.0
    view.redraw()
    shot(view, "calling-while-rating")
    keypad.press(4)
    view.redraw()
    shot(view, "bad-reason")
    flow.choose_bad_reason(config.rating.bad_reasons[0])
    view.redraw()
    shot(view, "bad-reason-sent")
    for action, name in (
        (Action.TRANSFER, "transfer-dialog"),
        (Action.PAUSE, "pause-dialog"),
        (Action.RECEIPT, "receipt-dialog"),
    ):
        dialog = make_dialog(action, flow, view)
        if action is Action.RECEIPT and item is not None:
            dialog.search.setText(item.name[:6])  # type: ignore[attr-defined]
            dialog.tick(*item.materials[:2])  # type: ignore[attr-defined]
            flow.cases.card_read(SAMPLES["resident"].number, SAMPLES["resident"].name)
            dialog.take_card()  # type: ignore[attr-defined]  # the applicant's card was read
        dialog.adjustSize()
        shot(dialog, name)
        dialog.close()
    _case_dialogs(flow, hub, view, shot)
    flow.press(Action.FINISH)
    keypad.press(None)
    flow.pause(flow.texts.choices("pause.reasons")[0])
    view.redraw()
    shot(view, "paused")
    flow.press(Action.RESUME)
    flow.press(Action.CALL_NEXT)
    flow.press(Action.FINISH)
    keypad.press(5)
    flow.sign_out()  # the clerk leaves; the citizen's 差评 reason can still be picked
    view.redraw()
    shot(view, "signed-out-bad-reason")
    flow.choose_bad_reason(config.rating.bad_reasons[-1])
    flow.sign_in(clerk.number if clerk else "1001", DEMO_STAFF_PIN)
    flow.press(Action.CALL_NEXT)
    hub.away = True
    flow.press(Action.RECALL)
    flow.press(Action.SKIP)
    view.redraw()
    shot(view, "hub-away")
    view.close()
    return files


def _case_dialogs(
    flow: CounterWorkflow, hub: SimHub, view: QWidget, shot: Callable[[QWidget, str], None]
) -> None:
    """办理进度 with 已办结待领取 ticked, 出件 waiting for the citizen's key, 补正 with materials
    ticked, 不予受理 with a reason."""
    items = [i for i in flow.receipt_items() if len(i.materials) >= 2]
    if not items:
        return
    item = max(items, key=lambda i: len(i.name))
    flow.accept_case(item.id, [item.materials[0]], "张小三")
    ready = flow.last_case
    flow.accept_case(item.id, [item.materials[0]], "李四")
    if ready is None:
        return
    dialog = CaseDialog(Action.PROGRESS, flow, view)
    dialog.receipt.setText(ready.receipt)
    dialog.find_case()
    dialog.choose_target("ready")
    dialog.adjustSize()
    shot(dialog, "progress-dialog")
    dialog.close()
    hub.set_case_status(ready.receipt, "ready")
    dialog = CaseDialog(Action.DELIVER, flow, view)
    dialog.receipt.setText(ready.receipt)
    dialog.find_case()
    dialog.submit()  # the keypad now waits for the citizen's key
    dialog.adjustSize()
    shot(dialog, "deliver-dialog")
    dialog.close()
    dialog = CaseDialog(Action.CORRECTION, flow, view)  # finds the case just accepted
    dialog.tick(*item.materials[1:])
    dialog.adjustSize()
    shot(dialog, "correction-dialog")
    dialog.close()
    dialog = CaseDialog(Action.REJECT, flow, view)
    dialog.adjustSize()
    shot(dialog, "reject-dialog")
    dialog.close()


def _default_keys() -> dict[str, list[str]]:
    return {k: list(v) for k, v in DeviceSettings(role="counter").counter_keys.items()}
