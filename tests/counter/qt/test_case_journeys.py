"""A case after 收件 at the counter window, against the real hub, the simulated keypad, printer
and ID-card reader: 办理中 and 已办结待领取 set at the window, 出件 by a scanned receipt number and by ID card (the citizen confirms on the
keypad; no key is no delivery), 补正 naming every missing material, 不予受理 with the catalog's
basis; each printed paper decoded from the printer's bytes and checked field by field."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from config import ServiceItem
from counter.case_reader import CounterCardReader
from counter.case_steps import CONFIRM_SECONDS
from counter.qt.case_dialogs import CaseDialog
from counter.qt.dialogs import ReceiptDialog
from devices.idcard.samples import SAMPLES
from devices.idcard.sim import SimulatedReader
from devices.idnumber import mask
from devices.printer.decode import decode_job
from tests.counter.qt.conftest import Hall
from tests.counter.qt.test_counter_journeys import TIMEOUT, sign_in
from tests.timing import PATIENCE

CARD = SAMPLES["resident"]


def item_of(hall: Hall) -> ServiceItem:
    """An item of window 1 with at least three materials."""
    config = hall.counter.workflow.config
    return next(i for i in config.items if i.category in ("A", "B") and len(i.materials) >= 3)


def accept(hall: Hall, item: ServiceItem, id_number: str | None = None) -> str:
    """A case accepted at window 1 with only the first material; its receipt number."""
    fields = {"window": 1, "item_id": item.id, "materials_received": [item.materials[0]]}
    if id_number:
        fields["id_number"] = id_number
    return str(hall.admin.accept_case(**fields, applicant="张小三").receipt)


def status(hall: Hall, receipt: str) -> str:
    """The case's status in the hub's store now (all rows read: no read transaction is left
    open on the reader, which would keep showing this moment's snapshot)."""
    rows = (
        hall.hub.store.reader()
        .execute("SELECT status FROM cases WHERE receipt = ?", (receipt,))
        .fetchall()
    )
    return str(rows[0][0])


def opened(
    hall: Hall,
    qtbot: QtBot,
    key: Qt.Key,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> CaseDialog:
    """Press ``key`` on the counter window and return the case dialog it opened."""
    window = hall.counter.window
    before = [d for d in window.findChildren(CaseDialog) if d.isVisible()]
    window.activateWindow()  # offscreen, a closed dialog leaves no window active
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    qtbot.keyClick(window, key, modifier)

    def new() -> list[CaseDialog]:
        return [d for d in window.findChildren(CaseDialog) if d.isVisible() and d not in before]

    qtbot.waitUntil(lambda: bool(new()), timeout=TIMEOUT)
    dialog = new()[-1]
    qtbot.waitUntil(dialog.isVisible, timeout=TIMEOUT)
    return dialog


def scan(qtbot: QtBot, dialog: CaseDialog, receipt: str) -> None:
    """A USB barcode scanner: it types the number into the focused field and ends with Enter."""
    assert dialog.focusWidget() is dialog.receipt  # focused as the dialog comes up
    qtbot.keyClicks(dialog.receipt, receipt)
    qtbot.keyClick(dialog.receipt, Qt.Key.Key_Return)


def chosen(dialog: CaseDialog, receipt: str) -> bool:
    view = dialog.cases.view()
    return view is not None and view.form.chosen is not None and view.form.chosen.receipt == receipt


def printed(hall: Hall, count: int) -> str:
    """The text of the printer's ``count``-th job, whitespace removed (lines wrap)."""
    jobs = hall.printer.printer.wait_for_jobs(count, PATIENCE)
    assert len(jobs) >= count, f"{len(jobs)} jobs printed, expected {count}"
    return "".join(decode_job(jobs[count - 1].data).text.split())


def test_delivery_by_a_scanned_receipt_after_the_citizens_key(hall: Hall, qtbot: QtBot) -> None:
    item = item_of(hall)
    receipt = accept(hall, item)
    hall.admin.case_status(receipt, "ready", 1)
    sign_in(hall, qtbot)
    dialog = opened(hall, qtbot, Qt.Key.Key_F10)
    scan(qtbot, dialog, receipt)
    qtbot.waitUntil(lambda: chosen(dialog, receipt) and dialog.ok.isEnabled(), timeout=TIMEOUT)
    assert dialog.found_buttons[0].fulltext.endswith("已办结，待领取")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.countdown.isVisible, timeout=TIMEOUT)
    assert dialog.countdown.text().startswith("请在评价器上按任意键确认领取")
    assert status(hall, receipt) == "ready"  # not before the citizen's key
    hall.keypad.press("KEY_1")
    qtbot.waitUntil(lambda: "领取凭证已打印" in dialog.line.text(), timeout=TIMEOUT)
    assert status(hall, receipt) == "delivered"
    assert hall.hub.store.reader().execute("SELECT COUNT(*) FROM ratings").fetchone()[0] == 0
    text = printed(hall, 1)
    for field in (
        "领取凭证",
        hall.counter.workflow.config.hall.name,
        f"办件编号{receipt}",
        "办理事项" + "".join(item.name.split()),
        "领取窗口1号窗口",
        "经办人员王丽华（1001）",
        "本人已领取",
    ):
        assert field in text, field
    assert "领取时间" in text
    qtbot.mouseClick(dialog.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=TIMEOUT)


def pickup_window(hall: Hall, receipt: str) -> int | None:
    rows = (
        hall.hub.store.reader()
        .execute("SELECT pickup_window FROM cases WHERE receipt = ?", (receipt,))
        .fetchall()
    )
    return None if rows[0][0] is None else int(rows[0][0])


def test_a_window_marks_a_case_in_progress_then_ready_for_pickup_at_another_window(
    hall: Hall, qtbot: QtBot
) -> None:
    receipt = accept(hall, item_of(hall))
    sign_in(hall, qtbot)
    ctrl = Qt.KeyboardModifier.ControlModifier
    dialog = opened(hall, qtbot, Qt.Key.Key_F9, ctrl)  # 办理进度
    scan(qtbot, dialog, receipt)
    # found, and drawn: the choices can be pressed (a click on a disabled one does nothing)
    processing = dialog.targets["processing"]
    qtbot.waitUntil(lambda: chosen(dialog, receipt) and processing.isEnabled(), timeout=TIMEOUT)
    assert dialog.target() is None and not dialog.ok.isEnabled()  # both moves open: choose one
    qtbot.mouseClick(processing, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.ok.isEnabled, timeout=TIMEOUT)
    assert dialog.pickup is not None and not dialog.pickup.isEnabled()  # only for 待领取
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status(hall, receipt) == "processing", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: dialog.line.text() == f"办件{receipt}已改为“办理中”", timeout=TIMEOUT)
    qtbot.mouseClick(dialog.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=TIMEOUT)

    dialog = opened(hall, qtbot, Qt.Key.Key_F9, ctrl)
    scan(qtbot, dialog, receipt)
    # 办理中 can only go on to 已办结待领取 here: it is ticked, the other cannot be
    qtbot.waitUntil(lambda: dialog.target() == "ready", timeout=TIMEOUT)
    assert not dialog.targets["processing"].isEnabled()
    pickup = dialog.pickup
    assert pickup is not None and pickup.isEnabled() and pickup.currentData() == 1
    pickup.setCurrentIndex(pickup.findData(3))
    qtbot.waitUntil(dialog.ok.isEnabled, timeout=TIMEOUT)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status(hall, receipt) == "ready", timeout=TIMEOUT)
    assert pickup_window(hall, receipt) == 3
    qtbot.waitUntil(lambda: "到3号窗口领取" in dialog.line.text(), timeout=TIMEOUT)
    assert not dialog.ok.isEnabled()  # done: one step per form
    assert hall.printer.printer.jobs == []  # nothing printed: the hub tells the citizen
    qtbot.mouseClick(dialog.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=TIMEOUT)


