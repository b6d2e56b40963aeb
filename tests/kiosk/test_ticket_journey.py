"""取号 with fakes: three taps at most, the lanes, refusals explained, printer faults."""

from __future__ import annotations

from config import sample_hall
from kiosk.app_model import KioskModel
from kiosk.catalog import Catalog
from kiosk.journeys.base import Context, KioskSettings
from kiosk.journeys.issued import DONE, REPRINT
from kiosk.journeys.ticket import TicketJourney
from kiosk.ports import TicketFacts
from tests.kiosk.conftest import card_for
from tests.kiosk.fakes import (
    FakeAlerts,
    FakeHub,
    FakePrinter,
    FakeSpeech,
    FakeStaff,
    make_context,
)


def ids(journey_or_model: TicketJourney | KioskModel) -> list[str]:
    return [c.id for c in journey_or_model.screen.choices]


def test_an_ordinary_ticket_takes_two_taps_from_home_by_category(
    model: KioskModel, hub: FakeHub, printer: FakePrinter
) -> None:
    model.tap("ticket")  # 1
    model.tap("cat:A")  # 2
    model.settle()
    screen = model.screen
    assert screen.state == "shown"
    assert screen.big == "A001"
    assert len(hub.tickets) == 1
    assert [s.big for s in printer.slips] == ["A001"]


def test_the_departments_are_behind_one_button_with_topics_then_items(
    model: KioskModel, hub: FakeHub
) -> None:
    model.tap("ticket")
    assert "departments" in ids(model)
    assert not any(i.startswith("dept:") for i in ids(model))  # one tile per category instead
    model.tap("departments")
    model.tap("dept:0")  # 公安局: its items grouped by topic
    assert model.screen.state == "topics"
    model.tap("nav:back")
    model.tap("dept:4")  # 人社局: one topic, straight to its items
    assert model.screen.state == "items" and model.screen.list_style == "rows"
    first = ids(model)[0]
    assert first == "item:jjb-137"
    model.tap(first)
    model.settle()
    assert model.screen.big == "B001"
    assert hub.tickets[0].item_id == "jjb-137"


def test_a_popular_item_is_one_tap_after_take_ticket(model: KioskModel, hub: FakeHub) -> None:
    model.tap("ticket")
    model.tap("item:jjb-157")
    model.settle()
    assert model.screen.big == "B001"


def test_the_ticket_screen_shows_people_ahead_wait_and_a_qr_code(ctx: Context) -> None:
    journey = TicketJourney(ctx)
    for _ in range(3):
        journey.reset()
        journey.tap("cat:C")
        journey.settle()
    screen = journey.screen
    assert screen.big == "C003"
    # in reading order: the business, its windows, people ahead, the wait, the time taken
    assert [label for label, _ in screen.facts] == [
        "办理业务",
        "办理窗口",
        "前面等候",
        "预计等候",
        "取号时间",
    ]
    facts = dict(screen.facts)
    assert (facts["前面等候"], facts["预计等候"]) == ("2人", "约16分钟")
    assert facts["办理窗口"].endswith("号窗口")
    assert screen.qr and "C003" in screen.qr
    assert "C零零三" in screen.speak


def test_an_elderly_citizen_by_card_gets_the_green_lane_and_is_told(
    ctx: Context, hub: FakeHub
) -> None:
    journey = TicketJourney(ctx)
    journey.card_swiped(card_for("19500101"))
    journey.settle()
    assert "您已年满60周岁，将为您安排绿色通道" in journey.screen.lines
    assert journey.screen.personal
    journey.tap("cat:A")
    journey.settle()
    assert hub.tickets[0].lane == "green"
    assert "绿色通道（老年人）" in journey.screen.lines


def test_a_younger_citizen_by_card_gets_an_ordinary_ticket(ctx: Context, hub: FakeHub) -> None:
    journey = TicketJourney(ctx)
    journey.card_swiped(card_for("19900101"))
    journey.settle()
    assert not any("绿色通道" in line for line in journey.screen.lines)
    journey.tap("cat:A")
    journey.settle()
    assert hub.tickets[0].lane == "ordinary"


def test_a_green_group_needs_a_staff_confirmation(ctx: Context, hub: FakeHub) -> None:
    journey = TicketJourney(ctx)
    journey.tap("green")
    assert journey.screen.state == "green_group"
    journey.tap("group:1")  # 残疾人
    assert journey.screen.state == "green_confirm"
    assert "confirm" in ids(journey)
    journey.tap("confirm")  # a bare tap confirms nothing
    assert journey.screen.state == "green_confirm"
    assert journey.screen.tone == "error"
    for key in "2580":
        journey.key(key)
    journey.tap("confirm")
    journey.settle()
    assert "已确认绿色通道（残疾人），请选择业务" in journey.screen.lines
    assert "工作人员王丽华（1001）已确认" in journey.screen.lines
    journey.tap("cat:H")
    journey.settle()
    assert (hub.tickets[0].lane, hub.tickets[0].green_group) == ("green", "残疾人")


