"""差评核实整改: opening follow-ups, taking their steps, and reading them (table ``followups``,
steps in ``followup_steps``). States, steps and due dates: :mod:`hub.followup_model`.

Each step runs in one transaction that changes the follow-up, records the step, writes an
audit row (:func:`hub.audit.record`) and a ``followup.step`` event for central; refusals change
nothing. The citizen's phone (only an 办不成事反映 left one) is masked in every answer and event;
:meth:`FollowupDesk.followup_phone` gives it to a supervisor for the call-back, audited.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import sqlite_utils

from hub.actors import Actor
from hub.audit import record
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from hub.followup_model import (
    ENDING_STEPS,
    KIND_NAMES,
    STATUS_NAMES,
    STEPS,
    clean_fields,
    clerk_of,
    filter_clause,
    followup_view,
    reference,
    step_record,
    wrong_state,
)
from hub.txn import EngineCore, Tx

LIST_LIMIT = 2000


def _ids_marks(ids: list[str]) -> str:
    return ",".join("?" for _ in ids)


class FollowupDesk(EngineCore):
    """The 差评 closed loop (a base of :class:`hub.engine.QueueEngine`)."""

    # -- opening ---------------------------------------------------------------------------

    def _followup_dues(self, service_day: str) -> tuple[str, str]:
        """(verify_due_on, close_due_on) of a follow-up opened on ``service_day``: the
        configured working days later by the hall calendar (ISO dates)."""
        rules = self.config.rating
        opened = date.fromisoformat(service_day)
        return (
            self.calendar.add_working_days(opened, rules.verify_working_days).isoformat(),
            self.calendar.add_working_days(opened, rules.followup_working_days).isoformat(),
        )

    def _open_followup(
        self,
        tx: Tx,
        *,
        kind: str,
        reason: str,
        rating_id: str | None = None,
        feedback_id: str | None = None,
        ticket_id: str | None = None,
        window: int | None = None,
        clerk_id: str | None = None,
        clerk_name: str | None = None,
        level: int | None = None,
        phone: str | None = None,
    ) -> dict[str, Any]:
        """Open a follow-up inside ``tx`` (its due dates counted in working days from today's
        service day) and emit ``followup.opened``. Returns its view."""
        verify_due, close_due = self._followup_dues(tx.today)
        followup_id = str(uuid.uuid4())
        tx.db.table("followups").insert(
            {
                "id": followup_id,
                "kind": kind,
                "rating_id": rating_id,
                "feedback_id": feedback_id,
                "ticket_id": ticket_id,
                "service_day": tx.today,
                "window": window,
                "clerk_id": clerk_id,
                "clerk_name": clerk_name,
                "level": level,
                "reason": reason,
                "phone": phone,
                "opened_at": tx.stamp,
                "verify_due_on": verify_due,
                "close_due_on": close_due,
                "status": "pending",
            }
        )
        view = self._followup_views(tx.db, tx.today, [followup_id])[0]
        tx.emit("followup.opened", reference(view, self.config.hall.division_code))
        return view

    # -- steps -----------------------------------------------------------------------------

    def followup_step(
        self, actor: Actor, followup_id: str, step_name: str, fields: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Take one step of a follow-up: ``verify`` {assignee, note} (pending → rectifying),
        ``invalid`` {reason} (pending → invalid, supervisors only), ``rectify`` {measures}
        (rectifying → revisiting), ``revisit`` {method, answer, satisfied} (revisiting →
        closed). Returns the follow-up's view after the step.

        Raises Forbidden (the actor's role may not), Invalid (an unknown step; a missing,
        empty, too long or unknown field), NotFound (no such follow-up) or Conflict (the step
        does not fit the current state; the sentence names the state).
        """
        step = STEPS.get(step_name)
        if step is None:
            raise Invalid("unknown_step", f"没有“{step_name}”这一步")
        if not actor.may(*step.roles):
            raise Forbidden("wrong_role", f"{actor.role_name}无权{step.label}")
        cleaned = clean_fields(step, fields)

        def operation(tx: Tx) -> dict[str, Any]:
            row = self._followup_row(tx.db, followup_id)
            if row["status"] != step.source:
                raise Conflict("wrong_state", wrong_state(row["kind"], row["status"], step))
            changes: dict[str, Any] = {"status": step.target}
            if step.name in ENDING_STEPS:
                due = row["close_due_on"] if step.name == "revisit" else row["verify_due_on"]
                changes.update(closed_at=tx.stamp, closed_late=int(tx.today > due))
            tx.db.table("followups").update(followup_id, changes)
            tx.db.table("followup_steps").insert(
                {
                    "followup_id": followup_id,
                    "step": step.name,
                    "at": tx.stamp,
                    "actor": actor.name,
                    "actor_role": actor.role,
                    "from_status": step.source,
                    "to_status": step.target,
                    "fields": json.dumps(cleaned, ensure_ascii=False),
                }
            )
            view = self._followup_views(tx.db, tx.today, [followup_id])[0]
            record(
                tx,
                actor,
                f"followup.{step.name}",
                f"followup:{followup_id}",
                before={"status": step.source},
                after={"status": step.target, **cleaned},
            )
            tx.emit(
                "followup.step",
                {
                    **reference(view, self.config.hall.division_code),
                    "step": step.name,
                    "step_name": step.label,
                    "from_status": step.source,
                    "to_status": step.target,
                    "text": cleaned[step.text],
                    "fields": cleaned,
                    "satisfied": cleaned.get("satisfied"),
                    "at": tx.stamp,
                    "actor": {"name": actor.name, "role": actor.role, "role_name": actor.role_name},
                },
            )
            return view

        return self._run(operation)

    def followup_phone(self, actor: Actor, followup_id: str) -> dict[str, Any]:
        """The citizen's phone, unmasked, for the call-back: supervisors (and the admin token)
        only; each read is an audit row (``phone.read``). Raises Forbidden, NotFound (no such
        follow-up, or it holds no phone: none was left, or retention cleared it)."""
        return self._read_phone(
            actor, f"followup:{followup_id}", lambda db: self._followup_row(db, followup_id)
        )

    def _read_phone(
        self, actor: Actor, target: str, fetch: Callable[[sqlite_utils.Database], dict[str, Any]]
    ) -> dict[str, Any]:
        """``{"id", "phone"}`` of the row ``fetch`` finds, for a supervisor, audited as
        ``phone.read`` of ``target`` (``followup:ID``, ``feedback:ID``)."""
        if not actor.may("supervisor"):
            raise Forbidden("wrong_role", f"{actor.role_name}无权查看群众的联系电话")

        def operation(tx: Tx) -> dict[str, Any]:
            row = fetch(tx.db)
            if not row["phone"]:
                raise NotFound("no_phone", "该记录没有联系电话（未留下，或已过保留期限被清除）")
            record(tx, actor, "phone.read", target)
            return {"id": row["id"], "phone": row["phone"]}

        return self._run(operation)

    # -- reading ---------------------------------------------------------------------------

    @staticmethod
    def _followup_row(db: sqlite_utils.Database, followup_id: str) -> dict[str, Any]:
        rows = list(db.query("SELECT * FROM followups WHERE id = ?", (followup_id,)))
        if not rows:
            raise NotFound("unknown_followup", "没有这条差评整改记录")
        return rows[0]

    def _followup_views(
        self, db: sqlite_utils.Database, today: str, ids: list[str]
    ) -> list[dict[str, Any]]:
        """The views of the follow-ups ``ids``, in that order (missing ones left out)."""
        if not ids:
            return []
        marks = _ids_marks(ids)
        rows = {
            r["id"]: r
            for r in db.query(
                "SELECT f.*, t.number AS ticket_number FROM followups f"  # noqa: S608
                f" LEFT JOIN tickets t ON t.id = f.ticket_id WHERE f.id IN ({marks})",
                ids,
            )
        }
        steps: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
        for s in db.query(
            f"SELECT * FROM followup_steps WHERE followup_id IN ({marks}) ORDER BY id",  # noqa: S608
            ids,
        ):
            steps[s["followup_id"]].append(step_record(s, json.loads(s["fields"])))
        views = []
        for followup_id in ids:
            row = rows.get(followup_id)
            if row is None:
                continue
            member = self.config.staff_member(row["clerk_id"]) if row["clerk_id"] else None
            clerk = clerk_of(row, member.name if member else None)
            views.append(followup_view(row, steps[followup_id], today, clerk))
        return views

    def service_day(self) -> str:
        """The hall's service day now (ISO date), the day overdue is judged by."""
        return self._today()

    def followup(self, followup_id: str) -> dict[str, Any]:
        """One follow-up with its steps (phone masked); raises NotFound."""
        db = self.store.reader()
        self._followup_row(db, followup_id)
        return self._followup_views(db, self._today(), [followup_id])[0]

    def followups(
        self,
        *,
        statuses: list[str] | None = None,
        kind: str | None = None,
        overdue: bool = False,
        day_from: str | None = None,
        day_to: str | None = None,
        limit: int = 500,
    ) -> list[dict[str, Any]]:
        """Follow-ups, newest first, with each step's record (phones masked).

        ``statuses`` and ``kind`` filter; ``overdue`` keeps the open ones past their due date;
        ``day_from``/``day_to`` (ISO dates, inclusive) the service days they were opened on.
        Raises Invalid for an unknown status or kind.
        """
        where, params = filter_clause("f", statuses, STATUS_NAMES, kind, KIND_NAMES)
        today = self._today()
        sql = f"SELECT id FROM followups f WHERE 1 = 1{where}"  # noqa: S608 - placeholders only
        if overdue:  # the due date in force (followup_model.due_on) is before today
            sql += (
                " AND ((status = 'pending' AND verify_due_on < ?)"
                " OR (status IN ('rectifying', 'revisiting') AND close_due_on < ?))"
            )
            params.extend([today, today])
        if day_from is not None:
            sql += " AND service_day >= ?"
            params.append(day_from)
        if day_to is not None:
            sql += " AND service_day <= ?"
            params.append(day_to)
        sql += " ORDER BY opened_at DESC, rowid DESC LIMIT ?"
        params.append(max(1, min(limit, LIST_LIMIT)))
        db = self.store.reader()
        ids = [r[0] for r in db.execute(sql, params).fetchall()]
        return self._followup_views(db, today, ids)