def test_a_delivered_case_cannot_have_its_progress_changed(hall: Hall, qtbot: QtBot) -> None:
    receipt = accept(hall, item_of(hall))
    hall.admin.case_status(receipt, "rejected", 1, reason="不属于本事项的受理范围")
    sign_in(hall, qtbot)
    dialog = opened(hall, qtbot, Qt.Key.Key_F9, Qt.KeyboardModifier.ControlModifier)
    scan(qtbot, dialog, receipt)
    qtbot.waitUntil(lambda: "不能再更改办理进度" in dialog.line.text(), timeout=TIMEOUT)
    assert dialog.line.property("error") == "true"
    assert not dialog.ok.isEnabled()
    assert not any(b.isEnabled() for b in dialog.targets.values())
    assert status(hall, receipt) == "rejected"


def test_no_key_in_time_is_no_delivery(hall: Hall, qtbot: QtBot) -> None:
    receipt = accept(hall, item_of(hall))
    hall.admin.case_status(receipt, "ready", 1)
    sign_in(hall, qtbot)
    dialog = opened(hall, qtbot, Qt.Key.Key_F10)
    scan(qtbot, dialog, receipt)
    qtbot.waitUntil(lambda: chosen(dialog, receipt) and dialog.ok.isEnabled(), timeout=TIMEOUT)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.countdown.isVisible, timeout=TIMEOUT)
    hall.keypad_clock.advance(CONFIRM_SECONDS + 0.1)
    qtbot.waitUntil(lambda: "没有领取" in dialog.line.text(), timeout=TIMEOUT)
    assert dialog.line.property("error") == "true"
    assert status(hall, receipt) == "ready"
    assert hall.printer.printer.jobs == []


