"""The console's inboxes: kiosk feedback (意见建议, 办不成事反映) — read, assign, answer, close —
and alerts (告警) — acknowledge.

Every action goes through the engine (:mod:`hub.notices`, :mod:`hub.alerts`): audited, and an
event to central. A refused action shows its sentence on the page it came from.

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.actors import READ_ROLES, Actor
from hub.engine import QueueEngine
from hub.errors import HubError, Invalid
from hub.manage.console import Console, Viewer
from hub.manage.format import stamp_text
from hub.notices import FEEDBACK_STATUS_NAMES

FEEDBACK_FILTERS = {"open": "待处理", **FEEDBACK_STATUS_NAMES, "all": "全部"}
OPEN_FEEDBACK = ["new", "read", "assigned"]
PHONE_ROLES = ("supervisor",)


def _back(form: dict[str, str], default: str) -> str:
    """Where to go after an action: a console path from the form, else ``default``."""
    target = form.get("back", "")
    return target if target.startswith("/manage/") and "//" not in target else default


def _feedback_action(
    engine: QueueEngine, actor: Actor, feedback_id: str, action: str, form: dict[str, str]
) -> dict[str, Any]:
    """Run one feedback action from a submitted form; raises HubError (Invalid for an
    unknown action)."""
    actions: dict[str, Callable[[], dict[str, Any]]] = {
        "read": lambda: engine.read_feedback(actor, feedback_id),
        "assign": lambda: engine.assign_feedback(actor, feedback_id, form.get("assignee", "")),
        "reply": lambda: engine.reply_feedback(actor, feedback_id, form.get("note", "")),
        "close": lambda: engine.close_feedback(actor, feedback_id, form.get("note") or None),
    }
    run = actions.get(action)
    if run is None:
        raise Invalid("unknown_action", f"没有“{action}”这一操作")
    return run()


def install_inbox_pages(app: FastAPI, console: Console, engine: QueueEngine) -> None:
    """Add ``/manage/feedback`` (+ one feedback and its actions) and ``/manage/alerts``."""
    Reader = Annotated[Viewer, Depends(console.page(*READ_ROLES))]

    @app.get("/manage/feedback", response_class=HTMLResponse, include_in_schema=False)
    def feedback_page(
        request: Request, me: Reader, show: Annotated[str | None, Query(max_length=10)] = None
    ) -> HTMLResponse:
        chosen = show if show in FEEDBACK_FILTERS else "open"
        statuses = OPEN_FEEDBACK if chosen == "open" else None if chosen == "all" else [chosen]
        rows = engine.feedback_list(statuses=statuses, limit=500)
        context = {
            "feedback": rows,
            "filters": FEEDBACK_FILTERS,
            "chosen": chosen,
            "stamp": stamp_text,
        }
        return console.render(request, me, "feedback.html", context, title="意见建议")

    def feedback_detail(
        request: Request,
        me: Viewer,
        feedback_id: str,
        *,
        error: str = "",
        phone: str | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        item = engine.feedback_item(feedback_id)
        context = {
            "fb": item,
            "error": error,
            "phone": phone,
            "may_reveal": me.actor.may(*PHONE_ROLES) and item["phone"] is not None,
            "stamp": stamp_text,
        }
        return console.render(
            request, me, "feedback_item.html", context, title="意见建议", status=status
        )

    @app.get("/manage/feedback/{feedback_id}", response_class=HTMLResponse, include_in_schema=False)
    def feedback_item_page(request: Request, me: Reader, feedback_id: str) -> HTMLResponse:
        return feedback_detail(request, me, feedback_id)

    @app.post("/manage/feedback/{feedback_id}/phone", include_in_schema=False)
    def feedback_phone(request: Request, me: Reader, feedback_id: str) -> Response:
        shown = engine.feedback_phone(me.actor, feedback_id)
        return feedback_detail(request, me, feedback_id, phone=shown["phone"])

    @app.post("/manage/feedback/{feedback_id}/{action}", include_in_schema=False)
    async def feedback_act(request: Request, me: Reader, feedback_id: str, action: str) -> Response:
        form = await console.form(request)
        try:
            await run_in_threadpool(_feedback_action, engine, me.actor, feedback_id, action, form)
        except HubError as err:
            message, status = err.message, err.status
        else:
            return RedirectResponse(_back(form, f"/manage/feedback/{feedback_id}"), 303)
        return await run_in_threadpool(
            lambda: feedback_detail(request, me, feedback_id, error=message, status=status)
        )

    @app.get("/manage/alerts", response_class=HTMLResponse, include_in_schema=False)
    def alerts_page(request: Request, me: Reader) -> HTMLResponse:
        rows = engine.alerts(open_only=False, limit=500)
        context = {"alerts": rows, "open": sum(1 for a in rows if a["open"]), "stamp": stamp_text}
        return console.render(request, me, "alerts.html", context, title="告警")

    @app.post("/manage/alerts/{alert_id}/ack", include_in_schema=False)
    async def alert_ack(request: Request, me: Reader, alert_id: str) -> Response:
        form = await console.form(request)
        await run_in_threadpool(engine.ack_alert, me.actor, alert_id)  # HubError: message page
        return RedirectResponse(_back(form, "/manage/alerts"), 303)
