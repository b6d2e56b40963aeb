"""The counter's ``CounterHub`` port over the real hub (``hub.client.HubClient``).

Clerk sign-in and cases are new hub endpoints (/work/briefs/contract.md); until ``HubClient``
has a method for them the adapter calls ``HubClient.request`` with the contract's path, so the
counter works with either client.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from counter.case_view import CaseView, cases_from_api
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
        body = {"staff_no": staff_no, "pin": pin}
        return WindowView.from_api(
            _dict(self.client.request("POST", f"/windows/{window}/sign-in", body))
        )

    def sign_out(self, window: int) -> WindowView:
        return WindowView.from_api(
            _dict(self.client.request("POST", f"/windows/{window}/sign-out"))
        )

    def window(self, window: int) -> tuple[WindowView, TodayFigures | None]:
        data = self.client.window(window)
        today = data.get("today")
        figures = None
        if isinstance(today, Mapping) and "finished" in today:
            average = today.get("average_service_minutes")
            figures = TodayFigures(
                int(today.get("finished") or 0),
                float(average) if isinstance(average, int | float) else None,
            )
        return WindowView.from_api(data), figures

    def queue(self) -> QueueView:
        data = self.client.queue()
        waiting = data.get("waiting")
        if not isinstance(waiting, Mapping):
            raise HubUnavailable("集中控制器返回的排队情况无法识别")
        return QueueView(
            {
                str(code): {str(lane): int(n) for lane, n in lanes.items()}
                for code, lanes in waiting.items()
                if isinstance(lanes, Mapping)
            },
            QueueView.from_api(data).oldest,
        )

    def call_next(self, window: int) -> TicketView | None:
        ticket = self.client.call_next(window)
        return None if ticket is None else TicketView.from_api(ticket)

    def call_number(self, window: int, number: str) -> TicketView:
        return TicketView.from_api(self.client.call_number(window, number))

    def recall(self, window: int) -> TicketView:
        return TicketView.from_api(self.client.recall(window))

    def skip(self, window: int) -> TicketView:
        return TicketView.from_api(self.client.skip(window))

    def transfer(
        self, window: int, *, category: str | None, to_window: int | None, reason: str
    ) -> TicketView:
        return TicketView.from_api(
            self.client.transfer(window, category=category, to_window=to_window, reason=reason)
        )

    def pause(self, window: int, reason: str) -> WindowView:
        return WindowView.from_api(self.client.pause(window, reason))

    def resume(self, window: int) -> WindowView:
        return WindowView.from_api(self.client.resume(window))

    def finish(self, window: int) -> TicketView:
        return TicketView.from_api(self.client.finish(window))

    def rate(
        self, window: int, level: int, reason: str | None, ticket_id: str | None = None
    ) -> RatingAnswer:
        data = self.client.rate(window, level, reason, ticket_id)
        return RatingAnswer(
            int(data.get("level") or level), data.get("reason"), _date(data.get("followup_due"))
        )

    def items(self) -> tuple[ItemInfo, ...]:
        items = self.client.catalog().get("items")
        if not isinstance(items, list):
            raise HubUnavailable("集中控制器返回的事项目录无法识别")
        return tuple(
            ItemInfo(
                id=str(i["id"]),
                name=str(i.get("name") or i["id"]),
                category=str(i.get("category") or ""),
                department=str(i.get("department") or ""),
                materials=tuple(str(m) for m in i.get("materials") or ()),
                promised_days=i.get("promised_days"),
            )
            for i in items
            if isinstance(i, Mapping) and "id" in i
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
        data = _dict(self.client.request("POST", "/cases", body))
        try:
            accepted_on = date.fromisoformat(str(data["accepted_on"]))
            return CaseAccepted(
                receipt=str(data["receipt"]),
                item_name=str(data.get("item_name") or ""),
                department=str(data.get("department") or ""),
                accepted_at=datetime.fromisoformat(str(data["accepted_at"])),
                accepted_on=accepted_on,
                promised_on=_date(data.get("promised_on")),
                promised_days=data.get("promised_days"),
                materials_received=tuple(data.get("materials_received") or ()),
                materials_missing=tuple(data.get("materials_missing") or ()),
                applicant=data.get("applicant"),
                phone_url=data.get("phone_url") or None,
                item_id=str(data.get("item_id") or request.item_id),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise HubUnavailable(f"集中控制器返回的办件登记结果无法识别：{err}") from err

    # -- a case after 收件 (docs/hub.md "Cases"): the contract's paths, through ``request`` so
    # the counter works whether or not this HubClient has a method for each.

    def case(self, receipt: str) -> CaseView:
        return CaseView.from_api(self.client.case(receipt))

    def cases_for_person(self, id_number: str) -> tuple[CaseView, ...]:
        body = {"id_number": id_number}
        return cases_from_api(self.client.request("POST", "/cases/lookup", body))

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
        body: dict[str, Any] = {"status": status, "window": window}
        if missing:
            body["missing"] = list(missing)
        if reason is not None:
            body["reason"] = reason
        if pickup_window is not None:
            body["pickup_window"] = pickup_window
        path = f"/cases/{quote(receipt, safe='')}/status"
        return CaseView.from_api(self.client.request("POST", path, body))

    def deliver_case(self, receipt: str, window: int) -> CaseView:
        body = {"window": window, "confirmed": True}
        path = f"/cases/{quote(receipt, safe='')}/deliver"
        return CaseView.from_api(self.client.request("POST", path, body))


def _dict(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise HubUnavailable("集中控制器的回答无法识别")
    return data


def _date(value: object) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
