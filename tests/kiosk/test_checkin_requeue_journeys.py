"""预约签到 and 过号重排 with fakes."""

from __future__ import annotations

from kiosk.journeys.base import Context
from kiosk.journeys.checkin import CheckinJourney
from kiosk.journeys.requeue import RequeueJourney, ticket_number
from kiosk.journeys.ticket import TicketJourney
from kiosk.ports import TicketRequest
from tests.kiosk.conftest import card_for
from tests.kiosk.fakes import FakeHub


def type_keys(journey: CheckinJourney | RequeueJourney, text: str) -> None:
    for key in text:
        journey.key(key)


# -- 预约签到 ----------------------------------------------------------------------------------


def test_check_in_by_card(ctx: Context, hub: FakeHub) -> None:
    card = card_for("19800101")
    hub.appointments["YY1"] = {"id_number": card.id_number, "category": "C", "status": "booked"}
    journey = CheckinJourney(ctx)
    journey.card_swiped(card)
    journey.settle()
    screen = journey.screen
    assert (screen.state, screen.title, screen.big) == ("shown", "签到成功", "C001")
    assert "预约通道，已为您签到" in screen.lines


def test_check_in_by_card_asks_for_the_category_when_the_hub_needs_it(
    ctx: Context, hub: FakeHub
) -> None:
    hub.card_checkin = False
    card = card_for("19800101")
    hub.appointments["YY1"] = {"id_number": card.id_number, "category": "C", "status": "booked"}
    journey = CheckinJourney(ctx)
    journey.card_swiped(card)
    journey.settle()
    assert journey.screen.title == "请选择您预约的业务"
    assert journey.screen.personal
    journey.tap("cat:C")
    journey.settle()
    assert journey.screen.big == "C001"


def test_check_in_by_code(ctx: Context, hub: FakeHub) -> None:
    hub.appointments["YY20250312"] = {"id_number": "", "category": "A", "status": "booked"}
    journey = CheckinJourney(ctx)
    journey.tap("code")
    type_keys(journey, "YY20250312")
    journey.tap("submit")
    journey.settle()
    assert journey.screen.big == "A001"


def test_no_appointment_explains_and_offers_an_ordinary_ticket(ctx: Context, hub: FakeHub) -> None:
    card = card_for()
    journey = CheckinJourney(ctx)
    journey.card_swiped(card)
    journey.settle()
    screen = journey.screen
    assert screen.state == "refused"
    assert screen.lines[0] == "没有找到您今天这个时段可以签到的预约。"
    journey.tap("ordinary")
    assert journey.handoff is not None and journey.handoff.journey == "ticket"
    assert journey.handoff.card == card
    assert hub.tickets == []


def test_an_unknown_code_is_explained(ctx: Context) -> None:
    journey = CheckinJourney(ctx)
    journey.tap("code")
    type_keys(journey, "NOPE")
    journey.tap("submit")
    journey.settle()
    assert journey.screen.lines[0] == "没有找到这个预约码，请核对后再试。"


def test_without_a_card_reader_the_code_path_is_offered(ctx: Context) -> None:
    ctx.reader_ok = False
    screen = CheckinJourney(ctx).screen
    assert screen.lines == ("身份证阅读器暂时不能使用，请输入预约码签到。",)
    assert "code" in [c.id for c in screen.choices]


# -- 过号重排 ----------------------------------------------------------------------------------


def test_typed_numbers_are_read_as_the_hub_writes_them() -> None:
    assert ticket_number("a1") == "A001"
    assert ticket_number(" B012 ") == "B012"
    assert ticket_number("A1000") == "A1000"
    assert ticket_number("1A") is None
    assert ticket_number("") is None


def test_requeue_a_missed_number(ctx: Context, hub: FakeHub) -> None:
    hub.issue_ticket(TicketRequest(category="A"))
    hub.miss("A001")
    journey = RequeueJourney(ctx)
    type_keys(journey, "a1")
    journey.tap("submit")
    journey.settle()
    screen = journey.screen
    assert (screen.title, screen.big) == ("已为您重新排队", "A001")
    assert ("前面等候", "3人") in screen.facts


def test_requeue_refusals_are_explained_and_offer_a_new_ticket(ctx: Context, hub: FakeHub) -> None:
    hub.issue_ticket(TicketRequest(category="A"))
    journey = RequeueJourney(ctx)
    type_keys(journey, "A001")
    journey.tap("submit")
    journey.settle()
    assert journey.screen.lines[0] == "这个号没有过号，不需要重新排队。"
    journey.tap("new_ticket")
    assert journey.handoff is not None and journey.handoff.journey == "ticket"


def test_requeue_too_late_says_so(ctx: Context, hub: FakeHub) -> None:
    hub.refuse["requeue"] = ("requeue_expired", "过号已超过30分钟，不能重排，请重新取号")
    journey = RequeueJourney(ctx)
    type_keys(journey, "A001")
    journey.tap("submit")
    journey.settle()
    assert journey.screen.lines[:2] == (
        "过号时间太久，不能重新排队了，请重新取号。",
        "过号已超过30分钟，不能重排，请重新取号",
    )


def test_a_malformed_number_is_caught_before_asking_the_hub(ctx: Context, hub: FakeHub) -> None:
    journey = RequeueJourney(ctx)
    type_keys(journey, "123")
    journey.tap("submit")
    assert journey.screen.lines[0] == "号码是一个字母加数字，如 A001，请再输入一次"
    assert hub.calls == []


def test_a_ticket_taken_then_missed_can_be_requeued_end_to_end(ctx: Context, hub: FakeHub) -> None:
    ticket = TicketJourney(ctx)
    ticket.tap("cat:G")
    ticket.settle()
    hub.miss("G001")
    journey = RequeueJourney(ctx)
    journey.prefill("G001")
    journey.tap("submit")
    journey.settle()
    assert journey.screen.state == "shown"
