"""The thread that sends the queued text messages, oldest first, at least once.

No network inside a transaction, ever: the sender reads the oldest queued message (and drops it
there if it has become pointless), sends it with no lock held, then records how it went. The
queue and the calls never wait for it. A failure worth retrying keeps the message at the head
and waits (exponential backoff with jitter, :class:`sync.backoff.Backoff`); a refusal marks it
``failed`` and goes on. A crash between sending and recording sends it again: the gateway
deduplicates by the message id.

Pointless by the time it could go (state ``dropped``, ``drop_reason`` says why):

- ``near`` once its ticket is no longer waiting (called, finished, missed, cancelled);
- ``call`` once its ticket is finished, missed or cancelled;
- ``ready`` once the case is no longer ready to collect (delivered);
- anything of a past service day, except ``ready``; anything whose phone was purged.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from hub.sms.gateways import Gateway, GatewayRefused, GatewayUnavailable, Message
from sync.backoff import Backoff
from sync.clock import SYSTEM_WAIT_CLOCK, WaitClock
from sync.store import Store

log = logging.getLogger(__name__)

IDLE_SECONDS = 30.0  # a look at the queue even when nothing woke the sender
IDLE, SENT, DROPPED, FAILED, RETRY = "idle", "sent", "dropped", "failed", "retry"


def stale_reason(db: sqlite_utils.Database, row: dict[str, Any], today: str) -> str | None:
    """Why the queued message ``row`` should not be sent any more, or None to send it."""
    kind = row["kind"]
    if row["phone"] is None:
        return "phone_purged"
    if kind == "ready":
        case = db.execute("SELECT status FROM cases WHERE receipt = ?", (row["subject"],))
        status = case.fetchone()
        return None if status is not None and status[0] in ("ready", "completed") else "not_ready"
    ticket = db.execute("SELECT status FROM tickets WHERE id = ?", (row["subject"],)).fetchone()
    if ticket is None:
        return "no_ticket"
    status = str(ticket[0])
    if kind == "near" and status != "waiting":
        return status  # called, finished, missed, cancelled
    if kind == "call" and status in ("finished", "missed", "cancelled"):
        return status
    return "past_day" if row["service_day"] < today else None


class SmsSender:
    """Sends ``sms_outbox`` through ``gateway`` on its own thread (see the module docstring).

    ``today`` gives the hall's service day (ISO), ``stamp`` the hall-local time to record.
    """

    def __init__(
        self,
        store: Store,
        gateway: Gateway,
        today: Callable[[], str],
        stamp: Callable[[], datetime],
        backoff: Backoff,
        wait_clock: WaitClock = SYSTEM_WAIT_CLOCK,
    ) -> None:
        self.store = store
        self.gateway = gateway
        self._today = today
        self._stamp = stamp
        self.backoff = backoff
        self._wait = wait_clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.retry_in = 0.0

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sms-sender", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to end and wait up to ``timeout`` seconds (a send in flight ends by
        its own time limit)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        """Look at the queue now (something was queued). Never blocks."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                outcome = self.step()
            except Exception:  # the sender must outlive a locked store, a broken gateway, …
                log.exception("SMS sender step failed")
                outcome, self.retry_in = RETRY, self.backoff.next_delay()
            if outcome in (SENT, DROPPED, FAILED):
                continue
            if outcome == RETRY:  # new messages must not cut the backoff short
                self._wait.wait(self._stop, self.retry_in)
            else:
                self._wait.wait(self._wake, IDLE_SECONDS)
                self._wake.clear()

    def _stamp_text(self, seconds: float = 0.0) -> str:
        return (self._stamp() + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")

    def step(self) -> str:
        """Handle the oldest queued message: drop it, send it, or count a failed try. Returns
        what happened (``idle``: nothing queued)."""
        head = "SELECT * FROM sms_outbox WHERE state = 'queued' ORDER BY id LIMIT 1"
        if not list(self.store.reader().query(head)):
            return IDLE  # the usual case: no write transaction for nothing
        with self.store.write() as db:
            rows = list(db.query(head))
            if not rows:
                return IDLE
            row = rows[0]
            reason = stale_reason(db, row, self._today())
            if reason is not None:
                db.execute(
                    "UPDATE sms_outbox SET state = 'dropped', drop_reason = ?, settled_at = ?"
                    " WHERE id = ?",
                    (reason, self._stamp_text(), row["id"]),
                )
                log.info("SMS %s (%s) dropped: %s", row["message_id"], row["kind"], reason)
                return DROPPED
        message = Message(
            row["message_id"], row["kind"], row["phone"], row["text"], json.loads(row["params"])
        )
        try:
            self.gateway.send(message)
        except GatewayUnavailable as err:
            self.retry_in = self.backoff.next_delay()
            self._record(row["id"], "queued", str(err), next_try=self.retry_in)
            log.warning("SMS %s not sent (retry in %.1f s): %s", message.id, self.retry_in, err)
            return RETRY
        except GatewayRefused as err:
            self._record(row["id"], "failed", str(err))
            log.error("SMS %s (%s) refused by the gateway: %s", message.id, message.kind, err)
            return FAILED
        self.backoff.reset()
        self._record(row["id"], "sent", None)
        return SENT

    def _record(
        self, row_id: int, state: str, error: str | None, next_try: float | None = None
    ) -> None:
        settled = None if state == "queued" else self._stamp_text()
        with self.store.write() as db:
            db.execute(
                "UPDATE sms_outbox SET state = ?, attempts = attempts + 1, last_error = ?,"
                " next_try_at = ?, settled_at = ?,"
                " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE id = ?",
                (
                    state,
                    (error or "")[:500] or None,
                    None if next_try is None else self._stamp_text(next_try),
                    settled,
                    state,
                    settled,
                    row_id,
                ),
            )
