"""办事指南 with fakes: browse, search on the built-in keyboard, the item page, the checklist."""

from __future__ import annotations

from kiosk.journeys.base import Context
from kiosk.journeys.guide import GuideJourney
from tests.kiosk.fakes import FakeAlerts, FakeHub, FakePrinter, make_context


def ids(journey: GuideJourney) -> list[str]:
    return [c.id for c in journey.screen.choices]


def type_keys(journey: GuideJourney, text: str) -> None:
    for key in text:
        journey.key(key)


def test_browse_department_topic_item(ctx: Context) -> None:
    guide = GuideJourney(ctx)
    assert guide.screen.choices[0].label == "公安局"
    guide.tap("dept:0")
    screen = guide.screen
    assert screen.state == "topics"
    assert [c.label for c in screen.choices[:5]] == [
        "立户和分户",
        "申报登记",
        "注销登记",
        "迁移登记",
        "其他事项",
    ]
    guide.tap("topic:1")
    # the topic is in the title, so the item's name leaves it out
    assert guide.screen.title == "请选择申报登记的事项"
    assert guide.screen.choices[0].label == "婚生子女出生申报"
    guide.tap("item:jjb-013")
    assert guide.screen.state == "item"
    guide.tap("nav:back")
    assert guide.screen.state == "items"
    guide.tap("nav:back")
    assert guide.screen.state == "topics"


def test_a_department_with_one_topic_goes_straight_to_its_items(ctx: Context) -> None:
    guide = GuideJourney(ctx)
    guide.tap("dept:4")  # 人社局: no shared topics
    assert guide.screen.state == "items"


def test_the_item_page_has_every_part_of_the_guide(ctx: Context) -> None:
    guide = GuideJourney(ctx)
    guide.tap("item:jjb-156")  # 社会保障卡申请, from the popular row
    screen = guide.screen
    assert screen.title == "社会保障卡申请"
    titles = [s.title for s in screen.sections]
    for wanted in (
        "受理条件",
        "申请材料",
        "办理流程",
        "办理时限",
        "收费标准",
        "设定依据",
        "办理窗口",
    ):
        assert wanted in titles
    by_title = {s.title: s.lines for s in screen.sections}
    # a numbered checklist: the document, then original or copy and how many
    assert by_title["申请材料"][0] == "1. 申请人居民身份证　原件1份"
    assert titles[0] == "申请材料"  # what to bring comes first
    assert by_title["办理时限"] == ("法定时限：10个工作日", "承诺时限：5个工作日")
    assert by_title["办理窗口"] == ("1、4、5、8号窗口",)
    assert {"print", "take"} <= set(ids(guide))


def test_search_on_the_built_in_keyboard_narrows_as_you_type(ctx: Context) -> None:
    guide = GuideJourney(ctx)
    guide.tap("search")
    assert guide.screen.input is not None and guide.screen.input.kind == "pinyin"
    type_keys(guide, "shbzk")
    screen = guide.screen
    assert screen.input is not None and screen.input.text == "shbzk"
    assert [c.label for c in screen.choices[:2]] == ["社会保障卡申请", "社会保障卡领卡"]
    assert "找到2项" in screen.lines
    guide.tap("item:jjb-157")
    assert guide.screen.title == "社会保障卡领卡"
    guide.tap("nav:back")
    assert guide.screen.input is not None and guide.screen.input.text == "shbzk"


def test_hjdj_on_the_keyboard_lists_household_registration_items(ctx: Context) -> None:
    guide = GuideJourney(ctx)
    guide.tap("search")
    type_keys(guide, "hjdj")
    labels = [c.label for c in guide.screen.choices]
    assert any(label.startswith("迁移登记") or label.startswith("申报登记") for label in labels)


def test_no_results_says_what_to_do(ctx: Context) -> None:
    guide = GuideJourney(ctx)
    guide.tap("search")
    type_keys(guide, "zzzq")
    assert guide.screen.lines[-1].startswith("没有找到“zzzq”相关的事项")
    guide.key("backspace")
    guide.key("clear")
    assert guide.screen.input is not None and guide.screen.input.text == ""
    assert not [c for c in guide.screen.choices if c.id.startswith("item:")]


def test_chinese_typed_from_a_hardware_keyboard_searches_too(ctx: Context) -> None:
    guide = GuideJourney(ctx)
    guide.tap("search")
    guide.type_text("公积金")
    assert guide.screen.choices[0].label.startswith("公积金")


def test_search_results_are_paged_with_fewer_per_page_in_elder_mode(ctx: Context) -> None:
    guide = GuideJourney(ctx)
    guide.tap("search")
    guide.key("q")
    normal = guide.screen
    assert normal.pages > 1
    assert len([c for c in normal.choices if c.id.startswith("item:")]) == 9
    ctx.elder = True
    elder = guide.screen
    assert len([c for c in elder.choices if c.id.startswith("item:")]) == 4
    guide.tap("nav:next")
    assert guide.screen.page == 1


def test_print_the_material_checklist(ctx: Context, printer: FakePrinter) -> None:
    guide = GuideJourney(ctx)
    guide.tap("item:jjb-156")
    guide.tap("print")
    guide.settle()
    assert guide.screen.lines[0] == "材料清单已打印，请取走"
    slip = printer.slips[0]
    assert slip.kind == "checklist"
    assert slip.big == "社会保障卡申请"
    assert "1. 申请人居民身份证　原件1份" in slip.lines
    assert slip.qr


def test_a_checklist_that_cannot_print_says_what_to_do_and_alerts_staff(
    hub: FakeHub, alerts: FakeAlerts
) -> None:
    guide = GuideJourney(make_context(hub, FakePrinter(paper=False), alerts))
    guide.tap("item:jjb-156")
    guide.tap("print")
    guide.settle()
    assert guide.screen.lines[0] == "材料清单没能打印，请用手机拍下本页，或到服务台领取。"
    assert guide.screen.state == "item"
    assert alerts.sent


def test_take_a_ticket_for_the_item_hands_over_to_ticket_taking(ctx: Context) -> None:
    guide = GuideJourney(ctx)
    guide.tap("item:jjb-013")
    guide.tap("take")
    assert guide.handoff is not None
    assert (guide.handoff.journey, guide.handoff.params) == ("ticket", {"item_id": "jjb-013"})


def test_guides_say_they_are_the_local_copy_while_the_hub_is_away(ctx: Context) -> None:
    ctx.hub_away = True
    guide = GuideJourney(ctx)
    assert guide.screen.lines[0] == "排队系统暂时连接不上，以下是本机保存的办事指南。"
    guide.tap("item:jjb-013")
    assert guide.screen.sections


def test_no_catalog_at_all_is_a_sentence(hub: FakeHub) -> None:
    ctx = make_context(hub)
    ctx.catalog_source = lambda: None
    guide = GuideJourney(ctx)
    assert guide.screen.lines == ("暂时没有办事指南，请到服务台咨询。",)
    guide.tap("dept:0")
    assert guide.screen.state == "start"
