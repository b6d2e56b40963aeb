"""The counter window's journeys against a real hub, a simulated keypad and printer."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from config.sample import DEMO_STAFF_PIN
from counter.qt.dialogs import ReceiptDialog
from counter.states import Action, Phase
from devices.printer.decode import decode_job
from tests.counter.qt.conftest import Hall
from tests.timing import PATIENCE, PATIENCE_MS

TIMEOUT = PATIENCE_MS


def idle(hall: Hall) -> bool:
    snap = hall.counter.workflow.snapshot()
    return snap.phase is Phase.IDLE and not snap.busy


def asking(hall: Hall) -> bool:
    """The rating band asks for the citizen's key."""
    band = hall.counter.window.rating_band
    return band.isVisible() and band.title.text().startswith("等待")


def sign_in(hall: Hall, qtbot: QtBot, staff_no: str = "1001") -> None:
    page = hall.counter.window.sign_in_page
    qtbot.keyClicks(page.staff_no, staff_no)
    qtbot.keyClicks(page.pin, DEMO_STAFF_PIN)
    qtbot.keyClick(page.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: idle(hall), timeout=TIMEOUT)


def serve(hall: Hall, qtbot: QtBot, number: str) -> None:
    qtbot.keyClick(hall.counter.window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: hall.counter.window.number.text() == number, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not hall.counter.workflow.snapshot().busy, timeout=TIMEOUT)


def test_sign_in_shows_the_clerk_and_the_hub_knows_who_serves(hall: Hall, qtbot: QtBot) -> None:
    sign_in(hall, qtbot)
    qtbot.waitUntil(lambda: "王丽华" in hall.counter.window.clerk.text(), timeout=TIMEOUT)
    assert hall.admin.window(1).clerk_name == "王丽华"


def test_f1_and_the_number_pads_enter_call_next(hall: Hall, qtbot: QtBot) -> None:
    first, second = hall.issue(), hall.issue()
    sign_in(hall, qtbot)
    serve(hall, qtbot, first)
    assert hall.admin.window(1).current.number == first
    qtbot.keyClick(hall.counter.window, Qt.Key.Key_F3)  # skip
    qtbot.waitUntil(lambda: idle(hall), timeout=TIMEOUT)
    qtbot.keyClick(hall.counter.window, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    qtbot.waitUntil(lambda: hall.counter.window.number.text() == second, timeout=TIMEOUT)


def test_a_ticket_issued_at_the_kiosk_shows_in_the_queue_live(hall: Hall, qtbot: QtBot) -> None:
    sign_in(hall, qtbot)
    hall.issue("A")
    qtbot.waitUntil(
        lambda: hall.counter.workflow.snapshot().queue["A"]["ordinary"] == 1, timeout=TIMEOUT
    )


def test_finish_then_a_good_key_on_the_keypad_is_recorded(hall: Hall, qtbot: QtBot) -> None:
    number = hall.issue()
    sign_in(hall, qtbot)
    serve(hall, qtbot, number)
    qtbot.keyClick(hall.counter.window, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: asking(hall), timeout=TIMEOUT)
    hall.keypad.press("KEY_2")
    qtbot.waitUntil(lambda: hall.counter.window.rating.text() == "群众评价：满意", timeout=TIMEOUT)
    ratings = hall.hub.store.reader().execute("SELECT level, reason FROM ratings").fetchall()
    assert [tuple(r) for r in ratings] == [(2, None)]


def test_no_key_until_the_timeout_shows_no_rating(hall: Hall, qtbot: QtBot) -> None:
    number = hall.issue()
    sign_in(hall, qtbot)
    serve(hall, qtbot, number)
    qtbot.keyClick(hall.counter.window, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: asking(hall), timeout=TIMEOUT)
    hall.keypad_clock.advance(4.9)
    hall.keypad_clock.looked_again()
    assert hall.counter.workflow.snapshot().phase is Phase.RATING  # still asking at 4.9 s
    hall.keypad_clock.advance(0.1)
    qtbot.waitUntil(lambda: hall.counter.window.rating.text() == "未评价", timeout=TIMEOUT)
    assert hall.hub.store.reader().execute("SELECT COUNT(*) FROM ratings").fetchone()[0] == 0


def test_a_bad_rating_asks_the_clerk_for_the_reason_and_opens_a_followup(
    hall: Hall, qtbot: QtBot
) -> None:
    number = hall.issue()
    sign_in(hall, qtbot)
    serve(hall, qtbot, number)
    qtbot.keyClick(hall.counter.window, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: asking(hall), timeout=TIMEOUT)
    hall.keypad.press("KEY_5")
    qtbot.waitUntil(hall.counter.window.reasons.isVisible, timeout=TIMEOUT)
    button = next(b for b in hall.counter.window.reason_buttons if b.text() == "办事效率低")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "已转整改回访" in hall.counter.window.rating.text(), timeout=TIMEOUT)
    row = hall.hub.store.reader().execute("SELECT level, reason FROM ratings").fetchone()
    assert tuple(row) == (5, "办事效率低")


def test_hub_away_is_shown_presses_are_refused_and_it_recovers(hall: Hall, qtbot: QtBot) -> None:
    number = hall.issue()
    sign_in(hall, qtbot)
    window = hall.counter.window
    hall.relay.cut()
    qtbot.waitUntil(window.banner.isVisible, timeout=TIMEOUT)
    assert not window.buttons[Action.CALL_NEXT].isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    refused = "排队系统连接中断，这次按键没有执行；恢复连接后请重新操作。"
    qtbot.waitUntil(lambda: window.message.text() == refused, timeout=TIMEOUT)
    hall.relay.restore()
    qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=TIMEOUT)
    assert hall.admin.window(1).current is None  # the refused press was never replayed
    serve(hall, qtbot, number)


def test_a_receipt_is_recorded_in_the_hub_and_printed(hall: Hall, qtbot: QtBot) -> None:
    sign_in(hall, qtbot)
    dialog = ReceiptDialog(hall.counter.workflow, hall.counter.window)
    qtbot.addWidget(dialog)
    item = dialog.current_item()
    assert item is not None and item.category in ("A", "B")
    dialog.tick(item.materials[0])
    dialog.applicant.setText("张小三")  # QTest cannot type Chinese characters
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    jobs = hall.printer.printer.wait_for_jobs(1, PATIENCE)
    text = decode_job(jobs[0].data).text
    case = hall.counter.workflow.last_case
    assert case is not None and case.receipt.startswith("SJ")
    assert case.receipt in text and "收件回执" in text and "张*三" in text
    assert item.materials[0] in text
    # The QR opens the case's progress page on a phone (the hub's phone_url for the case).
    assert case.phone_url is not None and "/m/" in case.phone_url
    assert decode_job(jobs[0].data).qr_payloads == [case.phone_url]
    assert hall.admin.request("GET", f"/cases/{case.receipt}")["item_name"] == item.name
    qtbot.waitUntil(lambda: "回执已打印" in hall.counter.window.message.text(), timeout=TIMEOUT)
