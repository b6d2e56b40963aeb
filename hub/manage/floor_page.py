"""The console's home page, the live floor (实时大厅), and the event stream that keeps it live.

``GET /manage/`` draws the floor (:mod:`hub.floor`), today's figures, the open alerts and the
feedback waiting for an answer. The page's script follows ``GET /manage/events`` (the hub's
event stream for a console session: the same server-sent events the boards get) and, after an
event, fetches ``GET /manage/floor`` (the same content without the layout) to redraw itself:
nothing is polled. Neither background request counts as the person's activity, so an idle
session still ends.

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

import hashlib
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from hub import events as sse
from hub.actors import READ_ROLES
from hub.engine import QueueEngine
from hub.floor import read_floor
from hub.manage import texts
from hub.manage.console import Console, Viewer
from hub.manage.format import clock_text, day_text, duration_text, percent_text
from hub.replay import Replayer
from sync.figures import report

LIVE_TYPES = frozenset(
    {
        "ticket.issued",
        "ticket.called",
        "ticket.recalled",
        "ticket.skipped",
        "ticket.requeued",
        "ticket.transferred",
        "ticket.finished",
        "rating.recorded",
        "window.status",
        "window.clerk",
        "staff.alert",
        "alert.raised",
        "alert.acked",
        "feedback.received",
        "feedback.updated",
        "followup.opened",
        "followup.step",
        "day.closed",
    }
)
"""The events after which the floor is drawn again."""

FEEDBACK_SHOWN = 5


def floor_context(engine: QueueEngine) -> dict[str, Any]:
    """Everything the floor template shows, read now (blocking: call off the event loop)."""
    floor = read_floor(engine)
    today = date.fromisoformat(floor.service_day)
    figures = report(
        engine.store.reader(), today, today, "day", config=engine.config, now=engine.clock.now()
    )["total"]
    alerts = engine.alerts(open_only=True, limit=50)
    waiting_feedback = engine.feedback_list(statuses=["new", "read", "assigned"], limit=200)
    return {
        "floor": floor,
        "day_text": day_text(today),
        "clock_text": clock_text(floor.at),
        "now_ms": int(floor.at.timestamp() * 1000),
        "utc_offset_min": int((floor.at.utcoffset() or timedelta()).total_seconds() // 60),
        "figures": figures,
        "satisfaction": percent_text(figures.get("satisfaction_rate")),
        "alerts": alerts,
        "feedback": waiting_feedback[:FEEDBACK_SHOWN],
        "feedback_count": len(waiting_feedback),
        "duration": duration_text,
        "since_ms": _since_ms(floor.at),
        "wait_alert_s": engine.config.manage.wait_alert_minutes * 60,
        "pause_alert_s": engine.config.manage.pause_alert_minutes * 60,
    }


def _since_ms(now: datetime) -> Any:
    def since(seconds: int | None) -> int | None:
        return None if seconds is None else int(now.timestamp() * 1000) - seconds * 1000

    return since


def install_floor(
    app: FastAPI, console: Console, engine: QueueEngine, broker: sse.EventBroker
) -> None:
    """Add ``/manage/`` (the floor), ``/manage/floor`` and ``/manage/events`` to ``app`` (built
    by :func:`hub.api.create_app`, whose replayer the live floor's stream uses)."""
    replayer: Replayer = app.state.replayer
    Background = Annotated[Viewer, Depends(console.page(*READ_ROLES, touch=False))]

    @app.get("/manage/", response_class=HTMLResponse, include_in_schema=False)
    async def home(request: Request) -> Response:
        viewer = console.viewer(request)
        if viewer is None:
            return RedirectResponse("/manage/login", 303)
        if not viewer.actor.may(*texts.HOME_ROLES):
            return RedirectResponse("/manage/devices", 303)  # a technician's console
        context = await run_in_threadpool(floor_context, engine)
        context["live_types"] = ",".join(sorted(LIVE_TYPES))
        return console.render(request, viewer, "floor.html", context, title="实时大厅")

    @app.get("/manage/floor", response_class=HTMLResponse, include_in_schema=False)
    async def floor_fragment(viewer: Background) -> HTMLResponse:
        context = await run_in_threadpool(floor_context, engine)
        context["csrf"] = viewer.csrf  # the alerts' acknowledge forms
        body = console.templates.get_template("_floor.html").render(context)
        return HTMLResponse(body)

    @app.get("/manage/events", response_class=StreamingResponse, include_in_schema=False)
    async def console_events(
        request: Request,
        viewer: Background,
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> StreamingResponse:
        start = sse.resume_point(last_event_id, None)
        cookie = request.cookies.get("hallkit_session", "")

        async def current() -> int:
            return await run_in_threadpool(engine.last_seq)

        async def gone() -> bool:
            # The stream ends with the session (signed out, idle, disabled) or the browser.
            alive = console.sessions.lookup(cookie, touch=False) is not None
            return not alive or await request.is_disconnected()

        owner = f"session:{hashlib.sha256(cookie.encode()).hexdigest()[:16]}"  # its own share
        return sse.stream_response(broker, owner, replayer.after, current, start, LIVE_TYPES, gone)
