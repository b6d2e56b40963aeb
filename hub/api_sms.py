"""The SMS routes of the hub's LAN API: whether the hall sends SMS, and a kiosk giving a waiting
ticket's phone number (docs/sms.md).

- ``GET /api/v1/sms`` (any device token): ``{"enabled", "near_ahead", "reason"}``; the kiosk
  offers 短信提醒 only when ``enabled``.
- ``POST /api/v1/tickets/{ticket_id}/sms`` (kiosk token) body ``{"phone": "13800000000"}``:
  keeps the number for that ticket (today, still waiting) → ``{"ticket_id", "number",
  "phone_masked", "near_ahead"}``. 422 ``bad_phone``, 404 ``unknown_ticket``, 409
  ``ticket_not_waiting`` or ``sms_off``.

The phone is never in an event, a log line or an answer in full. The running hub's
:class:`hub.sms.service.SmsService` is ``app.state.sms`` (absent: SMS off).

No ``from __future__ import annotations``: FastAPI reads the annotations at runtime.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Request
from pydantic import Field

from hub import wire
from hub.auth import Device, require
from hub.bodies import StrictBody
from hub.errors import Conflict
from hub.sms.service import SmsService

API = "/api/v1"


class PhoneIn(StrictBody):
    phone: str = Field(min_length=1, max_length=20)


def _service(request: Request) -> SmsService | None:
    service = getattr(request.app.state, "sms", None)
    return service if isinstance(service, SmsService) else None


def install_sms(app: FastAPI, device: Callable[..., Awaitable[Device]]) -> None:
    """Add the SMS routes to the hub's ``app``; ``device`` is the API's token dependency."""
    Auth = Annotated[Device, Depends(device)]

    @app.get(f"{API}/sms", response_model=wire.SmsStatus, response_model_exclude_unset=True)
    def sms_status(request: Request, _: Auth) -> dict[str, Any]:
        """Whether this hall sends SMS (the kiosk then offers 短信提醒)."""
        service = _service(request)
        if service is None:
            return {"enabled": False, "near_ahead": None, "reason": "本厅未配置短信网关"}
        return service.status()

    @app.post(
        f"{API}/tickets/{{ticket_id}}/sms",
        status_code=201,
        response_model=wire.SmsSubscribed,
        response_model_exclude_unset=True,
    )
    def subscribe(
        request: Request,
        body: PhoneIn,
        dev: Auth,
        ticket_id: Annotated[str, Path(max_length=64)],
    ) -> dict[str, Any]:
        """Text this waiting ticket's holder when their turn nears and when it is called."""
        require(dev, ("kiosk",))
        service = _service(request)
        if service is None:
            raise Conflict("sms_off", "本厅暂未开通短信提醒")
        return service.subscribe(ticket_id, body.phone)
