"""Fakes of the kiosk's ports: a small rule-keeping hub, a printer that can run out of paper, a
speaker and a staff alert line that record, a card reader, and a clock that only moves when told.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from config import HallConfig, sample_hall
from devices.health import Health, HealthState
from hub.client import HubRefused, HubUnavailable
from kiosk.catalog import Catalog
from kiosk.facts import HallFacts
from kiosk.journeys.base import Context, KioskSettings
from kiosk.ports import (
    CaseProgress,
    CatalogFetch,
    Feedback,
    PrintOutcome,
    QueueWait,
    Slip,
    SwipedCard,
    TicketInfo,
    TicketRequest,
)
from kiosk.texts import Texts

SHANGHAI = ZoneInfo("Asia/Shanghai")


class FakeClock:
    def __init__(self, today: date = date(2025, 3, 12)) -> None:
        self.seconds = 1000.0
        self.day = today

    def monotonic(self) -> float:
        return self.seconds

    def today(self) -> date:
        return self.day

    def now(self) -> datetime:
        """10:26 on ``day`` in the hall's zone, moved on by ``advance``."""
        start = datetime.combine(self.day, time(10, 26), tzinfo=SHANGHAI)
        return start + timedelta(seconds=self.seconds - 1000.0)

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


@dataclass
class FakeHub:
    """Issues numbers per category, keeps one open ticket per person per category, checks
    appointments in by code or card, re-queues missed tickets. ``away`` makes every call raise
    HubUnavailable; ``refuse[code_of_call] = (code, message)`` refuses a call once."""

    config: HallConfig = field(default_factory=sample_hall)
    away: bool = False
    card_checkin: bool = True  # False: behave like a hub that needs the category for a card
    elderly_age: int = 60
    today: date = date(2025, 3, 12)
    tickets: list[TicketInfo] = field(default_factory=list)
    holders: dict[str, str] = field(default_factory=dict)  # ticket number -> id number
    appointments: dict[str, dict[str, Any]] = field(default_factory=dict)
    refuse: dict[str, tuple[str, str]] = field(default_factory=dict)
    cases: dict[str, CaseProgress] = field(default_factory=dict)
    feedback: list[Feedback] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    sms: bool = False  # the hall sends SMS: waiting tickets offer 短信提醒
    phone_url: str | None = None  # "http://hub/m/{id}": each ticket's phone page
    sms_phones: dict[str, str] = field(default_factory=dict)  # ticket id -> phone kept

    def _enter(self, call: str) -> None:
        self.calls.append(call)
        if self.away:
            raise HubUnavailable("无法连接集中控制器（fake）")
        if call in self.refuse:
            code, message = self.refuse.pop(call)
            raise HubRefused(409, code, message)

    def _new(self, category: str, lane: str, group: str | None, item: str | None) -> TicketInfo:
        seq = sum(1 for t in self.tickets if t.category == category) + 1
        ahead = sum(1 for t in self.tickets if t.category == category and t.status == "waiting")
        ticket = TicketInfo(
            id=f"t{len(self.tickets) + 1}",
            number=f"{category}{seq:03d}",
            category=category,
            lane=lane,
            status="waiting",
            service_day=self.today.isoformat(),
            issued_at=f"{self.today.isoformat()}T09:30:00+08:00",
            item_id=item,
            green_group=group,
            waiting_ahead=ahead,
            estimated_wait_minutes=ahead * 8,
            sms=self.sms,
            phone_url=self.phone_url.format(id=f"t{len(self.tickets) + 1}")
            if self.phone_url
            else None,
        )
        self.tickets.append(ticket)
        return ticket

    def issue_ticket(self, request: TicketRequest) -> TicketInfo:
        self._enter("issue_ticket")
        category = request.category
        if request.item_id:
            item = self.config.item(request.item_id)
            if item is None:
                raise HubRefused(422, "unknown_item", f"没有编号为{request.item_id}的事项")
            category = item.category
        if category is None:
            raise HubRefused(422, "category_required", "请选择业务类别或办理事项")
        card = request.card
        if card is not None:
            for appointment in self.appointments.values():
                if (
                    appointment["id_number"] == card.id_number
                    and appointment["category"] == category
                    and appointment["status"] == "booked"
                ):
                    appointment["status"] = "checked_in"
                    return self._hold(
                        self._new(category, "appointment", None, request.item_id), card
                    )
            for ticket in self.tickets:
                if (
                    ticket.category == category
                    and ticket.status == "waiting"
                    and self.holders.get(ticket.number) == card.id_number
                ):
                    ahead = sum(
                        1
                        for t in self.tickets
                        if t.category == category and t.status == "waiting" and t.id < ticket.id
                    )
                    raise HubRefused(
                        409,
                        "already_queued",
                        f"您已取得{ticket.number}号（同一类业务每人限一个号），前面还有{ahead}人，请留意叫号",
                        {"number": ticket.number, "status": "waiting", "ahead": ahead},
                    )
        lane, group = "ordinary", None
        if request.lane == "green":
            lane, group = "green", request.green_group
        elif card is not None and (card.age(self.today) or 0) >= self.elderly_age:
            lane, group = "green", "老年人"
        return self._hold(self._new(category, lane, group, request.item_id), card)

    def _hold(self, ticket: TicketInfo, card: SwipedCard | None) -> TicketInfo:
        if card is not None:
            self.holders[ticket.number] = card.id_number
        return ticket

    def ticket_by_number(self, number: str) -> TicketInfo:
        self._enter("ticket_by_number")
        for ticket in self.tickets:
            if ticket.number == number:
                return ticket
        raise HubRefused(404, "unknown_number", f"今天没有{number}号，请核对号码")

    def requeue(self, number: str) -> TicketInfo:
        self._enter("requeue")
        ticket = self.ticket_by_number(number)
        if ticket.status != "missed":
            raise HubRefused(409, "not_missed", f"{number}号当前状态为等候中，无需重排")
        if ticket.requeue_count >= 1:
            raise HubRefused(409, "requeue_used", f"{number}号已重新排过队，请重新取号或咨询服务台")
        again = TicketInfo(
            **{
                **ticket.__dict__,
                "status": "waiting",
                "requeue_count": 1,
                "waiting_ahead": 3,
                "estimated_wait_minutes": 24,
            }
        )
        self.tickets[self.tickets.index(ticket)] = again
        return again

    def miss(self, number: str) -> None:
        """Test helper: the counter skipped this ticket."""
        ticket = next(t for t in self.tickets if t.number == number)
        self.tickets[self.tickets.index(ticket)] = TicketInfo(
            **{**ticket.__dict__, "status": "missed", "waiting_ahead": None}
        )

    def check_in(
        self,
        *,
        code: str | None = None,
        card: SwipedCard | None = None,
        category: str | None = None,
    ) -> TicketInfo:
        self._enter("check_in")
        if code is not None:
            appointment = self.appointments.get(code)
            if appointment is None:
                raise HubRefused(
                    404, "unknown_appointment", "没有找到该预约码，请核对后重试或到服务台咨询"
                )
            if appointment["status"] != "booked":
                raise HubRefused(409, "appointment_used", "该预约已签到，请留意叫号")
            appointment["status"] = "checked_in"
            return self._new(appointment["category"], "appointment", None, None)
        if card is None:
            raise HubRefused(422, "category_required", "请选择业务类别或办理事项")
        if category is None and not self.card_checkin:
            raise HubRefused(422, "category_required", "请选择业务类别或办理事项")
        for appointment in self.appointments.values():
            if (
                appointment["id_number"] == card.id_number
                and appointment["status"] == "booked"
                and category in (None, appointment["category"])
            ):
                appointment["status"] = "checked_in"
                return self._hold(
                    self._new(appointment["category"], "appointment", None, None), card
                )
        raise HubRefused(422, "appointment_required", "预约通道需要预约码或已预约的身份证")

    def case_progress(self, receipt: str) -> CaseProgress:
        self._enter("case_progress")
        if receipt not in self.cases:
            raise HubRefused(404, "unknown_case", "没有找到该办件")
        return self.cases[receipt]

    def send_feedback(self, feedback: Feedback) -> None:
        self._enter("send_feedback")
        self.feedback.append(feedback)

    def fetch_catalog(self, etag: str | None) -> CatalogFetch:
        self._enter("fetch_catalog")
        data = {
            "version": "v1",
            "hall": {"name": self.config.hall.name},
            "categories": [c.model_dump(mode="json") for c in self.config.categories],
            "items": [i.model_dump(mode="json") for i in self.config.items],
            "windows": [w.model_dump(mode="json") for w in self.config.windows],
            "priority": {
                "green_groups": self.config.priority.green_groups,
                "elderly_age": self.config.priority.elderly_age,
            },
        }
        if etag == '"v1"':
            return CatalogFetch(None, etag)
        return CatalogFetch(data, '"v1"')

    def ping(self) -> None:
        self._enter("ping")

    def subscribe_sms(self, ticket_id: str, phone: str) -> str:
        self._enter("subscribe_sms")
        if len(phone) != 11 or not phone.startswith("1"):
            raise HubRefused(422, "bad_phone", "请输入11位手机号码（以1开头）")
        self.sms_phones[ticket_id] = phone
        return f"{phone[:3]}****{phone[-4:]}"

    def queue_waits(self) -> dict[str, QueueWait]:
        self._enter("queue_waits")
        waits = {c.code: QueueWait(0, None) for c in self.config.categories}
        for code in waits:
            count = sum(1 for t in self.tickets if t.category == code and t.status == "waiting")
            waits[code] = QueueWait(count, 8 * count if count else None)
        return waits


