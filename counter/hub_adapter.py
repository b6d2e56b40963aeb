"""The counter's ``CounterHub`` port over the real hub (``hub.client.HubClient``): each answer
is the hub's wire model (:mod:`hub.wire`), turned into the counter's views here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from counter.case_view import CaseView
from counter.ports import (
    CaseAccepted,
    CaseRequest,
    ItemInfo,
    QueueView,
    RatingAnswer,
    TicketView,
    TodayFigures,
    WindowView,
)
from hub.client import HubClient, HubUnavailable


class HubClientCounter:
    """CounterHub over a HubClient (thread-safe for independent calls, as the client is)."""

    def __init__(self, client: HubClient) -> None:
        self.client = client

    def ping(self) -> None:
        """Return if the hub answers; raise HubUnavailable otherwise."""
        self.client.health()

    def sign_in(self, window: int, staff_no: str, pin: str) -> WindowView:
        return WindowView.from_wire(self.client.sign_in(window, staff_no, pin))

    def sign_out(self, window: int) -> WindowView:
        return WindowView.from_wire(self.client.sign_out(window))

    def window(self, window: int) -> tuple[WindowView, TodayFigures | None]:
        state = self.client.window(window)
        today = state.today
        figures = (
            None if today is None else TodayFigures(today.finished, today.average_service_minutes)
        )
        return WindowView.from_wire(state), figures

    def queue(self) -> QueueView:
        return QueueView.from_wire(self.client.queue())

    def call_next(self, window: int) -> TicketView | None:
        ticket = self.client.call_next(window)
        return None if ticket is None else TicketView.from_wire(ticket)

    def call_number(self, window: int, number: str) -> TicketView:
        return TicketView.from_wire(self.client.call_number(window, number))

    def recall(self, window: int) -> TicketView:
        return TicketView.from_wire(self.client.recall(window))

    def skip(self, window: int) -> TicketView:
        return TicketView.from_wire(self.client.skip(window))

    def transfer(
        self, window: int, *, category: str | None, to_window: int | None, reason: str
    ) -> TicketView:
        return TicketView.from_wire(
            self.client.transfer(window, category=category, to_window=to_window, reason=reason)
        )

    def pause(self, window: int, reason: str) -> WindowView:
        return WindowView.from_wire(self.client.pause(window, reason))

    def resume(self, window: int) -> WindowView:
        return WindowView.from_wire(self.client.resume(window))

    def finish(self, window: int) -> TicketView:
        return TicketView.from_wire(self.client.finish(window))

    def rate(
        self, window: int, level: int, reason: str | None, ticket_id: str | None = None
    ) -> RatingAnswer:
        rating = self.client.rate(window, level, reason, ticket_id)
        return RatingAnswer(rating.level, rating.reason, _date(rating.followup_due))

    def items(self) -> tuple[ItemInfo, ...]:
        return tuple(
            ItemInfo(
                id=i.id,
                name=i.name or i.id,
                category=i.category,
                department=i.department,
                materials=tuple(i.materials),
                promised_days=i.promised_days,
            )
            for i in self.client.catalog().items
        )

    def accept_case(self, request: CaseRequest) -> CaseAccepted:
        body: dict[str, Any] = {
            "window": request.window,
            "item_id": request.item_id,
            "materials_received": list(request.materials_received),
            "ticket_id": request.ticket_id,
            "applicant": request.applicant,
            "phone": request.phone,
        }
        if request.id_number:
            body["id_number"] = request.id_number  # the hub keeps a keyed hash, never the number
        case = self.client.accept_case(**body)
        try:
            if case.accepted_on is None or case.accepted_at is None:
                raise ValueError("no accepted_on or accepted_at")
            return CaseAccepted(
                receipt=case.receipt,
                item_name=case.item_name,
                department=case.department or "",
                accepted_at=datetime.fromisoformat(case.accepted_at),
                accepted_on=date.fromisoformat(case.accepted_on),
                promised_on=_date(case.promised_on),
                promised_days=case.promised_days,
                materials_received=tuple(case.materials_received),
                materials_missing=tuple(case.materials_missing),
                applicant=case.applicant,
                phone_url=case.phone_url or None,
                item_id=case.item_id or request.item_id,
            )
        except ValueError as err:
            raise HubUnavailable(f"集中控制器返回的办件登记结果无法识别：{err}") from err

    # -- a case after 收件 (docs/hub.md "Cases")

    def case(self, receipt: str) -> CaseView:
        return CaseView.from_wire(self.client.case(receipt))

    def cases_for_person(self, id_number: str) -> tuple[CaseView, ...]:
        return tuple(CaseView.from_wire(c) for c in self.client.cases_for_person(id_number))

    def case_status(
        self,
        receipt: str,
        status: str,
        window: int,
        *,
        missing: tuple[str, ...] = (),
        reason: str | None = None,
        pickup_window: int | None = None,
    ) -> CaseView:
        fields: dict[str, Any] = {}
        if missing:
            fields["missing"] = list(missing)
        if reason is not None:
            fields["reason"] = reason
        if pickup_window is not None:
            fields["pickup_window"] = pickup_window
        return CaseView.from_wire(self.client.case_status(receipt, status, window, **fields))

    def deliver_case(self, receipt: str, window: int) -> CaseView:
        return CaseView.from_wire(self.client.deliver_case(receipt, window, confirmed=True))


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
