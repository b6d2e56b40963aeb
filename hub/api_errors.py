"""How the hub answers what its routes never see: an unknown address, a method the address does
not take, a body that is not readable JSON, a disk too full to store anything. Always the hub's
JSON error with a Chinese sentence (docs/hub.md, "Errors"), on a connection the hub keeps.

No ``from __future__ import annotations``: FastAPI reads the handlers' annotations at runtime.
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from hub.throttled import FULL_LOG_SECONDS, Throttled
from sync.errors import StoreFull

log = logging.getLogger(__name__)

NOT_FOUND = "没有这个地址，请核对请求的路径"
METHOD_NOT_ALLOWED = "此地址不支持{method}请求，可用的请求方法：{allowed}"
NOT_JSON = "请求内容不是有效的 JSON（须为 UTF-8 编码的 JSON 对象），请检查后重发"
HTTP_ERROR = "请求无法处理（HTTP {status}）"
STORAGE_FULL = (
    "存储空间已满，大厅主机暂时无法保存新的数据（已保存的不受影响），请联系技术人员清理磁盘后再试"
)
FULL_RETRY_SECONDS = 60
"""A full disk is logged once in this many seconds, however many requests it refuses."""


def error_answer(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """The hub's error body ``{"error": code, "message": message, ...extra}`` with ``status``."""
    return JSONResponse(
        {"error": code, "message": message, **extra}, status_code=status, headers=headers
    )


def is_unreadable_json(err: RequestValidationError) -> bool:
    """Whether a validation error says the body was not JSON at all (not a wrong field)."""
    return any(item.get("type") == "json_invalid" for item in err.errors())


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method some route of ``app`` takes at the request's path, sorted."""
    methods: set[str] = set()
    scope = {**request.scope, "method": "GET"}
    for route in app.router.routes:
        match, _ = route.matches(scope)
        route_methods = getattr(route, "methods", None)
        if match != Match.NONE and route_methods:
            methods.update(route_methods)
    return sorted(methods)


def install_http_errors(app: FastAPI) -> None:
    """Answer Starlette's own refusals (404, 405, an unreadable body's 400) the hub's way, and a
    write the disk had no room for with 503 ``storage_full`` (logged once a minute)."""
    full_log = Throttled(FULL_LOG_SECONDS)

    @app.exception_handler(StoreFull)
    async def storage_full(_: Request, err: StoreFull) -> JSONResponse:
        full_log.warning(f"storage full, refusing writes with 503 storage_full: {err}")
        return error_answer(
            503, "storage_full", STORAGE_FULL, headers={"Retry-After": str(FULL_RETRY_SECONDS)}
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException) -> JSONResponse:
        if err.status_code == 400:  # Starlette could not decode the body (bad UTF-8, …)
            return error_answer(422, "bad_request", NOT_JSON)
        if err.status_code == 404:
            return error_answer(404, "not_found", NOT_FOUND)
        if err.status_code == 405:
            allowed = allowed_methods(app, request)
            message = METHOD_NOT_ALLOWED.format(
                method=request.method, allowed="、".join(allowed) or "无"
            )
            return error_answer(
                405, "method_not_allowed", message, headers={"Allow": ", ".join(allowed)}
            )
        headers = dict(err.headers) if err.headers else None
        return error_answer(
            err.status_code, "http_error", HTTP_ERROR.format(status=err.status_code), headers
        )