@dataclass
class FakePrinter:
    paper: bool = True
    near_end: bool = False
    slips: list[Slip] = field(default_factory=list)

    def print_slip(self, slip: Slip) -> PrintOutcome:
        if not self.paper:
            return PrintOutcome(False, self.health())
        self.slips.append(slip)
        return PrintOutcome(True, self.health())

    def health(self) -> Health:
        if not self.paper:
            return Health("printer", HealthState.ERROR, "打印机缺纸", "请更换打印纸", "paper end")
        if self.near_end:
            return Health("printer", HealthState.DEGRADED, "打印纸即将用完", "请准备新纸卷")
        return Health("printer", HealthState.OK)


@dataclass
class FakeSpeech:
    said: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.said.append(text)


@dataclass
class FakeAlerts:
    sent: list[tuple[str, str, str]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)

    def alert(self, device: str, problem: str, detail: str = "", kind: str = "device") -> None:
        self.sent.append((device, problem, detail))
        self.kinds.append(kind)


@dataclass
class FakeStaff:
    """Staff who confirm by PIN (``pins``: PIN → name) or by their ID card (``cards``)."""

    pins: dict[str, str] = field(default_factory=lambda: {"2580": "王丽华（1001）"})
    cards: dict[str, str] = field(default_factory=dict)
    asked: int = 0

    def by_pin(self, pin: str) -> str | None:
        self.asked += 1
        return self.pins.get(pin)

    def by_card(self, card: SwipedCard) -> str | None:
        self.asked += 1
        return self.cards.get(card.id_number)


@dataclass
class FakeReader:
    ok: bool = True
    queue: list[SwipedCard] = field(default_factory=list)

    def take_swipe(self) -> SwipedCard | None:
        return self.queue.pop(0) if self.queue else None

    def health(self) -> Health:
        if self.ok:
            return Health("idcard", HealthState.OK)
        return Health("idcard", HealthState.ABSENT, "身份证阅读器未连接", "请检查USB线")


def make_context(
    hub: Any = None,
    printer: FakePrinter | None = None,
    alerts: FakeAlerts | None = None,
    clock: FakeClock | None = None,
    settings: KioskSettings | None = None,
    catalog: Catalog | None = None,
    staff: FakeStaff | None = None,
) -> Context:
    shown = catalog or Catalog.from_config(sample_hall())
    return Context(
        hub=hub if hub is not None else FakeHub(),
        printer=printer or FakePrinter(),
        alerts=alerts or FakeAlerts(),
        catalog_source=lambda: shown,
        texts=Texts(),
        settings=settings or KioskSettings(),
        clock=clock or FakeClock(),
        hall=HallFacts.from_config(sample_hall()),
        staff=staff if staff is not None else FakeStaff(),
    )
