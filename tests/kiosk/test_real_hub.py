"""The kiosk against a REAL hub (served in-process by uvicorn, spoken to by HubClient)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.alert_sender import AlertSender
from hub.client import HubClient
from hub.server import Hub
from kiosk.app_model import KioskModel
from kiosk.catalog import CatalogKeeper, CatalogStore, Refresh
from kiosk.hub_adapter import HubClientPort
from kiosk.journeys.base import Context
from kiosk.ports import Feedback
from sync.clock import FixedClock
from tests.hub.hubapp import served
from tests.kiosk.conftest import card_for
from tests.kiosk.fakes import FakeClock, FakePrinter, FakeSpeech
from tests.timing import PATIENCE


@dataclass
class Hall:
    hub: Hub
    url: str
    admin: HubClient
    port: HubClientPort
    alerts: AlertSender
    keeper: CatalogKeeper
    printer: FakePrinter
    speech: FakeSpeech
    kiosk: KioskModel

    def counter(self, window: int) -> HubClient:
        token = self.admin.add_device("counter", f"counter-{window}", window)["token"]
        return HubClient(self.url, token)

    def tickets_today(self) -> int:
        return int(self.admin.queue().today.issued)


@pytest.fixture
def hall(tmp_path: Path, clock: FixedClock) -> Iterator[Hall]:
    with served(tmp_path / "hub", clock) as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        token = admin.add_device("kiosk", "kiosk-1")["token"]
        client = HubClient(url, token, timeout=PATIENCE)
        port = HubClientPort(client, tmp_path / "kiosk")
        alerts = AlertSender(client, "kiosk-1")
        keeper = CatalogKeeper(CatalogStore(tmp_path / "kiosk"))
        assert keeper.refresh(port) is Refresh.UPDATED
        printer, speech = FakePrinter(), FakeSpeech()
        ctx = Context(
            hub=port,
            printer=printer,
            alerts=alerts,
            catalog_source=lambda: keeper.current,
            clock=FakeClock(clock.now().date()),
        )
        model = KioskModel(ctx, keeper=keeper, speech=speech, flush_feedback=port.flush_feedback)
        yield Hall(hub, url, admin, port, alerts, keeper, printer, speech, model)
        port.close()


def test_an_ordinary_ticket_in_two_taps_is_issued_once_and_printed(hall: Hall) -> None:
    hall.kiosk.tap("ticket")
    hall.kiosk.tap("cat:A")
    hall.kiosk.settle()
    screen = hall.kiosk.screen
    assert screen.big == "A001"
    assert ("前面等候", "现在无人等候") in screen.facts
    assert [s.big for s in hall.printer.slips] == ["A001"]
    assert hall.tickets_today() == 1


def test_an_elderly_citizen_by_card_gets_the_green_lane_from_the_hub(hall: Hall) -> None:
    hall.kiosk.card_swiped(card_for("19500101"))
    hall.kiosk.settle()
    assert "您已年满60周岁，将为您安排绿色通道" in hall.kiosk.screen.lines
    hall.kiosk.tap("cat:B")
    hall.kiosk.settle()
    assert "绿色通道（老年人）" in hall.kiosk.screen.lines
    assert hall.port.ticket_by_number("B001").lane == "green"


def test_a_second_ticket_in_the_same_category_is_explained(hall: Hall) -> None:
    card = card_for("19800101")
    for _ in range(2):
        hall.kiosk.card_swiped(card)
        hall.kiosk.settle()
        hall.kiosk.tap("cat:C")
        hall.kiosk.settle()
        if hall.kiosk.screen.state == "shown":
            hall.kiosk.tap("ticket:done")
    screen = hall.kiosk.screen
    assert screen.state == "already_queued"
    assert screen.big == "C001"
    assert screen.lines[0] == "同一类业务每人只能有一个号，您已经在排队了。"
    assert "前面还有0人" in screen.lines[1]
    assert hall.tickets_today() == 1


def test_out_of_paper_shows_speaks_alerts_staff_through_the_hub_and_leaves_no_ghost(
    hall: Hall,
) -> None:
    hall.printer.paper = False
    hall.kiosk.tap("ticket")
    hall.kiosk.tap("cat:A")
    hall.kiosk.settle()
    hall.alerts.flush()
    screen = hall.kiosk.screen
    assert screen.big == "A001" and screen.must_speak
    assert "A零零一" in hall.speech.said[-1]
    assert not hall.alerts.endpoint_missing
    alerts = [e for e in hall.hub.engine.events_after(0, 500) if e.type == "staff.alert"]
    assert len(alerts) == 1
    assert (
        alerts[0].payload["device"] == "kiosk/printer" and alerts[0].payload["source"] == "kiosk-1"
    )
    assert "A001" in json.dumps(alerts[0].payload, ensure_ascii=False)
    hall.printer.paper = True
    hall.kiosk.tap("ticket:reprint")
    hall.kiosk.settle()
    assert [s.big for s in hall.printer.slips] == ["A001"]
    assert hall.tickets_today() == 1


def test_check_in_by_card_needs_no_category_the_appointment_names_it(hall: Hall) -> None:
    card = card_for("19800101")
    hall.admin.add_appointment(
        code="YY0001",
        service_day="2025-03-12",
        slot_start="09:30",
        slot_end="10:00",
        category="B",
        id_number=card.id_number,
    )
    hall.kiosk.tap("checkin")
    hall.kiosk.card_swiped(card)
    hall.kiosk.settle()
    screen = hall.kiosk.screen
    assert (screen.title, screen.big) == ("签到成功", "B001")
    assert hall.port.ticket_by_number("B001").lane == "appointment"


def test_check_in_by_code_and_a_used_code_explained(hall: Hall) -> None:
    hall.admin.add_appointment(
        code="YY0002", service_day="2025-03-12", slot_start="09:30", slot_end="10:00", category="A"
    )
    for _ in range(2):
        hall.kiosk.go_home()
        hall.kiosk.tap("checkin")
        hall.kiosk.tap("code")
        for key in "YY0002":
            hall.kiosk.key(key)
        hall.kiosk.tap("submit")
        hall.kiosk.settle()
    assert hall.kiosk.screen.lines[0] == "这个预约已经签到过了，请留意叫号。"
    assert hall.tickets_today() == 1


def test_check_in_without_an_appointment_issues_nothing(hall: Hall) -> None:
    hall.kiosk.tap("checkin")
    hall.kiosk.card_swiped(card_for("19800101"))
    hall.kiosk.settle()
    assert hall.kiosk.screen.state != "choose_category"
    assert hall.kiosk.screen.lines[0] == "没有找到您今天这个时段可以签到的预约。"
    assert hall.tickets_today() == 0


def test_requeue_after_the_counter_skipped_the_number(hall: Hall) -> None:
    hall.kiosk.tap("ticket")
    hall.kiosk.tap("cat:A")
    hall.kiosk.settle()
    counter = hall.counter(1)
    assert counter.call_next(1).number == "A001"
    counter.skip(1)
    hall.kiosk.go_home()
    hall.kiosk.tap("requeue")
    for key in "a1":
        hall.kiosk.key(key)
    hall.kiosk.tap("submit")
    hall.kiosk.settle()
    screen = hall.kiosk.screen
    assert (screen.title, screen.big) == ("已为您重新排队", "A001")
    assert hall.port.ticket_by_number("A001").status == "waiting"
    hall.kiosk.go_home()
    hall.kiosk.tap("requeue")
    for key in "A001":
        hall.kiosk.key(key)
    hall.kiosk.tap("submit")
    hall.kiosk.settle()
    assert hall.kiosk.screen.lines[0] == "这个号没有过号，不需要重新排队。"


def test_progress_of_a_ticket_and_of_a_case_accepted_at_a_counter(hall: Hall) -> None:
    hall.kiosk.tap("ticket")
    hall.kiosk.tap("cat:D")
    hall.kiosk.settle()
    hall.kiosk.go_home()
    hall.kiosk.tap("progress")
    hall.kiosk.tap("ticket")
    for key in "d1":
        hall.kiosk.key(key)
    hall.kiosk.tap("submit")
    hall.kiosk.settle()
    assert hall.kiosk.screen.big == "D001"
    assert "排队中" in hall.kiosk.screen.lines
    hall.kiosk.tap("again")
    hall.kiosk.tap("case")
    for key in "SB001":
        hall.kiosk.key(key)
    hall.kiosk.tap("submit")
    hall.kiosk.settle()
    assert hall.kiosk.screen.lines[0] == "没有找到这个办件编号，请核对受理回执上的编号。"
    item = hall.hub.config.items[0]
    receipt = hall.counter(1).accept_case(
        window=1, item_id=item.id, materials_received=item.materials[:1]
    )
    hall.kiosk.tap("again")
    hall.kiosk.tap("case")
    for key in receipt.receipt:
        hall.kiosk.key(key)
    hall.kiosk.tap("submit")
    hall.kiosk.settle()
    text = " ".join((hall.kiosk.screen.title, *hall.kiosk.screen.lines))
    assert item.name in text and "已受理" in text


def test_feedback_reaches_the_hub_with_the_phone_masked_in_its_event(
    hall: Hall, tmp_path: Path
) -> None:
    hall.kiosk.tap("feedback")
    hall.kiosk.tap("kind:unresolved")
    hall.kiosk.tap("reason:runaround")
    for key in "13812345678":
        hall.kiosk.key(key)
    hall.kiosk.tap("submit")
    hall.kiosk.settle()
    assert hall.kiosk.screen.title == "感谢您的反映！"
    assert not (tmp_path / "kiosk" / "feedback.jsonl").exists()  # sent, nothing kept
    events = [e for e in hall.hub.engine.events_after(0, 500) if e.type == "feedback.received"]
    assert len(events) == 1
    text = json.dumps(events[0].payload, ensure_ascii=False)
    assert "13812345678" not in text and "5678" in text


def test_feedback_is_kept_while_the_hub_is_away_and_sent_when_it_returns(
    tmp_path: Path, clock: FixedClock
) -> None:
    with served(tmp_path / "hub", clock) as (hub, url):
        token = HubClient(url, hub.admin_token_path.read_text().strip()).add_device(
            "kiosk", "kiosk-1"
        )["token"]
    port = HubClientPort(HubClient(url, token, timeout=1.0), tmp_path / "kiosk")
    port.send_feedback(Feedback(kind="suggestion", reason="waiting", phone=None))
    spool = tmp_path / "kiosk" / "feedback.jsonl"
    assert spool.stat().st_mode & 0o777 == 0o600
    assert port.flush_feedback() == 0  # still away: kept
    assert spool.read_text(encoding="utf-8").count("\n") == 1
    port.close()


def test_the_catalog_is_fetched_again_only_when_it_changed(hall: Hall) -> None:
    assert hall.keeper.refresh(hall.port) is Refresh.UNCHANGED
    fetched = hall.port.fetch_catalog(None)
    assert fetched.data is not None and fetched.etag
    assert hall.port.fetch_catalog(fetched.etag).data is None  # 304 Not Modified


def test_hub_away_guides_still_work_and_ticket_taking_says_so(
    tmp_path: Path, clock: FixedClock
) -> None:
    with served(tmp_path / "hub", clock) as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        token = admin.add_device("kiosk", "kiosk-1")["token"]
        CatalogKeeper(CatalogStore(tmp_path / "kiosk")).refresh(
            HubClientPort(HubClient(url, token), tmp_path / "kiosk")
        )
    # The hub is gone; the kiosk starts from its saved copy.
    port = HubClientPort(HubClient(url, token, timeout=1.0), tmp_path / "kiosk")
    keeper = CatalogKeeper(CatalogStore(tmp_path / "kiosk"))
    assert keeper.load_saved()
    ctx = Context(
        hub=port,
        printer=FakePrinter(),
        alerts=AlertSender(HubClient(url, token, timeout=1.0), "kiosk-1"),
        catalog_source=lambda: keeper.current,
        clock=FakeClock(),
    )
    kiosk = KioskModel(ctx, keeper=keeper)
    assert kiosk.maintain() is Refresh.HUB_AWAY
    kiosk.tap("guide")
    kiosk.tap("item:jjb-156")
    assert kiosk.screen.title == "社会保障卡申请"
    assert kiosk.screen.lines[0] == "排队系统暂时连接不上，以下是本机保存的办事指南。"
    kiosk.go_home()
    tile = next(c for c in kiosk.screen.choices if c.id == "ticket")
    assert (tile.label, tile.enabled) == ("暂停自助取号", False)
    assert tile.hint == "排队系统暂时连不上，请到服务台取号"
    kiosk.tap("ticket")
    assert kiosk.screen.journey == "home"  # unavailable at once, not failing on the next page
    port.close()
