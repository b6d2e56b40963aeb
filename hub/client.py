"""The typed client of the hub's LAN API. Apps use this; they never speak raw HTTP.

Each call answers the hub's wire model (:mod:`hub.wire`: a ticket, a window state, a case, …),
read once here. Every call raises :class:`HubUnavailable` when the hub cannot be reached or
answers something it cannot read (say so on screen and retry), or :class:`HubRefused` with the
hub's error code, plain message and ``details`` otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from http.client import RemoteDisconnected
from typing import Any, NoReturn, TypeVar, overload
from urllib.parse import quote

import requests
from pydantic import ValidationError

from hub import wire
from hub.errors import HubError
from hub.wire_events import EventPayload, decode_event

W = TypeVar("W", bound=wire.Wire)


class HubUnavailable(HubError):
    """The hub did not answer (network down, hub restarting, timeout)."""

    status = 503

    def __init__(self, message: str) -> None:
        super().__init__("hub_unavailable", message)


class HubRefused(HubError):
    """The hub answered with an error: ``status``, ``code``, its ``message`` and ``details``
    (the facts of a domain refusal as an object, else empty)."""

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(code, message, details or {})
        self.status = status


@dataclass(frozen=True)
class StreamEvent:
    """One server-sent event from the hub."""

    seq: int
    type: str
    data: dict[str, Any]

    @property
    def payload(self) -> dict[str, Any]:
        payload = self.data.get("payload", {})
        return payload if isinstance(payload, dict) else {}

    @cached_property
    def message(self) -> EventPayload | None:
        """The payload read by its model (:func:`hub.wire_events.decode_event`), once: None
        for an event type no app reads, and for a payload its model cannot read (logged)."""
        return decode_event(self.type, self.data.get("payload"))


def _reset_idle(err: requests.ConnectionError) -> bool:
    """True when ``err`` is a connection the other side closed or reset before answering
    (``Connection aborted``), not a refused or unreachable address."""
    seen: list[BaseException] = [err]
    while seen and len(seen) < 8:  # requests' error, urllib3's, the socket's
        cause = seen[-1]
        if isinstance(cause, ConnectionResetError | BrokenPipeError | RemoteDisconnected):
            return True
        wrapped = [a for a in cause.args if isinstance(a, BaseException)]
        following = cause.__cause__ or cause.__context__ or (wrapped[-1] if wrapped else None)
        if following is None:
            break
        seen.append(following)
    return False


class HubClient:
    """Talks to one hub with one device token. Thread-safe for independent calls."""

    def __init__(self, base_url: str, token: str, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {token}"

    def _url(self, path: str) -> str:
        return f"{self.base_url}/api/v1{path}"

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """One API call; returns the decoded JSON (None for 204 and 304)."""
        response = self._send(method, path, json=body, headers=headers)
        if response.status_code in (204, 304):
            return None
        try:
            data = response.json()
        except ValueError as err:
            raise HubUnavailable(
                f"集中控制器返回了无法识别的内容（HTTP {response.status_code}）"
            ) from err
        if response.status_code >= 400:
            _refuse(response, data)
        return data

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send one call. A kept-alive connection the hub closed as idle just as the call went
        out is reset before any answer: that call never reached the hub, so it is sent once
        more on a new connection. A timeout is never sent again (the hub may be doing it)."""
        for attempt in (1, 2):
            try:
                return self._session.request(
                    method, self._url(path), timeout=self.timeout, **kwargs
                )
            except requests.Timeout as err:
                raise HubUnavailable(f"无法连接集中控制器（{self.base_url}）") from err
            except requests.ConnectionError as err:
                if attempt == 1 and _reset_idle(err):
                    continue
                raise HubUnavailable(f"无法连接集中控制器（{self.base_url}）") from err
            except requests.RequestException as err:
                raise HubUnavailable(f"无法连接集中控制器（{self.base_url}）") from err
        raise AssertionError("unreachable")  # pragma: no cover

    def _raw(
        self, method: str, path: str, headers: dict[str, str] | None = None
    ) -> requests.Response:
        """One call whose answer is not JSON (a file, a 304); errors as :meth:`request`."""
        response = self._send(method, path, headers=headers)
        if response.status_code >= 400:
            _refuse(response)
        return response

    # -- the contract --------------------------------------------------------------------------

    def _read(self, model: type[W], data: Any) -> W:
        """``data`` read as ``model``; HubUnavailable when it is not one (another hub version)."""
        try:
            return model.model_validate(data)
        except ValidationError as err:
            problem = err.errors()[0]
            where = ".".join(str(p) for p in problem.get("loc", ()))
            raise HubUnavailable(
                f"集中控制器的回答无法识别（{model.__name__}: {where or '-'} {problem.get('msg')}）"
            ) from err

    def health(self) -> wire.Health:
        return self._read(wire.Health, self.request("GET", "/health"))

    @overload
    def catalog(self, if_none_match: None = None) -> wire.Catalog: ...

    @overload
    def catalog(self, if_none_match: str) -> wire.Catalog | None: ...

    def catalog(self, if_none_match: str | None = None) -> wire.Catalog | None:
        """The hall's catalog, or None when it is still the one whose ``version`` (the ETag,
        quoted or not) is ``if_none_match``."""
        data, _ = self.catalog_json(if_none_match)
        return None if data is None else self._read(wire.Catalog, data)

    def catalog_json(self, if_none_match: str | None = None) -> tuple[dict[str, Any] | None, str]:
        """The whole catalog as JSON (guides, windows, rules: what a kiosk keeps) and its ETag;
        ``(None, if_none_match)`` when it is still the one whose ETag is ``if_none_match``."""
        headers = None
        if if_none_match:
            tag = if_none_match if if_none_match.startswith(('"', "W/")) else f'"{if_none_match}"'
            headers = {"If-None-Match": tag}
        response = self._raw("GET", "/catalog", headers=headers)
        if response.status_code == 304:
            return None, if_none_match or ""
        try:
            data = response.json()
        except ValueError as err:
            raise HubUnavailable(f"目录内容无法识别（HTTP {response.status_code}）") from err
        if not isinstance(data, dict):
            raise HubUnavailable(f"目录内容无法识别（HTTP {response.status_code}）")
        return data, response.headers.get("ETag", "")

    def add_device(self, role: str, name: str, window: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"role": role, "name": name}
        if window is not None:
            body["window"] = window
        result: dict[str, Any] = self.request("POST", "/devices", body)
        return result

    def list_devices(self) -> list[dict[str, Any]]:
        """Every device token (admin token only): active ones first, then revoked ones
        (``revoked_at`` set), each with ``last_seen`` (UTC ISO or None) and ``health``."""
        result: dict[str, Any] = self.request("GET", "/devices")
        devices: list[dict[str, Any]] = result["devices"]
        return devices

    def revoke_device(self, device_id: str) -> None:
        """Revoke a device token (admin token only): its next request gets 401 and its event
        streams end. HubRefused ``unknown_device`` (404), ``admin_token`` or
        ``already_revoked`` (409)."""
        self.request("DELETE", f"/devices/{quote(device_id, safe='')}")

    def issue_ticket(self, idempotency_key: str | None = None, **fields: Any) -> wire.Ticket:
        """Fields as the API takes them: category or item_id, lane, green_group, id_card, …

        Send the same ``idempotency_key`` when retrying a request whose answer was lost: the
        hub answers the ticket it already issued for it (within the service day).
        """
        body = {k: v for k, v in fields.items() if v is not None}
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self._read(wire.Ticket, self.request("POST", "/tickets", body, headers))

    def ticket(self, ticket_id: str) -> wire.Ticket:
        return self._read(wire.Ticket, self.request("GET", f"/tickets/{ticket_id}"))

    def ticket_by_number(self, number: str) -> wire.Ticket:
        return self._read(wire.Ticket, self.request("GET", f"/tickets/by-number/{number}"))

    def sms_status(self) -> wire.SmsStatus:
        """Whether the hall sends SMS (``GET /sms``), from how many ahead, else why not."""
        return self._read(wire.SmsStatus, self.request("GET", "/sms"))

    def subscribe_sms(self, ticket_id: str, phone: str) -> wire.SmsSubscribed:
        """Text a waiting ticket's holder at ``phone`` (kiosk; docs/sms.md): its number and
        the masked phone."""
        data = self.request("POST", f"/tickets/{ticket_id}/sms", {"phone": phone})
        return self._read(wire.SmsSubscribed, data)

    def requeue(self, number: str) -> wire.Ticket:
        return self._read(wire.Ticket, self.request("POST", "/tickets/requeue", {"number": number}))

    def _ticket(self, path: str, body: dict[str, Any] | None = None) -> wire.Ticket:
        return self._read(wire.TicketAnswer, self.request("POST", path, body)).ticket

    def call_next(self, window: int) -> wire.Ticket | None:
        """The called ticket, or None when nobody waits for this window."""
        data = self.request("POST", f"/windows/{window}/call-next")
        return None if data is None else self._read(wire.TicketAnswer, data).ticket

    def call_number(self, window: int, number: str) -> wire.Ticket:
        return self._ticket(f"/windows/{window}/call", {"number": number})

    def recall(self, window: int) -> wire.Ticket:
        return self._ticket(f"/windows/{window}/recall")

    def skip(self, window: int) -> wire.Ticket:
        return self._ticket(f"/windows/{window}/skip")

    def finish(self, window: int) -> wire.Ticket:
        return self._ticket(f"/windows/{window}/finish")

    def pause(self, window: int, reason: str) -> wire.WindowState:
        data = self.request("POST", f"/windows/{window}/pause", {"reason": reason})
        return self._read(wire.WindowState, data)

    def resume(self, window: int) -> wire.WindowState:
        return self._read(wire.WindowState, self.request("POST", f"/windows/{window}/resume"))

    def transfer(
        self,
        window: int,
        *,
        category: str | None = None,
        to_window: int | None = None,
        reason: str | None = None,
    ) -> wire.Ticket:
        body: dict[str, Any] = {"category": category, "window": to_window, "reason": reason}
        body = {k: v for k, v in body.items() if v is not None}
        return self._ticket(f"/windows/{window}/transfer", body)

    def rate(
        self, window: int, level: int, reason: str | None = None, ticket_id: str | None = None
    ) -> wire.Rating:
        """Post a rating; ``ticket_id`` names the finished ticket rated (else the window's
        latest finished one)."""
        body: dict[str, Any] = {"level": level}
        if reason is not None:
            body["reason"] = reason
        if ticket_id is not None:
            body["ticket_id"] = ticket_id
        return self._read(wire.Rating, self.request("POST", f"/windows/{window}/rating", body))

    def window(self, window: int) -> wire.WindowState:
        """The window's state with its ``today`` figures."""
        return self._read(wire.WindowState, self.request("GET", f"/windows/{window}"))

    def windows(self) -> list[wire.WindowState]:
        return list(self._read(wire.Windows, self.request("GET", "/windows")).windows)

    def queue(self) -> wire.QueueOverview:
        return self._read(wire.QueueOverview, self.request("GET", "/queue"))

    def add_appointment(self, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", "/appointments", fields)
        return result

    # -- clerks ---------------------------------------------------------------------------------

    def sign_in(self, window: int, staff_no: str, pin: str) -> wire.WindowState:
        """Sign a clerk in at ``window``; the window state. Refusals: ``unknown_staff``,
        ``pin_wrong`` (403, tries left in the message), ``staff_locked`` (423),
        ``staff_not_allowed``."""
        body = {"staff_no": staff_no, "pin": pin}
        return self._read(
            wire.WindowState, self.request("POST", f"/windows/{window}/sign-in", body)
        )

    def confirm_staff(
        self, *, pin: str | None = None, id_card: str | None = None
    ) -> wire.StaffMember:
        """A kiosk's green lane: the number and name of the active member of staff whose PIN
        or ID card this is. Refusals: ``staff_not_confirmed`` (403), ``confirm_locked`` (423)."""
        body = {"pin": pin} if pin is not None else {"id_card": id_card}
        return self._read(wire.StaffMember, self.request("POST", "/staff/confirm", body))

    def sign_out(self, window: int) -> wire.WindowState:
        """Sign the clerk out of ``window``; the window state (409 ``still_serving``)."""
        return self._read(wire.WindowState, self.request("POST", f"/windows/{window}/sign-out"))

    def staff_photo(self, number: str) -> bytes:
        """The photo file of staff ``number`` (JPEG or PNG bytes); HubRefused ``no_photo``."""
        return self._raw("GET", f"/staff/{number}/photo").content

    def clerk_photo(self, address: str) -> bytes:
        """The photo at ``address``, a window state's ``clerk.photo`` (``/api/v1/staff/N/photo?v=…``);
        HubRefused ``no_photo``."""
        return self._raw("GET", address.removeprefix("/api/v1")).content

    # -- cases -----------------------------------------------------------------------------------

    def accept_case(self, **fields: Any) -> wire.Case:
        """Accept a case: ``window``, ``item_id``, ``materials_received``, and optionally
        ``ticket_id``, ``applicant``, ``phone``; the receipt (``unknown_item``,
        ``unknown_material``)."""
        return self._read(wire.Case, self.request("POST", "/cases", fields))

    def case(self, receipt: str) -> wire.Case:
        """A receipt's status with ``source`` and ``central_reachable`` (``unknown_case`` 404,
        ``central_unavailable`` 503); a counter's lookup has the hall's whole record."""
        return self._read(wire.Case, self.request("GET", f"/cases/{quote(receipt, safe='')}"))

    # -- alerts and feedback ---------------------------------------------------------------------

    def case_status(self, receipt: str, status: str, window: int, **fields: Any) -> wire.Case:
        """Move a case on at ``window`` (``missing`` for 补正, ``reason`` for 不予受理,
        ``pickup_window`` for 待领取); the case dict. 409 ``bad_case_move`` when not allowed."""
        body = {"status": status, "window": window, **fields}
        data = self.request("POST", f"/cases/{quote(receipt, safe='')}/status", body)
        return self._read(wire.Case, data)

    def deliver_case(self, receipt: str, window: int, confirmed: bool = True) -> wire.Case:
        """Hand a finished case over (出件/领取) after the citizen confirmed on the keypad."""
        body = {"window": window, "confirmed": confirmed}
        data = self.request("POST", f"/cases/{quote(receipt, safe='')}/deliver", body)
        return self._read(wire.Case, data)

    def cases_for_person(self, id_number: str) -> list[wire.Case]:
        """The cases of the holder of ``id_number``, newest first."""
        data = self.request("POST", "/cases/lookup", {"id_number": id_number})
        return list(self._read(wire.Cases, data).cases)

    def alert(self, **fields: Any) -> wire.Alert:
        """Tell staff a device needs them: ``source``, ``device``, ``problem``, ``detail``."""
        return self._read(wire.Alert, self.request("POST", "/alerts", fields))

    def feedback(self, **fields: Any) -> wire.Stored:
        """Leave feedback: ``kind`` (suggestion, unresolved), ``reason``, ``phone``; its id."""
        return self._read(wire.Stored, self.request("POST", "/feedback", fields))

    # -- live events ---------------------------------------------------------------------------

    def events(
        self, last_event_id: int | None = None, read_timeout: float = 30.0
    ) -> Iterator[StreamEvent]:
        """Follow the hub's event stream (blocking iterator). Ends when the stream ends;
        raises HubUnavailable if it cannot be opened. Resume with the last ``seq`` you saw."""
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        try:
            response = self._session.get(
                self._url("/events"),
                headers=headers,
                stream=True,
                timeout=(self.timeout, read_timeout),
            )
        except requests.RequestException as err:
            raise HubUnavailable(f"无法连接集中控制器（{self.base_url}）") from err
        if response.status_code != 200:
            raise HubRefused(response.status_code, "events_refused", response.text[:200])
        try:
            yield from parse_sse(response.iter_lines(decode_unicode=True))
        except requests.RequestException as err:
            raise HubUnavailable("与集中控制器的事件连接中断") from err
        finally:
            response.close()

    def close(self) -> None:
        self._session.close()


def _refuse(response: requests.Response, data: Any = None) -> NoReturn:
    """Raise HubRefused from an error answer (HubUnavailable if it is not the hub's JSON)."""
    if data is None:
        try:
            data = response.json()
        except ValueError as err:
            raise HubUnavailable(
                f"集中控制器返回了无法识别的内容（HTTP {response.status_code}）"
            ) from err
    code = data.get("error", "error") if isinstance(data, dict) else "error"
    message = data.get("message", "") if isinstance(data, dict) else str(data)
    details = data.get("details") if isinstance(data, dict) else None
    facts = details if isinstance(details, dict) else None  # a 422 lists field problems
    raise HubRefused(response.status_code, str(code), str(message), facts)


def parse_sse(lines: Iterator[str]) -> Iterator[StreamEvent]:
    """Turn SSE lines into events (comments and retry lines are skipped)."""
    seq: int | None = None
    kind = "message"
    data: list[str] = []
    for line in lines:
        if line == "":
            if data and seq is not None:
                yield StreamEvent(seq, kind, json.loads("\n".join(data)))
            seq, kind, data = None, "message", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "id":
            seq = int(value) if value.isdigit() else None
        elif field == "event":
            kind = value
        elif field == "data":
            data.append(value)
