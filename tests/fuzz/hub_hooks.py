"""Schemathesis hooks for fuzzing the hub: each request carries the token its route is for.

Loaded by ``st run`` through ``SCHEMATHESIS_HOOKS=tests.fuzz.hub_hooks``; the tokens come in
``HALLKIT_FUZZ_TOKENS`` as ``role=token`` pairs separated by commas (admin, kiosk, counter and
board of window ``HALLKIT_FUZZ_WINDOW``, display).

A route's token is the role it is for (the admin token for devices, appointments, sync and the
management API; a kiosk's for issuing and feedback; the counter's for a window's actions and
cases; a board's or the display's for the TV pages). For the cases meant to be valid, a window
in a path or body is the counter's own window: which token may act on which window is a rule
JSON Schema cannot state; so is which categories the hall has, so a ticket meant to be valid
is of category ``HALLKIT_FUZZ_CATEGORY`` (without it, nearly every generated ticket is refused
and the links from an issued ticket are never followed).
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from schemathesis import AuthContext, Case, HookContext

API = "/api/v1"
TOKENS = dict(
    pair.split("=", 1) for pair in os.environ.get("HALLKIT_FUZZ_TOKENS", "").split(",") if pair
)
WINDOW = int(os.environ.get("HALLKIT_FUZZ_WINDOW", "1"))
CATEGORY = os.environ.get("HALLKIT_FUZZ_CATEGORY", "A")
_ADMIN_PREFIXES = tuple(
    API + p
    for p in (
        "/devices",
        "/appointments",
        "/sync",
        "/followups",
        "/reports",
        "/feedback",
        "/alerts/",
    )
)
"""The admin's routes, and the management API's (which the admin token may use)."""
_KIOSK_POSTS = (f"{API}/tickets", f"{API}/tickets/requeue", f"{API}/feedback")


def role_of(method: str, path: str) -> str:
    """The role whose token the operation ``method path`` is for (any device's: a kiosk's)."""
    if path == "/display":
        return "display"
    if path.startswith("/board/"):
        return "board"
    if path.startswith(f"{API}/windows/{{n}}/") or (method, path) == ("POST", f"{API}/cases"):
        return "counter"
    if method == "POST" and path in _KIOSK_POSTS:
        return "kiosk"
    if path.startswith(_ADMIN_PREFIXES) or (method, path) == ("GET", f"{API}/alerts"):
        return "admin"
    return "kiosk"


@schemathesis.auth()
class DeviceToken:
    """The token of the role the operation is for: a bearer header, or ?token= for TV pages.
    (Schemathesis keeps what ``get`` gave for a while, whatever the operation: so ``get`` gives
    every token, and ``set`` picks.)"""

    def get(self, case: Case, context: AuthContext) -> dict[str, str]:
        return TOKENS

    def set(self, case: Case, data: dict[str, str], context: AuthContext) -> None:
        token = data[role_of(case.operation.method.upper(), case.operation.path)]
        if case.operation.path in ("/display", "/board/{n}"):
            case.query = {**(case.query or {}), "token": token}
        else:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


@schemathesis.hook
def before_call(context: HookContext, case: Case, kwargs: dict[str, Any]) -> None:
    meta = case.meta
    if meta is not None and meta.generation.mode.is_negative:
        return
    if "n" in (case.path_parameters or {}):
        case.path_parameters["n"] = WINDOW
    operation = (case.operation.method.upper(), case.operation.path)
    if operation == ("POST", f"{API}/cases") and isinstance(case.body, dict):
        case.body["window"] = WINDOW
    if operation == ("POST", f"{API}/tickets"):
        case.body = {"category": CATEGORY}  # a ticket to look up, call, requeue
