"""The management API of the hall's closed loops: 差评 follow-ups, kiosk feedback, alerts.

Callers are people signed in to the console (a session cookie, with ``X-CSRF-Token`` on a
POST) or the admin token (:mod:`hub.actor_auth`). Managers and supervisors read everything and
take the steps; only supervisors (and the admin token) find a 差评 invalid and read a citizen's
phone. The rules live in the engine (:mod:`hub.followups`, :mod:`hub.notices`,
:mod:`hub.alerts`); this module turns HTTP into its calls. Routes: docs/hub.md, "Follow-ups,
feedback and alerts".

No ``from __future__ import annotations``: FastAPI reads the annotations at runtime.
"""

import re
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query
from pydantic import BeforeValidator, StrictBool, StringConstraints

from hub.actor_auth import requiring
from hub.actors import READ_ROLES, Actor
from hub.bodies import StrictBody
from hub.engine import QueueEngine
from hub.followup_model import TEXT_LIMITS
from hub.notices import ASSIGNEE_LIMIT, NOTE_LIMIT

API = "/api/v1"


def _text(limit: int) -> Any:
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=limit)]


_Body = StrictBody  # unknown fields refused, cheaply even by the thousand


class VerifyIn(_Body):
    assignee: _text(TEXT_LIMITS["assignee"])  # type: ignore[valid-type]
    note: _text(TEXT_LIMITS["note"])  # type: ignore[valid-type]


class InvalidIn(_Body):
    reason: _text(TEXT_LIMITS["reason"])  # type: ignore[valid-type]


class RectifyIn(_Body):
    measures: _text(TEXT_LIMITS["measures"])  # type: ignore[valid-type]


class RevisitIn(_Body):
    method: _text(TEXT_LIMITS["method"])  # type: ignore[valid-type]
    answer: _text(TEXT_LIMITS["answer"])  # type: ignore[valid-type]
    satisfied: StrictBool


class AssignIn(_Body):
    assignee: _text(ASSIGNEE_LIMIT)  # type: ignore[valid-type]


class ReplyIn(_Body):
    note: _text(NOTE_LIMIT)  # type: ignore[valid-type]


class CloseIn(_Body):
    note: _text(NOTE_LIMIT) | None = None  # type: ignore[valid-type]


