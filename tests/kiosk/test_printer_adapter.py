"""The kiosk's slips as the hall's printed forms: values from the slip, times in the hall's zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from devices.printer.layout import KeyValue, Text
from kiosk.ports import ChecklistFacts, Slip, TicketFacts
from kiosk.printer_adapter import slip_document

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _rows(slip: Slip, now: datetime) -> dict[str, str]:
    return {b.key: b.value for b in slip_document(slip, now).blocks if isinstance(b, KeyValue)}


def _texts(slip: Slip, now: datetime) -> list[str]:
    return [b.text for b in slip_document(slip, now).blocks if isinstance(b, Text)]


def test_a_ticket_prints_its_values_and_the_issue_time_in_the_halls_zone() -> None:
    facts = TicketFacts("户籍业务", "绿色通道（老年人）", 3, 12, "2026-11-22T04:30:00+00:00")
    slip = Slip("ticket", "示例镇便民服务中心", "A003", ("ignored",), qr="A003", facts=facts)
    rows = _rows(slip, datetime(2026, 11, 22, 12, 31, tzinfo=SHANGHAI))
    assert rows["前面等候"] == "3人" and rows["预计等待"] == "约12分钟"
    assert rows["取号时间"].endswith("12:30")  # 04:30 UTC is 12:30 in the hall
    assert "户籍业务 绿色通道（老年人）" in _texts(slip, datetime.now(SHANGHAI))


def test_a_checklist_prints_every_material_and_the_promised_days() -> None:
    facts = ChecklistFacts("示例镇", "社会保障卡申请", ("身份证原件", "照片"), "本人", "1号窗口", 5)
    slip = Slip("checklist", "示例镇 办事材料清单", "社会保障卡申请", qr="x", facts=facts)
    now = datetime(2026, 11, 22, 9, 0, tzinfo=SHANGHAI)
    texts = _texts(slip, now)
    assert "1. 身份证" in texts and "2. 照片" in texts
    assert texts[texts.index("1. 身份证") + 1].strip() == "原件1份"
    assert _rows(slip, now)["承诺时限"] == "5个工作日"


def test_a_slip_without_values_prints_line_by_line() -> None:
    slip = Slip("ticket", "测试页", "TEST", ("打印机正常",))
    assert "打印机正常" in _texts(slip, datetime.now(SHANGHAI))
