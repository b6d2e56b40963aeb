"""What every console page is built with: the session of a request, role checks, forms and
rendering a template inside the layout (``templates/base.html``).

A page is a FastAPI route under ``/manage/`` that depends on :meth:`Console.page` and returns
:meth:`Console.render`::

    console: Console = app.state.console

    @app.get("/manage/reports", response_class=HTMLResponse)
    async def reports(request: Request, me: Viewer = Depends(console.page(*READ_ROLES))):
        return console.render(request, me, "reports.html", {"rows": ...}, title="统计报表")

Without a session :meth:`Console.page` sends the browser to the login page (303, coming back
afterwards); a role that may not see the page gets the 403 page. POSTs under ``/manage/`` are
checked for the session's CSRF token before any route runs (:mod:`hub.manage.guard`).

No ``from __future__ import annotations``: FastAPI reads the dependencies' annotations.
"""

import hashlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from hub.actor_auth import SESSION_COOKIE
from hub.manage import texts
from hub.sessions import ConsoleSession, Sessions
from weblogin import login

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

MAX_FORM_BYTES = login.MAX_FORM_BYTES

Viewer = ConsoleSession
"""The signed-in person a page is shown to: ``.actor`` (name, role, ``role_name``),
``.csrf`` (the token forms and ``fetch`` must send), ``.account``."""

STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".md": "text/plain; charset=utf-8",
    "": "text/plain; charset=utf-8",  # LICENSE and NOTICE files
}


SignInNeeded = login.SignInNeeded


class PageDenied(login.PageDenied[Viewer]):
    """The signed-in person's role may not see this page (403 page)."""

    def __init__(self, viewer: Viewer) -> None:
        super().__init__(viewer, viewer.actor.role)


def static_files() -> dict[str, tuple[Path, str, str]]:
    """Every file the console serves under ``/manage/static/``: the relative name (``a.css``,
    ``vendor/echarts.min.js``) → (path, media type, short content hash)."""
    files: dict[str, tuple[Path, str, str]] = {}
    for path in sorted(STATIC.rglob("*")):
        media = STATIC_TYPES.get(path.suffix) if path.is_file() else None
        if media is not None:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            files[path.relative_to(STATIC).as_posix()] = (path, media, digest)
    return files


def local_next(value: str | None) -> str:
    """``value`` when it is a console path to come back to after signing in, else ``/manage/``."""
    return login.local_next(value, "/manage")


class Console:
    """The console's shared parts; one per app, at ``app.state.console``."""

    def __init__(self, sessions: Sessions, hall_name: str) -> None:
        self.sessions = sessions
        self.hall_name = hall_name
        self.files = static_files()
        self.templates = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.globals["static"] = self.static_url

    # -- who is asking -----------------------------------------------------------------------

    def viewer(self, request: Request, *, touch: bool = True) -> Viewer | None:
        """The live session of ``request``'s cookie, or None; ``touch=False`` for a page's
        own background requests, which do not keep an idle session alive."""
        cookie = request.cookies.get(SESSION_COOKIE)
        return self.sessions.lookup(cookie, touch=touch) if cookie else None

    def page(self, *roles: str, touch: bool = True) -> Callable[[Request], Awaitable[Viewer]]:
        """A FastAPI dependency: the viewer of a page only ``roles`` may see. Raises
        SignInNeeded (no session: 303 to the login page) or PageDenied (403 page).
        ``touch=False``: see :meth:`viewer`."""

        async def check(request: Request) -> Viewer:
            viewer = login.signed_in(self.viewer(request, touch=touch), request)
            if not viewer.actor.may(*roles):
                raise PageDenied(viewer)
            return viewer

        return check

    @staticmethod
    async def form(request: Request) -> dict[str, str]:
        """The fields of an ``application/x-www-form-urlencoded`` body, emptied ones included
        (an emptied field means "none" or "clear"), the last value of a repeated field; an
        empty dict for another kind of body."""
        return await login.read_form(request)

    # -- drawing -----------------------------------------------------------------------------

    def static_url(self, name: str) -> str:
        """The URL of static file ``name`` (``console.css``, ``vendor/echarts.min.js``), with its
        content hash so that browsers may keep it; KeyError for a file that is not there."""
        return f"/manage/static/{name}?v={self.files[name][2]}"

    def render(
        self,
        request: Request,
        viewer: Viewer | None,
        template: str,
        context: dict[str, Any] | None = None,
        *,
        title: str,
        status: int = 200,
    ) -> HTMLResponse:
        """``template`` (which extends ``base.html``) as a page: the layout gets the hall's
        name, the navigation ``viewer`` may see, who is signed in, the CSRF token and
        ``title``; ``context`` is passed on."""
        nav = []
        if viewer is not None:
            path = request.url.path
            nav = [
                {"label": item.label, "path": item.path, "current": item.path == path}
                for item in texts.NAV
                if viewer.actor.may(*item.roles)
            ]
        values = {
            "hall_name": self.hall_name,
            "console_name": texts.CONSOLE_NAME,
            "title": title,
            "me": viewer,
            "csrf": viewer.csrf if viewer is not None else "",
            "nav": nav,
            **(context or {}),
        }
        body = self.templates.get_template(template).render(values)
        return HTMLResponse(body, status_code=status)

    def message_page(self, request: Request, status: int, title: str, message: str) -> HTMLResponse:
        """A page with one message (403, 404, …) in the layout, with the navigation when the
        browser has a live session."""
        viewer = self.viewer(request)
        context = {"message": message, "status": status}
        return self.render(request, viewer, "message.html", context, title=title, status=status)
