"""The hub's OpenAPI document, made true: who may call each route and what it really answers.

FastAPI sees neither the hub's authentication (a bearer token read by a dependency, or by the
management API from the request itself) nor its error answers (``hub.errors``, always
``{"error": CODE, "message": TEXT}``), nor what the routes that build their own answer send. This
module rewrites FastAPI's generated document: a security scheme on every route but ``health``
and the web assets, the refusals each route can give, the real media types and the links
between operations (a ticket issued, then looked up). The answers' schemas are :mod:`hub.wire`'s
models, which the routes declare as response models. Schemathesis checks every answer of a hub
process against it (tests/fuzz/test_hub_fuzz.py).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from hub import wire

API = "/api/v1"
BEARER = "DeviceToken"
IN_ADDRESS = "QueryToken"
OPEN = frozenset({f"{API}/health", "/web/{name}"})
PAGES = frozenset({"/board/{n}", "/display"})
"""The TV pages: the token is in the address, and a refusal is a page, not JSON."""

_REFUSALS = {
    401: "No token, or one the hub does not know (or revoked).",
    403: "The token's role or window may not do this.",
    404: "No such ticket, window, case, item or record.",
    409: "Not possible in the current state; the message says why.",
    413: "The body is over the hub's limit of 64 KB.",
    422: "The request is not valid: unreadable JSON, a wrong field, a rule of the hall.",
    423: "Locked for a while after too many wrong PINs (a staff number, or a kiosk's staff confirmations).",
    429: "This device's share is used up; wait Retry-After seconds.",
    503: "The hub cannot take this now (disk full, too many streams); wait Retry-After seconds.",
}


def _wire_schemas() -> dict[str, Any]:
    """``Error`` and ``Catalog`` from :mod:`hub.wire`, with the models they name: FastAPI sees
    neither (errors come from the exception handlers, the catalog route sends its own bytes)."""
    schemas: dict[str, Any] = {}
    for name, model in (("Error", wire.ErrorBody), ("Catalog", wire.Catalog)):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
    return schemas


_RETRY_AFTER = {"Retry-After": {"description": "Seconds.", "schema": {"type": "string"}}}
_ETAG = {
    "ETag": {
        "description": "The catalog's version, for If-None-Match.",
        "schema": {"type": "string"},
    }
}
_HTML = {"text/html": {"schema": {"type": "string"}}}
_SUCCESS_MEDIA = {
    f"{API}/catalog": {"application/json": {"schema": {"$ref": "#/components/schemas/Catalog"}}},
    f"{API}/events": {"text/event-stream": {"schema": {"type": "string"}}},
    f"{API}/reports.csv": {"text/csv": {"schema": {"type": "string"}}},
    f"{API}/reports.xlsx": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}
        }
    },
    f"{API}/staff/{{number}}/photo": {
        kind: {"schema": {"type": "string", "format": "binary"}}
        for kind in ("image/jpeg", "image/png", "image/webp")
    },
    "/web/{name}": {
        kind: {"schema": {"type": "string"}} for kind in ("application/javascript", "text/css")
    },
}
_EXTRA_ANSWERS: dict[tuple[str, str], dict[str, Any]] = {
    ("get", f"{API}/catalog"): {"304": {"description": "Unchanged.", "headers": _ETAG}},
    ("post", f"{API}/windows/{{n}}/call-next"): {"204": {"description": "Nobody is waiting."}},
    ("get", "/web/{name}"): {
        "404": {"description": "No such asset.", "content": {"text/plain": {"schema": {}}}}
    },
}
_LINKS: dict[tuple[str, str], dict[str, Any]] = {
    ("post", f"{API}/tickets"): {
        "ticket": {
            "operationId": "get_ticket",
            "parameters": {"ticket_id": "$response.body#/id"},
        },
        "ticket_by_number": {
            "operationId": "ticket_by_number",
            "parameters": {"number": "$response.body#/number"},
        },
    },
    ("post", f"{API}/cases"): {
        "case": {"operationId": "get_case", "parameters": {"receipt": "$response.body#/receipt"}}
    },
    ("post", f"{API}/alerts"): {
        "ack": {"operationId": "ack_alert", "parameters": {"alert_id": "$response.body#/id"}}
    },
    ("post", f"{API}/feedback"): {
        "feedback": {
            "operationId": "get_feedback",
            "parameters": {"feedback_id": "$response.body#/id"},
        }
    },
}
_OPERATION_IDS = {
    ("get", f"{API}/tickets/{{ticket_id}}"): "get_ticket",
    ("get", f"{API}/tickets/by-number/{{number}}"): "ticket_by_number",
    ("get", f"{API}/cases/{{receipt}}"): "get_case",
    ("post", f"{API}/alerts/{{alert_id}}/ack"): "ack_alert",
    ("get", f"{API}/feedback/{{feedback_id}}"): "get_feedback",
}


def _error(status: int) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": _REFUSALS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if status in (429, 503):
        answer["headers"] = _RETRY_AFTER
    return answer


def _refusals(method: str, path: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses ``operation`` can answer."""
    if path in OPEN:
        return [422] if operation.get("parameters") else []
    statuses = [401, 403, 404, 409, 422]
    if method == "post":
        statuses += [413, 503]  # any write can meet a full disk
    if path.endswith("/sign-in") or path == f"{API}/staff/confirm":
        statuses.append(423)
    if path == f"{API}/events":
        statuses += [429, 503]
    return sorted(set(statuses))


