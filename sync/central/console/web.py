"""What every console page is built with: who is asking, role checks, rendering a template
inside the layout (``templates/base.html``), and the login, logout and static routes.

No ``from __future__ import annotations``: FastAPI reads the dependencies' annotations.
"""

import hashlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync.central.console import texts
from sync.central.console.accounts import ConsoleAccount, ConsoleAccounts, SignInRefused, record
from sync.central.console.stored import StoredSessions
from sync.central.store import CentralStore, iso_now
from weblogin import login
from weblogin.guard import Console as GuardPlace
from weblogin.sessions import Session

HERE = Path(__file__).parent
PREFIX = "/console"
SESSION_COOKIE = "hallkit_central_session"
LOGIN_COOKIE = "hallkit_central_login"
IDLE_MINUTES = 30
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "application/javascript; charset=utf-8"}

Viewer = Session[ConsoleAccount]
"""The signed-in person a page is shown to: ``.account`` (username, role, region), ``.csrf``."""


SignInNeeded = login.SignInNeeded


class PageDenied(login.PageDenied[Viewer]):
    """The signed-in person's role may not see this page (403 page)."""

    def __init__(self, viewer: Viewer) -> None:
        super().__init__(viewer, viewer.account.role)


def guard_place(body_limit: Callable[[str], int]) -> GuardPlace:
    """Where the console lives, for :class:`weblogin.guard.CsrfGuard`."""
    return GuardPlace(
        prefix=PREFIX,
        session_cookie=SESSION_COOKIE,
        body_limit=body_limit,
        too_large=texts.TOO_LARGE,
        session_gone=texts.SESSION_GONE,
        csrf_refused=texts.CSRF_REFUSED,
    )


class ConsoleWeb:
    """The console's shared parts; one per app, at ``app.state.central_console``."""

    def __init__(self, central: CentralStore) -> None:
        self.central = central
        self.accounts = ConsoleAccounts(central)
        self.sessions = StoredSessions(
            central, self.accounts.get, self.accounts.clock, IDLE_MINUTES
        )
        self.files = {
            p.name: (p, STATIC_TYPES[p.suffix], hashlib.sha256(p.read_bytes()).hexdigest()[:12])
            for p in sorted((HERE / "static").iterdir())
            if p.suffix in STATIC_TYPES
        }
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.globals["static"] = self.static_url

    def static_url(self, name: str) -> str:
        return f"{PREFIX}/static/{name}?v={self.files[name][2]}"

    def viewer(self, request: Request) -> Viewer | None:
        cookie = request.cookies.get(SESSION_COOKIE)
        return self.sessions.lookup(cookie) if cookie else None

    def page(self, *roles: str) -> Callable[[Request], Awaitable[Viewer]]:
        """A FastAPI dependency: the viewer of a page only ``roles`` may see; raises
        SignInNeeded (303 to the login page) or PageDenied (403 page)."""

        async def check(request: Request) -> Viewer:
            viewer = login.signed_in(self.viewer(request), request)
            if viewer.account.role not in roles:
                raise PageDenied(viewer)
            return viewer

        return check

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
        """``template`` (extending ``base.html``) as a page, with the navigation ``viewer`` may
        see, who is signed in, the CSRF token and ``title``; ``context`` is passed on."""
        nav = [
            {"label": item.label, "path": item.path, "current": item.path == request.url.path}
            for item in texts.NAV
            if viewer is not None and viewer.account.role in item.roles
        ]
        values = {
            "console_name": texts.CONSOLE_NAME,
            "title": title,
            "me": viewer.account if viewer is not None else None,
            "csrf": viewer.csrf if viewer is not None else "",
            "nav": nav,
            **(context or {}),
        }
        body = self.templates.get_template(template).render(values)
        return HTMLResponse(body, status_code=status)

    def message_page(self, request: Request, status: int, title: str, message: str) -> Response:
        """A page with one message (403, 404, …), with the navigation for a live session."""
        viewer = self.viewer(request)
        context = {"message": message}
        return self.render(request, viewer, "message.html", context, title=title, status=status)


