"""The reference central's HTTP API (FastAPI), as docs/sync-protocol.md describes it.

No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations at
runtime. Every answer carries a ``Date`` header from central's clock (the hub measures its clock
offset from it) and errors are JSON ``{"error": CODE, "message": TEXT, "server_time": ISO}``.
SQLite work runs in the thread pool, never on the event loop.
"""

import email.utils
import hmac
import logging
import zlib
from datetime import date
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.central.admin import render_admin
from sync.central.cases import case_changes_after, find_case
from sync.central.console import install_console
from sync.central.downlink import appointments_of_day, current_catalog
from sync.central.errors import CentralError, parse_json
from sync.central.faults import Faults
from sync.central.figures import DayFigures, FiguresAnswer, store_day
from sync.central.intake import receive_batch
from sync.central.limits import BodyCounter, BodyTooLarge, body_limit, declared_length
from sync.central.openapi import central_openapi
from sync.central.phone import (
    PhoneViewsAnswer,
    install_phone_pages,
    parse_views,
    store_views,
)
from sync.central.store import CentralStore, HallKey, iso_now
from sync.errors import StoreUnavailable
from sync.signing import SignatureError, SignedRequest, verify_body, verify_head
from sync.wire import (
    API_PREFIX,
    MAX_BATCH_BYTES,
    MAX_BATCH_EVENTS,
    Batch,
    EnrollAnswer,
    EnrollRequest,
    StatusAnswer,
    catalog_etag,
)

log = logging.getLogger(__name__)

ENROLL_RETRY_AFTER_SECONDS = 600
BUSY_RETRY_AFTER_SECONDS = 5
MAX_BATCHES_IN_FLIGHT = 32
"""Batches one worker stores or waits to store at once; past it, uploads are answered 503 with
Retry-After at once (a reconnect storm is queued by the hubs, not inside central)."""


def _error(central: CentralStore, status: int, code: str, message: str) -> JSONResponse:
    headers = None
    if status == 429:
        headers = {"Retry-After": str(ENROLL_RETRY_AFTER_SECONDS)}
    elif status == 503:
        headers = {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)}
    return JSONResponse(
        {"error": code, "message": message, "server_time": iso_now(central.now())},
        status_code=status,
        headers=headers,
    )


