"""The hub's LAN API (FastAPI): the fixed contract of issue #2, plus what the apps need.

No ``from __future__ import annotations`` here: FastAPI reads the closures' annotations at runtime.

Every endpoint but health needs ``Authorization: Bearer TOKEN`` (the event stream and board pages
also take ``?token=`` because browsers' EventSource cannot set headers). Errors are always JSON
``{"error": CODE, "message": TEXT}``; bad input gives 422, never 500. What the apps read is declared
as the routes' response models (:mod:`hub.wire`), written with only the keys the answer has
(``response_model_exclude_unset``: the wire is as it always was).
"""

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from pydantic import Field, model_validator

from hub import events as sse
from hub import wire
from hub.actor_auth import actor_resolver
from hub.actors import Actor, SessionLookup
from hub.api_auth import device_dependency
from hub.api_cases import install_cases
from hub.api_docs import install_api_docs
from hub.api_errors import NOT_JSON, install_http_errors, is_unreadable_json
from hub.api_followups import install_followups
from hub.api_reports import install_reports
from hub.api_sms import install_sms
from hub.auth import Device, DeviceRegistry, require
from hub.bodies import MAX_LISTED_PROBLEMS, StrictBody
from hub.case_lookup import CaseLookup
from hub.catalog import Catalog, etag_matches
from hub.clerks import find_photo
from hub.engine import QueueEngine
from hub.errors import Busy, HubError
from hub.openapi_doc import install_openapi
from hub.phone.links import TICKET
from hub.phone.routes import install_phone, phone_url
from hub.replay import Replayer
from hub.web import install_web

log = logging.getLogger(__name__)

API = "/api/v1"
WINDOW_MAX = 999  # config.schema.Window.number

WindowNo = Annotated[int, Path(ge=1, le=WINDOW_MAX, description="window number")]


_Body = StrictBody  # unknown fields refused, cheaply even by the thousand


class DeviceIn(_Body):
    role: Literal["admin", "kiosk", "counter", "board", "display"]
    name: str = Field(min_length=1, max_length=64)
    window: int | None = Field(None, ge=1, le=WINDOW_MAX)


class IdCardIn(_Body):
    number: str = Field(min_length=1, max_length=32)
    name: str | None = Field(None, max_length=64)


class TicketIn(_Body):
    category: str | None = Field(None, max_length=8)
    item_id: str | None = Field(None, max_length=64)
    lane: Literal["appointment", "green", "ordinary"] | None = None
    green_group: str | None = Field(None, max_length=32)
    id_card: IdCardIn | str | None = None
    appointment_code: str | None = Field(None, max_length=64)


class NumberIn(_Body):
    number: str = Field(min_length=2, max_length=8)


class ReasonIn(_Body):
    reason: str = Field(min_length=1, max_length=100)


class TransferIn(_Body):
    category: str | None = Field(None, max_length=8)
    window: int | None = Field(None, ge=1, le=WINDOW_MAX)
    reason: str | None = Field(None, max_length=100)


class RatingIn(_Body):
    level: int = Field(ge=1, le=5)
    reason: str | None = Field(None, max_length=200)
    # The finished ticket the citizen rates; without it, the window's latest finished ticket.
    ticket_id: str | None = Field(None, max_length=64)


class SignInIn(_Body):
    staff_no: str = Field(min_length=1, max_length=16)
    pin: str = Field(min_length=1, max_length=12)


class StaffConfirmIn(_Body):
    """A staff PIN typed at a kiosk, or the staff member's own ID-card number swiped there."""

    pin: str | None = Field(None, min_length=1, max_length=12)
    id_card: str | None = Field(None, min_length=15, max_length=18)

    @model_validator(mode="after")
    def _one(self) -> "StaffConfirmIn":
        if (self.pin is None) == (self.id_card is None):
            raise ValueError("send either pin or id_card")
        return self


class AlertIn(_Body):
    source: str = Field(min_length=1, max_length=64)
    device: str = Field(min_length=1, max_length=32)
    problem: str = Field(min_length=1, max_length=200)
    detail: str | None = Field(None, max_length=1000)
    kind: Literal["device", "help"] = "device"


class FeedbackIn(_Body):
    kind: Literal["suggestion", "unresolved"]
    reason: str = Field(min_length=1, max_length=500)
    phone: str | None = Field(None, pattern=r"^\+?[0-9][0-9 -]{4,19}$")


