"""Cases central learns from halls' ``case.accepted`` events, looked up by hubs, moved by admins.

Central is where a case's progress is recorded once the back office takes it over: the hall
accepts it (event), central keeps its status, an administrator (or a back-office integration)
moves it on with ``hall central case-status RECEIPT STATUS``, and a hub asks
``GET /api/central/v1/halls/{hall}/cases/{receipt}`` when a citizen looks the receipt up.
Receipts are unique per hall (``SJ`` + day + daily counter), not across halls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sync.central.errors import CentralError
from sync.central.store import CentralStore, iso_now

CASE_STATUS_TEXT = {
    "accepted": "已受理",
    "processing": "办理中",
    "completed": "已办结",
    "ready": "待领取",
    "delivered": "已领取",
    "rejected": "不予受理",
    "withdrawn": "已撤回",
}
"""The statuses a case may have, and their words for citizens (the hub's list is the same)."""


@dataclass(frozen=True)
class CentralCase:
    hall: str
    receipt: str
    item_id: str
    item_name: str
    accepted_on: str
    promised_on: str | None
    status: str
    updated_at: str

    def to_dict(self) -> dict[str, Any]:
        """The lookup answer (docs/sync-protocol.md, "Case lookup")."""
        return {
            "receipt": self.receipt,
            "item_id": self.item_id,
            "item_name": self.item_name,
            "accepted_on": self.accepted_on,
            "promised_on": self.promised_on,
            "status": self.status,
            "status_text": CASE_STATUS_TEXT.get(self.status, self.status),
            "updated_at": self.updated_at,
        }


def check_case_payload(payload: dict[str, Any]) -> str | None:
    """Why a ``case.accepted`` payload cannot be taken, or None."""
    for name in ("receipt", "item_id", "item_name", "accepted_on"):
        if not isinstance(payload.get(name), str) or not payload[name]:
            return f"payload.{name}: missing (a non-empty string is required)"
    promised = payload.get("promised_on")
    if promised is not None and not isinstance(promised, str):
        return "payload.promised_on: must be a date string or null"
    return None


def case_row(hall: str, payload: dict[str, Any], received_at: str) -> tuple[Any, ...]:
    """The ``cases`` row of an applied ``case.accepted`` event (checked by check_case_payload)."""
    return (
        hall,
        payload["receipt"],
        payload["item_id"],
        payload["item_name"],
        payload["accepted_on"],
        payload.get("promised_on"),
        "accepted",
        received_at,
    )


INSERT_CASE = (
    "INSERT INTO cases (hall, receipt, item_id, item_name, accepted_on, promised_on,"
    " status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hall, receipt) DO NOTHING"
)
"""Taking a case once: a repeated event never resets a status an admin has moved on."""


def find_case(central: CentralStore, hall: str, receipt: str) -> CentralCase:
    """The case ``receipt`` of ``hall``; raises CentralError 404 ``unknown_case``."""
    with central.db.read() as db:
        row = db.execute(
            "SELECT * FROM cases WHERE hall = ? AND receipt = ?", (hall, receipt)
        ).fetchone()
    if row is None:
        raise CentralError(404, "unknown_case", f"no case {receipt} for hall {hall}")
    return _case(row)


def set_case_status(
    central: CentralStore, receipt: str, status: str, hall: str | None = None
) -> CentralCase:
    """Move case ``receipt`` to ``status``; ``hall`` is needed when two halls hold the receipt.

    Raises CentralError 400 ``bad_status``, 404 ``unknown_case``, 409 ``ambiguous_receipt``.
    """
    if status not in CASE_STATUS_TEXT:
        known = ", ".join(CASE_STATUS_TEXT)
        raise CentralError(400, "bad_status", f"unknown case status {status!r}; one of {known}")
    with central.db.write() as db:
        sql, params = "SELECT * FROM cases WHERE receipt = ?", [receipt]
        if hall is not None:
            sql, params = sql + " AND hall = ?", [receipt, hall]
        rows = db.execute(sql, params).fetchall()
        if not rows:
            raise CentralError(404, "unknown_case", f"no case {receipt}")
        if len(rows) > 1:
            halls = ", ".join(r["hall"] for r in rows)
            raise CentralError(
                409, "ambiguous_receipt", f"{receipt} exists in halls {halls}; name one (--hall)"
            )
        db.execute(
            "UPDATE cases SET status = ?, updated_at = ? WHERE hall = ? AND receipt = ?",
            (status, iso_now(central.now()), rows[0]["hall"], receipt),
        )
        hall_id = rows[0]["hall"]
    return find_case(central, hall_id, receipt)


def _case(row: Any) -> CentralCase:
    return CentralCase(
        hall=row["hall"],
        receipt=row["receipt"],
        item_id=row["item_id"],
        item_name=row["item_name"],
        accepted_on=row["accepted_on"],
        promised_on=row["promised_on"],
        status=row["status"],
        updated_at=row["updated_at"],
    )
