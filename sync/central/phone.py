"""Halls' phone pages served by central, for citizens who are not on the hall's Wi-Fi.

A hub whose hall has a public address sends central the views of its live phone pages every few
seconds, only those that changed (``PUT /api/central/v1/halls/{hall}/phone-views``, signed as
every hub request); :func:`store_views` keeps the newest of each by the SHA-256 of its code.
``GET /m/{code}`` at central then renders the very page the hub renders (:mod:`sync.phone_page`),
not live: it asks again every 15 s and says when the hall last sent it (a hall whose WAN is down
shows its last known state, with its time). Online rating is the hub's alone: central's page
leaves it out. An unknown or expired code gets the same 404 page as at the hub.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from sync.central.errors import CentralError, parse_json
from sync.central.store import CentralStore
from sync.phone_page import (
    ASSET_PREFIX,
    HEADERS,
    PAGE_PREFIX,
    PageView,
    asset,
    no_bool,
    render_gone,
    render_page,
)

MAX_VIEWS = 500
"""Views in one request (a hub sends at most 200)."""
POLL_SECONDS = 15
CODE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz234567")


class PhoneViewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code_hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    view: PageView
    made_at: Annotated[AwareDatetime, Field(strict=True)]
    expires_at: Annotated[int, Field(ge=0, le=2**53), BeforeValidator(no_bool)]


class PhoneViewsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    views: list[PhoneViewIn] = Field(max_length=MAX_VIEWS)


class PhoneViewsAnswer(BaseModel):
    stored: int = Field(description="Views kept (expired ones are dropped).")


def code_hash(code: str) -> str:
    """What central keeps of a page's code."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def parse_views(raw: bytes) -> PhoneViewsIn:
    """The request body; raises CentralError 400 naming the first problem."""
    return parse_json(PhoneViewsIn, raw, "bad_phone_views")


def store_views(central: CentralStore, hall: str, body: PhoneViewsIn) -> int:
    """Keep the newest view of each page of ``hall`` and forget the hall's expired ones;
    returns how many were stored."""
    now = int(central.now())
    rows = [
        (
            v.code_hash,
            hall,
            v.view.kind,
            v.view.model_dump_json(),
            v.made_at.isoformat(),
            v.expires_at,
        )
        for v in body.views
        if v.expires_at > now
    ]
    with central.db.write() as tx:
        tx.execute("DELETE FROM phone_views WHERE hall = ? AND expires_at <= ?", (hall, now))
        tx.executemany(
            "INSERT INTO phone_views (code_hash, hall, kind, view, made_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (code_hash) DO UPDATE SET"
            " view = excluded.view, made_at = excluded.made_at, expires_at = excluded.expires_at"
            " WHERE phone_views.hall = excluded.hall AND phone_views.made_at <= excluded.made_at",
            rows,
        )
    return len(rows)


def find_view(central: CentralStore, code: str) -> tuple[str, dict[str, Any], str] | None:
    """(hall name, view, when the hall made it: "HH:MM" hall time) of a live ``code``, or None."""
    if len(code) != 26 or not set(code) <= CODE_CHARS:
        return None
    with central.db.read() as tx:
        row = tx.execute(
            "SELECT h.name, p.view, p.made_at FROM phone_views p JOIN halls h ON h.id = p.hall"
            " WHERE p.code_hash = ? AND p.expires_at > ?",
            (code_hash(code), int(central.now())),
        ).fetchone()
    if row is None:
        return None
    view = json.loads(row[1])
    view["rating"] = {"state": "none"}  # rating is the hub's: the hall's Wi-Fi or the keypad
    made = datetime.fromisoformat(row[2])
    return str(row[0]), view, made.strftime("%m-%d %H:%M")


def install_phone_pages(app: FastAPI, central: CentralStore) -> None:
    """``GET /m/{code}``, ``/m/{code}/state`` and the page's assets at central."""

    def gone() -> HTMLResponse:
        return HTMLResponse(render_gone(), status_code=404, headers=HEADERS)

    @app.get(PAGE_PREFIX + "{code}", response_class=HTMLResponse, include_in_schema=False)
    async def phone_page(code: str) -> HTMLResponse:
        found = await run_in_threadpool(find_view, central, code)
        if found is None:
            return gone()
        hall, view, updated = found
        body = render_page(
            hall, code, view, {}, stream=False, poll_seconds=POLL_SECONDS, updated=updated
        )
        return HTMLResponse(body, headers=HEADERS)

    @app.get(PAGE_PREFIX + "{code}/state", include_in_schema=False)
    async def phone_state(code: str) -> Response:
        found = await run_in_threadpool(find_view, central, code)
        if found is None:
            return JSONResponse(
                {"error": "unknown_page", "message": "页面不存在或已过期"},
                status_code=404,
                headers=HEADERS,
            )
        return JSONResponse({**found[1], "updated": found[2]}, headers=HEADERS)

    @app.get(ASSET_PREFIX + "{name}", include_in_schema=False)
    async def phone_asset(name: str) -> Response:
        found = asset(name)
        if found is None:
            raise CentralError(404, "not_found", "no such file")
        return Response(found[0], media_type=found[1], headers={"Cache-Control": "max-age=300"})
