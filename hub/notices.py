"""Citizens' feedback from the kiosks (意见建议, 办不成事反映) and its handling by the hall.

Feedback is stored (table ``feedback``) with the phone for a call-back; every answer and event
shows the phone masked (supervisors read it through :meth:`NoticeDesk.feedback_phone`, audited).
An 办不成事反映 (``unresolved``) also opens a follow-up (:mod:`hub.followups`) linked to it.
The hall handles each feedback::

    new ──read──▶ read ──assign──▶ assigned ──close──▶ closed
     └────────────┴──────assign / reply / close──────────┘

``reply`` records the answer given to the citizen without changing the state (a new one becomes
read). Each action is audited and announced (``feedback.updated``). Retention
(:func:`hub.retention.purge_personal`) clears old phones and deletes old closed feedback.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlite_utils

from hub.actors import Actor
from hub.audit import record
from hub.cases import mask_phone
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from hub.followup_model import filter_clause
from hub.followups import FollowupDesk
from hub.redact import redact
from hub.txn import Tx

FEEDBACK_KINDS = ("suggestion", "unresolved")
FEEDBACK_KIND_NAMES = {"suggestion": "意见建议", "unresolved": "办不成事反映"}
FEEDBACK_STATUS_NAMES = {"new": "未读", "read": "已读", "assigned": "已交办", "closed": "已办结"}
FEEDBACK_ACTIONS = {"read": "标记已读", "assign": "交办", "reply": "答复", "close": "办结"}
ASSIGNEE_LIMIT = 32
NOTE_LIMIT = 500
FEEDBACK_LIMIT = 2000

_STAMPS = {"read": "read", "assign": "assigned", "reply": "replied", "close": "closed"}


def _text(value: str | None, name: str, label: str, limit: int, *, required: bool) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise Invalid("field_required", f"请填写{label}（{name}）")
        return None
    if len(text) > limit:
        raise Invalid("field_too_long", f"{label}（{name}）不能超过{limit}字")
    return redact(text)


def feedback_view(row: dict[str, Any]) -> dict[str, Any]:
    """A feedback row as the API and events show it (phone masked)."""
    phone = row.get("phone")
    return {
        "id": row["id"],
        "kind": row["kind"],
        "kind_name": FEEDBACK_KIND_NAMES.get(row["kind"], row["kind"]),
        "reason": row["reason"],
        "phone": mask_phone(phone) if phone else None,
        "source": row["source"],
        "service_day": row["service_day"],
        "received_at": row["received_at"],
        "status": row["status"],
        "status_name": FEEDBACK_STATUS_NAMES[row["status"]],
        "read_at": row["read_at"],
        "read_by": row["read_by"],
        "assignee": row["assignee"],
        "assigned_at": row["assigned_at"],
        "assigned_by": row["assigned_by"],
        "reply_note": row["reply_note"],
        "replied_at": row["replied_at"],
        "replied_by": row["replied_by"],
        "closed_at": row["closed_at"],
        "closed_by": row["closed_by"],
        "close_note": row["close_note"],
        "followup_id": row.get("followup_id"),
    }


_SELECT = (
    "SELECT fb.*, f.id AS followup_id FROM feedback fb"
    " LEFT JOIN followups f ON f.feedback_id = fb.id"
)


class NoticeDesk(FollowupDesk):
    """Kiosk feedback and its handling (a base of :class:`hub.engine.QueueEngine`)."""

    def add_feedback(
        self, *, kind: str, reason: str, phone: str | None = None, source: str | None = None
    ) -> dict[str, Any]:
        """Store a citizen's feedback; emits ``feedback.received`` (phone masked). An
        ``unresolved`` one also opens a follow-up (``followup.opened``) holding the phone.

        ``kind`` is ``suggestion`` or ``unresolved`` (the API checks it). Returns the event
        payload, whose ``id`` is the stored row's.
        """
        kept_phone = phone.strip() if phone and phone.strip() else None
        reason = redact(reason)

        def operation(tx: Tx) -> dict[str, Any]:
            feedback_id = str(uuid.uuid4())
            tx.db.table("feedback").insert(
                {
                    "id": feedback_id,
                    "service_day": tx.today,
                    "kind": kind,
                    "reason": reason,
                    "phone": kept_phone,
                    "source": source,
                    "received_at": tx.stamp,
                }
            )
            payload = {
                "id": feedback_id,
                "kind": kind,
                "reason": reason,
                "phone": mask_phone(kept_phone) if kept_phone else None,
                "source": source,
                "received_at": tx.stamp,
            }
            tx.emit("feedback.received", payload)
            if kind == "unresolved":
                self._open_followup(
                    tx, kind="unresolved", reason=reason, feedback_id=feedback_id, phone=kept_phone
                )
            return payload

        return self._run(operation)

    # -- handling --------------------------------------------------------------------------

    def read_feedback(self, actor: Actor, feedback_id: str) -> dict[str, Any]:
        """Mark a new feedback read. Reading one already read, assigned or closed changes
        nothing (no audit row, no event). Raises Forbidden or NotFound."""
        return self._handle(actor, feedback_id, "read", {})

    def assign_feedback(self, actor: Actor, feedback_id: str, assignee: str) -> dict[str, Any]:
        """Hand a feedback to ``assignee`` (again, to another, while it is open). Raises
        Forbidden, Invalid (no assignee), NotFound or Conflict (closed)."""
        who = _text(assignee, "assignee", "交办给谁", ASSIGNEE_LIMIT, required=True)
        return self._handle(actor, feedback_id, "assign", {"assignee": who})

    def reply_feedback(self, actor: Actor, feedback_id: str, note: str) -> dict[str, Any]:
        """Record the reply given to the citizen (a new feedback becomes read). Raises
        Forbidden, Invalid (no note), NotFound or Conflict (closed)."""
        text = _text(note, "note", "答复内容", NOTE_LIMIT, required=True)
        return self._handle(actor, feedback_id, "reply", {"reply_note": text})

    def close_feedback(
        self, actor: Actor, feedback_id: str, note: str | None = None
    ) -> dict[str, Any]:
        """Close a feedback, with an optional note. Raises Forbidden, Invalid (note too long),
        NotFound or Conflict (already closed)."""
        text = _text(note, "note", "办结说明", NOTE_LIMIT, required=False)
        return self._handle(actor, feedback_id, "close", {"close_note": text})

    def _handle(
        self, actor: Actor, feedback_id: str, action: str, changes: dict[str, Any]
    ) -> dict[str, Any]:
        if not actor.may("manager", "supervisor"):
            raise Forbidden("wrong_role", f"{actor.role_name}无权处理群众反映")

        def operation(tx: Tx) -> dict[str, Any]:
            row = self._feedback_row(tx.db, feedback_id)
            status = row["status"]
            if action == "read" and status != "new":
                return feedback_view(row)
            if status == "closed":
                raise Conflict(
                    "feedback_closed",
                    f"该反映已于{row['closed_at'][:16].replace('T', ' ')}办结，"
                    f"不能再{FEEDBACK_ACTIONS[action]}",
                )
            target = {"read": "read", "assign": "assigned", "close": "closed"}.get(action)
            if target is None:  # reply
                target = "read" if status == "new" else status
            stamp = _STAMPS[action]
            update = {
                **changes,
                "status": target,
                f"{stamp}_at": tx.stamp,
                f"{stamp}_by": actor.name,
            }
            tx.db.table("feedback").update(feedback_id, update)
            view = feedback_view(self._feedback_row(tx.db, feedback_id))
            after = {"status": target, **{k: v for k, v in changes.items() if v is not None}}
            record(
                tx,
                actor,
                f"feedback.{action}",
                f"feedback:{feedback_id}",
                {"status": status},
                after,
            )
            tx.emit(
                "feedback.updated",
                {
                    "action": action,
                    "action_name": FEEDBACK_ACTIONS[action],
                    "feedback": view,
                    "at": tx.stamp,
                    "actor": {"name": actor.name, "role": actor.role, "role_name": actor.role_name},
                },
            )
            return view

        return self._run(operation)

    def feedback_phone(self, actor: Actor, feedback_id: str) -> dict[str, Any]:
        """A feedback's phone, unmasked, for the call-back: supervisors (and the admin token)
        only, audited (``phone.read``). Raises Forbidden, NotFound (none kept)."""
        return self._read_phone(
            actor, f"feedback:{feedback_id}", lambda db: self._feedback_row(db, feedback_id)
        )

    # -- reading ---------------------------------------------------------------------------

    @staticmethod
    def _feedback_row(db: sqlite_utils.Database, feedback_id: str) -> dict[str, Any]:
        rows = list(db.query(f"{_SELECT} WHERE fb.id = ?", (feedback_id,)))
        if not rows:
            raise NotFound("unknown_feedback", "没有这条群众反映")
        return rows[0]

    def feedback_item(self, feedback_id: str) -> dict[str, Any]:
        """One feedback (phone masked); raises NotFound."""
        return feedback_view(self._feedback_row(self.store.reader(), feedback_id))

    def feedback_list(
        self, *, statuses: list[str] | None = None, kind: str | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        """Feedback, newest first (phones masked), of the given statuses and kind.
        Raises Invalid for an unknown status or kind."""
        where, params = filter_clause("fb", statuses, FEEDBACK_STATUS_NAMES, kind, FEEDBACK_KINDS)
        sql = f"{_SELECT} WHERE 1 = 1{where}"
        sql += " ORDER BY fb.received_at DESC, fb.rowid DESC LIMIT ?"
        params.append(max(1, min(limit, FEEDBACK_LIMIT)))
        return [feedback_view(r) for r in self.store.reader().query(sql, params)]
