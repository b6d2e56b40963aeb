"""A case as the hub answers for it (the statuses and moves are :mod:`sync.case_states`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sync.case_states import CASE_MOVES, CASE_STATUS_TEXT, OPEN_STATUSES, move_problem, status_text

__all__ = [
    "CASE_MOVES",
    "CASE_STATUS_TEXT",
    "OPEN_STATUSES",
    "Case",
    "move_problem",
    "status_text",
]


def _list(text: str | None) -> list[str]:
    return list(json.loads(text)) if text else []


@dataclass(frozen=True)
class Case:
    """One accepted case as the hub answers for it (the phone and the ID hash stay in the store).

    ``overdue`` and ``due_soon`` are 电子监察's view at the moment the case was read
    (:func:`hub.case_watch.supervision`); ``phone_url`` is the case's progress page for phones
    (None when the hub has no phone page address).
    """

    receipt: str
    item_id: str
    item_name: str
    department: str
    window: int
    clerk: dict[str, Any] | None
    accepted_on: str
    accepted_at: str
    promised_days: int | None
    promised_on: str | None
    materials_received: list[str]
    materials_missing: list[str]
    applicant: str | None
    status: str
    ticket_id: str | None = None
    missing: list[str] = field(default_factory=list)
    reason: str | None = None
    basis: str | None = None
    pickup_window: int | None = None
    delivered_at: str | None = None
    delivered_window: int | None = None
    status_changed_at: str | None = None
    overdue: bool = False
    due_soon: bool = False
    phone_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The contract's case dict (answers of ``POST /cases`` and the case routes, and the
        ``case.accepted`` payload)."""
        return {
            "receipt": self.receipt,
            "item_id": self.item_id,
            "item_name": self.item_name,
            "department": self.department,
            "window": self.window,
            "clerk": dict(self.clerk) if self.clerk else None,
            "accepted_on": self.accepted_on,
            "accepted_at": self.accepted_at,
            "promised_days": self.promised_days,
            "promised_on": self.promised_on,
            "materials_received": list(self.materials_received),
            "materials_missing": list(self.materials_missing),
            "applicant": self.applicant,
            "status": self.status,
            "status_text": status_text(self.status),
            "ticket_id": self.ticket_id,
            "missing": list(self.missing),
            "reason": self.reason,
            "basis": self.basis,
            "pickup_window": self.pickup_window,
            "delivered_at": self.delivered_at,
            "delivered_window": self.delivered_window,
            "status_changed_at": self.status_changed_at,
            "overdue": self.overdue,
            "due_soon": self.due_soon,
            "phone_url": self.phone_url,
        }

    @classmethod
    def from_row(
        cls,
        row: dict[str, Any],
        *,
        clerk: dict[str, Any] | None,
        overdue: bool = False,
        due_soon: bool = False,
    ) -> Case:
        """The case of a ``cases`` row (migration hub 13's columns); ``clerk`` as
        :func:`hub.clerks.clerk_info` describes the clerk who accepted it."""
        return cls(
            receipt=row["receipt"],
            item_id=row["item_id"],
            item_name=row["item_name"],
            department=row["department"],
            window=int(row["window"]),
            clerk=clerk,
            accepted_on=row["service_day"],
            accepted_at=row["accepted_at"],
            promised_days=row["promised_days"],
            promised_on=row["promised_on"],
            materials_received=_list(row["materials_received"]),
            materials_missing=_list(row["materials_missing"]),
            applicant=row["applicant_masked"],
            status=row["status"],
            ticket_id=row["ticket_id"],
            missing=_list(row.get("missing")),
            reason=row.get("reason"),
            basis=row.get("basis"),
            pickup_window=row.get("pickup_window"),
            delivered_at=row.get("delivered_at"),
            delivered_window=row.get("delivered_window"),
            status_changed_at=row.get("status_changed_at"),
            overdue=overdue,
            due_soon=due_soon,
        )