def install_web(app: FastAPI, web: ConsoleWeb) -> None:
    """The console's own routes: login, logout, static files, and its sign-in redirect and
    403 page."""

    async def sign_in_needed(_: Request, err: Exception) -> Response:
        assert isinstance(err, SignInNeeded)
        return login.to_login(PREFIX + "/login", err.next_path, PREFIX + "/")

    async def page_denied(request: Request, err: Exception) -> Response:
        assert isinstance(err, PageDenied)
        message = texts.DENIED.format(role=err.viewer.account.role_name)
        return web.render(
            request, err.viewer, "message.html", {"message": message}, title="无权访问", status=403
        )

    app.add_exception_handler(SignInNeeded, sign_in_needed)
    app.add_exception_handler(PageDenied, page_denied)

    def login_form(
        request: Request, token: str, *, user: str = "", message: str = "", status: int = 200
    ) -> HTMLResponse:
        next_path = login.local_next(request.query_params.get("next"), PREFIX)
        context = {"login_csrf": token, "user": user, "message": message, "next": next_path}
        page = web.render(
            request, None, "login.html", context, title=texts.LOGIN_TITLE, status=status
        )
        login.set_login_token(page, LOGIN_COOKIE, token, PREFIX + "/login")
        return page

    @app.get(PREFIX, include_in_schema=False)
    async def bare() -> Response:
        return RedirectResponse(PREFIX + "/", 307)

    @app.get(PREFIX + "/login", include_in_schema=False)
    async def login_page(request: Request) -> Response:
        if web.viewer(request) is not None:
            return RedirectResponse(login.local_next(request.query_params.get("next"), PREFIX), 303)
        return login_form(request, login.new_token())

    flow = login.LoginFlow(
        prefix=PREFIX,
        login_cookie=LOGIN_COOKIE,
        session_cookie=SESSION_COOKIE,
        cookie_path=PREFIX,
        sessions=web.sessions,
        check=web.accounts.sign_in,
        refused=(SignInRefused,),
        form_page=lambda request, token, user, message, status: login_form(
            request, token, user=user, message=message, status=status
        ),
        token_refused=lambda request: web.message_page(
            request, 403, "无法登录", texts.CSRF_REFUSED
        ),
        empty_message=texts.EMPTY_LOGIN,
        signed_in=lambda account: _note(web, account.username, "account.sign_in"),
    )
    app.post(PREFIX + "/login", include_in_schema=False)(flow.post)

    @app.post(PREFIX + "/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        # The guard let this through: a live session and its CSRF token.
        session = web.sessions.end(request.cookies.get(SESSION_COOKIE, ""))
        if session is not None:
            await run_in_threadpool(_note, web, session.account.username, "account.sign_out")
        answer = RedirectResponse(PREFIX + "/login", 303)
        answer.delete_cookie(SESSION_COOKIE, path=PREFIX)
        return answer

    @app.get(PREFIX + "/static/{name}", include_in_schema=False)
    async def static_file(name: str) -> Response:
        known = web.files.get(name)
        if known is None:
            raise StarletteHTTPException(404, f"no console file {name}")
        path, media, _ = known
        return FileResponse(path, media_type=media, headers={"Cache-Control": "no-cache"})


def _note(web: ConsoleWeb, username: str, action: str) -> None:
    with web.central.db.write() as tx:
        record(tx, iso_now(web.central.now()), username, action, f"account:{username}")


def install_not_found(app: FastAPI, web: ConsoleWeb) -> None:
    """The 404 page of every GET under the console that no page took; install it last."""

    @app.get(PREFIX + "/{rest:path}", include_in_schema=False)
    async def not_found(request: Request, rest: str) -> Response:
        return web.message_page(request, 404, "页面不存在", texts.NOT_FOUND)
