"""The kiosk window tapped like a citizen, against a real hub, with fake devices."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtWidgets import QLabel

from kiosk.app_model import ELDER
from tests.kiosk.conftest import card_for
from tests.kiosk.qt.conftest import QtHall


def big_number(hall: QtHall) -> str:
    label = hall.window.view.findChild(QLabel, "big")
    return label.text() if label is not None else ""


def test_an_ordinary_ticket_is_two_taps_and_shown_large_with_a_qr_code(qt_hall: QtHall) -> None:
    qt_hall.tap("ticket")
    qt_hall.tap("cat:A")
    assert big_number(qt_hall) == "A001"
    assert qt_hall.window.view.findChild(QLabel, "qr") is not None
    assert [s.big for s in qt_hall.printer.slips] == ["A001"]
    assert qt_hall.admin.queue().today.issued == 1


def test_guides_are_found_by_pinyin_typed_on_the_built_in_keyboard(qt_hall: QtHall) -> None:
    qt_hall.tap("guide")
    qt_hall.tap("search")
    qt_hall.type("hjdj")
    field = qt_hall.window.view.findChild(QLabel, "field-text")
    assert field is not None and field.text() == "hjdj"
    items = [i for i in qt_hall.ids() if i.startswith("item:")]
    assert items, "a search for hjdj lists 户籍 items"
    qt_hall.tap(items[0])
    assert qt_hall.model.screen.state == "item"
    assert qt_hall.window.view.button("print") is not None


def test_checkin_requeue_progress_and_feedback_open_and_answer(qt_hall: QtHall) -> None:
    qt_hall.tap("ticket")
    qt_hall.tap("cat:B")
    qt_hall.tap("nav:home")
    qt_hall.tap("progress")
    qt_hall.tap("ticket")
    qt_hall.type("B001")
    qt_hall.tap("submit")
    assert big_number(qt_hall) == "B001"
    qt_hall.tap("nav:home")
    qt_hall.tap("requeue")
    qt_hall.type("B001")
    qt_hall.tap("submit")
    assert qt_hall.model.screen.state == "refused"  # waiting, not missed: explained
    qt_hall.tap("nav:home")
    qt_hall.tap("checkin")
    assert qt_hall.window.view.button("code") is not None
    qt_hall.tap("nav:home")
    qt_hall.tap("feedback")
    kinds = [i for i in qt_hall.ids() if i.startswith("kind:")]
    qt_hall.tap(kinds[0])
    reasons = [i for i in qt_hall.ids() if i.startswith("reason:")]
    qt_hall.tap(reasons[0])
    qt_hall.type("13800000000")
    qt_hall.tap("submit")
    assert qt_hall.model.screen.state == "thanks"


def test_the_hub_away_says_so_in_one_sentence_and_guides_still_work(qt_hall: QtHall) -> None:
    qt_hall.model.ctx.hub = type(qt_hall.port)(
        type(qt_hall.port._client)("http://127.0.0.1:9", "x", timeout=0.5), qt_hall.port._spool
    )
    qt_hall.tap("ticket")
    qt_hall.tap("cat:A")
    texts = qt_hall.texts()
    assert "排队系统暂时连接不上，现在不能自助取号，请到服务台找工作人员取号。" in texts
    assert not big_number(qt_hall)
    qt_hall.tap("nav:home")
    qt_hall.tap("guide")
    assert any(i.startswith("dept:") for i in qt_hall.ids())


def test_paper_out_shows_the_number_reads_it_alerts_staff_and_leaves_no_ghost(
    qt_hall: QtHall, caplog: pytest.LogCaptureFixture
) -> None:
    qt_hall.printer.paper = False
    with caplog.at_level(logging.WARNING):
        qt_hall.tap("ticket")
        qt_hall.tap("cat:A")
        qt_hall.alerts.flush()
    assert big_number(qt_hall) == "A001"
    assert any("A零零一" in said for said in qt_hall.speech.said)
    # the ticket screen says it did not print, once, instead of the printer banner
    assert any("号票没能打印，号码仍然有效" in t for t in qt_hall.texts())
    assert not any("打印机暂停使用" in t for t in qt_hall.texts())
    assert qt_hall.admin.queue().today.issued == 1  # the number shown is the only one
    qt_hall.printer.paper = True
    qt_hall.tap("ticket:reprint")
    assert [s.big for s in qt_hall.printer.slips] == ["A001"]
    assert qt_hall.admin.queue().today.issued == 1


def test_a_broken_card_reader_is_a_banner_and_every_path_still_works(qt_hall: QtHall) -> None:
    qt_hall.reader.ok = False
    qt_hall.window.on_tick()
    assert "身份证阅读器暂时不能使用，不刷卡也可以办理。" in qt_hall.texts()
    qt_hall.tap("ticket")
    qt_hall.tap("cat:C")
    assert big_number(qt_hall) == "C001"


def test_a_swiped_elderly_card_gets_the_green_lane(qt_hall: QtHall) -> None:
    qt_hall.reader.queue.append(card_for("19450101", "王大爷"))
    qt_hall.window.on_tick()
    qt_hall.settle()
    qt_hall.tap("cat:B")
    assert any("绿色通道" in t for t in qt_hall.texts())


def test_idle_timeout_wipes_personal_data_from_the_widgets(qt_hall: QtHall) -> None:
    qt_hall.reader.queue.append(card_for("19450101", "王大爷"))
    qt_hall.window.on_tick()
    qt_hall.settle()
    assert any("王*爷" in t or "王" in t for t in qt_hall.texts())
    qt_hall.clock.advance(10_000)
    qt_hall.window.on_tick()
    qt_hall.settle()
    assert qt_hall.model.current is None
    everything = " ".join(
        label.text() for label in qt_hall.window.findChildren(QLabel)
    )  # hidden and detached widgets included: nothing personal may linger among children
    assert "王" not in everything


def test_elder_mode_is_one_tap_from_a_journey_and_reads_the_screen(qt_hall: QtHall) -> None:
    qt_hall.tap("ticket")
    qt_hall.tap(ELDER)
    assert qt_hall.model.ctx.elder
    assert qt_hall.speech.said, "elder mode reads the screen aloud"
