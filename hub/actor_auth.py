"""Authentication of the management API (reports, follow-ups, alerts, feedback, accounts):
the admin token (``Authorization: Bearer``), or a console session cookie of a person.

A request on a session that changes anything (any method but GET/HEAD/OPTIONS) must carry the
session's CSRF token in the ``X-CSRF-Token`` header; without it the answer is 403. The console's
own HTML forms carry it as a form field, checked by the console (:mod:`hub.manage`).

No ``from __future__ import annotations``: FastAPI reads the closures' annotations at runtime.
"""

import secrets
from collections.abc import Awaitable, Callable

from fastapi import Request

from hub.actors import Actor, SessionLookup
from hub.auth import DeviceRegistry
from hub.errors import Forbidden, Unauthorized

SESSION_COOKIE = "hallkit_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Resolver = Callable[[Request], Awaitable[Actor]]


def bearer(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    header = request.headers.get("authorization") or ""
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def actor_resolver(registry: DeviceRegistry, sessions: SessionLookup | None) -> Resolver:
    """A FastAPI dependency answering the :class:`Actor` of a request, or raising
    Unauthorized (401: no credentials, an unknown token, an expired session) or Forbidden
    (403: a device token that is not the admin token, a missing or wrong CSRF token)."""

    async def resolve(request: Request) -> Actor:
        token = bearer(request)
        if token is not None:
            device = registry.authenticate(token)
            if device.role != "admin":
                raise Forbidden(
                    "wrong_role", f"a {device.role} token may not use the management API"
                )
            return Actor(device.name, "admin", "token")
        cookie = request.cookies.get(SESSION_COOKIE)
        session = sessions.lookup(cookie) if cookie and sessions is not None else None
        if session is None:
            raise Unauthorized(
                "not_signed_in", "请先登录管理后台（/manage/），或使用管理令牌（Bearer）"
            )
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER) or ""
            if not secrets.compare_digest(sent.encode(), session.csrf.encode()):
                raise Forbidden("csrf", "请求缺少有效的CSRF令牌，请刷新页面后重试")
        return session.actor

    return resolve


def requiring(resolve: Resolver, *roles: str) -> Resolver:
    """``resolve``, then Forbidden (403) unless the actor has one of ``roles``."""

    async def check(request: Request) -> Actor:
        actor = await resolve(request)
        if not actor.may(*roles):
            raise Forbidden("wrong_role", f"{actor.role_name}无权进行此操作")
        return actor

    return check
