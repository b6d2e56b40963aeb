"""进度查询 and 意见建议 with fakes."""

from __future__ import annotations

from kiosk.journeys.base import Context
from kiosk.journeys.feedback import FeedbackJourney
from kiosk.journeys.progress import ProgressJourney
from kiosk.ports import CaseProgress, Feedback, TicketRequest
from tests.kiosk.fakes import FakeHub


def type_keys(journey: ProgressJourney | FeedbackJourney, text: str) -> None:
    for key in text:
        journey.key(key)


def test_ticket_progress_shows_people_ahead(ctx: Context, hub: FakeHub) -> None:
    for _ in range(3):
        hub.issue_ticket(TicketRequest(category="B"))
    journey = ProgressJourney(ctx)
    journey.tap("ticket")
    type_keys(journey, "b3")
    journey.tap("submit")
    journey.settle()
    screen = journey.screen
    assert screen.big == "B003"
    assert screen.lines == ("排队中",)
    facts = dict(screen.facts)
    assert (facts["前面等候"], facts["预计等候"]) == ("2人", "约16分钟")
    assert facts["办理业务"] == "人社业务"


def test_a_missed_ticket_offers_requeue(ctx: Context, hub: FakeHub) -> None:
    hub.issue_ticket(TicketRequest(category="A"))
    hub.miss("A001")
    journey = ProgressJourney(ctx)
    journey.prefill("A001")
    journey.settle()
    assert "已过号" in journey.screen.lines
    journey.tap("requeue")
    assert journey.handoff is not None
    assert (journey.handoff.journey, journey.handoff.params) == ("requeue", {"number": "A001"})


def test_case_progress_by_receipt_number(ctx: Context, hub: FakeHub) -> None:
    hub.cases["SB20250312001"] = CaseProgress(
        "SB20250312001", "社会保障卡申请", "审批中", "2025-03-10", "2025-03-17"
    )
    journey = ProgressJourney(ctx)
    journey.tap("case")
    type_keys(journey, "sb20250312001")
    journey.tap("submit")
    journey.settle()
    assert journey.screen.lines == (
        "办件编号：SB20250312001",
        "事项：社会保障卡申请",
        "办理状态：审批中",
        "受理日期：2025-03-10",
        "承诺办结日期：2025-03-17",
    )


def test_central_platform_unreachable_is_said_plainly(ctx: Context, hub: FakeHub) -> None:
    hub.refuse["case_progress"] = ("central_unavailable", "central down")
    journey = ProgressJourney(ctx)
    journey.tap("case")
    type_keys(journey, "X1")
    journey.tap("submit")
    journey.settle()
    assert (
        journey.screen.lines[0]
        == "暂时连不上政务服务平台，查不到办件进度，请稍后再试或到服务台咨询。"
    )


def test_hub_away_during_a_lookup_is_said_plainly(ctx: Context, hub: FakeHub) -> None:
    hub.away = True
    journey = ProgressJourney(ctx)
    journey.prefill("A001")
    journey.settle()
    assert journey.screen.lines[0] == "排队系统暂时连接不上，请稍后再试，或到服务台找工作人员办理。"


def test_feedback_reason_phone_done(ctx: Context, hub: FakeHub) -> None:
    journey = FeedbackJourney(ctx)
    journey.tap("kind:unresolved")
    assert [c.label for c in journey.screen.choices][:2] == ["材料要求说不清", "多次跑腿仍未办成"]
    journey.tap("reason:runaround")
    assert journey.screen.input is not None and journey.screen.input.kind == "phone"
    type_keys(journey, "13800138000")
    assert journey.screen.personal
    journey.tap("submit")
    journey.settle()
    assert journey.screen.title == "感谢您的反映！"
    assert journey.screen.lines == ("工作人员会尽快与您联系。",)
    assert not journey.screen.personal
    assert hub.feedback == [Feedback("unresolved", "unresolved.runaround", "13800138000")]


def test_feedback_without_a_phone_number(ctx: Context, hub: FakeHub) -> None:
    journey = FeedbackJourney(ctx)
    journey.tap("kind:suggestion")
    journey.tap("reason:waiting")
    journey.tap("skip")
    journey.settle()
    assert journey.screen.lines == ("我们会认真研究改进。",)
    assert hub.feedback == [Feedback("suggestion", "suggestion.waiting", None)]


def test_a_wrong_phone_number_is_explained(ctx: Context, hub: FakeHub) -> None:
    journey = FeedbackJourney(ctx)
    journey.tap("kind:suggestion")
    journey.tap("reason:other")
    type_keys(journey, "12345")
    journey.tap("submit")
    assert journey.screen.lines[0] == "手机号码是11位数字，以1开头，请再输入一次"
    assert hub.feedback == []
