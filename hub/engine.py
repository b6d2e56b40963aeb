"""The queue engine: calling, serving and window status, atomically, over the hub's store.

Issuing lives in :mod:`hub.issuing`, rating in :mod:`hub.rating`, 差评 follow-ups in
:mod:`hub.followups`, kiosk feedback in :mod:`hub.notices`, alerts in :mod:`hub.alerts`,
appointments in :mod:`hub.appointments`, the transaction plumbing in :mod:`hub.txn`; every operation
runs in one ``BEGIN IMMEDIATE`` transaction with its events (see there). There is no HTTP in here.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from config import HallConfig
from hub.alerts import AlertDesk
from hub.appointments import AppointmentDesk
from hub.cases import CaseDesk
from hub.clerks import ClerkDesk, ConfirmGuard, SignInGuard
from hub.errors import Conflict, Invalid
from hub.issuing import IssuingRules
from hub.models import Ticket, TicketStatus, WindowState, WindowStatus
from hub.notices import NoticeDesk
from hub.phone.links import PhoneLinks
from hub.rating import RatingDesk
from hub.redact import redact, redact_optional
from hub.txn import Tx
from sync.clock import Clock
from sync.store import Store

log = logging.getLogger(__name__)

_LANE_SQL = "CASE lane WHEN 'appointment' THEN 0 WHEN 'green' THEN 1 ELSE 2 END"


class QueueEngine(
    ClerkDesk, CaseDesk, NoticeDesk, RatingDesk, AlertDesk, AppointmentDesk, IssuingRules
):
    """The hall's queue: the only code that changes tickets, windows, clerks and ratings.

    Thread-safe: writes are serialised by the store's writer lock. Every public method raises a
    :class:`hub.errors.HubError` subclass (with a code and a plain sentence) when the request is
    not possible; nothing is changed in that case. Construct it as :class:`hub.txn.EngineCore`.
    """

    def __init__(
        self,
        store: Store,
        config: HallConfig,
        clock: Clock,
        secret: bytes,
        *,
        enforce_hours: bool | None = None,
    ) -> None:
        super().__init__(store, config, clock, secret, enforce_hours=enforce_hours)
        # each ticket's and case's phone page code, written with the ticket or case
        self.phone_links = PhoneLinks(secret, lambda: self.config.phone.case_days)
        self.add_hook(self.phone_links)
        self.guard = SignInGuard(clock, self.calendar.zone)
        self.confirm_guard = ConfirmGuard(clock, self.calendar.zone)

    # -- calling -----------------------------------------------------------------------------

    def _free_window(self, tx: Tx, number: int) -> dict[str, Any]:
        window = self._window_row(tx.db, number)
        if window["status"] == WindowStatus.PAUSED:
            raise Conflict("window_paused", f"{number}号窗口暂停服务中，请先恢复服务")
        self._check_signed_in(window)
        if window["current_ticket"] is not None:
            current = self._ticket_row(tx.db, window["current_ticket"])
            shown = current["number"] if current else ""
            raise Conflict("window_busy", f"{number}号窗口正在办理{shown}号，请先办结、过号或转移")
        return window

    def _call(self, tx: Tx, number: int, row: dict[str, Any], event: str) -> Ticket:
        tx.db.execute(
            "UPDATE tickets SET status = 'called', window = ?, called_at = ?,"
            " call_count = call_count + 1 WHERE id = ?",
            (number, tx.stamp, row["id"]),
        )
        tx.db.execute(
            "UPDATE windows SET status = 'serving', current_ticket = ?, updated_at = ?"
            " WHERE number = ?",
            (row["id"], tx.stamp, number),
        )
        stored = self._ticket_row(tx.db, row["id"])
        ticket = Ticket.from_row(stored or row)
        tx.emit(
            event,
            {
                "ticket": ticket.to_dict(private=False),
                "window": number,
                "clerk_id": self._clerk_of(tx, number),
            },
        )
        self._emit_window(tx, number)
        return ticket

    def call_next(self, window: int) -> Ticket | None:
        """Call the next ticket for ``window``, or return None when nobody waits for it.

        Order: lane (appointment, green, ordinary), then place in the lane; after
        ``priority_per_ordinary`` priority calls in a row, a waiting ordinary ticket goes first.
        Raises NotFound (no such window) or Conflict (window paused or busy).
        """

        def operation(tx: Tx) -> Ticket | None:
            state = self._free_window(tx, window)
            spec = self.config.window(window)
            categories = spec.categories if spec else []
            marks = ",".join("?" for _ in categories)
            base = (
                "SELECT * FROM tickets WHERE service_day = ? AND status = 'waiting'"  # noqa: S608
                f" AND (target_window = ? OR (target_window IS NULL AND category IN ({marks})))"
            )
            params = (tx.today, window, *categories)
            priority = list(
                tx.db.query(
                    f"{base} AND lane != 'ordinary' ORDER BY {_LANE_SQL}, sort_key LIMIT 1", params
                )
            )
            ordinary = list(
                tx.db.query(f"{base} AND lane = 'ordinary' ORDER BY sort_key LIMIT 1", params)
            )
            streak = int(state["priority_streak"])
            if priority and (not ordinary or streak < self.config.priority.priority_per_ordinary):
                chosen, streak = priority[0], streak + 1
            elif ordinary:
                chosen, streak = ordinary[0], 0
            else:
                return None
            tx.db.execute(
                "UPDATE windows SET priority_streak = ? WHERE number = ?", (streak, window)
            )
            return self._call(tx, window, chosen, "ticket.called")

        return self._run(operation)

    def call_number(self, window: int, number: str) -> Ticket:
        """Call a given number of today (waiting, or missed and come back) to ``window``."""

        def operation(tx: Tx) -> Ticket:
            self._free_window(tx, window)
            row = self._by_number(tx.db, tx.today, number)
            if row["status"] not in (TicketStatus.WAITING, TicketStatus.MISSED):
                raise Conflict(
                    "not_callable",
                    f"{row['number']}号当前状态为{_STATUS_NAMES[row['status']]}，不能呼叫",
                )
            return self._call(tx, window, row, "ticket.called")

        return self._run(operation)

    def recall(self, window: int) -> Ticket:
        """Call the window's current ticket again (重呼); counted on the ticket."""

        def operation(tx: Tx) -> Ticket:
            _, row = self._current(tx, window)
            tx.db.execute(
                "UPDATE tickets SET recall_count = recall_count + 1, call_count = call_count + 1"
                " WHERE id = ?",
                (row["id"],),
            )
            stored = self._ticket_row(tx.db, row["id"])
            ticket = Ticket.from_row(stored or row)
            tx.emit(
                "ticket.recalled",
                {
                    "ticket": ticket.to_dict(private=False),
                    "window": window,
                    "clerk_id": self._clerk_of(tx, window),
                },
            )
            return ticket

        return self._run(operation)

    def skip(self, window: int) -> Ticket:
        """Mark the window's current ticket as missed (过号) and free the window."""

        def operation(tx: Tx) -> Ticket:
            _, row = self._current(tx, window)
            tx.db.execute(
                "UPDATE tickets SET status = 'missed', missed_at = ? WHERE id = ?",
                (tx.stamp, row["id"]),
            )
            self._release(tx, window)
            stored = self._ticket_row(tx.db, row["id"])
            ticket = Ticket.from_row(stored or row)
            tx.emit(
                "ticket.skipped",
                {
                    "ticket": ticket.to_dict(private=False),
                    "window": window,
                    "clerk_id": self._clerk_of(tx, window),
                },
            )
            self._emit_window(tx, window)
            return ticket

        return self._run(operation)

    def _release(self, tx: Tx, window: int) -> None:
        tx.db.execute(
            "UPDATE windows SET status = 'idle', current_ticket = NULL, updated_at = ?"
            " WHERE number = ?",
            (tx.stamp, window),
        )

    def requeue(self, number: str) -> Ticket:
        """Put a missed ticket of today back in its lane behind the configured number of people.

        Raises NotFound or Conflict (not missed, time limit passed, already re-queued).
        """
        rules = self.config.queue

        def operation(tx: Tx) -> Ticket:
            row = self._by_number(tx.db, tx.today, number)
            if row["status"] != TicketStatus.MISSED:
                raise Conflict(
                    "not_missed",
                    f"{row['number']}号当前状态为{_STATUS_NAMES[row['status']]}，无需重排",
                )
            if row["requeue_count"] >= rules.max_requeues:
                raise Conflict(
                    "requeue_used", f"{row['number']}号已重新排过队，请重新取号或咨询服务台"
                )
            missed_at = datetime.fromisoformat(row["missed_at"])
            if tx.local_now - missed_at > timedelta(minutes=rules.requeue_minutes):
                raise Conflict(
                    "requeue_expired",
                    f"过号已超过{rules.requeue_minutes}分钟，不能重排，请重新取号",
                )
            ahead = [
                r[0]
                for r in tx.db.execute(
                    "SELECT sort_key FROM tickets WHERE service_day = ? AND status = 'waiting'"
                    " AND category = ? AND lane = ? ORDER BY sort_key LIMIT ?",
                    (tx.today, row["category"], row["lane"], rules.requeue_behind + 1),
                )
            ]
            behind = rules.requeue_behind
            if behind == 0:
                key = ahead[0] - 1 if ahead else tx.now.timestamp()
            elif len(ahead) > behind:
                # Between the N-th and the (N+1)-th waiting person of the lane.
                key = (ahead[behind - 1] + ahead[behind]) / 2
            else:
                key = max([tx.now.timestamp(), *(k + 0.001 for k in ahead)])
            tx.db.execute(
                "UPDATE tickets SET status = 'waiting', window = NULL, sort_key = ?,"
                " requeue_count = requeue_count + 1 WHERE id = ?",
                (key, row["id"]),
            )
            stored = self._ticket_row(tx.db, row["id"])
            ticket = self._with_wait(tx.db, stored or row)
            tx.emit("ticket.requeued", {"ticket": ticket.to_dict(private=False)})
            return ticket

        return self._run(operation)

    def transfer(
        self,
        window: int,
        *,
        category: str | None = None,
        to_window: int | None = None,
        reason: str | None = None,
    ) -> Ticket:
        """Send the window's current ticket to another category or window, keeping its place."""
        if (category is None) == (to_window is None):
            raise Invalid("transfer_target", "请指定转移到的业务类别或窗口（二选一）")
        reason = redact_optional(reason)

        def operation(tx: Tx) -> Ticket:
            _, row = self._current(tx, window)
            new_category = row["category"]
            if category is not None:
                found = self.config.category(category.strip().upper())
                if found is None:
                    raise Invalid("unknown_category", f"没有{category}类业务")
                new_category = found.code
            if to_window is not None:
                if self.config.window(to_window) is None:
                    raise Invalid("unknown_window", f"本厅没有{to_window}号窗口")
                if to_window == window:
                    raise Invalid("transfer_target", "不能转移到本窗口")
            tx.db.execute(
                "UPDATE tickets SET status = 'waiting', window = NULL, category = ?,"
                " target_window = ?, transfer_count = transfer_count + 1 WHERE id = ?",
                (new_category, to_window, row["id"]),
            )
            self._release(tx, window)
            stored = self._ticket_row(tx.db, row["id"])
            ticket = self._with_wait(tx.db, stored or row)
            tx.emit(
                "ticket.transferred",
                {
                    "ticket": ticket.to_dict(private=False),
                    "from_window": window,
                    "clerk_id": self._clerk_of(tx, window),
                    "to_category": new_category if category is not None else None,
                    "to_window": to_window,
                    "reason": reason,
                },
            )
            self._emit_window(tx, window)
            return ticket

        return self._run(operation)

    # -- window status -----------------------------------------------------------------------

    def pause(self, window: int, reason: str) -> WindowState:
        """Pause the window with a reason shown on its board; it must have no current ticket."""
        text = redact((reason or "").strip())
        if not text or len(text) > 100:
            raise Invalid("reason_required", "请填写暂停原因（不超过100字）")

        def operation(tx: Tx) -> WindowState:
            row = self._window_row(tx.db, window)
            if row["current_ticket"] is not None:
                raise Conflict("window_busy", f"{window}号窗口还有正在办理的号，请先办结或过号")
            tx.db.execute(
                "UPDATE windows SET status = 'paused', pause_reason = ?, paused_at = ?,"
                " updated_at = ? WHERE number = ?",
                (text, tx.stamp, tx.stamp, window),
            )
            tx.emit(
                "window.paused",
                {"window": window, "reason": text, "clerk_id": self._clerk_of(tx, window)},
            )
            self._emit_window(tx, window)
            return self._window_state(tx.db, window)

        return self._run(operation)

    def resume(self, window: int) -> WindowState:
        """End a pause."""

        def operation(tx: Tx) -> WindowState:
            row = self._window_row(tx.db, window)
            if row["status"] != WindowStatus.PAUSED:
                raise Conflict("not_paused", f"{window}号窗口没有暂停")
            tx.db.execute(
                "UPDATE windows SET status = 'idle', pause_reason = NULL, updated_at = ?"
                " WHERE number = ?",
                (tx.stamp, window),
            )
            tx.emit("window.resumed", {"window": window})
            self._emit_window(tx, window)
            return self._window_state(tx.db, window)

        return self._run(operation)

    # -- finishing -------------------------------------------------------------------------

    def finish(self, window: int) -> Ticket:
        """Finish (办结) the current ticket and open its rating request."""
        timeout = self.config.rating.keypad_timeout_seconds

        def operation(tx: Tx) -> Ticket:
            _, row = self._current(tx, window)
            called = datetime.fromisoformat(row["called_at"])
            seconds = max(0.0, (tx.local_now - called).total_seconds())
            due = (tx.local_now + timedelta(seconds=timeout)).isoformat(timespec="milliseconds")
            tx.db.execute(
                "UPDATE tickets SET status = 'finished', finished_at = ?, service_seconds = ?,"
                " rating_due_at = ? WHERE id = ?",
                (tx.stamp, seconds, due, row["id"]),
            )
            self._release(tx, window)
            stored = self._ticket_row(tx.db, row["id"])
            ticket = Ticket.from_row(stored or row)
            tx.emit(
                "ticket.finished",
                {
                    "ticket": ticket.to_dict(private=False),
                    "window": window,
                    "clerk_id": self._clerk_of(tx, window),
                    "service_seconds": round(seconds, 3),
                },
            )
            tx.emit(
                "rating.requested",
                {
                    "ticket_id": ticket.id,
                    "number": ticket.number,
                    "window": window,
                    "expires_at": due,
                    "timeout_seconds": timeout,
                },
            )
            self._emit_window(tx, window)
            return ticket

        return self._run(operation)


_STATUS_NAMES = {
    "waiting": "等候中",
    "called": "已叫号",
    "finished": "已办结",
    "missed": "已过号",
    "cancelled": "已作废",
}
