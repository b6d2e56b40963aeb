"""The clerk is never held up by a rating: calling and signing out while the citizen still rates,
the 差评 reason picked while the next citizen is served; the window's states unmistakable."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from counter.qt.style import STATE_COLOURS
from counter.states import Phase
from tests.counter.qt.conftest import Hall
from tests.counter.qt.test_counter_journeys import TIMEOUT, asking, serve, sign_in


def finish_first(hall: Hall, qtbot: QtBot) -> tuple[str, str]:
    """Serve and finish one citizen with a second waiting; (first, second) numbers."""
    first, second = hall.issue(), hall.issue()
    sign_in(hall, qtbot)
    serve(hall, qtbot, first)
    qtbot.keyClick(hall.counter.window, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: asking(hall), timeout=TIMEOUT)
    return first, second


def ratings(hall: Hall) -> list[tuple[str, int, str | None]]:
    rows = hall.hub.store.reader().execute(
        "SELECT t.number, r.level, r.reason FROM ratings r JOIN tickets t ON t.id = r.ticket_id"
    )
    return [tuple(row) for row in rows]


def test_calling_while_a_rating_is_pending_keeps_the_rating_with_the_served_ticket(
    hall: Hall, qtbot: QtBot
) -> None:
    first, second = finish_first(hall, qtbot)
    window = hall.counter.window
    assert window.state_band.kind == "rating"
    serve(hall, qtbot, second)  # F1 while the first citizen has not pressed yet
    assert window.state_band.kind == "serving"
    assert window.rating_band.isVisible()
    assert first in window.rating_band.title.text()
    hall.keypad.press("KEY_1")
    qtbot.waitUntil(lambda: ratings(hall) == [(first, 1, None)], timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.rating.text() == "群众评价：非常满意", timeout=TIMEOUT)
    assert hall.admin.window(1).current.number == second


def test_a_bad_rating_reason_is_picked_while_the_next_citizen_is_served(
    hall: Hall, qtbot: QtBot
) -> None:
    first, second = finish_first(hall, qtbot)
    window = hall.counter.window
    hall.keypad.press("KEY_4")
    qtbot.waitUntil(window.reasons.isVisible, timeout=TIMEOUT)
    serve(hall, qtbot, second)  # the reason does not block the call
    assert window.reasons.isVisible()
    button = next(b for b in window.reason_buttons if b.text() == "等候时间过长")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ratings(hall) == [(first, 4, "等候时间过长")], timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.reasons.isVisible(), timeout=TIMEOUT)


def test_signing_out_while_a_rating_is_pending_still_records_it(hall: Hall, qtbot: QtBot) -> None:
    first, _ = finish_first(hall, qtbot)
    window = hall.counter.window
    assert window.sign_out_button.isEnabled()
    qtbot.mouseClick(window.sign_out_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(window.sign_in_page.isVisible, timeout=TIMEOUT)
    assert hall.admin.window(1).clerk_id is None
    assert window.rating_band.isVisible()  # the citizen may still press
    hall.keypad.press("KEY_2")
    qtbot.waitUntil(lambda: ratings(hall) == [(first, 2, None)], timeout=TIMEOUT)
    clerk = hall.hub.store.reader().execute("SELECT clerk_id FROM ratings").fetchone()[0]
    assert clerk == "1001"  # the clerk who served, though nobody is signed in now


def band_colour(hall: Hall) -> str:
    window = hall.counter.window
    band = window.state_band.geometry()
    return str(window.grab().toImage().pixelColor(band.left() + 3, band.top() + 3).name())


def test_paused_and_rating_states_are_each_a_coloured_band_in_large_text(
    hall: Hall, qtbot: QtBot
) -> None:
    window = hall.counter.window
    finish_first(hall, qtbot)
    assert band_colour(hall) == STATE_COLOURS["rating"].background
    assert window.state_band.text.fontInfo().pixelSize() >= 30
    hall.keypad.press("KEY_1")
    qtbot.waitUntil(lambda: window.state_band.kind == "idle", timeout=TIMEOUT)
    assert hall.counter.workflow.pause("业务培训")
    qtbot.waitUntil(lambda: window.state_band.kind == "paused", timeout=TIMEOUT)
    assert "暂停服务：业务培训" in window.state_band.text.text()
    assert hall.counter.workflow.snapshot().phase is Phase.PAUSED
    assert band_colour(hall) == STATE_COLOURS["paused"].background
    assert window.state_band.text.fontInfo().pixelSize() >= 30