def test_a_case_not_ready_is_refused_with_its_status(hall: Hall, qtbot: QtBot) -> None:
    receipt = accept(hall, item_of(hall))
    sign_in(hall, qtbot)
    dialog = opened(hall, qtbot, Qt.Key.Key_F10)
    scan(qtbot, dialog, receipt)
    qtbot.waitUntil(lambda: "还不能领取" in dialog.line.text(), timeout=TIMEOUT)
    assert dialog.line.text() == f"办件{receipt}现在是“已受理”，还不能领取。"
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert not dialog.countdown.isVisible()
    assert status(hall, receipt) == "accepted"


@pytest.fixture
def reader(hall: Hall) -> Iterator[SimulatedReader]:
    """The counter's reader (the real service over a simulated reader on a pty), no card on it."""
    sim = SimulatedReader([CARD])
    sim.remove()
    sim.start()
    port = CounterCardReader.start(sim.address)
    port.on_card = hall.counter.workflow.cases.card_read
    hall.counter.workflow.cases.reader_present = True
    yield sim
    port.stop()
    sim.stop()


def test_delivery_by_id_card_lists_the_persons_cases(
    hall: Hall, qtbot: QtBot, reader: SimulatedReader
) -> None:
    item = item_of(hall)
    waiting = accept(hall, item, CARD.number)
    ready = accept(hall, item, CARD.number)
    accept(hall, item, "110105198001010016")  # someone else's
    hall.admin.case_status(ready, "ready", 1)
    sign_in(hall, qtbot)
    dialog = opened(hall, qtbot, Qt.Key.Key_F10)
    reader.present()
    qtbot.waitUntil(lambda: chosen(dialog, ready), timeout=TIMEOUT)

    def listed() -> list[str]:  # the receipts on the dialog's case buttons, top first
        return [b.fulltext.split(" · ")[0] for b in dialog.found_buttons if b.isVisible()]

    qtbot.waitUntil(lambda: listed() == [ready, waiting], timeout=TIMEOUT)  # theirs, newest first
    qtbot.waitUntil(dialog.ok.isEnabled, timeout=TIMEOUT)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.countdown.isVisible, timeout=TIMEOUT)
    hall.keypad.press("KEY_3")
    qtbot.waitUntil(lambda: "领取凭证已打印" in dialog.line.text(), timeout=TIMEOUT)
    assert (status(hall, ready), status(hall, waiting)) == ("delivered", "accepted")
    assert f"办件编号{ready}" in printed(hall, 1)


