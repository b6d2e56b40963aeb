"""Central's OpenAPI document, made true: what each route takes, answers and refuses.

FastAPI cannot see central's bodies (the routes read raw bytes, because the signature covers
them) nor its error answers, so this module writes each operation's request body, security and
responses from the protocol's models (``sync.wire``) over what FastAPI generated. Schemathesis
checks every answer against this document (tests/sync/central/test_fuzz.py).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from sync.central.cases import CaseChangesAnswer
from sync.central.figures import DayFigures, FiguresAnswer
from sync.central.phone import PhoneViewsAnswer, PhoneViewsIn
from sync.wire import (
    API_PREFIX,
    AppointmentsAnswer,
    Batch,
    BatchAnswer,
    CaseAnswer,
    CatalogAnswer,
    EnrollAnswer,
    ErrorAnswer,
    StatusAnswer,
)

SECURITY_SCHEME = "HallSignature"
CODE_PATTERN = "^[- ]*([2-9A-HJKMNP-Za-hjkmnp-z][- ]*){12}$"
"""An enrollment code as central reads it: 12 characters of its alphabet, any case, with
hyphens and spaces anywhere."""

_REFUSALS = {
    400: "The request does not follow the protocol (the message says what is wrong).",
    401: "The signature headers are missing or do not hold (``error`` names the step).",
    403: "The signing key does not speak for the hall in the path (``wrong_hall``).",
    404: "No such hall, code, case or route.",
    410: "The enrollment code was used or has expired.",
    413: "The body is over this route's limit (``too_large``).",
    429: "Too many wrong enrollment codes from this address; wait ``Retry-After`` seconds.",
}
_STRING = {"schema": {"type": "string"}}
_ETAG = {"ETag": {"description": "The version's entity tag, for If-None-Match.", **_STRING}}


def _json(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}


def _refusals(*statuses: int) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for status in statuses:
        answer: dict[str, Any] = {"description": _REFUSALS[status], "content": _json(ErrorAnswer)}
        if status == 429:
            answer["headers"] = {"Retry-After": {"description": "Seconds.", **_STRING}}
        answers[str(status)] = answer
    return answers


def _ok(model: type[BaseModel], status: int = 200, **extra: Any) -> dict[str, Any]:
    return {str(status): {"description": "Success.", "content": _json(model), **extra}}


def _header(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "description": description, **_STRING}


_ENROLL_BODY = {
    "type": "object",
    "required": ["code"],
    "properties": {
        "code": {"type": "string", "pattern": CODE_PATTERN, "maxLength": 64},
        "hub_name": {"type": "string", "maxLength": 64},
        "hub_version": {"type": "string", "maxLength": 32},
    },
}
_SIGNED = [400, 401, 403, 404, 413]
_IF_NONE_MATCH = _header("If-None-Match", "The ETag the hub holds.")

_HALL_FROM_ENROLLMENT = {"hall": "$response.body#/hall"}
_LINKS = {
    name: {"operationId": name, "parameters": _HALL_FROM_ENROLLMENT}
    for name in ("status", "upload_events", "catalog")
}

OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/enroll"): {
        "operationId": "enroll",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ENROLL_BODY}},
        },
        "responses": {
            **_ok(EnrollAnswer, 201, links=_LINKS),
            **_refusals(400, 404, 410, 413, 429),
        },
    },
    ("get", "/halls/{hall}/status"): {
        "operationId": "status",
        "responses": {**_ok(StatusAnswer), **_refusals(*_SIGNED)},
    },
    ("post", "/halls/{hall}/events"): {
        "operationId": "upload_events",
        "parameters": [_header("Idempotency-Key", "<hall>:<first>-<last>:<16 hex>")],
        "requestBody": {"required": True, "content": _json(Batch)},
        "responses": {**_ok(BatchAnswer), **_refusals(*_SIGNED)},
    },
    ("put", "/halls/{hall}/figures/{day}"): {
        "operationId": "upload_figures",
        "parameters": [_header("X-Figures-Digest", "The snapshot's digest (hex).")],
        "requestBody": {"required": True, "content": _json(DayFigures)},
        "responses": {**_ok(FiguresAnswer), **_refusals(*_SIGNED)},
    },
    ("get", "/halls/{hall}/catalog"): {
        "operationId": "catalog",
        "parameters": [_IF_NONE_MATCH],
        "responses": {
            **_ok(CatalogAnswer, headers=_ETAG),
            "204": {"description": "Central has no catalog for this hall."},
            "304": {"description": "Unchanged.", "headers": _ETAG},
            **_refusals(*_SIGNED),
        },
    },
    ("get", "/halls/{hall}/appointments"): {
        "operationId": "appointments",
        "parameters": [_IF_NONE_MATCH],
        "responses": {
            **_ok(AppointmentsAnswer, headers=_ETAG),
            "304": {"description": "Unchanged.", "headers": _ETAG},
            **_refusals(*_SIGNED),
        },
    },
    ("get", "/halls/{hall}/cases/{receipt}"): {
        "operationId": "case",
        "responses": {**_ok(CaseAnswer), **_refusals(*_SIGNED)},
    },
    ("get", "/halls/{hall}/case-changes"): {
        "operationId": "case_changes",
        "responses": {**_ok(CaseChangesAnswer), **_refusals(*_SIGNED)},
    },
    ("put", "/halls/{hall}/phone-views"): {
        "operationId": "upload_phone_views",
        "requestBody": {"required": True, "content": _json(PhoneViewsIn)},
        "responses": {**_ok(PhoneViewsAnswer), **_refusals(*_SIGNED)},
    },
}
"""Each API operation (path below ``API_PREFIX``): what replaces FastAPI's guesses."""