def _day_as_written(value: Any) -> Any:
    """A ``?from=``/``?to=`` day: YYYY-MM-DD only (pydantic alone takes ``0`` as 1970-01-01)."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("expected a day written YYYY-MM-DD")
    return value


Day = Annotated[date | None, BeforeValidator(_day_as_written)]


def _statuses(status: str | None) -> list[str] | None:
    """``?status=a,b`` → ["a", "b"] (None when absent or empty)."""
    wanted = [s.strip() for s in (status or "").split(",") if s.strip()]
    return wanted or None


def install_followups(app: FastAPI, engine: QueueEngine) -> None:
    """Add the follow-up, feedback-handling and alerts-inbox routes to ``app``.

    Call it after ``app.state.manage_actor`` is set (:func:`hub.api.create_app` does).
    """
    manage = app.state.manage_actor
    Reader = Annotated[Actor, Depends(requiring(manage, *READ_ROLES))]
    Supervisor = Annotated[Actor, Depends(requiring(manage, "supervisor"))]
    Limit = Annotated[int, Query(ge=1, le=2000)]

    # -- 差评 follow-ups -------------------------------------------------------------------

    @app.get(f"{API}/followups")
    def followups(
        _: Reader,
        status: Annotated[str | None, Query(max_length=100)] = None,
        kind: Literal["rating", "unresolved"] | None = None,
        overdue: bool = False,
        day_from: Annotated[Day, Query(alias="from")] = None,
        day_to: Annotated[Day, Query(alias="to")] = None,
        limit: Limit = 500,
    ) -> dict[str, Any]:
        found = engine.followups(
            statuses=_statuses(status),
            kind=kind,
            overdue=overdue,
            day_from=day_from.isoformat() if day_from else None,
            day_to=day_to.isoformat() if day_to else None,
            limit=limit,
        )
        return {"followups": found, "today": engine.service_day()}

    @app.get(f"{API}/followups/{{followup_id}}")
    def followup(followup_id: str, _: Reader) -> dict[str, Any]:
        return engine.followup(followup_id)

    @app.post(f"{API}/followups/{{followup_id}}/verify")
    def verify(followup_id: str, body: VerifyIn, actor: Reader) -> dict[str, Any]:
        return engine.followup_step(actor, followup_id, "verify", body.model_dump())

    @app.post(f"{API}/followups/{{followup_id}}/invalid")
    def invalid(followup_id: str, body: InvalidIn, actor: Supervisor) -> dict[str, Any]:
        return engine.followup_step(actor, followup_id, "invalid", body.model_dump())

    @app.post(f"{API}/followups/{{followup_id}}/rectify")
    def rectify(followup_id: str, body: RectifyIn, actor: Reader) -> dict[str, Any]:
        return engine.followup_step(actor, followup_id, "rectify", body.model_dump())

    @app.post(f"{API}/followups/{{followup_id}}/revisit")
    def revisit(followup_id: str, body: RevisitIn, actor: Reader) -> dict[str, Any]:
        return engine.followup_step(actor, followup_id, "revisit", body.model_dump())

    @app.get(f"{API}/followups/{{followup_id}}/phone")
    def followup_phone(followup_id: str, actor: Supervisor) -> dict[str, Any]:
        return engine.followup_phone(actor, followup_id)

    # -- kiosk feedback (POST /feedback, the kiosks' own, is in hub.api) ------------------

    @app.get(f"{API}/feedback")
    def feedback_list(
        _: Reader,
        status: Annotated[str | None, Query(max_length=100)] = None,
        kind: Literal["suggestion", "unresolved"] | None = None,
        limit: Limit = 500,
    ) -> dict[str, Any]:
        return {
            "feedback": engine.feedback_list(statuses=_statuses(status), kind=kind, limit=limit)
        }

    @app.get(f"{API}/feedback/{{feedback_id}}")
    def feedback_item(feedback_id: str, _: Reader) -> dict[str, Any]:
        return engine.feedback_item(feedback_id)

    @app.get(f"{API}/feedback/{{feedback_id}}/phone")
    def feedback_phone(feedback_id: str, actor: Supervisor) -> dict[str, Any]:
        return engine.feedback_phone(actor, feedback_id)

    @app.post(f"{API}/feedback/{{feedback_id}}/read")
    def read_feedback(feedback_id: str, actor: Reader) -> dict[str, Any]:
        return engine.read_feedback(actor, feedback_id)

    @app.post(f"{API}/feedback/{{feedback_id}}/assign")
    def assign_feedback(feedback_id: str, body: AssignIn, actor: Reader) -> dict[str, Any]:
        return engine.assign_feedback(actor, feedback_id, body.assignee)

    @app.post(f"{API}/feedback/{{feedback_id}}/reply")
    def reply_feedback(feedback_id: str, body: ReplyIn, actor: Reader) -> dict[str, Any]:
        return engine.reply_feedback(actor, feedback_id, body.note)

    @app.post(f"{API}/feedback/{{feedback_id}}/close")
    def close_feedback(
        feedback_id: str, actor: Reader, body: CloseIn | None = None
    ) -> dict[str, Any]:
        return engine.close_feedback(actor, feedback_id, body.note if body else None)

    # -- alerts inbox (POST /alerts, the boxes' own, is in hub.api) -----------------------

    @app.get(f"{API}/alerts")
    def alerts(
        _: Reader,
        open: bool = False,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> dict[str, Any]:
        return {"alerts": engine.alerts(open_only=open, limit=limit)}

    @app.post(f"{API}/alerts/{{alert_id}}/ack")
    def ack_alert(alert_id: str, actor: Reader) -> dict[str, Any]:
        return engine.ack_alert(actor, alert_id)
