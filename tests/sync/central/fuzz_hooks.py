"""Schemathesis hooks for fuzzing central: every request signed with an enrolled hall's key.

Loaded by ``st run`` through ``SCHEMATHESIS_HOOKS=tests.sync.central.fuzz_hooks``; the hall's
credential comes in ``HALLKIT_FUZZ_HALL``, ``HALLKIT_FUZZ_KEY`` and ``HALLKIT_FUZZ_SECRET``
(base64), central's database in ``HALLKIT_FUZZ_DB``, its admin token in
``HALLKIT_FUZZ_ADMIN_TOKEN`` and a receipt the hall holds in ``HALLKIT_FUZZ_RECEIPT``. The signature is made over the bytes as
sent (a ``requests`` auth runs on the prepared request), so fuzzing reaches past the signature
check into central's intake.

For the cases that are meant to be valid: an enrollment gets a fresh real code (minted in
central's store), and the credential it answers with signs later requests for its hall (the
schema's links from enrollment to a hall's routes); elsewhere the path's hall is an enrolled
one, a case lookup asks for the receipt the hall holds, the admin page gets its token, and a
batch is made to say the same hall with its events in strictly increasing ``seq``:
rules JSON Schema cannot state, which central answers with 400.
"""

from __future__ import annotations

import base64
import os
import re
import time
from typing import Any
from urllib.parse import unquote

import requests
import schemathesis
from schemathesis import AuthContext, Case, HookContext, Response

from sync.central.store import CentralStore
from sync.signing import sign_headers
from sync.wire import API_PREFIX

HALL = os.environ.get("HALLKIT_FUZZ_HALL", "")
CREDENTIALS = {
    HALL: (
        os.environ.get("HALLKIT_FUZZ_KEY", ""),
        base64.b64decode(os.environ.get("HALLKIT_FUZZ_SECRET", "")),
    )
}
"""Hall id → (key id, secret) of every hall enrolled during the run."""
_HALL_IN_PATH = re.compile(re.escape(API_PREFIX) + r"/halls/([^/?]+)/")


class _Sign(requests.auth.AuthBase):
    """Signs a prepared request: the five X-Hall-* headers over its method, target and body,
    with the key of the hall in its path (the first hall's for a hall never enrolled)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        found = _HALL_IN_PATH.match(request.path_url)
        key, secret = CREDENTIALS.get(unquote(found.group(1)) if found else HALL, CREDENTIALS[HALL])
        signed = sign_headers(
            secret, key, request.method or "GET", request.path_url, body, int(time.time())
        )
        request.headers.update(signed)
        return request


@schemathesis.auth()
class HallSignature:
    """The enrolled hall's credential, as schemathesis's explicit auth."""

    def get(self, case: Case, context: AuthContext) -> _Sign:
        return _Sign()

    def set(self, case: Case, data: _Sign, context: AuthContext) -> None:
        case._auth = data


def _valid_batch(body: Any, hall: str) -> None:
    if not isinstance(body, dict):
        return
    body["hall"] = hall
    events = body.get("events")
    if isinstance(events, list) and all(isinstance(e, dict) for e in events):
        unique = {e.get("seq"): e for e in events if isinstance(e.get("seq"), int)}
        body["events"] = [unique[seq] for seq in sorted(unique)]


def _fresh_code() -> str:
    store = CentralStore(os.environ["HALLKIT_FUZZ_DB"])
    try:
        return store.add_hall("模糊测试大厅")[1]
    finally:
        store.close()


@schemathesis.hook
def before_call(context: HookContext, case: Case, kwargs: dict[str, Any]) -> None:
    meta = case.meta
    if meta is not None and meta.generation.mode.is_negative:
        return
    if case.operation.path.endswith("/enroll") and isinstance(case.body, dict):
        case.body["code"] = _fresh_code()
    if case.operation.path == "/admin":
        case.query = {**(case.query or {}), "token": os.environ["HALLKIT_FUZZ_ADMIN_TOKEN"]}
    if "hall" not in case.path_parameters:
        return
    if case.path_parameters["hall"] not in CREDENTIALS:
        case.path_parameters["hall"] = HALL
    if "receipt" in case.path_parameters and case.path_parameters["hall"] == HALL:
        case.path_parameters["receipt"] = os.environ["HALLKIT_FUZZ_RECEIPT"]
    if case.operation.path.endswith("/events"):
        _valid_batch(case.body, case.path_parameters["hall"])


@schemathesis.hook
def after_call(context: HookContext, case: Case, response: Response) -> None:
    if case.operation.path.endswith("/enroll") and response.status_code == 201:
        answer = response.json()
        CREDENTIALS[answer["hall"]] = (answer["key_id"], base64.b64decode(answer["secret"]))