_ADMIN = {
    "responses": {
        "200": {"description": "The halls' table.", "content": {"text/html": _STRING}},
        **_refusals(401, 413),
    }
}
_MODELS: list[type[BaseModel]] = [
    AppointmentsAnswer,
    CaseChangesAnswer,
    DayFigures,
    FiguresAnswer,
    Batch,
    BatchAnswer,
    CaseAnswer,
    CatalogAnswer,
    EnrollAnswer,
    ErrorAnswer,
    PhoneViewsAnswer,
    PhoneViewsIn,
    StatusAnswer,
]


def _components() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in _MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def central_openapi(generated: dict[str, Any]) -> dict[str, Any]:
    """``generated`` (FastAPI's document) with central's true bodies, security and answers.

    Raises KeyError if a route in OPERATIONS is missing from ``generated`` (a renamed route).
    """
    paths = generated["paths"]
    for (method, path), declared in OPERATIONS.items():
        operation = paths[API_PREFIX + path][method]
        params = [p for p in operation.get("parameters", []) if p["in"] != "header"]
        operation["parameters"] = params + declared.get("parameters", [])
        if not operation["parameters"]:
            del operation["parameters"]
        operation["operationId"] = declared["operationId"]
        operation["responses"] = declared["responses"]
        if "requestBody" in declared:
            operation["requestBody"] = declared["requestBody"]
        if path != "/enroll":
            operation["security"] = [{SECURITY_SCHEME: []}]
    for param in paths[API_PREFIX + "/halls/{hall}/appointments"]["get"]["parameters"]:
        if param["name"] == "date":
            param["schema"] = {"type": "string", "format": "date"}
    for param in paths[API_PREFIX + "/halls/{hall}/figures/{day}"]["put"]["parameters"]:
        if param["name"] == "day":
            param["schema"] = {"type": "string", "format": "date"}
    paths["/admin"]["get"]["operationId"] = "admin_page"
    paths["/admin"]["get"]["responses"] = _ADMIN["responses"]
    generated["components"] = {
        "schemas": _components(),
        "securitySchemes": {
            SECURITY_SCHEME: {
                "type": "apiKey",
                "in": "header",
                "name": "X-Hall-Signature",
                "description": (
                    "HALL-SIGN-1 (docs/sync-protocol.md): X-Hall-Key, X-Hall-Timestamp, "
                    "X-Hall-Nonce, X-Hall-Content-SHA256 and X-Hall-Signature on every request."
                ),
            }
        },
    }
    return generated
