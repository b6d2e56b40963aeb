"""The kiosk's ports over the real hub (``hub.client.HubClient``): tickets, check-in, progress,
feedback and the catalog (staff alerts go through :class:`hub.alert_sender.AlertSender`).

Against a hub without ``POST /api/v1/feedback`` or ``GET /api/v1/cases/{receipt}`` (an older
one, or one not answering), the adapters degrade instead of failing the citizen: feedback is
kept in a spool file in the kiosk's data folder and sent later; a case lookup says it is not
available here.

Every ticket request carries an ``Idempotency-Key`` (a uuid): when the hub could not be reached
(the request may have been issued, the answer lost), the same request again within
``RETRY_SECONDS`` reuses the key, so the hub answers the same ticket rather than a second number.

Whether the hall sends SMS (``GET /api/v1/sms``) is asked at most once every ``SMS_CHECK_SECONDS``
while tickets are issued, and marked on each waiting ticket (``TicketInfo.sms``); a hub without
that route, or one not answering it, counts as "no SMS".
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Hashable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from hub.client import HubClient, HubRefused, HubUnavailable
from kiosk.ports import (
    CaseProgress,
    CatalogFetch,
    Feedback,
    QueueWait,
    SwipedCard,
    TicketInfo,
    TicketRequest,
)

log = logging.getLogger(__name__)

SPOOL_NAME = "feedback.jsonl"
RETRY_SECONDS = 120.0  # a retry of the same ticket request reuses its key within this time
IDEMPOTENCY_HEADER = "Idempotency-Key"
SMS_CHECK_SECONDS = 60.0
_MISSING = frozenset({"not_found", "method_not_allowed"})  # the route itself is not there


def _card(card: SwipedCard | None) -> dict[str, str] | None:
    return {"number": card.id_number, "name": card.name} if card is not None else None


class HubClientPort:
    """HubPort over a HubClient (thread-safe for independent calls, as the client is)."""

    def __init__(self, client: HubClient, data_dir: str | Path) -> None:
        self._client = client
        self._spool = Path(data_dir) / SPOOL_NAME
        self._spool_lock = threading.Lock()
        self._http = requests.Session()
        self._http.headers["Authorization"] = f"Bearer {client.token}"
        self._key_lock = threading.Lock()
        self._unanswered: tuple[Hashable, str, float] | None = None
        self.last_key = ""  # the Idempotency-Key of the last ticket request (tests, logs)
        self._sms: tuple[float, bool] | None = None  # (when asked, the hall sends SMS)

    # -- tickets --------------------------------------------------------------------------------

    def _idempotent(self, identity: Hashable, fields: dict[str, Any]) -> dict[str, Any]:
        """POST /tickets with an Idempotency-Key: a new one, or the key of the same request
        whose answer never came (see the module docstring)."""
        now = time.monotonic()
        with self._key_lock:
            last = self._unanswered
            if last is not None and last[0] == identity and now - last[2] < RETRY_SECONDS:
                key = last[1]
            else:
                key = uuid.uuid4().hex
            self.last_key = key
        try:
            data = self._post_ticket(fields, key)
        except HubUnavailable:
            with self._key_lock:
                self._unanswered = (identity, key, now)
            raise
        except HubRefused:
            with self._key_lock:
                self._unanswered = None
            raise
        with self._key_lock:
            self._unanswered = None
        return data

    def _post_ticket(self, fields: dict[str, Any], key: str) -> dict[str, Any]:
        issue: Callable[..., dict[str, Any]] = self._client.issue_ticket
        if "idempotency_key" in inspect.signature(issue).parameters:
            return issue(**fields, idempotency_key=key)
        # A HubClient without idempotency_key= yet: the same call, with the header, here.
        body = {k: v for k, v in fields.items() if v is not None}
        url = f"{self._client.base_url}/api/v1/tickets"
        try:
            response = self._http.post(
                url, json=body, headers={IDEMPOTENCY_HEADER: key}, timeout=self._client.timeout
            )
        except requests.RequestException as err:
            raise HubUnavailable(f"无法连接集中控制器（{self._client.base_url}）") from err
        try:
            data = response.json()
        except ValueError as err:
            raise HubUnavailable(
                f"集中控制器返回了无法识别的内容（HTTP {response.status_code}）"
            ) from err
        if response.status_code >= 400 or not isinstance(data, dict):
            code = data.get("error", "http_error") if isinstance(data, dict) else "http_error"
            message = data.get("message", "") if isinstance(data, dict) else ""
            raise HubRefused(response.status_code, str(code), str(message))
        return data

    def issue_ticket(self, request: TicketRequest) -> TicketInfo:
        data = self._idempotent(
            ("issue", request),
            {
                "category": request.category,
                "item_id": request.item_id,
                "lane": request.lane,
                "green_group": request.green_group,
                "id_card": _card(request.card),
                "appointment_code": request.appointment_code,
            },
        )
        return self._with_sms(TicketInfo.from_api(data))

    def ticket_by_number(self, number: str) -> TicketInfo:
        return TicketInfo.from_api(self._client.ticket_by_number(number))

    def requeue(self, number: str) -> TicketInfo:
        return self._with_sms(TicketInfo.from_api(self._client.requeue(number)))

    def check_in(
        self,
        *,
        code: str | None = None,
        card: SwipedCard | None = None,
        category: str | None = None,
    ) -> TicketInfo:
        """By code: the appointment names its category. By card: the appointment lane, so the hub
        refuses (``appointment_required``) rather than issue an ordinary ticket when there is no
        appointment; a hub that needs the category answers ``category_required``."""
        identity = ("check_in", code, card, category)
        if code is not None:
            data = self._idempotent(identity, {"appointment_code": code, "id_card": _card(card)})
        else:
            fields = {"category": category, "lane": "appointment", "id_card": _card(card)}
            data = self._idempotent(identity, fields)
        return self._with_sms(TicketInfo.from_api(data))

    # -- SMS ------------------------------------------------------------------------------------

    def _with_sms(self, ticket: TicketInfo) -> TicketInfo:
        """``ticket`` marked ``sms`` when it waits and the hall sends SMS."""
        return replace(ticket, sms=True) if ticket.status == "waiting" and self.sms_on() else ticket

    def sms_on(self) -> bool:
        """Whether the hall sends SMS (``GET /sms``, asked at most once a minute). Never raises."""
        now = time.monotonic()
        cached = self._sms
        if cached is not None and now - cached[0] < SMS_CHECK_SECONDS:
            return cached[1]
        try:
            data = self._client.request("GET", "/sms")
            enabled = isinstance(data, dict) and data.get("enabled") is True
        except (HubRefused, HubUnavailable) as err:
            log.info("no SMS offered: %s", err)
            enabled = False
        self._sms = (now, enabled)
        return enabled

    def subscribe_sms(self, ticket_id: str, phone: str) -> str:
        data = self._client.subscribe_sms(ticket_id, phone)
        masked = data.get("phone_masked") if isinstance(data, dict) else None
        if not isinstance(masked, str):
            raise HubUnavailable("集中控制器的短信登记回答无法识别")
        return masked

    def case_progress(self, receipt: str) -> CaseProgress:
        try:
            data = self._client.request("GET", f"/cases/{quote(receipt, safe='')}")
        except HubRefused as err:
            if err.code in _MISSING:
                raise HubRefused(404, "case_lookup_unavailable", "hub has no case lookup") from err
            raise
        if not isinstance(data, dict):
            raise HubUnavailable("集中控制器返回的办件进度无法识别")
        return CaseProgress(
            receipt=str(data.get("receipt") or receipt),
            item_name=str(data.get("item_name") or ""),
            status=_case_status(data),
            accepted_on=_opt(data.get("accepted_on")),
            promised_on=_opt(data.get("promised_on")),
        )

    # -- feedback -------------------------------------------------------------------------------

    def send_feedback(self, feedback: Feedback) -> None:
        """Send it, or keep it in the spool to send later (hub away, or no feedback endpoint).
        Raises HubUnavailable only if it can be neither sent nor kept."""
        body = _feedback_body(feedback)
        try:
            self._client.request("POST", "/feedback", body)
            return
        except HubRefused as err:
            if err.code not in _MISSING:
                raise
        except HubUnavailable:
            pass
        try:
            self._keep(body)
        except OSError as err:
            raise HubUnavailable(f"意见无法保存：{err}") from err

    def _keep(self, body: dict[str, Any]) -> None:
        with self._spool_lock:
            self._spool.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._spool, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(body, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())

    def flush_feedback(self) -> int:
        """Send what the spool holds; returns how many were sent. Never raises."""
        with self._spool_lock:
            try:
                lines = self._spool.read_text(encoding="utf-8").splitlines()
            except OSError:
                return 0
            kept: list[str] = []
            sent = 0
            for line in lines:
                try:
                    self._client.request("POST", "/feedback", json.loads(line))
                    sent += 1
                except (HubUnavailable, HubRefused, ValueError):
                    kept.append(line)
            try:
                if kept:
                    temp = self._spool.with_suffix(".tmp")
                    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    with os.fdopen(fd, "w", encoding="utf-8") as handle:
                        handle.write("\n".join(kept) + "\n")
                    os.replace(temp, self._spool)
                else:
                    self._spool.unlink(missing_ok=True)
            except OSError as err:
                log.warning("cannot rewrite the feedback spool %s: %s", self._spool, err)
            return sent

    # -- queue ----------------------------------------------------------------------------------

    def queue_waits(self) -> dict[str, QueueWait]:
        """``GET /queue``'s ``categories``: waiting and estimated minutes per category code."""
        data = self._client.queue()
        categories = data.get("categories") if isinstance(data, dict) else None
        if not isinstance(categories, dict):
            raise HubUnavailable("集中控制器返回的排队情况无法识别")
        waits: dict[str, QueueWait] = {}
        for code, entry in categories.items():
            if not isinstance(entry, dict):
                continue
            try:
                minutes = entry.get("estimated_wait_minutes")
                waits[str(code)] = QueueWait(
                    int(entry.get("waiting") or 0), None if minutes is None else int(minutes)
                )
            except (TypeError, ValueError):
                log.warning("queue entry of %s unreadable: %r", code, entry)
        return waits

    # -- catalog, health ------------------------------------------------------------------------

    def fetch_catalog(self, etag: str | None) -> CatalogFetch:
        """``GET /catalog`` with ``If-None-Match`` when the kiosk has an ETag; a hub without ETag
        support answers 200 every time, and the caller compares ``version``."""
        headers = {"If-None-Match": etag} if etag else {}
        url = f"{self._client.base_url}/api/v1/catalog"
        try:
            response = self._http.get(url, headers=headers, timeout=self._client.timeout)
        except requests.RequestException as err:
            raise HubUnavailable(f"无法连接集中控制器（{self._client.base_url}）") from err
        if response.status_code == 304:
            return CatalogFetch(None, etag)
        try:
            data = response.json()
        except ValueError as err:
            raise HubUnavailable(f"目录内容无法识别（HTTP {response.status_code}）") from err
        if response.status_code >= 400 or not isinstance(data, dict):
            code = data.get("error", "error") if isinstance(data, dict) else "error"
            message = data.get("message", "") if isinstance(data, dict) else ""
            raise HubRefused(response.status_code, str(code), str(message))
        return CatalogFetch(data, response.headers.get("ETag"))

    def ping(self) -> None:
        self._client.health()

    def close(self) -> None:
        self._http.close()


def _feedback_body(feedback: Feedback) -> dict[str, Any]:
    return {"kind": feedback.kind, "reason": feedback.reason, "phone": feedback.phone}


def _case_status(data: dict[str, Any]) -> str:
    """The status as a citizen reads it (已受理), saying so when it is only the hall's record
    because the central platform could not be asked."""
    status = str(data.get("status_text") or data.get("status") or "")
    if data.get("central_reachable") is False and data.get("source") == "hall":
        status += "（本中心记录，政务服务平台暂时连不上，可能不是最新状态）"
    return status


def _opt(value: object) -> str | None:
    return None if value is None else str(value)
