"""The pieces of a console's login and its forms: the login form's double-submit token, the
session cookie, where to go after signing in, and reading a form.

The login form posts ``user``, ``password`` and ``csrf``; as there is no session yet to tie its
CSRF token to, the same random value goes in an HttpOnly cookie (path: the login page) and in
the form (:func:`login_token`, :func:`login_token_ok`). A right password starts a session whose
id goes in an HttpOnly, SameSite=Strict cookie (:func:`set_session_cookie`).

No ``from __future__ import annotations``: kept like the routes that use it.
"""

import secrets
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

MAX_FORM_BYTES = 256 * 1024


def new_token() -> str:
    """A fresh random token (login form, session id, CSRF)."""
    return secrets.token_urlsafe(32)


def set_login_token(response: Response, cookie: str, token: str, login_path: str) -> None:
    """Send the login form's token in its HttpOnly cookie (only for ``login_path``)."""
    response.set_cookie(cookie, token, httponly=True, samesite="strict", path=login_path)


def login_token_ok(request: Request, cookie: str, sent: str) -> bool:
    """Whether the login form's ``sent`` token is the one in its cookie (constant time)."""
    kept = request.cookies.get(cookie, "")
    return bool(kept) and secrets.compare_digest(kept.encode(), sent.encode())


def set_session_cookie(response: Response, cookie: str, value: str, path: str = "/") -> None:
    """Send a session id: HttpOnly, SameSite=Strict, never readable by the page's scripts."""
    response.set_cookie(cookie, value, httponly=True, samesite="strict", path=path)


def local_next(value: str | None, prefix: str) -> str:
    """``value`` when it is a page of the console under ``prefix`` (``/manage``) to come back to
    after signing in, else the console's home (``prefix/``)."""
    home = prefix + "/"
    if (
        value
        and value.startswith(home)
        and "\\" not in value
        and not value.startswith((home + "login", home + "logout", home + "static/"))
        and urllib.parse.urlsplit(value).netloc == ""
    ):
        return value
    return home


async def read_form(request: Request) -> dict[str, str]:
    """The fields of an ``application/x-www-form-urlencoded`` body, emptied ones included
    (an emptied field means "none" or "clear"), the last value of a repeated field; an
    empty dict for another kind of body."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return {}
    body = await request.body()
    text = body[:MAX_FORM_BYTES].decode("utf-8", "replace")
    return dict(urllib.parse.parse_qsl(text, keep_blank_values=True))


class SignInNeeded(Exception):
    """No live session: the browser goes to the login page, then back to ``next_path``."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


V = TypeVar("V")
A_contra = TypeVar("A_contra", contravariant=True)


class PageDenied(Exception, Generic[V]):
    """The signed-in ``viewer`` (whose ``role`` it is) may not see this page (403 page)."""

    def __init__(self, viewer: V, role: str) -> None:
        super().__init__(role)
        self.viewer = viewer


def signed_in(viewer: V | None, request: Request) -> V:
    """``viewer`` when there is one; else SignInNeeded, coming back to ``request``'s page."""
    if viewer is None:
        query = f"?{request.url.query}" if request.url.query else ""
        raise SignInNeeded(request.url.path + query)
    return viewer


def to_login(login_path: str, next_path: str, home: str) -> RedirectResponse:
    """The 303 to ``login_path`` that comes back to ``next_path`` afterwards (plainly to
    ``home`` without a ``next``)."""
    query = "" if next_path == home else f"?next={urllib.parse.quote(next_path, safe='/')}"
    return RedirectResponse(login_path + query, 303)


class HasId(Protocol):
    @property
    def id(self) -> str: ...


class StartsSessions(Protocol[A_contra]):
    """What the login needs of the sessions (:class:`weblogin.sessions.Sessions`)."""

    def start(self, account: A_contra) -> HasId: ...

    def end(self, token: str) -> object: ...


class Refused(Protocol):
    """A sign-in that did not pass: its HTTP status (401, 423) and sentence for the form."""

    status: int
    message: str


FormPage = Callable[[Request, str, str, str, int], Response]
"""Draws the login form: ``(request, login token, user, message, status)``."""


@dataclass(frozen=True)
class LoginFlow(Generic[A_contra]):
    """A console's login form POST, the same for every console.

    ``check(user, password)`` (blocking: run in a thread) gives the account or raises one of
    ``refused``; ``form_page`` draws the form again with a message; ``token_refused(request)``
    is the page of a form without its own token; ``signed_in(account)`` (blocking, optional)
    notes a sign-in. A right password ends the browser's old session, starts a new one and
    goes to the ``next`` page.
    """

    prefix: str
    login_cookie: str
    session_cookie: str
    cookie_path: str
    sessions: StartsSessions[A_contra]
    check: Callable[[str, str], Any]
    refused: tuple[type[Exception], ...]
    form_page: FormPage
    token_refused: Callable[[Request], Response]
    empty_message: str
    signed_in: Callable[[Any], None] | None = None

    async def post(self, request: Request) -> Response:
        form = await read_form(request)
        if not login_token_ok(request, self.login_cookie, form.get("csrf", "")):
            return self.token_refused(request)
        token = request.cookies[self.login_cookie]
        user, password = form.get("user", "").strip(), form.get("password", "")
        if not user or not password:
            return self.form_page(request, token, user, self.empty_message, 422)
        try:
            account = await run_in_threadpool(self.check, user, password)
        except self.refused as err:
            refused: Refused = err  # type: ignore[assignment]
            return self.form_page(request, token, user, refused.message, refused.status)
        old = request.cookies.get(self.session_cookie)
        if old:
            self.sessions.end(old)
        session = self.sessions.start(account)
        if self.signed_in is not None:
            await run_in_threadpool(self.signed_in, account)
        answer = RedirectResponse(local_next(form.get("next"), self.prefix), 303)
        set_session_cookie(answer, self.session_cookie, session.id, self.cookie_path)
        answer.delete_cookie(self.login_cookie, path=self.prefix + "/login")
        return answer
