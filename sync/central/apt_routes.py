"""``/apt/``: central's package repository (``sync.central.apt_repo``), read-only, for enrolled hubs.

An ASGI wrapper in front of central's app: requests under ``/apt/`` are answered here, the rest
go on. apt authenticates with HTTP Basic (``/etc/apt/auth.conf.d/hallkit.conf`` on the box,
written by ``hall update enroll``): the user is a hub's key id, the password the apt password
derived from that key's secret (``sync.apt_login``); a revoked or unknown key, a wrong password
or no login is answered 401. Only files inside the repository's public folder are served (no
listing, no ``..``, no link leading out of it), to GET or HEAD, whole (Range is ignored).
Errors are central's JSON.

``/apt/release`` is no file: it answers the login's hall the release central names for it
(``{"hall", "release", "scope"}``, :mod:`sync.central.fleet`; ``release`` null when none is
named), what the hall's hub box installs (docs/fleet-updates.md).
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import logging
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sync.apt_login import password_matches
from sync.central.apt_repo import AptRepo, repo_of
from sync.central.fleet import hall_release
from sync.central.store import CentralStore, iso_now
from sync.errors import StoreUnavailable

log = logging.getLogger(__name__)

APT_PATH = "/apt"
RELEASE_PATH = APT_PATH + "/release"
REALM = "hallkit packages"
_TEXT = "text/plain; charset=utf-8"
_TYPES = {
    ".deb": "application/vnd.debian.binary-package",
    ".gz": "application/gzip",
    ".xz": "application/x-xz",
    ".bz2": "application/x-bzip2",
    ".asc": "application/pgp-keys",
}
_NAMES = {
    "Release.gpg": "application/pgp-signature",
    "hallkit.gpg": "application/pgp-keys",
    "InRelease": _TEXT,
    "Release": _TEXT,
    "Packages": _TEXT,
}


def content_type(name: str) -> str:
    """The Content-Type of a repository file by its name."""
    if name in _NAMES:
        return _NAMES[name]
    return _TYPES.get(Path(name).suffix, "application/octet-stream")


def basic_login(headers: list[tuple[bytes, bytes]]) -> tuple[str, str] | None:
    """(user, password) of an ``Authorization: Basic`` header, or None."""
    for name, value in headers:
        if name.lower() != b"authorization":
            continue
        scheme, _, token = value.decode("latin-1").strip().partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            text = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, sep, password = text.partition(":")
        return (user, password) if sep else None
    return None


def served_file(public: Path, path: str) -> Path | None:
    """The file ``path`` (after ``/apt/``) names inside ``public``, or None if it names none.

    Every segment must be a plain name (no empty, ``.`` or ``..`` segment, no backslash or
    NUL) and the real path, links followed, must be a regular file inside ``public``.
    """
    parts = path.split("/")
    if not path or any(p in ("", ".", "..") or "\\" in p or "\x00" in p for p in parts):
        return None
    root = public.resolve()
    try:
        found = root.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not found.is_relative_to(root) or not found.is_file():
        return None
    return found


class AptRepoRoutes:
    """Serves ``/apt/…`` from ``public`` to holders of a hub's apt login; passes on the rest."""

    def __init__(self, app: ASGIApp, store: CentralStore, repo: AptRepo) -> None:
        self.app = app
        self.store = store
        self.repo = repo
        self.public = repo.public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        # Looked at per request: a repository made while central runs is served at once.
        mine = path == APT_PATH or path.startswith(APT_PATH + "/")
        if not mine or not self.repo.exists():
            await self.app(scope, receive, send)
            return
        # Whole files only: a resumed download (Range, If-Range by date) of a file rewritten
        # within the same second would splice two versions together.
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in (b"range", b"if-range")]
        scope = {**scope, "headers": headers}
        answer = await self._answer(scope)
        answer.headers["Date"] = email.utils.formatdate(self.store.now(), usegmt=True)
        await answer(scope, receive, send)

    def _error(self, status: int, code: str, message: str, **headers: str) -> Response:
        body = {"error": code, "message": message, "server_time": iso_now(self.store.now())}
        return JSONResponse(body, status_code=status, headers=headers or None)

    async def _answer(self, scope: Scope) -> Response:
        if scope["method"] not in ("GET", "HEAD"):
            return self._error(
                405, "method_not_allowed", "the package repository is read-only", Allow="GET, HEAD"
            )
        try:
            hall = await self._allowed(basic_login(scope["headers"]))
            if hall is not None and scope["path"] == RELEASE_PATH:
                version, where = await run_in_threadpool(hall_release, self.store, hall)
                body = {"hall": hall, "release": version, "scope": where}
                return JSONResponse(body, headers={"Cache-Control": "no-store"})
        except StoreUnavailable:
            return self._error(503, "unavailable", "central's database is busy; try again later")
        if hall is None:
            return self._error(
                401,
                "bad_login",
                "the package repository needs an enrolled hub's apt login (hall update enroll)",
                **{"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'},
            )
        found = served_file(self.public, scope["path"].removeprefix(APT_PATH + "/"))
        if found is None:
            return self._error(404, "not_found", "no such file in the package repository")
        return FileResponse(found, media_type=content_type(found.name))

    async def _allowed(self, login: tuple[str, str] | None) -> str | None:
        """The hall whose hub's apt login this is, or None."""
        if login is None:
            return None
        user, password = login
        key = await run_in_threadpool(self.store.key, user[:64])
        if key is None or key.revoked or not password_matches(key.secret, password):
            return None
        return key.hall


def with_apt_repo(app: Any, store: CentralStore, data_dir: str | Path) -> Any:
    """``app`` with ``/apt/`` in front, served whenever central's data folder holds a
    repository (``hall central repo init``); until then ``/apt/`` is central's plain 404."""
    return AptRepoRoutes(app, store, repo_of(data_dir))
