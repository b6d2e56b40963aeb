"""The citizen's phone page as HTML: one template, script and style for the hub, which serves it
to phones on the hall's Wi-Fi, and for central, which serves the same page from the views a hub
sends up when the hall has a public address (docs/phone.md).

Everything here is about rendering and serving; what a page shows (the view) is made by the hub
(:mod:`hub.phone.views`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

HERE = Path(__file__).parent
ASSETS = {"phone.js": "application/javascript", "phone.css": "text/css"}
ASSET_PREFIX = "/web/phone/"
PAGE_PREFIX = "/m/"
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}
"""Every answer of a page route: never cached, never sent on as a referrer (the code is in the
address), not indexed, and allowed to load nothing but its own server's files."""
GONE = "页面不存在或已过期"
GONE_TEXT = "排队查询页面仅限取号当天使用；请核对二维码，或到服务台咨询。"


def no_bool(value: Any) -> Any:
    """JSON's true/false are not numbers here (pydantic would read them as 1/0)."""
    if isinstance(value, bool):
        raise ValueError("a number is required, not true/false")
    return value


Count = Annotated[int, Field(ge=0, le=1_000_000), BeforeValidator(no_bool)]
Text = Annotated[str, Field(max_length=200)]


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RatingState(_View):
    """The online rating: ``done`` (level, text), ``keypad`` (opens in N s), ``open``, ``none``."""

    state: Literal["done", "keypad", "open", "none"]
    level: Annotated[int, Field(ge=1, le=5), BeforeValidator(no_bool)] | None = None
    text: Text | None = None
    opens_in: Count | None = None


class TicketView(_View):
    """What a ticket's page shows (made by :func:`hub.phone.views.ticket_views`)."""

    kind: Literal["ticket"]
    category_code: Annotated[str, Field(max_length=16)]
    number: Annotated[str, Field(max_length=16)]
    business: Text
    item: Text | None
    status: Literal["waiting", "called", "finished", "missed", "cancelled"]
    status_text: Text
    ahead: Count | None
    wait_minutes: Count | None
    window: Count | None
    window_name: Text | None
    rating: RatingState


class CaseView(_View):
    """What a case's page shows (made by :func:`hub.phone.views.case_views`)."""

    kind: Literal["case"]
    receipt: Annotated[str, Field(max_length=32)]
    item: Text
    department: Text
    status: Annotated[str, Field(max_length=16)]
    status_text: Text
    accepted_on: Annotated[str, Field(max_length=10)]
    promised_on: Annotated[str, Field(max_length=10)] | None
    missing: Annotated[list[Text], Field(max_length=100)]
    reason: Annotated[str, Field(max_length=500)] | None
    window: Count | None
    window_name: Text | None


PageView = Annotated[TicketView | CaseView, Field(discriminator="kind")]
"""A page's view, as the hub sends it to central."""

_templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_page(
    hall: str,
    code: str,
    view: dict[str, Any],
    choices: dict[str, Any],
    *,
    stream: bool,
    poll_seconds: int,
    updated: str | None = None,
) -> str:
    """The page of ``view`` (a ticket's or a case's). ``stream``: the page follows
    ``/m/CODE/events`` (else it asks ``/m/CODE/state`` every ``poll_seconds``); ``choices``:
    the rating levels and 差评 reasons (empty: no rating here); ``updated``: when the view was
    made, shown when the page is not live (central)."""
    settings = {
        "code": code,
        "kind": view["kind"],
        "view": view,
        "choices": choices,
        "poll_seconds": poll_seconds,
        "stream": stream,
    }
    return _templates.get_template("phone.html").render(
        hall=hall,
        view=view,
        choices=choices,
        updated=updated,
        settings=json.dumps(settings, ensure_ascii=False).replace("</", "<\\/"),
    )


def render_gone() -> str:
    """The one 404 page of every code that is not a live one."""
    return _templates.get_template("gone.html").render(title=GONE, text=GONE_TEXT)


def asset(name: str) -> tuple[bytes, str] | None:
    """The page's script or style (bytes, media type), or None for any other name."""
    media = ASSETS.get(name)
    return None if media is None else ((HERE / "static" / name).read_bytes(), media)
