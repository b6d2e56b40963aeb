"""The phone page's routes: ``/m/{code}`` and what the page asks for.

- ``GET /m/{code}``: the page (server-rendered, so it reads right before any script runs);
- ``GET /m/{code}/state``: its view as JSON (the page's fallback when it cannot stream);
- ``GET /m/{code}/events``: a ticket's view whenever it changes (server-sent events,
  :mod:`hub.phone.stream`);
- ``POST /m/{code}/rating``: the one online rating of a finished service, ``{"level": 1-5,
  "reason": "…"}`` (GB/T 39046 channel 2);
- ``GET /web/phone/{asset}``: the page's script and style.

The code is the only credential: no token, no cookie. Any code that is not a live one (guessed,
malformed, a ticket of another day, a case past its days) gets the same 404 page. Answers are
never cached and never sent as a referrer (the code is in the address).

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from hub.engine import QueueEngine
from hub.errors import NotFound
from hub.phone.links import TICKET, Link, page_url
from hub.phone.stream import PhoneStreams
from hub.phone.views import case_view, rating_choices, ticket_views
from sync.phone_page import ASSET_PREFIX, GONE, HEADERS, asset, render_gone, render_page

CASE_REFRESH_SECONDS = 60
POLL_SECONDS = 8


class OnlineRatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: int = Field(ge=1, le=5)
    reason: str | None = Field(None, max_length=200)


def phone_url(engine: QueueEngine, kind: str, subject: str, request: Request) -> str | None:
    """The page address of ``kind`` ``subject`` for an API answer, or None when the hall has
    phone pages off. The base is ``phone.public_base_url`` when the hub sends its pages to
    central (``app.state.phone_uplink``, set by :mod:`hub.server` for an enrolled hub), else
    ``phone.base_url``, else the address the caller used."""
    settings = engine.config.phone
    if not settings.enabled:
        return None
    public = getattr(request.app.state, "phone_uplink", None) is not None
    base = (
        settings.public_base_url
        if public and settings.public_base_url
        else settings.base_url or str(request.base_url).rstrip("/")
    )
    return page_url(base, engine.phone_links.code(kind, subject))


def install_phone(app: FastAPI, engine: QueueEngine) -> PhoneStreams:
    """Add the phone page's routes to the hub's ``app``; returns its streams (for tests)."""
    streams = PhoneStreams(engine)

    def live(code: str) -> Link:
        today = engine.calendar.service_day(engine.clock.now()).isoformat()
        link = engine.phone_links.find(engine.store.reader(), code, today)
        if link is None or not engine.config.phone.enabled:
            raise NotFound("unknown_page", GONE)
        return link

    def view_of(link: Link) -> dict[str, Any]:
        found = (
            ticket_views(engine, [link.subject]).get(link.subject)
            if link.kind == TICKET
            else case_view(engine, link.subject)
        )
        if found is None:
            raise NotFound("unknown_page", GONE)
        return found

    def gone_page() -> HTMLResponse:
        return HTMLResponse(render_gone(), status_code=404, headers=HEADERS)

    @app.get("/m/{code}", response_class=HTMLResponse, include_in_schema=False)
    def page(code: str) -> HTMLResponse:
        try:
            link = live(code)
            view = view_of(link)
        except NotFound:
            return gone_page()
        body = render_page(
            engine.config.hall.name,
            code,
            view,
            rating_choices(engine),
            stream=link.kind == TICKET,
            poll_seconds=POLL_SECONDS if link.kind == TICKET else CASE_REFRESH_SECONDS,
        )
        return HTMLResponse(body, headers=HEADERS)

    @app.get("/m/{code}/state", include_in_schema=False)
    def state(code: str) -> JSONResponse:
        return JSONResponse(view_of(live(code)), headers=HEADERS)

    @app.get("/m/{code}/events", include_in_schema=False)
    async def events(code: str, request: Request) -> StreamingResponse:
        link = await streams.read(live, code)
        if link.kind != TICKET:
            raise NotFound("unknown_page", GONE)
        page = streams.open(link.subject)  # past the caps: 429/503 with Retry-After
        try:
            first = await streams.read(view_of, link)
        except BaseException:
            streams.close(page)
            raise
        body = streams.follow(page, first, request.is_disconnected)
        return StreamingResponse(
            body,
            media_type="text/event-stream",
            headers={**HEADERS, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.post("/m/{code}/rating", include_in_schema=False)
    def rate(code: str, body: OnlineRatingIn) -> JSONResponse:
        link = live(code)
        if link.kind != TICKET:
            raise NotFound("unknown_page", GONE)
        engine.rate_online(link.subject, body.level, body.reason)
        return JSONResponse(view_of(link), headers=HEADERS)

    @app.get(ASSET_PREFIX + "{name}", include_in_schema=False)
    def phone_asset(name: str) -> Response:
        found = asset(name)
        if found is None:
            raise NotFound("unknown_asset", "没有这个文件")
        return Response(found[0], media_type=found[1], headers={"Cache-Control": "max-age=300"})

    return streams
