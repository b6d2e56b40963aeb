"""SMS on a running hub: the hook that queues, the sender that sends, and the kiosk's phones.

:func:`open_sms` is called once when the hub opens. With ``[sms] gateway = "none"`` nothing is
queued and the kiosk offers no 短信提醒. With a gateway whose secret cannot be read (no
``DATA/sms-secret.json``), the hub starts anyway with SMS off and the reason in its log and in
``GET /api/v1/sms``: the hall's queue never depends on SMS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.engine import QueueEngine
from hub.errors import Conflict, Invalid, NotFound
from hub.sms.gateways import Gateway, SmsError, build_gateway
from hub.sms.queueing import SmsHook, mainland_mobile, mask_mobile
from hub.sms.sender import SmsSender
from hub.txn import Tx
from sync.backoff import Backoff
from sync.outbox import Event

log = logging.getLogger(__name__)

BAD_PHONE = "请输入11位手机号码（以1开头）"


@dataclass
class SmsService:
    """SMS of one hub: ``enabled`` False (with ``reason``) when nothing is sent."""

    engine: QueueEngine
    enabled: bool
    reason: str = ""
    sender: SmsSender | None = None

    def status(self) -> dict[str, Any]:
        """``GET /api/v1/sms``: whether the kiosk may offer 短信提醒, and from how many ahead."""
        return {
            "enabled": self.enabled,
            "near_ahead": self.engine.config.sms.near_ahead,
            "reason": self.reason or None,
        }

    def subscribe(self, ticket_id: str, phone: str) -> dict[str, Any]:
        """Keep ``phone`` for a waiting ticket of today (a second number replaces the first).

        Raises Conflict (``sms_off``; ``ticket_not_waiting``), Invalid (``bad_phone``),
        NotFound (``unknown_ticket``). Answers the ticket's number and the masked phone."""
        if not self.enabled:
            raise Conflict("sms_off", "本厅暂未开通短信提醒")
        number = mainland_mobile(phone)
        if number is None or len(phone.strip()) != 11:
            raise Invalid("bad_phone", BAD_PHONE)

        def operation(tx: Tx) -> dict[str, Any]:
            row = tx.db.execute(
                "SELECT number, status, service_day FROM tickets WHERE id = ?", (ticket_id,)
            ).fetchone()
            if row is None:
                raise NotFound("unknown_ticket", "没有这张号票，请核对")
            if row[1] != "waiting" or row[2] != tx.today:
                raise Conflict("ticket_not_waiting", f"{row[0]}号已不在等候中，无需短信提醒")
            tx.db.execute(
                "INSERT INTO sms_subscriptions (ticket_id, service_day, phone, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (ticket_id) DO UPDATE SET"
                " phone = excluded.phone, created_at = excluded.created_at",
                (ticket_id, tx.today, number, tx.stamp),
            )
            return {
                "ticket_id": ticket_id,
                "number": row[0],
                "phone_masked": mask_mobile(number),
                "near_ahead": self.engine.config.sms.near_ahead,
            }

        return self.engine._run(operation)

    def start(self) -> None:
        if self.sender is not None:
            self.sender.start()

    def stop(self) -> None:
        if self.sender is not None:
            self.sender.stop()


def open_sms(
    engine: QueueEngine,
    data_dir: Path,
    build: Callable[..., Gateway] = build_gateway,
) -> SmsService:
    """SMS for ``engine`` as its configuration says (see the module docstring): the hook is
    added and the sender built (not started) when a gateway is configured and usable."""
    settings = engine.config.sms
    if not settings.enabled:
        return SmsService(engine, False, "本厅未配置短信网关")
    hall = engine.config.hall.name
    try:
        gateway = build(settings, data_dir, hall)
    except SmsError as err:
        log.error("SMS is off: %s", err)
        return SmsService(engine, False, str(err))
    engine.add_hook(SmsHook(settings, settings.sign_name or hall))

    def today() -> str:
        return engine.calendar.service_day(engine.clock.now()).isoformat()

    sender = SmsSender(
        engine.store,
        gateway,
        today,
        lambda: engine.calendar.local(engine.clock.now()),
        Backoff(settings.retry_base_seconds, settings.retry_cap_seconds),
    )

    def wake(events: list[Event]) -> None:  # only events that may have queued a message
        if any(e.type in ("ticket.called", "case.status") for e in events):
            sender.wake()

    engine.subscribe(wake)
    log.info("SMS through %s (near at %d ahead)", settings.gateway, settings.near_ahead)
    return SmsService(engine, True, sender=sender)