class AppointmentIn(_Body):
    code: str = Field(min_length=1, max_length=64)
    service_day: str
    slot_start: str
    slot_end: str
    category: str = Field(max_length=8)
    item_id: str | None = None
    id_number: str | None = None


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status)


def _describe_validation(err: RequestValidationError) -> tuple[str, list[dict[str, Any]], int]:
    """The 422's message, its first :data:`MAX_LISTED_PROBLEMS` details, and the problem count."""
    problems = err.errors()
    details = []
    parts = []
    for item in problems[:MAX_LISTED_PROBLEMS]:
        loc = ".".join(str(p) for p in item.get("loc", ()) if p != "body")
        msg = str(item.get("msg", "invalid"))[:200]
        details.append({"field": loc[:100], "problem": msg})
        parts.append(f"{loc[:100] or 'body'}: {msg}")
    message = "请求内容有误：" + "; ".join(parts)
    if len(problems) > len(details):
        message += f"；另有{len(problems) - len(details)}处错误未列出"
    return message, details, len(problems)


def create_app(
    engine: QueueEngine,
    registry: DeviceRegistry,
    broker: sse.EventBroker,
    *,
    catalog: Catalog | None = None,
    photo_root: FilePath | None = None,
    cases: CaseLookup | None = None,
    sessions: SessionLookup | None = None,
) -> FastAPI:
    """Build the hub's ASGI app around an engine, a token registry and an event broker.

    ``catalog`` is what ``GET /catalog`` serves (default: the engine's configuration, fixed);
    ``photo_root`` is where relative staff photo paths start (the configuration file's folder;
    default: the working directory); ``cases`` answers receipt lookups (default: the hall's
    own records only, as for a hub not enrolled with central); ``sessions`` finds the console
    sessions of people (:mod:`hub.accounts`) for the management API (:mod:`hub.actor_auth`).
    """
    app = FastAPI(
        title="hallkit hub",
        version="1",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,  # FastAPI's page loads Swagger UI from a CDN: ours is served whole
        redoc_url=None,
    )
    install_api_docs(app, f"{API}/openapi.json", f"{API}/docs")
    engine.subscribe(broker.publish)
    phones = app.state.phone_streams = install_phone(app, engine)  # /m/{code}: a phone's page
    registry.on_revoked(broker.end_owned)  # a revoked device's streams end at once
    registry.transactions = engine._run  # audited adds and revokes (console, API)

    def hall_time(moment: datetime) -> datetime:  # the calendar in force, for the console's times
        return engine.calendar.local(moment)

    registry.hall_time = hall_time
    replayer = Replayer(engine.events_after)  # every stream's replays, on a thread of its own
    app.state.replayer = replayer  # the console's live floor replays through it too
    config = engine.config

    @app.exception_handler(HubError)
    async def hub_error(_: Request, err: HubError) -> JSONResponse:
        facts = {"details": err.details} if err.details else {}
        answer = _error(err.status, err.code, err.message, **facts)
        if isinstance(err, Busy):
            answer.headers["Retry-After"] = str(err.retry_after)
        return answer

    @app.exception_handler(RequestValidationError)
    async def bad_body(_: Request, err: RequestValidationError) -> JSONResponse:
        if is_unreadable_json(err):
            return _error(422, "bad_request", NOT_JSON)
        message, details, count = _describe_validation(err)
        return _error(422, "bad_request", message, details=details, problems=count)

    install_http_errors(app)  # 404, 405 with Allow, an unreadable body

    @app.exception_handler(Exception)
    async def unexpected(_: Request, err: Exception) -> JSONResponse:
        log.exception("unexpected error in the hub API", exc_info=err)
        return _error(500, "internal", "集中控制器内部错误，请联系技术人员（详情见日志）")

    # Dependencies are async on purpose: they only look up an in-memory cache, and a plain def
    # would cost a thread-pool hand-off per request (measured in bench/: ~10% of throughput).
    device = device_dependency(registry)

    Auth = Annotated[Device, Depends(device)]

    def roles(*allowed: str) -> Callable[[Device], Awaitable[Device]]:
        async def check(dev: Auth) -> Device:
            require(dev, allowed)
            return dev

        return check

    # -- open ----------------------------------------------------------------------------------

    @app.get(f"{API}/health", response_model=wire.Health, response_model_exclude_unset=True)
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "hall": config.hall.id,
            "name": config.hall.name,
            "last_seq": engine.last_seq(),
            "subscribers": broker.subscriber_count,
            "phone_pages": phones.open_pages,
        }

    # -- devices -------------------------------------------------------------------------------

    @app.post(f"{API}/devices", status_code=201)
    def add_device(
        body: DeviceIn, admin: Annotated[Device, Depends(roles("admin"))]
    ) -> dict[str, Any]:
        actor = Actor(admin.name, "admin", "token")
        dev, tok = registry.add(body.role, body.name, body.window, actor=actor)
        return {**dev.to_dict(), "token": tok}

    @app.get(f"{API}/devices")
    def list_devices(_: Annotated[Device, Depends(roles("admin"))]) -> dict[str, Any]:
        """Every token, active ones first, then the revoked ones (``revoked_at`` set), with
        ``last_seen`` (UTC, None: never used) and ``health`` (the box's latest unacknowledged
        device alert, None: nothing reported)."""
        return {"devices": [d.to_dict() for d in registry.overview()]}

    @app.delete(f"{API}/devices/{{device_id}}", status_code=204)
    def revoke_device(
        device_id: Annotated[str, Path(max_length=64)],
        dev: Annotated[Device, Depends(roles("admin"))],
    ) -> Response:
        """Revoke a token: its next request gets 401 and its event streams end. 404 for an
        unknown id; 409 for an admin token (the hub's own) or one revoked already."""
        registry.revoke_by_hand(device_id, Actor(dev.name, "admin", "token"))
        return Response(status_code=204)

    @app.get(f"{API}/whoami")
    def whoami(dev: Auth) -> dict[str, Any]:
        return dev.to_dict()

    # -- catalog -------------------------------------------------------------------------------

    served = catalog or Catalog(engine)

    @app.get(f"{API}/catalog", response_class=Response)
    async def get_catalog(
        _: Auth, if_none_match: Annotated[str | None, Header()] = None
    ) -> Response:
        view = served.view  # one immutable catalog: never half of one and half of the next
        headers = {"ETag": view.etag, "Cache-Control": "no-cache"}
        if etag_matches(if_none_match, view.etag):
            return Response(status_code=304, headers=headers)
        return Response(view.body, media_type="application/json", headers=headers)

    # -- tickets -------------------------------------------------------------------------------

    @app.post(
        f"{API}/tickets",
        status_code=201,
        response_model=wire.Ticket,
        response_model_exclude_unset=True,
    )
    def issue(
        request: Request,
        body: TicketIn,
        dev: Annotated[Device, Depends(roles("kiosk"))],
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> dict[str, Any]:
        card = body.id_card
        number = card if isinstance(card, str) else (card.number if card else None)
        name = card.name if isinstance(card, IdCardIn) else None
        ticket = engine.issue_ticket(
            category=body.category,
            item_id=body.item_id,
            lane=body.lane,
            green_group=body.green_group,
            id_number=number,
            name=name,
            appointment_code=body.appointment_code,
            issued_by=dev.name,
            idempotency_key=(idempotency_key or "").strip() or None,
            device=dev.id,
        )
        return {**ticket.to_dict(), "phone_url": phone_url(engine, TICKET, ticket.id, request)}

    @app.get(
        f"{API}/tickets/by-number/{{number}}",
        response_model=wire.Ticket,
        response_model_exclude_unset=True,
    )
    def by_number(number: str, dev: Auth) -> dict[str, Any]:
        require(dev, ("kiosk", "counter"))
        return engine.find_ticket(number).to_dict()

    @app.post(
        f"{API}/tickets/requeue", response_model=wire.Ticket, response_model_exclude_unset=True
    )
    def requeue(body: NumberIn, _: Annotated[Device, Depends(roles("kiosk"))]) -> dict[str, Any]:
        return engine.requeue(body.number).to_dict()

    @app.get(
        f"{API}/tickets/{{ticket_id}}",
        response_model=wire.Ticket,
        response_model_exclude_unset=True,
    )
    def get_ticket(ticket_id: str, dev: Auth) -> dict[str, Any]:
        require(dev, ("kiosk", "counter"))
        return engine.get_ticket(ticket_id).to_dict()

    # -- windows -------------------------------------------------------------------------------

    def counter_of(n: int, dev: Device) -> None:
        require(dev, ("counter",), window=n)

    @app.get(f"{API}/windows", response_model=wire.Windows, response_model_exclude_unset=True)
    def windows(_: Auth) -> dict[str, Any]:
        return {"windows": [w.to_dict() for w in engine.windows()]}

    @app.get(
        f"{API}/windows/{{n}}", response_model=wire.WindowState, response_model_exclude_unset=True
    )
    def window(n: WindowNo, _: Auth) -> dict[str, Any]:
        state = engine.window_state(n).to_dict()
        state["today"] = engine.today_stats(n)
        return state

    @app.post(
        f"{API}/windows/{{n}}/call-next",
        response_model=wire.TicketAnswer,
        response_model_exclude_unset=True,
    )
    def call_next(n: WindowNo, dev: Auth) -> dict[str, Any] | Response:
        counter_of(n, dev)
        ticket = engine.call_next(n)
        if ticket is None:
            return Response(status_code=204)
        return {"ticket": ticket.to_dict()}

    @app.post(
        f"{API}/windows/{{n}}/call",
        response_model=wire.TicketAnswer,
        response_model_exclude_unset=True,
    )
    def call(n: WindowNo, body: NumberIn, dev: Auth) -> dict[str, Any]:
        counter_of(n, dev)
        return {"ticket": engine.call_number(n, body.number).to_dict()}

    @app.post(
        f"{API}/windows/{{n}}/recall",
        response_model=wire.TicketAnswer,
        response_model_exclude_unset=True,
    )
    def recall(n: WindowNo, dev: Auth) -> dict[str, Any]:
        counter_of(n, dev)
        return {"ticket": engine.recall(n).to_dict()}

    @app.post(
        f"{API}/windows/{{n}}/skip",
        response_model=wire.TicketAnswer,
        response_model_exclude_unset=True,
    )
    def skip(n: WindowNo, dev: Auth) -> dict[str, Any]:
        counter_of(n, dev)
        return {"ticket": engine.skip(n).to_dict()}

    @app.post(
        f"{API}/windows/{{n}}/finish",
        response_model=wire.TicketAnswer,
        response_model_exclude_unset=True,
    )
    def finish(n: WindowNo, dev: Auth) -> dict[str, Any]:
        counter_of(n, dev)
        return {"ticket": engine.finish(n).to_dict()}

    @app.post(
        f"{API}/windows/{{n}}/pause",
        response_model=wire.WindowState,
        response_model_exclude_unset=True,
    )
    def pause(n: WindowNo, body: ReasonIn, dev: Auth) -> dict[str, Any]:
        counter_of(n, dev)
        return engine.pause(n, body.reason).to_dict()

    @app.post(
        f"{API}/windows/{{n}}/resume",
        response_model=wire.WindowState,
        response_model_exclude_unset=True,
    )
    def resume(n: WindowNo, dev: Auth) -> dict[str, Any]:
        counter_of(n, dev)
        return engine.resume(n).to_dict()

    @app.post(
        f"{API}/windows/{{n}}/transfer",
        response_model=wire.TicketAnswer,
        response_model_exclude_unset=True,
    )
    def transfer(n: WindowNo, body: TransferIn, dev: Auth) -> dict[str, Any]:
        counter_of(n, dev)
        ticket = engine.transfer(
            n, category=body.category, to_window=body.window, reason=body.reason
        )
        return {"ticket": ticket.to_dict()}

    @app.post(
        f"{API}/windows/{{n}}/rating",
        status_code=201,
        response_model=wire.Rating,
        response_model_exclude_unset=True,
    )
    def rating(n: WindowNo, body: RatingIn, dev: Auth) -> dict[str, Any]:
        counter_of(n, dev)
        return engine.rate(n, body.level, body.reason, ticket_id=body.ticket_id).to_dict()

    # -- clerks -------------------------------------------------------------------------------

    @app.post(
        f"{API}/windows/{{n}}/sign-in",
        response_model=wire.WindowState,
        response_model_exclude_unset=True,
    )
    def sign_in(n: WindowNo, body: SignInIn, dev: Auth) -> dict[str, Any]:
        counter_of(n, dev)
        return engine.sign_in(n, body.staff_no, body.pin).to_dict()

    @app.post(
        f"{API}/staff/confirm", response_model=wire.StaffMember, response_model_exclude_unset=True
    )
    def confirm_staff(
        body: StaffConfirmIn, dev: Annotated[Device, Depends(roles("kiosk"))]
    ) -> dict[str, Any]:
        """A kiosk's manual green lane: the member of staff whose PIN or ID card this is."""
        card = body.id_card
        member = engine.confirm_staff(dev.id, pin=body.pin, id_number=card)
        return {"number": member.number, "name": member.name}

    @app.post(
        f"{API}/windows/{{n}}/sign-out",
        response_model=wire.WindowState,
        response_model_exclude_unset=True,
    )
    def sign_out(n: WindowNo, dev: Auth) -> dict[str, Any]:
        counter_of(n, dev)
        return engine.sign_out(n).to_dict()

    @app.get(f"{API}/staff/{{number}}/photo", response_class=FileResponse)
    def staff_photo(number: str, _: Auth) -> FileResponse:
        path, media = find_photo(engine.config, number, photo_root or FilePath.cwd())
        return FileResponse(path, media_type=media, headers={"Cache-Control": "max-age=300"})

    # -- alerts and feedback ----------------------------------------------------------------

    @app.post(
        f"{API}/alerts",
        status_code=201,
        response_model=wire.Alert,
        response_model_exclude_unset=True,
    )
    def alert(body: AlertIn, dev: Auth) -> dict[str, Any]:
        return engine.alert(**body.model_dump(), sent_by=dev.name)

    @app.post(
        f"{API}/feedback",
        status_code=201,
        response_model=wire.Stored,
        response_model_exclude_unset=True,
    )
    def feedback(
        body: FeedbackIn, dev: Annotated[Device, Depends(roles("kiosk"))]
    ) -> dict[str, Any]:
        stored = engine.add_feedback(**body.model_dump(), source=dev.name)
        return {"id": stored["id"]}

    # -- queue overview, appointments ----------------------------------------------------------

    @app.get(f"{API}/queue", response_model=wire.QueueOverview, response_model_exclude_unset=True)
    def queue(_: Auth) -> dict[str, Any]:
        return {
            "waiting": engine.waiting_counts(),
            "today": engine.today_stats(),
            "categories": engine.category_waits(),
        }

    @app.post(f"{API}/appointments", status_code=201)
    def add_appointment(
        body: AppointmentIn, _: Annotated[Device, Depends(roles("admin"))]
    ) -> dict[str, Any]:
        return engine.add_appointment(**body.model_dump())

    # -- sync with central ---------------------------------------------------------------------

    @app.get(f"{API}/sync")
    def sync_status(
        request: Request, _: Annotated[Device, Depends(roles("admin"))]
    ) -> dict[str, Any]:
        # Set by hub.server when it builds the uplink; an app without one reports so.
        report: Callable[[], dict[str, Any]] | None = getattr(
            request.app.state, "sync_status", None
        )
        return report() if report else {"state": "not enrolled", "enrolled": False}

    # -- events --------------------------------------------------------------------------------

    @app.get(f"{API}/events", response_class=StreamingResponse)
    async def events(
        request: Request,
        dev: Auth,
        last_event_id: Annotated[str | None, Header()] = None,
        since: Annotated[int | None, Query(ge=0, le=sse.SEQ_MAX)] = None,
        types: Annotated[str | None, Query(max_length=500)] = None,
    ) -> StreamingResponse:
        start = sse.resume_point(last_event_id, since)
        wanted = frozenset(t.strip() for t in types.split(",") if t.strip()) if types else None

        async def current() -> int:
            return await run_in_threadpool(engine.last_seq)

        # Subscribes now: past its caps the answer is 429/503 with Retry-After, not a stream.
        return sse.stream_response(
            broker, dev.id, replayer.after, current, start, wanted, request.is_disconnected
        )

    install_web(app, engine, registry)  # /board/N and /display for Android TVs
    # 收件, a case's moves after it, 出件, lookups by receipt and by ID number
    install_cases(app, engine, device, cases or CaseLookup(engine, None))

    # -- management (people: the console's sessions, or the admin token) --------------------
    manage = actor_resolver(registry, sessions)
    app.state.manage_actor = manage
    install_followups(app, engine)  # 差评 follow-ups, feedback handling, alerts inbox
    install_reports(app, engine)  # figures: /reports, .xlsx, .csv, heat map
    install_sms(app, device)  # GET /sms, POST /tickets/{id}/sms (docs/sms.md)
    install_openapi(app)  # the document's security schemes, error answers and links
    return app
