"""The SimHub's cases after 收件 (``counter.simhub``): lookup by receipt or ID number, status
moves by the hub's table, 出件 only when ready. In memory, for the tour and the tests."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, tzinfo

from config import HallConfig
from counter.case_view import DELIVERABLE, CaseView, can_move
from counter.ports import CaseAccepted, CaseRequest
from hub.client import HubRefused


class SimCaseDesk:
    """The case half of SimHub; ``case_views`` holds every case by receipt, newest last."""

    config: HallConfig
    zone: tzinfo
    _lock: threading.Lock

    def _enter(self, name: str, *args: object) -> None:  # SimHub's: records, maybe refuses
        raise NotImplementedError

    def _init_cases(self) -> None:
        self.case_views: dict[str, CaseView] = {}
        self._people: dict[str, str] = {}  # receipt → ID number (the real hub keeps a hash)

    def _record_case(self, request: CaseRequest, accepted: CaseAccepted) -> None:
        view = CaseView(
            receipt=accepted.receipt,
            item_name=accepted.item_name,
            status="accepted",
            item_id=request.item_id,
            accepted_on=accepted.accepted_on,
            promised_on=accepted.promised_on,
            window=request.window,
            applicant=accepted.applicant,
            materials_received=accepted.materials_received,
            materials_missing=accepted.materials_missing,
            phone_url=accepted.phone_url,
        )
        with self._lock:
            self.case_views[accepted.receipt] = view
            if request.id_number:
                self._people[accepted.receipt] = request.id_number

    def set_case_status(self, receipt: str, status: str) -> None:
        """Move a case as the back office or central would (a test's step), no rules."""
        with self._lock:
            self.case_views[receipt] = replace(self.case_views[receipt], status=status)

    def case(self, receipt: str) -> CaseView:
        self._enter("case", receipt)
        with self._lock:
            found = self.case_views.get(receipt)
        if found is None:
            raise HubRefused(404, "unknown_case", f"没有找到回执编号{receipt}")
        return found

    def cases_for_person(self, id_number: str) -> tuple[CaseView, ...]:
        self._enter("cases_for_person")  # never the number itself, even in a test's record
        with self._lock:
            mine = [self.case_views[r] for r, n in self._people.items() if n == id_number]
        return tuple(reversed(mine))

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
        self._enter("case_status", receipt, status, window, missing, reason)
        with self._lock:
            case = self.case_views.get(receipt)
            if case is None:
                raise HubRefused(404, "unknown_case", f"没有找到回执编号{receipt}")
            if not can_move(case.status, status):
                raise HubRefused(409, "bad_case_move", f"办件现在是{case.status_text}")
            item = next((i for i in self.config.items if i.id == case.item_id), None)
            if status == "correction":
                if not missing:
                    raise HubRefused(422, "missing_required", "补正需要列出缺少的材料")
                if item is None or any(m not in item.materials for m in missing):
                    raise HubRefused(422, "unknown_material", "材料不在清单中")
            if status == "rejected" and not (reason or "").strip():
                raise HubRefused(422, "reason_required", "不予受理需要理由")
            moved = replace(
                case,
                status=status,
                missing=tuple(missing) if status == "correction" else case.missing,
                reason=reason if status == "rejected" else case.reason,
                basis=(item.basis if item else "") if status == "rejected" else case.basis,
                pickup_window=pickup_window,
            )
            self.case_views[receipt] = moved
            return moved

    def deliver_case(self, receipt: str, window: int) -> CaseView:
        self._enter("deliver_case", receipt, window)
        with self._lock:
            case = self.case_views.get(receipt)
            if case is None:
                raise HubRefused(404, "unknown_case", f"没有找到回执编号{receipt}")
            if case.status not in DELIVERABLE:
                raise HubRefused(409, "bad_case_move", f"办件现在是{case.status_text}")
            moved = replace(
                case,
                status="delivered",
                delivered_at=datetime.now(self.zone),
                delivered_window=window,
            )
            self.case_views[receipt] = moved
            return moved
