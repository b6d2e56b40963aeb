"""The typed client of the hub's LAN API. Apps use this; they never speak raw HTTP.

Every call raises :class:`HubUnavailable` when the hub cannot be reached (say so on screen and
retry), or :class:`HubRefused` with the hub's error code and plain message otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NoReturn, overload
from urllib.parse import quote

import requests

from hub.errors import HubError


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
        try:
            response = self._session.request(
                method, self._url(path), json=body, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as err:
            raise HubUnavailable(f"无法连接集中控制器（{self.base_url}）") from err
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

    def _raw(
        self, method: str, path: str, headers: dict[str, str] | None = None
    ) -> requests.Response:
        """One call whose answer is not JSON (a file, a 304); errors as :meth:`request`."""
        try:
            response = self._session.request(
                method, self._url(path), headers=headers, timeout=self.timeout
            )
        except requests.RequestException as err:
            raise HubUnavailable(f"无法连接集中控制器（{self.base_url}）") from err
        if response.status_code >= 400:
            _refuse(response)
        return response

    # -- the contract --------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", "/health")
        return result

    @overload
    def catalog(self, if_none_match: None = None) -> dict[str, Any]: ...

    @overload
    def catalog(self, if_none_match: str) -> dict[str, Any] | None: ...

    def catalog(self, if_none_match: str | None = None) -> dict[str, Any] | None:
        """The hall's catalog, or None when it is still the one whose ``version`` (the ETag,
        quoted or not) is ``if_none_match``."""
        headers = None
        if if_none_match:
            tag = if_none_match if if_none_match.startswith(('"', "W/")) else f'"{if_none_match}"'
            headers = {"If-None-Match": tag}
        result: dict[str, Any] | None = self.request("GET", "/catalog", headers=headers)
        return result

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

    def issue_ticket(self, idempotency_key: str | None = None, **fields: Any) -> dict[str, Any]:
        """Fields as the API takes them: category or item_id, lane, green_group, id_card, …

        Send the same ``idempotency_key`` when retrying a request whose answer was lost: the
        hub answers the ticket it already issued for it (within the service day).
        """
        body = {k: v for k, v in fields.items() if v is not None}
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        result: dict[str, Any] = self.request("POST", "/tickets", body, headers)
        return result

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/tickets/{ticket_id}")
        return result

    def ticket_by_number(self, number: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/tickets/by-number/{number}")
        return result

    def subscribe_sms(self, ticket_id: str, phone: str) -> dict[str, Any]:
        """Text a waiting ticket's holder at ``phone`` (kiosk; docs/sms.md): its number and
        the masked phone."""
        result: dict[str, Any] = self.request("POST", f"/tickets/{ticket_id}/sms", {"phone": phone})
        return result

    def requeue(self, number: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", "/tickets/requeue", {"number": number})
        return result

    def call_next(self, window: int) -> dict[str, Any] | None:
        """The called ticket, or None when nobody waits for this window."""
        data = self.request("POST", f"/windows/{window}/call-next")
        return None if data is None else dict(data["ticket"])

    def call_number(self, window: int, number: str) -> dict[str, Any]:
        return dict(self.request("POST", f"/windows/{window}/call", {"number": number})["ticket"])

    def recall(self, window: int) -> dict[str, Any]:
        return dict(self.request("POST", f"/windows/{window}/recall")["ticket"])

    def skip(self, window: int) -> dict[str, Any]:
        return dict(self.request("POST", f"/windows/{window}/skip")["ticket"])

    def finish(self, window: int) -> dict[str, Any]:
        return dict(self.request("POST", f"/windows/{window}/finish")["ticket"])

    def pause(self, window: int, reason: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "POST", f"/windows/{window}/pause", {"reason": reason}
        )
        return result

    def resume(self, window: int) -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", f"/windows/{window}/resume")
        return result

    def transfer(
        self,
        window: int,
        *,
        category: str | None = None,
        to_window: int | None = None,
        reason: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"category": category, "window": to_window, "reason": reason}
        body = {k: v for k, v in body.items() if v is not None}
        return dict(self.request("POST", f"/windows/{window}/transfer", body)["ticket"])

    def rate(
        self, window: int, level: int, reason: str | None = None, ticket_id: str | None = None
    ) -> dict[str, Any]:
        """Post a rating; ``ticket_id`` names the finished ticket rated (else the window's
        latest finished one)."""
        body: dict[str, Any] = {"level": level}
        if reason is not None:
            body["reason"] = reason
        if ticket_id is not None:
            body["ticket_id"] = ticket_id
        result: dict[str, Any] = self.request("POST", f"/windows/{window}/rating", body)
        return result

    def window(self, window: int) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/windows/{window}")
        return result

    def windows(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/windows")["windows"])

    def queue(self) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", "/queue")
        return result

    def add_appointment(self, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", "/appointments", fields)
        return result

    # -- clerks ---------------------------------------------------------------------------------

    def sign_in(self, window: int, staff_no: str, pin: str) -> dict[str, Any]:
        """Sign a clerk in at ``window``; the window state. Refusals: ``unknown_staff``,
        ``pin_wrong`` (403, tries left in the message), ``staff_locked`` (423),
        ``staff_not_allowed``."""
        result: dict[str, Any] = self.request(
            "POST", f"/windows/{window}/sign-in", {"staff_no": staff_no, "pin": pin}
        )
        return result

    def confirm_staff(
        self, *, pin: str | None = None, id_card: str | None = None
    ) -> dict[str, Any]:
        """A kiosk's green lane: ``{"number", "name"}`` of the active member of staff whose PIN
        or ID card this is. Refusals: ``staff_not_confirmed`` (403), ``confirm_locked`` (423)."""
        body = {"pin": pin} if pin is not None else {"id_card": id_card}
        result: dict[str, Any] = self.request("POST", "/staff/confirm", body)
        return result

    def sign_out(self, window: int) -> dict[str, Any]:
        """Sign the clerk out of ``window``; the window state (409 ``still_serving``)."""
        result: dict[str, Any] = self.request("POST", f"/windows/{window}/sign-out")
        return result

    def staff_photo(self, number: str) -> bytes:
        """The photo file of staff ``number`` (JPEG or PNG bytes); HubRefused ``no_photo``."""
        return self._raw("GET", f"/staff/{number}/photo").content

    # -- cases -----------------------------------------------------------------------------------

    def accept_case(self, **fields: Any) -> dict[str, Any]:
        """Accept a case: ``window``, ``item_id``, ``materials_received``, and optionally
        ``ticket_id``, ``applicant``, ``phone``; the receipt (``unknown_item``,
        ``unknown_material``)."""
        result: dict[str, Any] = self.request("POST", "/cases", fields)
        return result

    def case(self, receipt: str) -> dict[str, Any]:
        """A receipt's status with ``source`` and ``central_reachable`` (``unknown_case`` 404,
        ``central_unavailable`` 503)."""
        result: dict[str, Any] = self.request("GET", f"/cases/{quote(receipt, safe='')}")
        return result

    # -- alerts and feedback ---------------------------------------------------------------------

    def case_status(self, receipt: str, status: str, window: int, **fields: Any) -> dict[str, Any]:
        """Move a case on at ``window`` (``missing`` for 补正, ``reason`` for 不予受理,
        ``pickup_window`` for 待领取); the case dict. 409 ``bad_case_move`` when not allowed."""
        body = {"status": status, "window": window, **fields}
        result: dict[str, Any] = self.request(
            "POST", f"/cases/{quote(receipt, safe='')}/status", body
        )
        return result

    def deliver_case(self, receipt: str, window: int, confirmed: bool = True) -> dict[str, Any]:
        """Hand a finished case over (出件/领取) after the citizen confirmed on the keypad."""
        body = {"window": window, "confirmed": confirmed}
        result: dict[str, Any] = self.request(
            "POST", f"/cases/{quote(receipt, safe='')}/deliver", body
        )
        return result

    def cases_for_person(self, id_number: str) -> list[dict[str, Any]]:
        """The cases of the holder of ``id_number``, newest first."""
        result = self.request("POST", "/cases/lookup", {"id_number": id_number})
        return list(result["cases"])

    def alert(self, **fields: Any) -> dict[str, Any]:
        """Tell staff a device needs them: ``source``, ``device``, ``problem``, ``detail``."""
        result: dict[str, Any] = self.request("POST", "/alerts", fields)
        return result

    def feedback(self, **fields: Any) -> dict[str, Any]:
        """Leave feedback: ``kind`` (suggestion, unresolved), ``reason``, ``phone``; ``{"id"}``."""
        result: dict[str, Any] = self.request("POST", "/feedback", fields)
        return result

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