def test_a_card_at_the_receipt_form_lets_the_case_be_found_by_card_later(
    hall: Hall, qtbot: QtBot, reader: SimulatedReader
) -> None:
    sign_in(hall, qtbot)
    dialog = ReceiptDialog(hall.counter.workflow, hall.counter.window)
    qtbot.addWidget(dialog)
    dialog.show()
    reader.present()
    qtbot.waitUntil(lambda: dialog.applicant.text() == CARD.name, timeout=TIMEOUT)
    assert mask(CARD.number) in dialog.card_line.text()  # masked on screen
    assert CARD.number not in dialog.card_line.text()
    item = dialog.current_item()
    assert item is not None
    dialog.tick(item.materials[0])
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: hall.counter.workflow.last_case is not None, timeout=TIMEOUT)
    case = hall.counter.workflow.last_case
    assert case is not None
    found = hall.admin.cases_for_person(CARD.number)
    assert [c.receipt for c in found] == [case.receipt]
    assert CARD.number not in printed(hall, 1)  # the receipt prints no ID number


def test_correction_names_every_missing_material_on_the_notice(hall: Hall, qtbot: QtBot) -> None:
    item = item_of(hall)
    receipt = accept(hall, item)
    sign_in(hall, qtbot)
    dialog = opened(hall, qtbot, Qt.Key.Key_F11)
    scan(qtbot, dialog, receipt)
    qtbot.waitUntil(lambda: chosen(dialog, receipt) and dialog.ok.isEnabled(), timeout=TIMEOUT)
    missing = list(item.materials[1:])
    assert [b.fulltext for b in dialog.material_buttons] == list(item.materials)
    dialog.tick(*missing)
    assert dialog.ticked.text().endswith(f"已勾选{len(missing)}项")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "补正材料通知书已打印" in dialog.line.text(), timeout=TIMEOUT)
    assert status(hall, receipt) == "correction"
    text = printed(hall, 1)
    assert "补正材料通知书" in text and f"办件编号{receipt}" in text
    assert f"需补正以下{len(missing)}项材料" in text
    for number, name in enumerate(missing, start=1):
        assert f"{number}.{''.join(name.split())}" in text, name
    assert "请一次性补齐以上材料后到1号窗口办理" in text
    assert "告知日期" in text and "经办人员王丽华（1001）" in text
    # Printed again from the same dialog: the hub's list, marked as a copy.
    qtbot.waitUntil(dialog.reprint.isVisible, timeout=TIMEOUT)  # type: ignore[union-attr]
    qtbot.mouseClick(dialog.reprint, Qt.MouseButton.LeftButton)  # type: ignore[arg-type]
    again = printed(hall, 2)
    assert "补正材料通知书（补打）" in again and f"1.{''.join(missing[0].split())}" in again


def test_rejection_prints_the_reason_and_the_catalogs_basis(hall: Hall, qtbot: QtBot) -> None:
    item = item_of(hall)
    receipt = accept(hall, item)
    sign_in(hall, qtbot)
    dialog = opened(hall, qtbot, Qt.Key.Key_F12)
    scan(qtbot, dialog, receipt)
    qtbot.waitUntil(lambda: chosen(dialog, receipt) and dialog.ok.isEnabled(), timeout=TIMEOUT)
    assert dialog.reason is not None
    dialog.reason.set_reason("申请人不符合办理条件")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "不予受理通知书已打印" in dialog.line.text(), timeout=TIMEOUT)
    assert status(hall, receipt) == "rejected"
    text = printed(hall, 1)
    for field in (
        "不予受理通知书",
        f"办件编号{receipt}",
        "理由：申请人不符合办理条件",
        "依据：" + "".join(item.basis.split()),
        "行政复议",
        "行政诉讼",
        "办理窗口1号窗口",
    ):
        assert field in text, field
