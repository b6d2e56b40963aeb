"""The rules under the kiosk's redesigned screens: the green lane confirmed by staff card or the
citizen's own card, waits on the category tiles, materials as a checklist, item names cleaned
for display, the hall's facts (hours, phones) on screen and on paper, and error screens that say
what was typed and the fact that explains them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from config import sample_hall
from config.pins import hash_card, hash_pin
from config.schema import ServiceHours, StaffMember
from devices.printer.layout import KeyValue
from hub import wire
from kiosk.catalog import display_name
from kiosk.facts import HallFacts, days_text, hours_text
from kiosk.hub_adapter import HubClientPort
from kiosk.journeys.base import Context
from kiosk.journeys.checkin import CheckinJourney
from kiosk.journeys.ticket import TicketJourney
from kiosk.materials import read_material
from kiosk.ports import QueueWait, Slip, TicketFacts
from kiosk.printer_adapter import slip_document
from kiosk.staff import ConfigStaff
from tests.kiosk.conftest import card_for
from tests.kiosk.fakes import FakeHub, FakeStaff, make_context

SHANGHAI = ZoneInfo("Asia/Shanghai")
STAFF_CARD = card_for("19880808", "周工作", serial=7)


def to_confirm(journey: TicketJourney, group: int) -> None:
    journey.tap("green")
    journey.tap(f"group:{group}")
    assert journey.screen.state == "green_confirm"


def test_a_staff_card_confirms_the_green_lane_and_a_citizens_card_does_not(
    hub: FakeHub,
) -> None:
    staff = FakeStaff(cards={STAFF_CARD.id_number: "周工作（1009）"})
    journey = TicketJourney(make_context(hub, staff=staff))
    to_confirm(journey, 1)  # 残疾人
    journey.card_swiped(card_for("19900101"))
    journey.settle()
    assert journey.screen.state == "green_confirm" and journey.screen.tone == "error"
    journey.card_swiped(STAFF_CARD)
    journey.settle()
    assert journey.screen.state == "choose"
    assert "工作人员周工作（1009）已确认" in journey.screen.lines
    journey.tap("cat:A")
    journey.settle()
    assert (hub.tickets[0].lane, hub.tickets[0].green_group) == ("green", "残疾人")


def test_an_elderly_citizens_own_card_decides_the_elderly_green_lane(hub: FakeHub) -> None:
    staff = FakeStaff()
    journey = TicketJourney(make_context(hub, staff=staff))
    to_confirm(journey, 0)  # 老年人
    journey.card_swiped(card_for("19500101"))
    journey.settle()
    assert journey.screen.state == "choose"
    assert any("已按身份证确认" in line for line in journey.screen.lines)
    assert staff.asked == 0  # no staff needed


def test_without_staff_or_with_a_failing_check_there_is_no_green_lane(hub: FakeHub) -> None:
    ctx = make_context(hub)
    ctx.staff = None
    journey = TicketJourney(ctx)
    to_confirm(journey, 1)
    for key in "2580":
        journey.key(key)
    journey.tap("confirm")
    assert journey.screen.state == "green_confirm"
    assert "请到服务台办理" in journey.screen.lines[0]

    class Broken(FakeStaff):
        def by_pin(self, pin: str) -> str | None:
            raise OSError("disk")

    journey = TicketJourney(make_context(hub, staff=Broken()))
    to_confirm(journey, 1)
    for key in "2580":
        journey.key(key)
    journey.tap("confirm")
    journey.settle()
    assert journey.screen.state == "green_confirm" and journey.screen.tone == "error"


def test_config_staff_knows_clerks_by_pin_and_by_card_and_no_one_else() -> None:
    pin = hash_pin("2580", iterations=1000)
    staff = ConfigStaff(
        [
            StaffMember(number="1001", name="王丽华", pin_hash=pin),
            StaffMember(
                number="1009",
                name="周工作",
                pin_hash=pin,
                id_card_hash=hash_card(STAFF_CARD.id_number, iterations=1000),
            ),
        ]
    )
    assert staff.by_pin("2580") == "王丽华（1001）"
    assert staff.by_pin("1111") is None
    assert staff.by_card(STAFF_CARD) == "周工作（1009）"
    assert staff.by_card(card_for("19900101")) is None
    assert not ConfigStaff([])


def test_category_tiles_say_how_many_wait_and_for_how_long(ctx: Context) -> None:
    ctx.waits = {"A": QueueWait(8, 16), "B": QueueWait(0, None), "C": QueueWait(3, None)}
    hints = {c.id: c.hint for c in TicketJourney(ctx).screen.choices}
    assert hints["cat:A"] == "等候 8 人 · 约 16 分钟"
    assert hints["cat:B"] == "现在无人等候"
    assert hints["cat:C"] == "等候 3 人"
    assert hints["cat:D"] == ""  # the hub did not say: nothing made up


def test_the_hub_adapter_reads_queue_waits_from_the_wire() -> None:
    class Client:
        def queue(self) -> wire.QueueOverview:
            return wire.QueueOverview.model_validate(
                {
                    "waiting": {"A": {"ordinary": 4}, "B": {}},
                    "today": {"service_day": "2026-03-02", "issued": 9, "finished": 5},
                    "categories": {
                        "A": {"waiting": 4, "estimated_wait_minutes": 12},
                        "B": {"waiting": 0, "estimated_wait_minutes": None},
                    },
                }
            )

    port = HubClientPort.__new__(HubClientPort)
    port._client = Client()  # type: ignore[assignment]
    assert port.queue_waits() == {"A": QueueWait(4, 12), "B": QueueWait(0, None)}


@pytest.mark.parametrize(
    ("text", "name", "described"),
    [
        ("申请人居民身份证原件", "申请人居民身份证", "原件1份"),
        ("结婚证原件及复印件（2份）", "结婚证", "原件及复印件各2份"),
        ("户口簿复印件", "户口簿", "复印件1份"),
        ("申请表（窗口领取或现场填写）", "申请表（窗口领取或现场填写）", "原件1份"),
    ],
)
def test_a_material_reads_as_a_checklist_line(text: str, name: str, described: str) -> None:
    line = read_material(text)
    assert (line.name, line.describe()) == (name, described)


def test_item_names_are_cleaned_for_display() -> None:
    assert display_name("申报登记-婚生子女出生申报") == "申报登记：婚生子女出生申报"
    assert display_name("申报登记-婚生子女出生申报", "申报登记") == "婚生子女出生申报"
    assert display_name('城镇职工(灵活就业) "养老" 登记') == "城镇职工（灵活就业）“养老”登记"


def test_opening_hours_read_as_a_citizen_says_them() -> None:
    assert days_text([1, 2, 3, 4, 5]) == "周一至周五"
    assert days_text([1, 3]) == "周一、周三" and days_text(list(range(1, 8))) == "每天"
    hours = hours_text(ServiceHours(days=[1, 2, 3, 4, 5], hours=["09:00-12:00", "13:00-17:00"]))
    assert hours == "周一至周五 09:00–12:00、13:00–17:00"
    assert HallFacts.from_config(sample_hall()).supervision_phone == "12345"


def test_the_printed_ticket_carries_the_halls_phone_and_12345() -> None:
    facts = TicketFacts("户籍业务", "", 3, 12, "", "0510-1234567", "12345")
    slip = Slip("ticket", "示例镇便民服务中心", "A003", qr="A003", facts=facts)
    rows = {
        b.key: b.value
        for b in slip_document(slip, datetime(2026, 12, 7, 9, tzinfo=SHANGHAI)).blocks
        if isinstance(b, KeyValue)
    }
    assert rows["咨询电话"] == "0510-1234567" and rows["监督电话"] == "12345"
    bare = Slip(
        "ticket", "示例镇", "A004", qr="A004", facts=TicketFacts("户籍业务", "", 0, None, "")
    )
    printed = slip_document(bare, datetime(2026, 12, 7, 9, tzinfo=SHANGHAI)).blocks
    assert not [b for b in printed if isinstance(b, KeyValue) and "电话" in b.key]


def test_a_closed_hall_says_its_opening_hours(hub: FakeHub) -> None:
    hub.refuse["issue_ticket"] = ("hall_closed", "不在办公时间")
    ctx = make_context(hub)
    journey = TicketJourney(ctx)
    journey.tap("cat:A")
    journey.settle()
    problem = journey.screen.problem
    assert problem is not None and problem.sentence == "现在不是办公时间，暂停取号。"
    assert f"办公时间：{ctx.hall.hours}" in problem.facts


def test_an_error_screen_shows_what_the_citizen_typed(ctx: Context, hub: FakeHub) -> None:
    journey = CheckinJourney(ctx)
    journey.tap("code")
    for key in "YY404":
        journey.key(key)
    journey.tap("submit")
    journey.settle()
    problem = journey.screen.problem
    assert problem is not None and problem.typed == "您输入的是：YY404"
    assert problem.sentence == journey.screen.lines[0]
