"""The counter as drawn at 1280×800 and 1920×1080: disabled keys stay readable (contrast
≥ 3:1 measured from the screen), no key, label or dialog choice is cut short, and the screen's
clock is the hall's, in the shared format."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from config import sample_hall
from config.sample import DEMO_STAFF_PIN
from counter.qt.keys import parse_keys
from counter.qt.open_dialog import make_dialog
from counter.qt.tour import SIZES, TourKeypad, _default_keys
from counter.qt.window import CounterWindow
from counter.simhub import SimHub
from counter.states import Action, InlineExecutor
from counter.workflow import CounterWorkflow
from tests.counter.fakes import FakeClock
from tests.counter.qt.look import cut_texts, disabled_label_contrast


def settle(widget: QWidget) -> None:
    widget.show()
    for _ in range(3):
        QApplication.processEvents()


@pytest.fixture(params=SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def counter(request: pytest.FixtureRequest, qtbot: QtBot) -> Iterator[CounterWindow]:
    config = sample_hall()
    hub, keypad = SimHub(config), TourKeypad()
    for _ in range(3):
        hub.issue("A")
    flow = CounterWorkflow(1, hub, config, FakeClock(), keypad=keypad, executor=InlineExecutor())
    view = CounterWindow(flow, parse_keys(_default_keys()))
    qtbot.addWidget(view)
    view.resize(*request.param)
    flow.sign_in("1001", DEMO_STAFF_PIN)
    flow.refresh()
    flow.press(Action.CALL_NEXT)
    flow.press(Action.FINISH)
    flow.press(Action.CALL_NEXT)  # serving the next while the first citizen rates
    keypad.press(5)
    view.redraw()
    settle(view)
    view.resize(*request.param)
    settle(view)
    yield view


def test_disabled_keys_stay_readable(counter: CounterWindow) -> None:
    measured = disabled_label_contrast(counter)
    assert len(measured) >= 4  # call next, call a number, pause, resume are disabled here
    assert measured[0].ratio >= 3.0, measured[0]


def test_nothing_on_the_screen_or_in_its_dialogs_is_cut_short(counter: CounterWindow) -> None:
    assert cut_texts(counter) == []
    for action in (
        Action.TRANSFER,
        Action.PAUSE,
        Action.RECEIPT,
        Action.CALL_NUMBER,
        Action.DELIVER,
        Action.CORRECTION,
        Action.REJECT,
    ):
        dialog = make_dialog(action, counter.workflow, counter)
        settle(dialog)
        assert cut_texts(dialog) == [], action
        assert dialog.height() <= counter.height() and dialog.width() <= counter.width()
        dialog.close()


def test_the_clock_shows_the_halls_day_and_time_without_seconds(counter: CounterWindow) -> None:
    # FakeClock stands at Wednesday 2025-03-12 09:30 in the hall's zone.
    assert counter.clock.text() == "3月12日 星期三 09:30"
    moment = datetime(2025, 3, 12, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert counter.workflow.snapshot().now == moment
