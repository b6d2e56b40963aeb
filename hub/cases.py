"""Cases (收件回执): a window accepts an application's materials and hands a numbered receipt.

A receipt is ``SJ`` + the service day ``YYYYMMDD`` + a 4-digit daily counter; the counter row is
committed with the case, so a receipt never repeats, across restarts and crashes included. The
promised date is the item's ``promised_days`` working days after the service day, by the hall
calendar. The applicant's name is stored masked only; the phone is kept for the callback until
the retention purge (:func:`hub.retention.purge_personal`) and never leaves the hub in an event.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

from devices.idnumber import mask_name
from hub.case_model import CASE_STATUS_TEXT, Case, status_text
from hub.case_moves import CaseMoves
from hub.errors import Invalid, NotFound
from hub.identity import identify
from hub.txn import Tx

__all__ = ["CASE_STATUS_TEXT", "Case", "CaseDesk", "mask_phone", "status_text"]

log = logging.getLogger(__name__)

RECEIPT_PREFIX = "SJ"


def mask_phone(phone: str) -> str:
    """``13800000000`` → ``138****0000``: a mobile number keeps its first 3 and last 4 digits,
    a shorter one a quarter at each end at most."""
    digits = phone.strip()
    keep_head, keep_tail = (3, 4) if len(digits) >= 11 else (len(digits) // 4, len(digits) // 4)
    hidden = len(digits) - keep_head - keep_tail
    return digits[:keep_head] + "*" * hidden + digits[len(digits) - keep_tail :]


class CaseDesk(CaseMoves):
    """Accepting cases at windows, and their moves after (:class:`hub.case_moves.CaseMoves`);
    mixed into :class:`hub.engine.QueueEngine`."""

    def accept_case(
        self,
        *,
        window: int,
        item_id: str,
        materials_received: list[str],
        ticket_id: str | None = None,
        applicant: str | None = None,
        phone: str | None = None,
        id_number: str | None = None,
    ) -> Case:
        """Accept a case for ``item_id`` at ``window`` and number its receipt.

        ``id_number`` (the applicant's, optional) is kept only as its keyed hash, so the counter
        can find the person's cases later (:meth:`cases_for_person`). Raises NotFound
        (``unknown_window``, ``unknown_item``, ``unknown_ticket``) or Invalid
        (``unknown_material``: a material not on the item's list; ``invalid_id_number``).
        """
        item = self.config.item(item_id)
        if item is None:
            raise NotFound("unknown_item", f"没有编号为{item_id}的事项")
        received = list(dict.fromkeys(m.strip() for m in materials_received if m.strip()))
        unknown = [m for m in received if m not in item.materials]
        if unknown:
            raise Invalid(
                "unknown_material",
                f"“{'、'.join(unknown)}”不在事项{item.name}的材料清单中，请按清单勾选",
            )
        missing = [m for m in item.materials if m not in received]
        masked = mask_name(applicant.strip()) if applicant and applicant.strip() else None
        kept_phone = phone.strip() if phone and phone.strip() else None
        id_hash = identify(self._secret, id_number).id_hash if id_number else None

        def operation(tx: Tx) -> Case:
            row = self._window_row(tx.db, window)
            if ticket_id is not None and self._ticket_row(tx.db, ticket_id) is None:
                raise NotFound("unknown_ticket", "没有找到这张号票")
            promised_on = None
            if item.promised_days is not None:
                promised_on = self.calendar.add_working_days(
                    date.fromisoformat(tx.today), item.promised_days
                ).isoformat()
            case = Case(
                receipt=self._next_receipt(tx),
                item_id=item.id,
                item_name=item.name,
                department=item.department,
                window=window,
                clerk=self._window_state(tx.db, window).clerk,
                accepted_on=tx.today,
                accepted_at=tx.stamp,
                promised_days=item.promised_days,
                promised_on=promised_on,
                materials_received=received,
                materials_missing=missing,
                applicant=masked,
                status="accepted",
                ticket_id=ticket_id,
                status_changed_at=tx.stamp,
            )
            tx.db.table("cases").insert(
                {
                    "receipt": case.receipt,
                    "service_day": tx.today,
                    "item_id": item.id,
                    "item_name": item.name,
                    "department": item.department,
                    "window": window,
                    "clerk_id": row["clerk_id"],
                    "clerk_name": row["clerk_name"],
                    "ticket_id": ticket_id,
                    "accepted_at": tx.stamp,
                    "promised_days": item.promised_days,
                    "promised_on": promised_on,
                    "materials_received": json.dumps(received, ensure_ascii=False),
                    "materials_missing": json.dumps(missing, ensure_ascii=False),
                    "applicant_masked": masked,
                    "phone": kept_phone,
                    "status": case.status,
                    "status_changed_at": tx.stamp,
                    "id_hash": id_hash,
                }
            )
            tx.emit("case.accepted", case.to_dict())
            return case

        return self._run(operation)

    @staticmethod
    def _next_receipt(tx: Tx) -> str:
        tx.db.execute(
            "INSERT INTO case_counters (service_day, last_no) VALUES (?, 1)"
            " ON CONFLICT (service_day) DO UPDATE SET last_no = last_no + 1",
            (tx.today,),
        )
        number = tx.db.execute(
            "SELECT last_no FROM case_counters WHERE service_day = ?", (tx.today,)
        ).fetchone()[0]
        return f"{RECEIPT_PREFIX}{tx.today.replace('-', '')}{int(number):04d}"

    def case_record(self, receipt: str) -> dict[str, Any] | None:
        """What the hall holds of ``receipt`` (lookup fields, no phone), or None."""
        rows = list(
            self.store.reader().query(
                "SELECT receipt, item_name, status, service_day, promised_on FROM cases"
                " WHERE receipt = ?",
                (receipt.strip().upper(),),
            )
        )
        if not rows:
            return None
        row = rows[0]
        return {
            "receipt": row["receipt"],
            "item_name": row["item_name"],
            "status": row["status"],
            "status_text": status_text(row["status"]),
            "accepted_on": row["service_day"],
            "promised_on": row["promised_on"],
        }
