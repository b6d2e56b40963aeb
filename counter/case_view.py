"""A case after 收件 as the counter sees it (the hub's case dict, read once), the papers the
counter prints for it, and the status rules the counter checks before asking the hub.

The hub owns the case's state machine (docs/hub.md); the counter keeps the same table only to
tell a clerk at once, in a sentence, why a 出件, 补正 or 不予受理 cannot be done for a case in
the status it is in, instead of a form the hub will refuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

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
    """One case from the hub (its case dict, or the lookup answer's fewer keys)."""

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
    def from_api(cls, data: object) -> CaseView:
        """Read the hub's case dict; raises HubUnavailable if it is not one."""
        if not isinstance(data, Mapping):
            raise HubUnavailable("集中控制器返回的办件信息无法识别")
        try:
            return cls(
                receipt=str(data["receipt"]),
                item_name=str(data.get("item_name") or ""),
                status=str(data["status"]),
                item_id=str(data.get("item_id") or ""),
                accepted_on=_date(data.get("accepted_on")),
                promised_on=_date(data.get("promised_on")),
                window=_int(data.get("window")),
                applicant=data.get("applicant") or None,
                materials_received=_strings(data.get("materials_received")),
                materials_missing=_strings(data.get("materials_missing")),
                missing=_strings(data.get("missing")),
                reason=data.get("reason") or None,
                basis=data.get("basis") or None,
                pickup_window=_int(data.get("pickup_window")),
                delivered_at=_time(data.get("delivered_at")),
                delivered_window=_int(data.get("delivered_window")),
                overdue=bool(data.get("overdue")),
                phone_url=data.get("phone_url") or None,
            )
        except (KeyError, TypeError, ValueError) as err:
            raise HubUnavailable(f"集中控制器返回的办件信息无法识别：{err}") from err


def cases_from_api(data: object) -> tuple[CaseView, ...]:
    """Read ``{"cases": [case dict, …]}``; raises HubUnavailable if it is not that."""
    cases = data.get("cases") if isinstance(data, Mapping) else None
    if not isinstance(cases, list):
        raise HubUnavailable("集中控制器返回的办件列表无法识别")
    return tuple(CaseView.from_api(case) for case in cases)


def _strings(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return tuple(str(v) for v in value)


def _int(value: object) -> int | None:
    return None if value is None or value == "" else int(str(value))


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None
