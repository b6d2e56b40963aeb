"""The console's own routes: login and logout, the audit log, static files, and the 403/404
pages of everything under ``/manage/`` (the home page is the live floor,
:mod:`hub.manage.floor_page`; the devices page is :mod:`hub.manage.devices_page`).

Login is a form posting ``user``, ``password`` and ``csrf``; its CSRF token is double-submit
(the same random value in the HttpOnly cookie ``hallkit_login_csrf`` and in the form), as
there is no session yet to tie it to. A right password starts a session (cookie
``hallkit_session``: HttpOnly, SameSite=Strict, Path=/) and goes to ``/manage/`` or the page
that asked for the sign-in.

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

import inspect
import json
import logging
from collections.abc import Awaitable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub import audit
from hub.accounts import AccountBook
from hub.actor_auth import SESSION_COOKIE
from hub.actors import ROLE_NAMES
from hub.auth import DeviceRegistry
from hub.errors import HubError, Locked, Unauthorized
from hub.manage import texts
from hub.manage.console import Console, PageDenied, SignInNeeded, Viewer, local_next
from hub.manage.devices_page import install_devices_page
from hub.manage.guard import ConsoleGuard
from hub.sessions import Sessions
from sync.store import Store
from weblogin import login

log = logging.getLogger(__name__)

LOGIN_COOKIE = "hallkit_login_csrf"
AUDIT_PAGE = 50
VENDOR_CACHE = "public, max-age=31536000, immutable"


def _is_console(request: Request) -> bool:
    path = request.url.path
    return path == "/manage" or (
        path.startswith("/manage/") and not path.startswith("/manage/static/")
    )


def install_console(
    app: FastAPI,
    store: Store,
    registry: DeviceRegistry,
    accounts: AccountBook,
    sessions: Sessions,
    hall_name: str,
) -> Console:
    """Serve the console under ``/manage/`` from ``app``; the :class:`Console` is also kept at
    ``app.state.console`` for the pages built on it."""
    console = Console(sessions, hall_name)
    app.state.console = console
    app.add_middleware(ConsoleGuard, sessions=sessions, denied=console.message_page)
    _install_errors(app, console)
    _install_login(app, console, accounts)
    _install_pages(app, console, store, registry)
    _install_static(app, console)
    return console


def _install_errors(app: FastAPI, console: Console) -> None:
    previous_http = app.exception_handlers.get(StarletteHTTPException)
    previous_hub = app.exception_handlers.get(HubError)

    async def sign_in_needed(_: Request, err: Exception) -> Response:
        assert isinstance(err, SignInNeeded)
        return login.to_login("/manage/login", err.next_path, "/manage/")

    async def page_denied(request: Request, err: Exception) -> Response:
        assert isinstance(err, PageDenied)
        message = texts.DENIED.format(role=err.viewer.actor.role_name)
        return console.render(
            request, err.viewer, "message.html", {"message": message}, title="无权访问", status=403
        )

    async def http_error(request: Request, err: Exception) -> Response:
        assert isinstance(err, StarletteHTTPException)
        if _is_console(request) and err.status_code == 404:
            return console.message_page(request, 404, "页面不存在", texts.NOT_FOUND)
        if previous_http is None:  # pragma: no cover - create_app always installs one
            raise err
        return await _answer(previous_http(request, err))

    async def hub_error(request: Request, err: Exception) -> Response:
        assert isinstance(err, HubError)
        if _is_console(request):
            return console.message_page(request, err.status, "无法完成操作", err.message)
        if previous_hub is None:  # pragma: no cover - create_app always installs one
            raise err
        return await _answer(previous_hub(request, err))

    app.add_exception_handler(SignInNeeded, sign_in_needed)
    app.add_exception_handler(PageDenied, page_denied)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(HubError, hub_error)


async def _answer(result: Response | Awaitable[Response]) -> Response:
    return await result if inspect.isawaitable(result) else result


def _install_login(app: FastAPI, console: Console, accounts: AccountBook) -> None:
    def login_form(
        request: Request, token: str, *, user: str = "", message: str = "", status: int = 200
    ) -> HTMLResponse:
        next_path = local_next(request.query_params.get("next"))
        context = {"login_csrf": token, "user": user, "message": message, "next": next_path}
        page = console.render(
            request, None, "login.html", context, title=texts.LOGIN_TITLE, status=status
        )
        login.set_login_token(page, LOGIN_COOKIE, token, "/manage/login")
        return page

    @app.get("/manage/login", response_class=HTMLResponse, include_in_schema=False)
    async def login_page(request: Request) -> Response:
        if console.viewer(request) is not None:
            return RedirectResponse(local_next(request.query_params.get("next")), 303)
        return login_form(request, login.new_token())

    flow = login.LoginFlow(
        prefix="/manage",
        login_cookie=LOGIN_COOKIE,
        session_cookie=SESSION_COOKIE,
        cookie_path="/",
        sessions=console.sessions,
        check=accounts.sign_in,
        refused=(Unauthorized, Locked),
        form_page=lambda request, token, user, message, status: login_form(
            request, token, user=user, message=message, status=status
        ),
        token_refused=lambda request: console.message_page(
            request, 403, "无法登录", texts.CSRF_REFUSED
        ),
        empty_message=texts.EMPTY_LOGIN,
    )
    app.post("/manage/login", include_in_schema=False)(flow.post)

    @app.post("/manage/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        # The guard let this through: a live session and its CSRF token.
        session = console.sessions.end(request.cookies.get(SESSION_COOKIE, ""))
        if session is not None:
            await run_in_threadpool(
                accounts.record,
                session.actor,
                "account.sign_out",
                f"account:{session.account.username}",
            )
        answer = RedirectResponse("/manage/login", 303)
        answer.delete_cookie(SESSION_COOKIE, path="/")
        return answer


def _install_pages(app: FastAPI, console: Console, store: Store, registry: DeviceRegistry) -> None:
    @app.get("/manage/audit", response_class=HTMLResponse, include_in_schema=False)
    def audit_page(
        request: Request,
        me: Annotated[Viewer, Depends(console.page(*texts.AUDIT_ROLES))],
        before: Annotated[int | None, Query(ge=1)] = None,
        target: Annotated[str | None, Query(max_length=200)] = None,
    ) -> HTMLResponse:
        rows = audit.entries(
            store.reader(), target=target or None, limit=AUDIT_PAGE + 1, before_id=before
        )
        more = len(rows) > AUDIT_PAGE
        shown = [_audit_row(e.to_dict()) for e in rows[:AUDIT_PAGE]]
        context = {
            "entries": shown,
            "target": target or "",
            "older": shown[-1]["id"] if more else None,
            "first_page": before is None,
        }
        return console.render(request, me, "audit.html", context, title="审计日志")

    install_devices_page(app, console, registry)  # /manage/devices: list, add, revoke


def _audit_row(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        **entry,
        "at_text": str(entry["at"])[:19].replace("T", " "),
        "action_name": texts.ACTION_NAMES.get(entry["action"], entry["action"]),
        "role_name": ROLE_NAMES.get(entry["actor_role"], entry["actor_role"]),
        "before_text": _change_text(entry["before"]),
        "after_text": _change_text(entry["after"]),
    }


def _change_text(value: Any) -> str:
    """A before/after value for people: one ``key: value`` line per field of an object."""
    if value is None:
        return ""
    if not isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    lines = []
    for key, item in sorted(value.items()):
        shown = (
            "—"
            if item is None
            else item
            if isinstance(item, str)
            else json.dumps(item, ensure_ascii=False)
        )
        lines.append(f"{key}: {shown}")
    return "\n".join(lines)


def _install_static(app: FastAPI, console: Console) -> None:
    @app.get("/manage/static/{name:path}", include_in_schema=False)
    async def static_file(name: str, v: str | None = None) -> Response:
        known = console.files.get(name)
        if known is None:
            raise StarletteHTTPException(404, f"no console file {name}")
        path, media, digest = known
        fresh = name.startswith("vendor/") or v == digest
        return FileResponse(
            path, media_type=media, headers={"Cache-Control": VENDOR_CACHE if fresh else "no-cache"}
        )