def test_a_wrong_staff_pin_is_refused_and_the_right_one_confirms(hub: FakeHub) -> None:
    staff = FakeStaff(pins={"2468": "李明（1002）"})
    journey = TicketJourney(make_context(hub, staff=staff))
    journey.tap("green")
    journey.tap("group:2")  # 军人
    assert journey.screen.input is not None and journey.screen.input.masked
    for key in "1111":
        journey.key(key)
    journey.tap("confirm")
    journey.settle()
    assert journey.screen.state == "green_confirm"
    assert "密码不对，请工作人员重新输入" in journey.screen.lines
    assert journey.screen.input is not None and journey.screen.input.text == ""
    for key in "2468":
        journey.key(key)
    journey.tap("confirm")
    journey.settle()
    assert journey.screen.state == "choose"
    journey.tap("cat:A")
    journey.settle()
    assert hub.tickets[0].lane == "green"


def test_a_card_with_an_appointment_today_checks_in_on_the_swipe(
    ctx: Context, hub: FakeHub
) -> None:
    card = card_for("19800101")
    hub.appointments["YY1"] = {"id_number": card.id_number, "category": "B", "status": "booked"}
    journey = TicketJourney(ctx)
    journey.card_swiped(card)
    journey.settle()
    screen = journey.screen
    assert screen.state == "shown"
    assert screen.big == "B001"
    assert "预约通道，已为您签到" in screen.lines


def test_a_hub_that_needs_the_category_checks_the_appointment_in_when_it_is_chosen(
    ctx: Context, hub: FakeHub
) -> None:
    hub.card_checkin = False
    card = card_for("19800101")
    hub.appointments["YY1"] = {"id_number": card.id_number, "category": "B", "status": "booked"}
    journey = TicketJourney(ctx)
    journey.card_swiped(card)
    journey.settle()
    assert journey.screen.state == "choose"
    journey.tap("cat:B")
    journey.settle()
    assert hub.tickets[0].lane == "appointment"


def test_one_open_ticket_per_category_is_explained_with_the_number_held(
    ctx: Context, hub: FakeHub
) -> None:
    card = card_for()
    first = TicketJourney(ctx)
    first.card_swiped(card)
    first.settle()
    first.tap("cat:A")
    first.settle()
    again = TicketJourney(ctx)
    again.card_swiped(card)
    again.settle()
    again.tap("cat:A")
    again.settle()
    screen = again.screen
    assert screen.state == "already_queued"
    assert screen.big == "A001"
    assert screen.lines[0] == "同一类业务每人只能有一个号，您已经在排队了。"
    assert "A001号" in screen.lines[1] and "前面还有" in screen.lines[1]
    assert {"see_mine", "other"} <= set(ids(again))
    assert len(hub.tickets) == 1
    again.tap("see_mine")
    assert again.handoff is not None and again.handoff.journey == "progress"
    assert again.handoff.params == {"number": "A001"}


def test_hub_away_says_so_in_one_sentence_and_points_to_the_desk(
    ctx: Context, hub: FakeHub
) -> None:
    hub.away = True
    journey = TicketJourney(ctx)
    journey.tap("cat:A")
    journey.settle()
    screen = journey.screen
    assert screen.state == "refused"
    assert screen.lines[0] == "排队系统暂时连接不上，现在不能自助取号，请到服务台找工作人员取号。"
    assert ctx.hub_away
    hub.away = False
    journey.tap("other")
    journey.tap("cat:A")
    journey.settle()
    assert journey.screen.big == "A001"
    assert not ctx.hub_away


def test_a_hub_refusal_is_a_citizen_sentence_never_the_code(ctx: Context, hub: FakeHub) -> None:
    hub.refuse["issue_ticket"] = (
        "daily_cap_reached",
        "卫健业务今日号已发完（每日60个），请明天再来或咨询服务台",
    )
    journey = TicketJourney(ctx)
    journey.tap("cat:D")
    journey.settle()
    lines = journey.screen.lines
    assert lines[0] == "今天这类业务的号已经发完了。"
    assert "每日60个" in lines[1]
    assert not any("daily_cap" in line for line in lines)


def test_out_of_paper_keeps_the_ticket_on_screen_alerts_staff_and_speaks(
    hub: FakeHub, alerts: FakeAlerts, speech: FakeSpeech
) -> None:
    printer = FakePrinter(paper=False)
    model = KioskModel(make_context(hub, printer, alerts), speech=speech)
    model.tap("ticket")
    model.tap("cat:A")
    model.settle()
    screen = model.screen
    assert screen.big == "A001"
    assert screen.state == "shown"
    assert screen.tone == "warning"
    assert screen.lines[0].startswith("号票没能打印，号码仍然有效")
    assert alerts.sent and "A001" in alerts.sent[0][1] and "缺纸" in alerts.sent[0][1]
    assert speech.said and "A零零一" in speech.said[-1]  # spoken although elder mode is off
    assert len(hub.tickets) == 1  # no ghost: one number, and the citizen has it