def _rewrite(method: str, path: str, operation: dict[str, Any]) -> None:
    # A device's token travels as a bearer header or as ?token= (browsers' EventSource cannot
    # set headers): both are the security schemes, not parameters. The management API takes
    # the bearer header only; a TV page, ?token= only.
    params = operation.get("parameters", [])
    credentials = {(p["in"], p["name"].lower()) for p in params}
    params = [
        p
        for p in params
        if (p["in"], p["name"].lower()) not in (("header", "authorization"), ("query", "token"))
    ]
    for param in params:  # an optional header or query value is absent or a string: not null
        choices = param["schema"].get("anyOf", [])
        if len(choices) == 2 and {"type": "null"} in choices:
            title = param["schema"].get("title")
            param["schema"] = next(c for c in choices if c != {"type": "null"})
            if title:
                param["schema"]["title"] = title
    if params:
        operation["parameters"] = params
    else:
        operation.pop("parameters", None)
    if path in PAGES:
        operation["security"] = [{IN_ADDRESS: []}]
    elif ("query", "token") in credentials:
        operation["security"] = [{BEARER: []}, {IN_ADDRESS: []}]
    elif path not in OPEN:
        operation["security"] = [{BEARER: []}]
    responses = operation["responses"]
    responses.pop("422", None)
    for answer in responses.values():
        if path in _SUCCESS_MEDIA:
            answer["content"] = _SUCCESS_MEDIA[path]
        elif path in PAGES:
            answer["content"] = _HTML
    if path == f"{API}/catalog":
        responses["200"]["headers"] = _ETAG
    responses.update(_EXTRA_ANSWERS.get((method, path), {}))
    for status in _refusals(method, path, operation):
        responses.setdefault(str(status), _error(status))
    if path in PAGES:  # a refused page is a page saying why, with its status
        for status in (403, 404):
            responses[str(status)] = {"description": _REFUSALS[status], "content": _HTML}
        responses.pop("401", None)
    if (method, path) in _LINKS:
        success = next(code for code in responses if code.startswith("2"))
        responses[success]["links"] = _LINKS[(method, path)]
    if (method, path) in _OPERATION_IDS:
        operation["operationId"] = _OPERATION_IDS[(method, path)]


def _matches(template: str, path: str) -> bool:
    """Whether the route ``template`` (``/a/{x}``) also takes the literal ``path``."""
    pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
    return template != path and "{" in template and re.fullmatch(pattern, path) is not None


def _shadowed(paths: dict[str, Any]) -> None:
    """A literal path that a templated route also takes gets that route's other methods (GET
    /tickets/requeue is the ticket lookup of id "requeue": a 404), as its 405's Allow lists."""
    for path, operations in paths.items():
        for template, others in paths.items():
            if not _matches(template, path):
                continue
            for method, operation in others.items():
                if method in operations:
                    continue
                copied = copy.deepcopy(operation)
                copied["operationId"] += "_at_" + path.rsplit("/", 1)[-1].replace("-", "_")
                params = [p for p in copied.get("parameters", []) if p["in"] != "path"]
                copied.pop("parameters", None)
                if params:
                    copied["parameters"] = params
                for answer in copied["responses"].values():
                    answer.pop("links", None)
                operations[method] = copied


def hub_openapi(generated: dict[str, Any]) -> dict[str, Any]:
    """``generated`` (FastAPI's document) with the hub's security, answers and links."""
    for path, operations in generated["paths"].items():
        for method, operation in operations.items():
            _rewrite(method, path, operation)
    _shadowed(generated["paths"])
    components = generated.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas.update(_wire_schemas())
    components["securitySchemes"] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "description": "A device token (hall token add) or the admin token.",
        },
        IN_ADDRESS: {
            "type": "apiKey",
            "in": "query",
            "name": "token",
            "description": "A device token in the address (TV pages, browsers' event streams).",
        },
    }
    return generated


def install_openapi(app: FastAPI) -> None:
    """Serve :func:`hub_openapi`'s document at the app's ``openapi_url`` (built once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            generated = get_openapi(title=app.title, version=app.version, routes=app.routes)
            app.openapi_schema = hub_openapi(generated)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
