"""A case after 收件 as the counter sees it (the hub's wire case, :class:`hub.wire.Case`), the
papers the counter prints for it, and the status rules the counter checks before asking the hub.

The hub owns the case's state machine (docs/hub.md); the counter keeps the same table only to
tell a clerk at once, in a sentence, why a 出件, 补正 or 不予受理 cannot be done for a case in
the status it is in, instead of a form the hub will refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from hub import wire
from hub.client import HubUnavailable
from sync.case_states import move_problem, status_text

DELIVERABLE = frozenset({"ready", "completed"})
"""Statuses a case can be handed over (出件) from."""


class CasePaper(StrEnum):
    """The papers a counter prints for a case after 收件."""

    PICKUP = "pickup"  # 领取凭证
    CORRECTION = "correction"  # 补正材料通知书
    REJECTION = "rejection"  # 不予受理通知书


def can_move(status: str, to: str) -> bool:
    """True if the hub's table lets a case in ``status`` move to ``to``."""
    return move_problem(status, to) is None


@dataclass(frozen=True)
class CaseView:
    """One case from the hub (the whole record, or the lookup answer's fewer keys)."""

    receipt: str
    item_name: str
    status: str
    item_id: str = ""
    accepted_on: date | None = None
    promised_on: date | None = None
    window: int | None = None
    applicant: str | None = None  # masked by the hub (张*三)
    materials_received: tuple[str, ...] = ()
    materials_missing: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # the last 补正 request
    reason: str | None = None
    basis: str | None = None
    pickup_window: int | None = None
    delivered_at: datetime | None = None
    delivered_window: int | None = None
    overdue: bool = False
    phone_url: str | None = None

    @property
    def status_text(self) -> str:
        return status_text(self.status)

    @classmethod
    def from_wire(cls, case: wire.Case) -> CaseView:
        """The counter's view of the hub's case; HubUnavailable if a date in it is not one."""
        try:
            return cls(
                receipt=case.receipt,
                item_name=case.item_name,
                status=case.status,
                item_id=case.item_id or "",
                accepted_on=_date(case.accepted_on),
                promised_on=_date(case.promised_on),
                window=case.window,
                applicant=case.applicant or None,
                materials_received=tuple(case.materials_received),
                materials_missing=tuple(case.materials_missing),
                missing=tuple(case.missing),
                reason=case.reason or None,
                basis=case.basis or None,
                pickup_window=case.pickup_window,
                delivered_at=_time(case.delivered_at),
                delivered_window=case.delivered_window,
                overdue=case.overdue,
                phone_url=case.phone_url or None,
            )
        except ValueError as err:
            raise HubUnavailable(f"集中控制器返回的办件信息无法识别：{err}") from err


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
