"""短信提醒 on the issued-ticket screen, with fakes: offered only when the hall sends SMS, a
number typed on the pad, a wrong one explained, the kept one shown masked; the printed QR is the
ticket's phone page when the hub gave one."""

from __future__ import annotations

from kiosk.app_model import KioskModel
from kiosk.journeys.issued import SMS_CANCEL, SMS_START, SMS_SUBMIT
from kiosk.journeys.screens import Tone
from tests.kiosk.fakes import FakeHub, FakePrinter


def _take_ticket(model: KioskModel) -> None:
    model.tap("ticket")
    model.tap("cat:A")
    model.settle()
    assert model.screen.state == "shown"


def _ids(model: KioskModel) -> list[str]:
    return [c.id for c in model.screen.choices]


def test_no_sms_offer_when_the_hall_sends_none(model: KioskModel) -> None:
    _take_ticket(model)
    assert SMS_START not in _ids(model)


def test_a_number_typed_after_the_ticket_is_kept_by_the_hub_and_shown_masked(
    model: KioskModel, hub: FakeHub
) -> None:
    hub.sms = True
    _take_ticket(model)
    model.tap(SMS_START)
    screen = model.screen
    assert screen.input is not None and screen.input.kind == "phone"
    assert {SMS_SUBMIT, SMS_CANCEL} <= set(_ids(model))
    for key in "1380000":
        model.key(key)
    model.tap(SMS_SUBMIT)  # 7 digits
    assert model.screen.tone is Tone.ERROR
    assert any("11位手机号码" in line for line in model.screen.lines)
    assert hub.sms_phones == {}
    for key in "1234":
        model.key(key)
    assert model.screen.personal
    model.tap(SMS_SUBMIT)
    model.settle()
    screen = model.screen
    assert hub.sms_phones == {hub.tickets[0].id: "13800001234"}
    assert screen.input is None and screen.big == "A001"  # back on the ticket
    shown = " ".join(screen.lines)
    assert "138****1234" in shown and "13800001234" not in shown
    assert SMS_START not in _ids(model)  # once is enough


def test_cancel_goes_back_to_the_ticket_without_asking_the_hub(
    model: KioskModel, hub: FakeHub
) -> None:
    hub.sms = True
    _take_ticket(model)
    model.tap(SMS_START)
    model.key("1")
    model.tap(SMS_CANCEL)
    assert model.screen.big == "A001" and model.screen.input is None
    assert "subscribe_sms" not in hub.calls


def test_the_hub_away_leaves_the_ticket_valid_and_says_so(model: KioskModel, hub: FakeHub) -> None:
    hub.sms = True
    _take_ticket(model)
    model.tap(SMS_START)
    for key in "13800001234":
        model.key(key)
    hub.away = True
    model.tap(SMS_SUBMIT)
    model.settle()
    screen = model.screen
    assert screen.big == "A001" and screen.input is None
    assert any("号码仍然有效" in line for line in screen.lines)


def test_the_printed_qr_is_the_tickets_phone_page_when_the_hub_gives_one(
    model: KioskModel, hub: FakeHub, printer: FakePrinter
) -> None:
    hub.phone_url = "http://192.168.10.2:8700/m/{id}"
    _take_ticket(model)
    assert [s.qr for s in printer.slips] == ["http://192.168.10.2:8700/m/t1"]
    assert model.screen.qr == "http://192.168.10.2:8700/m/t1"


def test_without_a_phone_page_the_qr_keeps_the_links_template(
    model: KioskModel, printer: FakePrinter
) -> None:
    _take_ticket(model)
    assert printer.slips[0].qr is not None and "A001" in printer.slips[0].qr
