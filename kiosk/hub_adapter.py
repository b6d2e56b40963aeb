"""The kiosk's ports over the real hub (``hub.client.HubClient``): tickets, check-in, progress,
feedback and the catalog (staff alerts go through :class:`hub.alert_sender.AlertSender`).

Each answer is the hub's wire model (:mod:`hub.wire`), read once by the client; the kiosk's
hub is of the same release, so a route it does not have is just a refusal with its sentence.
Feedback the hub cannot take now (it does not answer) is kept in a spool file in the kiosk's
data folder and sent later.

Every ticket request carries an ``Idempotency-Key`` (a uuid): when the hub could not be reached
(the request may have been issued, the answer lost), the same request again within
``RETRY_SECONDS`` reuses the key, so the hub answers the same ticket rather than a second number.

Whether the hall sends SMS (``GET /api/v1/sms``) is asked at most once every ``SMS_CHECK_SECONDS``
while tickets are issued, and marked on each waiting ticket (``TicketInfo.sms``); a hub that
refuses or does not answer counts as "no SMS".
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Hashable
from dataclasses import replace
from pathlib import Path
from typing import Any

from hub import wire
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
SMS_CHECK_SECONDS = 60.0


def _card(card: SwipedCard | None) -> dict[str, str] | None:
    return {"number": card.id_number, "name": card.name} if card is not None else None


class HubClientPort:
    """HubPort over a HubClient (thread-safe for independent calls, as the client is)."""

    def __init__(self, client: HubClient, data_dir: str | Path) -> None:
        self._client = client
        self._spool = Path(data_dir) / SPOOL_NAME
        self._spool_lock = threading.Lock()
        self._key_lock = threading.Lock()
        self._unanswered: tuple[Hashable, str, float] | None = None
        self.last_key = ""  # the Idempotency-Key of the last ticket request (tests, logs)
        self._sms: tuple[float, bool] | None = None  # (when asked, the hall sends SMS)

    # -- tickets --------------------------------------------------------------------------------

    def _idempotent(self, identity: Hashable, fields: dict[str, Any]) -> wire.Ticket:
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
            ticket = self._client.issue_ticket(**fields, idempotency_key=key)
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
        return ticket

    def issue_ticket(self, request: TicketRequest) -> TicketInfo:
        ticket = self._idempotent(
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
        return self._with_sms(TicketInfo.from_wire(ticket))

    def ticket_by_number(self, number: str) -> TicketInfo:
        return TicketInfo.from_wire(self._client.ticket_by_number(number))

    def requeue(self, number: str) -> TicketInfo:
        return self._with_sms(TicketInfo.from_wire(self._client.requeue(number)))

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
            ticket = self._idempotent(identity, {"appointment_code": code, "id_card": _card(card)})
        else:
            fields = {"category": category, "lane": "appointment", "id_card": _card(card)}
            ticket = self._idempotent(identity, fields)
        return self._with_sms(TicketInfo.from_wire(ticket))

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
            enabled = self._client.sms_status().enabled
        except (HubRefused, HubUnavailable) as err:
            log.info("no SMS offered: %s", err)
            enabled = False
        self._sms = (now, enabled)
        return enabled

    def subscribe_sms(self, ticket_id: str, phone: str) -> str:
        return self._client.subscribe_sms(ticket_id, phone).phone_masked

    def case_progress(self, receipt: str) -> CaseProgress:
        case = self._client.case(receipt)
        return CaseProgress(
            receipt=case.receipt or receipt,
            item_name=case.item_name,
            status=_case_status(case),
            accepted_on=case.accepted_on,
            promised_on=case.promised_on,
        )

    # -- feedback -------------------------------------------------------------------------------

    def send_feedback(self, feedback: Feedback) -> None:
        """Send it, or keep it in the spool to send later (hub away). Raises HubRefused when
        the hub refuses it, HubUnavailable only if it can be neither sent nor kept."""
        body = _feedback_body(feedback)
        try:
            self._client.feedback(**body)
            return
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
                    self._client.feedback(**json.loads(line))
                    sent += 1
                except (HubUnavailable, HubRefused, ValueError, TypeError):
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
        return {
            code: QueueWait(entry.waiting, entry.estimated_wait_minutes)
            for code, entry in self._client.queue().categories.items()
        }

    # -- catalog, health ------------------------------------------------------------------------

    def fetch_catalog(self, etag: str | None) -> CatalogFetch:
        """``GET /catalog`` with ``If-None-Match`` when the kiosk has an ETag; a hub without ETag
        support answers 200 every time, and the caller compares ``version``."""
        data, tag = self._client.catalog_json(etag)
        return CatalogFetch(data, tag or None)

    def ping(self) -> None:
        self._client.health()

    def close(self) -> None:
        """Nothing of its own to close: the client belongs to whoever made it."""


def _feedback_body(feedback: Feedback) -> dict[str, Any]:
    return {"kind": feedback.kind, "reason": feedback.reason, "phone": feedback.phone}


def _case_status(case: wire.Case) -> str:
    """The status as a citizen reads it (已受理), saying so when it is only the hall's record
    because the central platform could not be asked."""
    status = case.status_text or case.status
    if case.central_reachable is False and case.source == "hall":
        status += "（本中心记录，政务服务平台暂时连不上，可能不是最新状态）"
    return status