class _DateLimitsAndFaults:
    """ASGI wrapper: adds ``Date`` to every answer, holds each request to its route's body
    limit (``sync.central.limits``); with faults, refuses some API calls (503)."""

    def __init__(self, app: ASGIApp, central: CentralStore, faults: Faults | None) -> None:
        self.app = app
        self.central = central
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if (
            self.faults is not None
            and scope["path"].startswith(API_PREFIX)
            and self.faults.refuse_now()
        ):
            refusal = _error(self.central, 503, "unavailable", "injected fault: try again later")
            refusal.headers["Retry-After"] = str(self.faults.retry_after_seconds)
            refusal.headers["Date"] = email.utils.formatdate(self.central.now(), usegmt=True)
            await refusal(scope, receive, send)
            return
        limit = body_limit(scope["path"])
        declared = declared_length(scope["headers"])
        if declared is not None and declared > limit:
            # Answered before a byte of the body is read; the server then closes the connection.
            too_large = BodyTooLarge(limit)
            refusal = _error(self.central, 413, too_large.code, too_large.message)
            refusal.headers["Date"] = email.utils.formatdate(self.central.now(), usegmt=True)
            await refusal(scope, receive, send)
            return
        counter = BodyCounter(limit)

        async def counted_receive() -> Message:
            # Raised inside the route that reads the body, so its handler answers 413 JSON.
            message = await receive()
            if message["type"] == "http.request":
                counter.add(len(message.get("body", b"")))
            return message

        async def send_with_date(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "date" not in headers:
                    headers.append("Date", email.utils.formatdate(self.central.now(), usegmt=True))
            await send(message)

        await self.app(scope, counted_receive, send_with_date)


class _LostAnswer(Response):
    """Starts a 200 answer and stops halfway: the server closes the connection (fault test)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"acked_seq":', "more_body": True})


def _target(request: Request) -> str:
    """The signed request target: the raw path plus ``?query`` when there is one."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if raw else request.scope["path"]
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{path}?{query}" if query else path


def _decode_batch(raw: bytes, encoding: str) -> Batch:
    """The batch in a request body (gzip or plain); raises CentralError 400 / 413."""
    text = _inflate(raw, encoding, "bad_batch")
    batch = parse_json(Batch, text, "bad_batch")
    if len(batch.events) > MAX_BATCH_EVENTS:
        raise CentralError(413, "too_large", f"a batch holds at most {MAX_BATCH_EVENTS} events")
    previous = 0
    for event in batch.events:
        if event.seq <= previous:
            raise CentralError(
                400, "bad_batch", f"events must be in strictly increasing seq order ({event.seq})"
            )
        previous = event.seq
    return batch


def _decode_figures(raw: bytes, encoding: str) -> DayFigures:
    """A day's figures in a request body (gzip or plain); raises CentralError 400 / 413."""
    return parse_json(DayFigures, _inflate(raw, encoding, "bad_figures"), "bad_figures")


def _service_day(day: str) -> str:
    """``day`` if it is a real date written YYYY-MM-DD; raises CentralError 400."""
    try:
        if len(day) == 10:
            return date.fromisoformat(day).isoformat()
    except ValueError:
        pass
    raise CentralError(400, "bad_figures", f"the day must be a date YYYY-MM-DD, not {day[:20]!r}")


def _inflate(raw: bytes, encoding: str, code: str) -> bytes:
    """A request body as sent (plain) or inflated (gzip); raises CentralError 400 ``code`` / 413.

    A gzip body is inflated to at most ``MAX_BATCH_BYTES`` + 1 bytes, so a bomb costs no more.
    """
    if len(raw) > MAX_BATCH_BYTES:
        raise BodyTooLarge(MAX_BATCH_BYTES)
    if encoding == "gzip":
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            text = inflater.decompress(raw, MAX_BATCH_BYTES + 1)
        except zlib.error as err:
            raise CentralError(400, code, f"the gzip body does not inflate: {err}") from err
        if len(text) > MAX_BATCH_BYTES:
            raise CentralError(
                413, "too_large", f"a batch is at most {MAX_BATCH_BYTES} bytes uncompressed"
            )
        if not inflater.eof:
            raise CentralError(400, code, "the gzip body is truncated")
        return text
    if encoding in ("", "identity"):
        return raw
    raise CentralError(400, code, f"unsupported Content-Encoding {encoding!r}")


def create_central_app(
    central: CentralStore,
    *,
    admin_token: str | None = None,
    faults: Faults | None = None,
    max_in_flight: int = MAX_BATCHES_IN_FLIGHT,
) -> ASGIApp:
    """The central API over ``central``; ``/admin`` needs ``admin_token`` (None: no admin page).

    ``faults`` injects refusals and lost answers for tests (None or zero rates: none);
    ``max_in_flight`` caps the uploads being stored at once (more get 503 + Retry-After).
    """
    app = FastAPI(title="hallkit reference central", version="1", docs_url=None, redoc_url=None)
    install_console(app, central)  # /console/: people's supervision pages
    install_phone_pages(app, central)  # /m/{code}: halls' phone pages for citizens off-site

    @app.exception_handler(CentralError)
    async def _central_error(request: Request, exc: CentralError) -> JSONResponse:
        return _error(central, exc.status, exc.code, exc.message)

    @app.exception_handler(StoreUnavailable)
    async def _store_unavailable(request: Request, exc: StoreUnavailable) -> JSONResponse:
        log.warning("database unavailable: %s", exc)
        return _error(central, 503, "unavailable", "central's database is busy; try again later")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        answer = _error(central, exc.status_code, code, str(exc.detail))
        answer.headers.update(exc.headers or {})  # a 405 says what is Allowed
        return answer

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(central, 400, "bad_request", str(exc.errors()[:3]))

    async def authenticate(request: Request, hall: str) -> tuple[HallKey, bytes]:
        """Check the signature headers, then read the body; the key that signed, and the body.

        What the headers alone prove (form, key, signature, timestamp) is checked before the
        body is read, so only a key's holder can make central read one (at most the route's
        limit: ``sync.central.limits``).
        """
        try:
            signed = SignedRequest.from_headers(request.headers)
        except SignatureError as err:
            raise CentralError(401, err.code, err.message) from err
        key = await run_in_threadpool(central.key, signed.key_id)
        if key is None or key.revoked:
            raise CentralError(401, "unknown_key", "no such key, or it was revoked")
        try:
            verify_head(signed, key.secret, request.method, _target(request), central.now())
            body = await request.body()
            verify_body(signed, body)
        except SignatureError as err:
            raise CentralError(401, err.code, err.message) from err
        if not await run_in_threadpool(central.note_request, key, signed.nonce):
            raise CentralError(401, "replayed_nonce", "this nonce was already used")
        if key.hall != hall:
            raise CentralError(403, "wrong_hall", "this key does not speak for that hall")
        return key, body

    @app.post(API_PREFIX + "/enroll", status_code=201)
    async def enroll(request: Request) -> JSONResponse:
        try:
            body = EnrollRequest.model_validate_json(await request.body())
        except ValidationError as err:
            raise CentralError(400, "bad_code", "the body must be JSON with a 'code'") from err
        address = request.client.host if request.client else "unknown"
        done = await run_in_threadpool(
            central.enroll, body.code, address, body.hub_name, body.hub_version
        )
        log.info("hall %s enrolled hub %r with key %s", done.hall, body.hub_name, done.key_id)
        answer = EnrollAnswer(
            hall=done.hall,
            hall_name=done.hall_name,
            key_id=done.key_id,
            secret=done.secret_b64,
            rating_scale=done.rating_scale,
            server_time=iso_now(central.now()),
        )
        return JSONResponse(answer.model_dump(), status_code=201)

    @app.get(API_PREFIX + "/halls/{hall}/status")
    async def status(hall: str, request: Request) -> dict[str, Any]:
        await authenticate(request, hall)
        known = await run_in_threadpool(central.hall, hall)
        return StatusAnswer(
            hall=known.id,
            acked_seq=known.acked_seq,
            catalog_version=known.catalog_version,
            rating_scale=known.rating_scale,
            server_time=iso_now(central.now()),
        ).model_dump()

    in_flight = [0]

    @app.post(API_PREFIX + "/halls/{hall}/events")
    async def events(hall: str, request: Request) -> Response:
        if in_flight[0] >= max_in_flight:
            raise CentralError(503, "busy", "central is storing many batches; try again later")
        in_flight[0] += 1  # the event loop is one thread: no lock needed
        try:
            return await store_events(hall, request)
        finally:
            in_flight[0] -= 1

    async def store_events(hall: str, request: Request) -> Response:
        _, raw = await authenticate(request, hall)
        encoding = request.headers.get("content-encoding", "").strip().lower()
        key = request.headers.get("idempotency-key")

        def intake() -> dict[str, Any]:
            batch = _decode_batch(raw, encoding)
            if batch.hall != hall:
                raise CentralError(400, "bad_batch", f"the batch is for {batch.hall}, not {hall}")
            return receive_batch(central, hall, batch, key).model_dump()

        answer = await run_in_threadpool(intake)
        if faults is not None and faults.lose_this_answer():
            log.warning("injected fault: dropping the answer to a committed batch of %s", hall)
            return _LostAnswer()
        return JSONResponse(answer)

    @app.put(API_PREFIX + "/halls/{hall}/figures/{day}")
    async def figures(hall: str, day: str, request: Request) -> dict[str, Any]:
        _, raw = await authenticate(request, hall)
        encoding = request.headers.get("content-encoding", "").strip().lower()
        digest = request.headers.get("x-figures-digest", "")[:64]

        def store() -> bool:
            return store_day(
                central, hall, _service_day(day), _decode_figures(raw, encoding), digest
            )

        stored = await run_in_threadpool(store)
        return FiguresAnswer(
            day=day, stored=stored, server_time=iso_now(central.now())
        ).model_dump()

    @app.put(API_PREFIX + "/halls/{hall}/phone-views")
    async def phone_views(hall: str, request: Request) -> dict[str, Any]:
        _, raw = await authenticate(request, hall)
        body = parse_views(raw)
        stored = await run_in_threadpool(store_views, central, hall, body)
        return PhoneViewsAnswer(stored=stored).model_dump()

    @app.get(API_PREFIX + "/halls/{hall}/catalog")
    async def catalog(hall: str, request: Request) -> Response:
        await authenticate(request, hall)
        published = await run_in_threadpool(current_catalog, central, hall)
        if published is None:
            return Response(status_code=204)
        etag = catalog_etag(published.version, published.checksum)
        if etag in _etags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers={"ETag": etag})
        return JSONResponse(
            {
                "version": published.version,
                "checksum": published.checksum,
                "catalog": published.catalog,
            },
            headers={"ETag": etag},
        )

    @app.get(API_PREFIX + "/halls/{hall}/appointments")
    async def appointments(hall: str, date: str, request: Request) -> Response:
        await authenticate(request, hall)
        answer = await run_in_threadpool(appointments_of_day, central, hall, date)
        etag = f'"{answer.version}"'
        if etag in _etags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers={"ETag": etag})
        return JSONResponse(answer.model_dump(), headers={"ETag": etag})

    @app.get(API_PREFIX + "/halls/{hall}/cases/{receipt}")
    async def case(hall: str, receipt: str, request: Request) -> dict[str, Any]:
        await authenticate(request, hall)
        found = await run_in_threadpool(find_case, central, hall, receipt)
        return found.to_dict()

    @app.get(API_PREFIX + "/halls/{hall}/case-changes")
    async def case_changes(
        hall: str, request: Request, after: Annotated[int, Query(ge=0, le=2**53)] = 0
    ) -> dict[str, Any]:
        await authenticate(request, hall)
        return await run_in_threadpool(case_changes_after, central, hall, after)

    @app.get("/admin")
    async def admin(token: str = "") -> HTMLResponse:
        if admin_token is None or not hmac.compare_digest(token.encode(), admin_token.encode()):
            raise CentralError(401, "bad_token", "the admin page needs ?token= from admin.token")
        halls = await run_in_threadpool(central.halls)
        return HTMLResponse(render_admin(halls, central.now()))

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            generated = get_openapi(title=app.title, version=app.version, routes=app.routes)
            app.openapi_schema = central_openapi(generated)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return _DateLimitsAndFaults(app, central, faults)


def _etags(header: str) -> set[str]:
    """The entity tags listed in an If-None-Match header (weak ones compared as strong)."""
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}