def test_reprint_prints_the_same_ticket_and_never_asks_the_hub_again(
    hub: FakeHub, alerts: FakeAlerts
) -> None:
    printer = FakePrinter(paper=False)
    journey = TicketJourney(make_context(hub, printer, alerts))
    journey.tap("cat:A")
    journey.settle()
    assert REPRINT in ids(journey)
    printer.paper = True
    journey.tap(REPRINT)
    journey.settle()
    assert [s.big for s in printer.slips] == ["A001"]
    assert hub.calls.count("issue_ticket") == 1
    assert journey.screen.tone == "success"
    journey.tap(DONE)
    assert journey.handoff is not None and journey.handoff.journey is None


def test_a_printer_driver_that_raises_still_leaves_the_ticket_shown(
    hub: FakeHub, alerts: FakeAlerts
) -> None:
    class Broken(FakePrinter):
        def print_slip(self, slip: object) -> object:  # type: ignore[override]
            raise OSError("usb gone")

    journey = TicketJourney(make_context(hub, Broken(), alerts))
    journey.tap("cat:A")
    journey.settle()
    assert journey.screen.big == "A001"
    assert journey.screen.must_speak
    assert alerts.sent


def test_taps_are_ignored_while_the_ticket_is_being_issued(ctx: Context, hub: FakeHub) -> None:
    journey = TicketJourney(ctx)
    journey.tap("cat:A")
    assert journey.screen.busy
    journey.tap("cat:A")  # a second, impatient tap
    journey.tap("cat:B")
    journey.settle()
    assert [t.number for t in hub.tickets] == ["A001"]


def test_an_unexpected_failure_is_a_sentence_not_a_traceback(ctx: Context, hub: FakeHub) -> None:
    def boom(request: object) -> object:
        raise RuntimeError("bug")

    hub.issue_ticket = boom  # type: ignore[method-assign]
    journey = TicketJourney(ctx)
    journey.tap("cat:A")
    journey.settle()
    assert journey.screen.lines[0] == "出了点问题，请再试一次，或到服务台找工作人员。"
    assert not journey.busy


def test_a_broken_qr_template_still_prints_the_number(hub: FakeHub, printer: FakePrinter) -> None:
    journey = TicketJourney(make_context(hub, printer, settings=KioskSettings(ticket_qr="{nope}")))
    journey.tap("cat:A")
    journey.settle()
    assert printer.slips[0].qr == "A001"
    assert journey.screen.tone == "success"


def test_the_green_choice_and_card_hint_are_on_the_first_screen(ctx: Context) -> None:
    screen = TicketJourney(ctx).screen
    assert "green" in [c.id for c in screen.choices]
    assert any("刷身份证" in line for line in screen.lines)


def test_speech_in_elder_mode_reads_the_ticket(
    hub: FakeHub, printer: FakePrinter, speech: FakeSpeech
) -> None:
    model = KioskModel(make_context(hub, printer), speech=speech)
    model.tap("elder")
    model.tap("ticket")
    model.tap("cat:B")
    model.settle()
    assert speech.said[-1] == "您的号码是B零零一，前面没有人等候，请留意叫号"


def test_paper_near_its_end_prints_the_ticket_and_tells_staff_only(
    hub: FakeHub, alerts: FakeAlerts
) -> None:
    printer = FakePrinter(near_end=True)
    journey = TicketJourney(make_context(hub, printer, alerts))
    journey.tap("cat:A")
    journey.settle()
    screen = journey.screen
    assert screen.tone == "success" and not screen.must_speak
    assert "请取走号票，留意叫号" in screen.lines
    assert alerts.sent == [("kiosk/printer", "打印机需要处理：打印纸即将用完", "")]


def test_a_bug_after_the_ticket_was_issued_never_loses_the_number(hub: FakeHub) -> None:
    class Buggy(Catalog):
        def category_name(self, code: str) -> str:  # the slip needs it: a bug there
            raise RuntimeError("bug")

    buggy = Buggy.from_config(sample_hall())
    journey = TicketJourney(make_context(hub, catalog=buggy))
    journey.tap("cat:A")
    journey.settle()
    screen = journey.screen
    assert screen.big == "A001"
    assert screen.must_speak
    assert screen.lines[0] == "出了点问题，请再试一次，或到服务台找工作人员。"
    assert len(hub.tickets) == 1


def test_the_printed_ticket_carries_its_content_as_values_for_the_hall_form(
    ctx: Context, printer: FakePrinter
) -> None:
    journey = TicketJourney(ctx)
    journey.card_swiped(card_for("19500101"))
    journey.settle()
    journey.tap("cat:A")
    journey.settle()
    facts = printer.slips[0].facts
    assert isinstance(facts, TicketFacts)
    assert facts.lane == "绿色通道（老年人）"
    assert facts.people_ahead == journey.issued.ticket.waiting_ahead  # type: ignore[union-attr]
    assert facts.queue == ctx.catalog.category_name("A")  # type: ignore[union-attr]
