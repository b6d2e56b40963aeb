"""An in-memory stand-in for the hub, for the counter's tour and its workflow tests.

It keeps the hub's rules the counter depends on (one ticket per window, pause only when free,
resume only when paused, a 差评 needs a reason, PINs checked against the configuration) and can
be told to be away (every call raises HubUnavailable) or to refuse the next call. It is not the
hub: the real one is tested in tests/counter/qt against ``tests.hub.hubapp.served``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from config import HallConfig
from config.pins import verify_pin
from counter.case_simhub import SimCaseDesk
from counter.ports import (
    CaseAccepted,
    CaseRequest,
    Clerk,
    ItemInfo,
    OldestTicket,
    QueueView,
    RatingAnswer,
    TicketView,
    TodayFigures,
    WindowView,
)
from devices.idnumber import mask_name
from hub.client import HubRefused, HubUnavailable
from hub.models import BAD_LEVELS


@dataclass
class _Ticket:
    view: TicketView
    issued_at: datetime
    status: str = "waiting"


class SimHub(SimCaseDesk):
    """A hub in memory. Thread-safe; ``calls`` records what the counter asked, in order."""

    def __init__(self, config: HallConfig, today: date | None = None) -> None:
        self.config = config
        self.zone = ZoneInfo(config.hall.timezone)
        self.today = today or date(2025, 3, 12)
        self.away = False
        self.any_pin = False  # the tour signs in a hall's own clerks without their PINs
        self.refuse_next: tuple[int, str, str] | None = None
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        self.ratings: list[tuple[int, int, str | None]] = []
        self.rated_tickets: list[str] = []  # the ticket of each rating, in order
        self.cases: list[CaseRequest] = []
        self.give_today = True
        self._lock = threading.Lock()
        self._tickets: list[_Ticket] = []
        self._counters: dict[str, int] = {}
        self._windows = {
            w.number: WindowView(w.number, w.name, "idle", tuple(w.categories))
            for w in config.windows
        }
        self._finished: dict[int, list[float]] = {}
        self._rating_open: list[tuple[int, str]] = []  # (window, ticket id), oldest first
        self._init_cases()

    # -- what a test or the tour does -----------------------------------------------------------

    def issue(
        self,
        category: str,
        lane: str = "ordinary",
        item_id: str | None = None,
        issued_at: datetime | None = None,
    ) -> str:
        """A citizen takes a ticket (now, or at ``issued_at``); returns its number."""
        with self._lock:
            n = self._counters.get(category, 0) + 1
            self._counters[category] = n
            number = f"{category}{n:03d}"
            view = TicketView(f"t-{number}", number, category, lane, item_id=item_id)
            self._tickets.append(_Ticket(view, issued_at or datetime.now(self.zone)))
            return number

    def set_figures(self, window: int, seconds: list[float]) -> None:
        with self._lock:
            self._finished[window] = list(seconds)

    # -- the port -------------------------------------------------------------------------------

    def _enter(self, name: str, *args: object) -> None:
        self.calls.append((name, args))
        if self.away:
            raise HubUnavailable("无法连接集中控制器（模拟）")
        if self.refuse_next is not None:
            status, code, message = self.refuse_next
            self.refuse_next = None
            raise HubRefused(status, code, message)

    def sign_in(self, window: int, staff_no: str, pin: str) -> WindowView:
        self._enter("sign_in", window, staff_no)
        member = next((m for m in self.config.staff if m.number == staff_no), None)
        if member is None:
            raise HubRefused(404, "unknown_staff", "没有这个工号")
        if not self.any_pin and not verify_pin(pin, member.pin_hash):
            raise HubRefused(403, "pin_wrong", "还可以再试4次")
        if member.windows and window not in member.windows:
            raise HubRefused(403, "staff_not_allowed", "不能在本窗口登录")
        with self._lock:
            clerk = Clerk(member.number, member.name, member.title)
            for number, state in self._windows.items():
                if state.clerk is not None and state.clerk.number == staff_no:
                    self._windows[number] = replace(state, clerk=None)
            self._windows[window] = replace(self._windows[window], clerk=clerk)
            return self._windows[window]

    def sign_out(self, window: int) -> WindowView:
        self._enter("sign_out", window)
        with self._lock:
            if self._windows[window].current is not None:
                raise HubRefused(409, "still_serving", "还有正在办理的号")
            self._windows[window] = replace(self._windows[window], clerk=None)
            return self._windows[window]

    def window(self, window: int) -> tuple[WindowView, TodayFigures | None]:
        self._enter("window", window)
        with self._lock:
            seen = self._finished.get(window, [])
            average = sum(seen) / len(seen) / 60 if seen else None
            today = TodayFigures(len(seen), average) if self.give_today else None
            return self._windows[window], today

    def queue(self) -> QueueView:
        self._enter("queue")
        with self._lock:
            waiting: dict[str, dict[str, int]] = {
                c.code: {"appointment": 0, "green": 0, "ordinary": 0}
                for c in self.config.categories
            }
            oldest: dict[str, OldestTicket] = {}
            for ticket in self._tickets:
                if ticket.status == "waiting":
                    code = ticket.view.category
                    waiting[code][ticket.view.lane] += 1
                    if code not in oldest or ticket.issued_at < oldest[code].issued_at:
                        oldest[code] = OldestTicket(ticket.view.number, ticket.issued_at)
            return QueueView(waiting, oldest)

    def _free(self, window: int) -> WindowView:
        state = self._windows[window]
        if state.status == "paused":
            raise HubRefused(409, "window_paused", "窗口暂停服务中")
        if state.current is not None:
            raise HubRefused(409, "window_busy", f"正在办理{state.current.number}号")
        return state

    def _call(self, window: int, ticket: _Ticket) -> TicketView:
        ticket.status = "called"
        ticket.view = replace(ticket.view, called_at=datetime.now(self.zone))
        state = self._windows[window]
        self._windows[window] = replace(state, status="serving", current=ticket.view)
        return ticket.view

    def call_next(self, window: int) -> TicketView | None:
        self._enter("call_next", window)
        with self._lock:
            state = self._free(window)
            rank = {"appointment": 0, "green": 1, "ordinary": 2}
            waiting = [
                t
                for t in self._tickets
                if t.status == "waiting" and t.view.category in state.categories
            ]
            if not waiting:
                return None
            best = min(waiting, key=lambda t: rank.get(t.view.lane, 2))
            return self._call(window, best)

    def call_number(self, window: int, number: str) -> TicketView:
        self._enter("call_number", window, number)
        with self._lock:
            self._free(window)
            for ticket in self._tickets:
                if ticket.view.number == number:
                    if ticket.status not in ("waiting", "missed"):
                        raise HubRefused(409, "not_callable", f"{number}号不能叫")
                    return self._call(window, ticket)
            raise HubRefused(404, "unknown_number", f"今天没有{number}号")

    def _current(self, window: int) -> _Ticket:
        state = self._windows[window]
        if state.current is None:
            raise HubRefused(409, "no_current_ticket", "当前没有正在办理的号")
        return next(t for t in self._tickets if t.view.id == state.current.id)

    def _leave(self, window: int, status: str) -> TicketView:
        ticket = self._current(window)
        ticket.status = status
        self._windows[window] = replace(self._windows[window], status="idle", current=None)
        return ticket.view

    def recall(self, window: int) -> TicketView:
        self._enter("recall", window)
        with self._lock:
            return self._current(window).view

    def skip(self, window: int) -> TicketView:
        self._enter("skip", window)
        with self._lock:
            return self._leave(window, "missed")

    def transfer(
        self, window: int, *, category: str | None, to_window: int | None, reason: str
    ) -> TicketView:
        self._enter("transfer", window, category, to_window, reason)
        with self._lock:
            ticket = self._current(window)
            view = self._leave(window, "waiting")
            if category is not None:
                ticket.view = replace(view, category=category)
            return ticket.view

    def pause(self, window: int, reason: str) -> WindowView:
        self._enter("pause", window, reason)
        with self._lock:
            if self._windows[window].current is not None:
                raise HubRefused(409, "window_busy", "还有正在办理的号")
            self._windows[window] = replace(
                self._windows[window], status="paused", pause_reason=reason
            )
            return self._windows[window]

    def resume(self, window: int) -> WindowView:
        self._enter("resume", window)
        with self._lock:
            if self._windows[window].status != "paused":
                raise HubRefused(409, "not_paused", "窗口没有暂停")
            self._windows[window] = replace(self._windows[window], status="idle", pause_reason=None)
            return self._windows[window]

    def finish(self, window: int) -> TicketView:
        self._enter("finish", window)
        with self._lock:
            view = self._leave(window, "finished")
            self._finished.setdefault(window, []).append(300.0)
            self._rating_open.append((window, view.id))
            return view

    def rate(
        self, window: int, level: int, reason: str | None, ticket_id: str | None = None
    ) -> RatingAnswer:
        """As the hub: ``ticket_id`` names the finished ticket; None rates the latest one."""
        self._enter("rate", window, level, reason)
        with self._lock:
            open_here = [t for w, t in self._rating_open if w == window]
            if ticket_id is None and open_here:
                ticket_id = open_here[-1]
            if ticket_id is None or ticket_id not in open_here:
                raise HubRefused(409, "no_rating_pending", "当前没有待评价的服务")
            if level in BAD_LEVELS and not reason:
                raise HubRefused(422, "reason_required", "差评需要选择原因")
            self._rating_open.remove((window, ticket_id))
            self.ratings.append((window, level, reason))
            self.rated_tickets.append(ticket_id)
            due = self.today + timedelta(days=14) if level in BAD_LEVELS else None
            return RatingAnswer(level, reason, due)

    def items(self) -> tuple[ItemInfo, ...]:
        self._enter("items")
        return tuple(
            ItemInfo(i.id, i.name, i.category, i.department, tuple(i.materials), i.promised_days)
            for i in self.config.items
        )

    def accept_case(self, request: CaseRequest) -> CaseAccepted:
        self._enter("accept_case", request.item_id)
        item = next((i for i in self.config.items if i.id == request.item_id), None)
        if item is None:
            raise HubRefused(404, "unknown_item", "没有这个事项")
        unknown = [m for m in request.materials_received if m not in item.materials]
        if unknown:
            raise HubRefused(422, "unknown_material", f"材料不在清单中：{unknown[0]}")
        with self._lock:
            self.cases.append(request)
            receipt = f"SJ{self.today:%Y%m%d}{len(self.cases):04d}"
        days = item.promised_days
        accepted = CaseAccepted(
            receipt=receipt,
            item_name=item.name,
            department=item.department,
            accepted_at=datetime.combine(self.today, datetime.now(self.zone).time(), self.zone),
            accepted_on=self.today,
            promised_on=self.today + timedelta(days=days * 7 // 5) if days else self.today,
            promised_days=days,
            materials_received=request.materials_received,
            materials_missing=tuple(
                m for m in item.materials if m not in request.materials_received
            ),
            applicant=mask_name(request.applicant) if request.applicant else None,
            item_id=item.id,
        )
        self._record_case(request, accepted)
        return accepted
