"""Cases central learns from halls' events, looked up by hubs, moved by admins and sent down.

Central is where a case's progress is recorded once the back office takes it over: the hall
accepts it (``case.accepted``), its windows move it on (``case.status``, applied by
:func:`apply_case_moves` inside the batch's transaction), an administrator (or a back-office
integration) moves it with ``hall central case-status RECEIPT STATUS`` (:func:`set_case_status`,
which numbers the change for the downlink: :func:`case_changes_after`), and a hub asks
``GET /api/central/v1/halls/{hall}/cases/{receipt}`` when a citizen looks the receipt up.
Receipts are unique per hall (``SJ`` + day + daily counter), not across halls. The statuses and
moves are :mod:`sync.case_states`'s; the rule when both sides move a case is in
docs/sync-protocol.md, "Case changes".
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from sync.case_states import CASE_STATUS_TEXT, move_problem
from sync.central.db import Tx
from sync.central.errors import CentralError
from sync.central.store import CentralStore, iso_now
from sync.wire import WireEvent

log = logging.getLogger(__name__)

CHANGES_LIMIT = 500
"""Most changes one downlink answer carries (the hub asks again from the last one)."""


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
    central: CentralStore,
    receipt: str,
    status: str,
    hall: str | None = None,
    *,
    missing: list[str] | None = None,
    reason: str | None = None,
    pickup_window: int | None = None,
) -> CentralCase:
    """Move case ``receipt`` to ``status`` and number the change for the hall's downlink;
    ``hall`` is needed when two halls hold the receipt. ``missing`` (every material still
    needed) is required for ``correction``, ``reason`` for ``rejected``; ``pickup_window``
    names where to collect a ``ready`` case.

    Raises CentralError 400 ``bad_status`` / ``bad_input``, 404 ``unknown_case``, 409
    ``ambiguous_receipt`` or ``bad_case_move`` (not allowed from the case's status).
    """
    if status not in CASE_STATUS_TEXT:
        known = ", ".join(CASE_STATUS_TEXT)
        raise CentralError(400, "bad_status", f"unknown case status {status!r}; one of {known}")
    wanted = [m.strip() for m in missing or [] if m.strip()]
    if status == "correction" and not wanted:
        raise CentralError(400, "bad_input", "a correction (补正) lists every missing material")
    if status == "rejected" and not (reason or "").strip():
        raise CentralError(400, "bad_input", "a rejection (不予受理) needs a reason")
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
        hall_id, previous = rows[0]["hall"], rows[0]["status"]
        problem = move_problem(previous, status)
        if problem is not None:
            raise CentralError(409, "bad_case_move", problem)
        db.execute(
            "SELECT id FROM halls WHERE id = ?" + db.for_update,  # noqa: S608 - a fixed clause
            (hall_id,),
        )  # change ids are numbered one writer at a time per hall
        change_id = int(
            db.execute(
                "SELECT COALESCE(MAX(change_id), 0) + 1 FROM case_changes WHERE hall = ?",
                (hall_id,),
            ).fetchone()[0]
        )
        at = iso_now(central.now())
        db.execute(
            "INSERT INTO case_changes (hall, change_id, receipt, previous, status, missing,"
            " reason, pickup_window, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                hall_id,
                change_id,
                receipt,
                previous,
                status,
                json.dumps(wanted, ensure_ascii=False),
                (reason or "").strip() or None,
                pickup_window,
                at,
            ),
        )
        db.execute(
            "UPDATE cases SET status = ?, updated_at = ? WHERE hall = ? AND receipt = ?",
            (status, at, hall_id, receipt),
        )
    return find_case(central, hall_id, receipt)


class CaseChange(BaseModel):
    """One change made at central to a hall's case, as the downlink carries it."""

    change_id: int
    receipt: str
    previous: str
    status: str
    missing: list[str]
    reason: str | None
    pickup_window: int | None
    changed_at: str


class CaseChangesAnswer(BaseModel):
    """``GET /halls/{hall}/case-changes?after=N``: the changes after N, oldest first, and the
    hall's latest change id."""

    changes: list[CaseChange]
    last: int


def case_changes_after(central: CentralStore, hall: str, after: int) -> dict[str, Any]:
    """The hall's case changes with ``change_id`` above ``after``, oldest first, at most
    :data:`CHANGES_LIMIT`: ``{"changes": [...], "last": the hall's latest change id}``.
    Raises UnknownHall."""
    central.hall(hall)
    with central.db.read() as db:
        rows = db.query(
            "SELECT change_id, receipt, previous, status, missing, reason, pickup_window,"
            " changed_at FROM case_changes WHERE hall = ? AND change_id > ?"
            " ORDER BY change_id LIMIT ?",
            (hall, max(0, after), CHANGES_LIMIT),
        )
        last = db.execute(
            "SELECT COALESCE(MAX(change_id), 0) FROM case_changes WHERE hall = ?", (hall,)
        ).fetchone()[0]
    changes = [
        {
            "change_id": int(r["change_id"]),
            "receipt": r["receipt"],
            "previous": r["previous"],
            "status": r["status"],
            "missing": json.loads(r["missing"]),
            "reason": r["reason"],
            "pickup_window": r["pickup_window"],
            "changed_at": r["changed_at"],
        }
        for r in rows
    ]
    return CaseChangesAnswer.model_validate({"changes": changes, "last": int(last)}).model_dump()


def apply_case_moves(tx: Tx, hall: str, events: list[WireEvent], received_at: str) -> None:
    """Apply a batch's ``case.status`` events to central's cases, in seq order, inside the
    batch's transaction ``tx``. A hall's move is applied when the hall had seen central's latest
    change of the case (``payload.central_change`` at least that change id) or when it is a
    delivery; otherwise central's status stands (its change is on its way down). A move of a
    case central does not hold is left (logged); an event is never refused for it."""
    for event in events:
        if event.type != "case.status":
            continue
        payload = event.payload
        receipt, status = payload.get("receipt"), payload.get("status")
        if not isinstance(receipt, str) or status not in CASE_STATUS_TEXT:
            continue
        latest = tx.execute(
            "SELECT COALESCE(MAX(change_id), 0) FROM case_changes WHERE hall = ? AND receipt = ?",
            (hall, receipt),
        ).fetchone()[0]
        seen = payload.get("central_change")
        seen = seen if isinstance(seen, int) and not isinstance(seen, bool) else 0
        if seen < int(latest) and status != "delivered":
            log.info(
                "hall %s moved %s to %s before seeing change %s: kept central's status",
                hall,
                receipt,
                status,
                latest,
            )
            continue
        moved = tx.execute(
            "UPDATE cases SET status = ?, updated_at = ? WHERE hall = ? AND receipt = ?",
            (status, received_at, hall, receipt),
        ).rowcount
        if not moved:
            log.warning("hall %s moved case %s, which central does not hold", hall, receipt)


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
