"""The console's 差评整改 pages: the follow-ups of 差评 and kiosk 办不成事反映, and one follow-up
with its record and the form of the next step the signed-in person may take.

Each step goes through :meth:`hub.engine.QueueEngine.followup_step` (state rules, roles, audit
and the event to central); a refused step shows its sentence beside the form, with what was
typed kept. A citizen's phone is shown masked; a supervisor may reveal it for the call-back
(an audited read).

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.actors import READ_ROLES, Actor
from hub.engine import QueueEngine
from hub.errors import HubError
from hub.followup_model import FIELD_NAMES, KIND_NAMES, STATUS_NAMES, STEPS
from hub.manage.console import Console, Viewer
from hub.manage.format import stamp_text

REVISIT_METHODS = ("电话回访", "短信回访", "上门回访", "现场回访")
PHONE_ROLES = ("supervisor",)
FILTERS = {"": "全部", **STATUS_NAMES, "overdue": "逾期"}


def steps_for(followup: dict[str, Any], actor: Actor) -> list[dict[str, Any]]:
    """The steps the follow-up's state allows that ``actor`` may take, as form descriptions."""
    forms = []
    for step in STEPS.values():
        if step.source != followup["status"] or not actor.may(*step.roles):
            continue
        fields = [
            {
                "name": n,
                "label": FIELD_NAMES[n],
                "multiline": n in ("note", "reason", "measures", "answer"),
            }
            for n in step.texts
        ]
        forms.append({"name": step.name, "label": step.label, "fields": fields, "flag": step.flag})
    return forms


def form_fields(step_name: str, form: dict[str, str]) -> dict[str, Any]:
    """A step's fields from a submitted form: its texts as typed, the yes/no flag as a bool
    (missing when not chosen, so the step refuses it with its sentence)."""
    step = STEPS.get(step_name)
    if step is None:
        return {}
    fields: dict[str, Any] = {name: form.get(name, "") for name in step.texts}
    if step.flag is not None and form.get(step.flag) in ("yes", "no"):
        fields[step.flag] = form[step.flag] == "yes"
    return fields


def _list_filter(status: str | None, kind: str | None) -> dict[str, Any]:
    chosen = status if status in FILTERS else ""
    args: dict[str, Any] = {"kind": kind if kind in KIND_NAMES else None}
    if chosen == "overdue":
        args["overdue"] = True
    elif chosen:
        args["statuses"] = [chosen]
    return {"chosen": chosen, "args": args}


def install_followups_page(app: FastAPI, console: Console, engine: QueueEngine) -> None:
    """Add ``/manage/followups`` and ``/manage/followups/{id}`` (with its step forms)."""
    Reader = Annotated[Viewer, Depends(console.page(*READ_ROLES))]

    @app.get("/manage/followups", response_class=HTMLResponse, include_in_schema=False)
    async def followups_page(
        request: Request,
        me: Reader,
        status: Annotated[str | None, Query(max_length=20)] = None,
        overdue: Annotated[str | None, Query(max_length=2)] = None,
        kind: Annotated[str | None, Query(max_length=20)] = None,
    ) -> HTMLResponse:
        picked = _list_filter("overdue" if overdue == "1" else status, kind)
        rows = await run_in_threadpool(lambda: engine.followups(**picked["args"], limit=500))
        counts = await run_in_threadpool(_counts, engine)
        context = {
            "followups": rows,
            "filters": FILTERS,
            "chosen": picked["chosen"],
            "kind": picked["args"]["kind"] or "",
            "kinds": KIND_NAMES,
            "counts": counts,
            "stamp": stamp_text,
        }
        return console.render(request, me, "followups.html", context, title="差评整改")

    def detail(
        request: Request,
        me: Viewer,
        followup_id: str,
        *,
        error: str = "",
        typed: dict[str, str] | None = None,
        phone: str | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        followup = engine.followup(followup_id)
        context = {
            "f": followup,
            "forms": steps_for(followup, me.actor),
            "error": error,
            "typed": typed or {},
            "methods": REVISIT_METHODS,
            "field_names": FIELD_NAMES,
            "phone": phone,
            "may_reveal": me.actor.may(*PHONE_ROLES) and followup["phone"] is not None,
            "stamp": stamp_text,
        }
        title = f"差评整改 · {followup['ticket'] or followup['kind_name']}"
        return console.render(request, me, "followup.html", context, title=title, status=status)

    @app.get(
        "/manage/followups/{followup_id}", response_class=HTMLResponse, include_in_schema=False
    )
    def followup_page(request: Request, me: Reader, followup_id: str) -> HTMLResponse:
        return detail(request, me, followup_id)

    @app.post("/manage/followups/{followup_id}/phone", include_in_schema=False)
    def reveal_phone(request: Request, me: Reader, followup_id: str) -> Response:
        shown = engine.followup_phone(me.actor, followup_id)  # Forbidden for other roles
        return detail(request, me, followup_id, phone=shown["phone"])

    @app.post("/manage/followups/{followup_id}/{step}", include_in_schema=False)
    async def take_step(request: Request, me: Reader, followup_id: str, step: str) -> Response:
        form = await console.form(request)
        fields = form_fields(step, form)
        try:
            await run_in_threadpool(engine.followup_step, me.actor, followup_id, step, fields)
        except HubError as err:
            typed = {k: v for k, v in form.items() if k != "csrf"}
            message, status = err.message, err.status
        else:
            return RedirectResponse(f"/manage/followups/{followup_id}", 303)
        return await run_in_threadpool(
            lambda: detail(request, me, followup_id, error=message, typed=typed, status=status)
        )


def _counts(engine: QueueEngine) -> dict[str, int]:
    """How many follow-ups each list filter holds (for the tabs)."""
    counts = dict.fromkeys(FILTERS, 0)
    for status, count in engine.store.reader().execute(
        "SELECT status, COUNT(*) FROM followups GROUP BY status"
    ):
        counts[status] = int(count)
    counts[""] = sum(counts[s] for s in STATUS_NAMES)
    counts["overdue"] = len(engine.followups(overdue=True, limit=2000))
    return counts
