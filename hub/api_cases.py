"""The case after 收件 on the hub's LAN API: a window moves it on, hands it out, finds a person's.

Routes (docs/hub.md, "Cases"), for a counter token of any window or the admin token:

- ``POST /api/v1/cases/{receipt}/status`` — 办理中, 需补正 (with every missing material),
  不予受理 (with the reason; the basis comes from the catalog), 已办结待领取, 已办结;
- ``POST /api/v1/cases/{receipt}/deliver`` — 出件/领取, once the citizen confirmed on the keypad;
- ``POST /api/v1/cases/lookup`` — the cases of the holder of an ID number, newest first.

Each answers the case dict (:meth:`hub.case_model.Case.to_dict`) with its ``phone_url``. The rules are the engine's
(:mod:`hub.case_moves`). No ``from __future__ import annotations``: FastAPI reads them at runtime.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Path, Request
from pydantic import Field, StrictBool

from hub import wire
from hub.auth import Device, require
from hub.bodies import StrictBody
from hub.case_lookup import CaseLookup
from hub.case_model import Case
from hub.engine import QueueEngine
from hub.errors import NotFound
from hub.phone.links import CASE
from hub.phone.routes import phone_url

API = "/api/v1"
WINDOW_MAX = 999  # config.schema.Window.number

Receipt = Annotated[str, Path(min_length=1, max_length=32, description="receipt number (SJ…)")]
Material = Annotated[str, Field(min_length=1, max_length=200)]


class CaseStatusIn(StrictBody):
    status: Literal["processing", "correction", "rejected", "ready", "completed"]
    window: int = Field(ge=1, le=WINDOW_MAX)
    missing: list[Material] = Field(default_factory=list, max_length=100)
    reason: str | None = Field(None, max_length=500)
    pickup_window: int | None = Field(None, ge=1, le=WINDOW_MAX)


class DeliverIn(StrictBody):
    window: int = Field(ge=1, le=WINDOW_MAX)
    confirmed: StrictBool


class CaseIn(StrictBody):
    window: int = Field(ge=1, le=999)
    item_id: str = Field(min_length=1, max_length=64)
    materials_received: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=100
    )
    ticket_id: str | None = Field(None, max_length=64)
    applicant: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, pattern=r"^\+?[0-9][0-9 -]{4,19}$")
    id_number: str | None = Field(None, min_length=15, max_length=18)  # kept only hashed


class PersonIn(StrictBody):
    id_number: str = Field(min_length=15, max_length=18)


def install_cases(
    app: FastAPI,
    engine: QueueEngine,
    device: Callable[..., Awaitable[Device]],
    lookup: CaseLookup,
) -> None:
    """Add the case routes to ``app``; ``device`` is the API's token dependency, ``lookup``
    answers receipt lookups (central first when the hub is enrolled)."""
    Auth = Annotated[Device, Depends(device)]

    def counter(dev: Device) -> None:
        require(dev, ("counter",))  # any window's counter, or the admin token

    def answer(case: Case, request: Request) -> dict[str, Any]:
        return {**case.to_dict(), "phone_url": phone_url(engine, CASE, case.receipt, request)}

    @app.post(
        f"{API}/cases", status_code=201, response_model=wire.Case, response_model_exclude_unset=True
    )
    def accept_case(request: Request, body: CaseIn, dev: Auth) -> dict[str, Any]:
        require(dev, ("counter",), window=body.window)
        return answer(engine.accept_case(**body.model_dump()), request)

    @app.get(
        f"{API}/cases/{{receipt}}", response_model=wire.Case, response_model_exclude_unset=True
    )
    def case(request: Request, receipt: str, dev: Auth) -> dict[str, Any]:
        found = lookup.find(receipt)
        if dev.role not in ("counter", "admin"):
            return found  # a kiosk's 办件进度: the citizen's few fields
        try:  # a window works on the case: the hall's whole record, central's status on top
            held = engine.case(receipt)
        except NotFound:
            return found
        return {**answer(held, request), **found}

    @app.post(f"{API}/cases/lookup", response_model=wire.Cases, response_model_exclude_unset=True)
    def cases_for_person(request: Request, body: PersonIn, dev: Auth) -> dict[str, Any]:
        counter(dev)
        return {"cases": [answer(c, request) for c in engine.cases_for_person(body.id_number)]}

    @app.post(
        f"{API}/cases/{{receipt}}/status",
        response_model=wire.Case,
        response_model_exclude_unset=True,
    )
    def case_status(
        request: Request, receipt: Receipt, body: CaseStatusIn, dev: Auth
    ) -> dict[str, Any]:
        counter(dev)
        case = engine.move_case(
            receipt,
            body.status,
            window=body.window,
            missing=body.missing,
            reason=body.reason,
            pickup_window=body.pickup_window,
        )
        return answer(case, request)

    @app.post(
        f"{API}/cases/{{receipt}}/deliver",
        response_model=wire.Case,
        response_model_exclude_unset=True,
    )
    def deliver_case(
        request: Request, receipt: Receipt, body: DeliverIn, dev: Auth
    ) -> dict[str, Any]:
        counter(dev)
        case = engine.deliver_case(receipt, window=body.window, confirmed=body.confirmed)
        return answer(case, request)
