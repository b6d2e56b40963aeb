"""Which text messages a committed event means, queued in the same transaction.

:class:`SmsHook` is an engine hook (:meth:`hub.txn.EngineCore.add_hook`): its rows in
``sms_outbox`` commit or roll back with the event, so a message is queued exactly when its event
commits, and ``UNIQUE (kind, subject)`` queues it never twice. Nothing here touches the network.

- ``ticket.called``: the called ticket's ``call`` (请到X号窗口), the first time it is called; and
  for every subscribed ticket still waiting in that queue with at most ``near_ahead`` people
  ahead, its ``near`` (即将到号).
- ``case.status`` with status ``ready``: the case's ``ready`` (已办结，请带回执到X号窗口领取), to the
  phone the counter took at acceptance (``cases.phone``); X is the pickup window, else the
  window that set it ready, else the window that accepted it (a change from central).

Texts carry the ticket number, the window or the receipt number, never a name or ID number.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

from config.sms import SmsSettings
from hub.models import LANE_RANK
from hub.txn import Tx
from sync.outbox import Event

log = logging.getLogger(__name__)

MOBILE = re.compile(r"^1\d{10}$")
KINDS = ("near", "call", "ready")


def mainland_mobile(phone: str | None) -> str | None:
    """``phone`` as 11 digits (1xxxxxxxxxx) if it is a mainland mobile number (spaces, dashes
    and a +86 / 86 prefix allowed), else None."""
    if not phone:
        return None
    digits = re.sub(r"[\s-]", "", phone)
    digits = digits.removeprefix("+86") if digits.startswith("+86") else digits
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits if MOBILE.match(digits) else None


def mask_mobile(phone: str) -> str:
    """138****0000: the first three and last four digits."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def texts(sign: str, kind: str, params: dict[str, str]) -> str:
    """The whole message of ``kind`` with ``params``, signed 【sign】."""
    if kind == "near":
        ahead = int(params["ahead"])
        where = f"前面还有{ahead}人" if ahead else "下一位就是您"
        body = f"您的{params['number']}号即将到号（{where}），请回到大厅留意叫号。"
    elif kind == "call":
        body = f"请{params['number']}号到{params['window']}号窗口办理。"
    else:
        body = (
            f"您的办件（回执号{params['receipt']}）已办结，请带回执到{params['window']}号窗口领取。"
        )
    return f"【{sign}】{body}"


def queue_message(
    tx: Tx, sign: str, kind: str, subject: str, phone: str, params: dict[str, str]
) -> bool:
    """Queue one message in ``tx``; False if ``(kind, subject)`` was queued before."""
    cursor = tx.db.execute(
        "INSERT OR IGNORE INTO sms_outbox (message_id, kind, subject, service_day, phone, text,"
        " params, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            uuid.uuid4().hex,
            kind,
            subject,
            tx.today,
            phone,
            texts(sign, kind, params),
            json.dumps(params, ensure_ascii=False),
            tx.stamp,
        ),
    )
    return bool(cursor.rowcount)


class SmsHook:
    """Queues the SMS that an event means (see the module docstring)."""

    def __init__(self, settings: SmsSettings, sign: str) -> None:
        self.settings = settings
        self.sign = sign

    def on_event(self, tx: Tx, event: Event) -> None:
        if event.type == "ticket.called":
            self._called(tx, event.payload)
        elif event.type == "case.status" and event.payload.get("status") == "ready":
            self._ready(tx, event.payload)

    def _called(self, tx: Tx, payload: dict[str, Any]) -> None:
        ticket = payload.get("ticket") or {}
        ticket_id = str(ticket.get("id", ""))
        row = tx.db.execute(
            "SELECT phone FROM sms_subscriptions WHERE ticket_id = ? AND phone IS NOT NULL",
            (ticket_id,),
        ).fetchone()
        if row is not None:
            params = {"number": str(ticket.get("number", "")), "window": str(payload["window"])}
            queue_message(tx, self.sign, "call", ticket_id, row[0], params)
        front = self._front(tx, str(ticket.get("category")))
        for ahead, waiter in enumerate(front):
            if waiter["sms_phone"] is not None and not waiter["has_near"]:
                params = {"number": str(waiter["number"]), "ahead": str(ahead)}
                queue_message(tx, self.sign, "near", waiter["id"], waiter["sms_phone"], params)

    def _front(self, tx: Tx, category: str) -> list[dict[str, Any]]:
        """The first ``near_ahead + 1`` waiting tickets of ``category`` in calling order (lane,
        then place), so the i-th has i people ahead (as :meth:`hub.reads.QueueReads._ahead`
        counts them), each with its SMS phone and whether its 即将到号 was queued. A few index
        reads whatever the queue's length."""
        wanted = self.settings.near_ahead + 1
        front: list[dict[str, Any]] = []
        for lane, _ in sorted(LANE_RANK.items(), key=lambda item: item[1]):
            if len(front) >= wanted:
                break
            front += tx.db.query(
                "SELECT t.id, t.number, s.phone AS sms_phone, EXISTS (SELECT 1 FROM sms_outbox o"
                " WHERE o.kind = 'near' AND o.subject = t.id) AS has_near FROM tickets t"
                " LEFT JOIN sms_subscriptions s ON s.ticket_id = t.id"
                " WHERE t.service_day = ? AND t.status = 'waiting' AND t.category = ?"
                " AND t.lane = ? ORDER BY t.sort_key LIMIT ?",
                (tx.today, category, lane.value, wanted - len(front)),
            )
        return front[:wanted]

    def _ready(self, tx: Tx, payload: dict[str, Any]) -> None:
        receipt = str(payload.get("receipt", ""))
        row = tx.db.execute(
            "SELECT phone, window FROM cases WHERE receipt = ?", (receipt,)
        ).fetchone()
        phone = mainland_mobile(row[0] if row else None)
        if row is None or phone is None:
            return  # no phone taken at acceptance, or not a mobile number: nothing to send
        # Where to collect: the pickup window, else where it was done, else where it was accepted
        # (central's changes name no window).
        window = payload.get("pickup_window") or payload.get("window") or row[1]
        params = {"receipt": receipt, "window": str(window)}
        queue_message(tx, self.sign, "ready", receipt, phone, params)
