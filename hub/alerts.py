"""The alerts inbox: what needs a person on the hall floor, until someone acknowledges it.

Kinds: ``help`` (a citizen asked for staff at a kiosk), ``device`` (a box reports a device
fault: paper out, reader gone), both sent by the boxes (``POST /api/v1/alerts``, event
``staff.alert``); ``wait`` (a ticket has waited longer than ``manage.wait_alert_minutes``) and
``pause`` (a window paused longer than ``manage.pause_alert_minutes``), both found by
:meth:`AlertDesk.check_alerts` (event ``alert.raised``), which the hub runs every 30 s
(:mod:`hub.alert_monitor`). A ``wait`` alert is raised once per ticket, a ``pause`` alert once
per pause (its ``subject``). ``case_due`` (an open case two working days before its promised
date) and ``case_overdue`` (past it) are 电子监察's (:mod:`hub.case_watch`), raised once per
case (subject: the receipt) by the same check, with events ``case.due_soon`` / ``case.overdue``
for central. Acknowledging is audited (``alert.acked``). An alert stays in the
inbox, across service days, until it is acknowledged.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from hub.actors import Actor
from hub.audit import record
from hub.case_watch import watch_cases
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from hub.redact import redact, redact_optional
from hub.txn import EngineCore, Tx

ALERT_KINDS = {
    "help": "呼叫工作人员",
    "device": "设备故障",
    "wait": "等候超时",
    "pause": "暂停超时",
    "case_due": "办件即将到期",
    "case_overdue": "办件超期",
}
SENT_KINDS = ("device", "help")
"""The kinds a box may send; the others are the hub's own."""
ALERT_LIMIT = 1000


def alert_view(row: dict[str, Any]) -> dict[str, Any]:
    """An alert as the API and its events show it."""
    return {
        "id": row["id"],
        "kind": row["kind"],
        "kind_name": ALERT_KINDS.get(row["kind"], row["kind"]),  # a later kind: its code
        "source": row["source"],
        "device": row["device"],
        "problem": row["problem"],
        "detail": row["detail"],
        "subject": row["subject"],
        "sent_by": row["sent_by"],
        "service_day": row["service_day"],
        "raised_at": row["raised_at"],
        "acked_at": row["acked_at"],
        "acked_by": row["acked_by"],
        "open": row["acked_at"] is None,
    }


def _minutes(since: str, now: datetime) -> int:
    return int((now - datetime.fromisoformat(since)).total_seconds() // 60)


class AlertDesk(EngineCore):
    """The alerts inbox (a base of :class:`hub.engine.QueueEngine`)."""

    def alert(
        self,
        *,
        source: str,
        device: str,
        problem: str,
        detail: str | None = None,
        sent_by: str | None = None,
        kind: str = "device",
    ) -> dict[str, Any]:
        """Tell staff a box needs them: stores the alert, emits ``staff.alert`` with it, and
        returns it. ``source`` is the box (kiosk-1), ``device`` its part (printer),
        ``problem`` the Chinese sentence staff read, ``detail`` technical text, ``kind``
        ``device`` or ``help``; ``sent_by`` the token's name. Raises Invalid for another kind.
        """
        if kind not in SENT_KINDS:
            raise Invalid("bad_kind", f"提醒类型应为{'或'.join(SENT_KINDS)}")
        source, device, problem = redact(source), redact(device), redact(problem)
        detail = redact_optional(detail)

        def operation(tx: Tx) -> dict[str, Any]:
            view = self._raise(tx, kind, source, device, problem, detail, sent_by=sent_by)
            tx.emit("staff.alert", view)
            return view

        return self._run(operation)

    def _raise(
        self,
        tx: Tx,
        kind: str,
        source: str,
        device: str,
        problem: str,
        detail: str | None,
        *,
        subject: str | None = None,
        sent_by: str | None = None,
    ) -> dict[str, Any]:
        row = {
            "id": str(uuid.uuid4()),
            "kind": kind,
            "source": source,
            "device": device,
            "problem": problem,
            "detail": detail,
            "subject": subject,
            "sent_by": sent_by,
            "service_day": tx.today,
            "raised_at": tx.stamp,
            "acked_at": None,
            "acked_by": None,
        }
        tx.db.table("alerts").insert(row)
        return alert_view(row)

    def check_alerts(self) -> list[dict[str, Any]]:
        """Raise the alerts the floor needs now (at the engine clock's time): a ``wait`` alert
        for each category with tickets of today waiting longer than ``manage.wait_alert_minutes``
        (see :meth:`_wait_alerts`), a ``pause`` alert for each window paused longer than
        ``manage.pause_alert_minutes`` (once per pause), with an ``alert.raised`` event each;
        and 电子监察's ``case_due`` / ``case_overdue`` alerts (:func:`hub.case_watch.watch_cases`,
        once per case, with ``case.due_soon`` / ``case.overdue`` events). Idempotent; returns
        the alerts raised by this call."""
        limits = self.config.manage

        def operation(tx: Tx) -> list[dict[str, Any]]:
            raised = self._wait_alerts(tx, limits.wait_alert_minutes)
            for window in tx.db.query(
                "SELECT number, pause_reason, COALESCE(paused_at, updated_at) AS since"
                " FROM windows WHERE status = 'paused' ORDER BY number"
            ):
                subject = f"{window['number']}@{window['since']}"
                seen = tx.db.execute(
                    "SELECT 1 FROM alerts WHERE kind = 'pause' AND subject = ?", (subject,)
                ).fetchone()
                paused = _minutes(window["since"], tx.local_now) if window["since"] else 0
                if seen or paused < limits.pause_alert_minutes:
                    continue
                problem = (
                    f"{window['number']}号窗口已暂停{paused}分钟"
                    f"（原因：{window['pause_reason'] or '未填写'}），"
                    f"超过{limits.pause_alert_minutes}分钟"
                )
                raised.append(
                    self._raise(
                        tx,
                        "pause",
                        "hub",
                        f"window-{window['number']}",
                        problem,
                        f"paused since {window['since']}",
                        subject=subject,
                    )
                )
            supervised, findings = watch_cases(tx, self.calendar, self._raise)
            raised += supervised
            for view in raised:
                tx.emit("alert.raised", view)
            for type_, payload in findings:
                tx.emit(type_, payload)
            return raised

        return self._run(operation)

    def _wait_alerts(self, tx: Tx, limit: int) -> list[dict[str, Any]]:
        """One ``wait`` alert per category and episode: raised when a category has tickets
        waiting longer than ``limit`` minutes and no open wait alert; after it is acknowledged,
        again only once a ticket that was not yet late at the acknowledgement is late too (the
        same late tickets do not fill the inbox again). A busy morning thus gives one line per
        queue, not one per citizen."""
        cutoff = (tx.local_now - timedelta(minutes=limit)).isoformat(timespec="milliseconds")
        raised = []
        for row in tx.db.query(
            "SELECT category, COUNT(*) AS late, MIN(issued_at) AS oldest, MAX(issued_at) AS newest"
            " FROM tickets WHERE service_day = ? AND status = 'waiting' AND issued_at <= ?"
            " GROUP BY category ORDER BY category",
            (tx.today, cutoff),
        ):
            code = row["category"]
            last = tx.db.execute(
                "SELECT acked_at FROM alerts WHERE kind = 'wait' AND service_day = ?"
                " AND device = ? ORDER BY raised_at DESC, rowid DESC LIMIT 1",
                (tx.today, f"category-{code}"),
            ).fetchone()
            if last is not None:
                if last[0] is None:
                    continue  # the open alert of this category stands for these tickets
                acked = datetime.fromisoformat(last[0]) - timedelta(minutes=limit)
                if datetime.fromisoformat(row["newest"]) <= acked:
                    continue  # no ticket became late since the acknowledgement
            oldest = tx.db.execute(
                "SELECT id, number FROM tickets WHERE service_day = ? AND status = 'waiting'"
                " AND category = ? AND issued_at = ? LIMIT 1",
                (tx.today, code, row["oldest"]),
            ).fetchone()
            category = self.config.category(code)
            name = category.name if category else f"{code}类业务"
            waited = _minutes(row["oldest"], tx.local_now)
            problem = (
                f"{name}有{row['late']}人等候超过{limit}分钟，最长的{oldest[1]}号已等{waited}分钟"
            )
            raised.append(
                self._raise(
                    tx,
                    "wait",
                    "hub",
                    f"category-{code}",
                    problem,
                    f"category {code}: {row['late']} waiting since {row['oldest']} or later",
                    subject=f"{code}@{oldest[0]}@{tx.stamp}",
                )
            )
        return raised

    def ack_alert(self, actor: Actor, alert_id: str) -> dict[str, Any]:
        """Acknowledge an alert (audited, ``alert.acked``). Raises Forbidden (not a manager or
        supervisor), NotFound, or Conflict (already acknowledged: the sentence says by whom)."""
        if not actor.may("manager", "supervisor"):
            raise Forbidden("wrong_role", f"{actor.role_name}无权确认提醒")

        def operation(tx: Tx) -> dict[str, Any]:
            row = self._alert_row(tx.db, alert_id)
            if row["acked_at"] is not None:
                raise Conflict(
                    "already_acked",
                    f"该提醒已由{row['acked_by']}于{row['acked_at'][:16].replace('T', ' ')}确认",
                )
            tx.db.execute(
                "UPDATE alerts SET acked_at = ?, acked_by = ?, acked_role = ? WHERE id = ?",
                (tx.stamp, actor.name, actor.role, alert_id),
            )
            view = alert_view(self._alert_row(tx.db, alert_id))
            record(tx, actor, "alert.ack", f"alert:{alert_id}", {"open": True}, {"open": False})
            tx.emit("alert.acked", view)
            return view

        return self._run(operation)

    @staticmethod
    def _alert_row(db: sqlite_utils.Database, alert_id: str) -> dict[str, Any]:
        rows = list(db.query("SELECT * FROM alerts WHERE id = ?", (alert_id,)))
        if not rows:
            raise NotFound("unknown_alert", "没有这条提醒")
        return rows[0]

    def alerts(self, *, open_only: bool = False, limit: int = 200) -> list[dict[str, Any]]:
        """The inbox, newest first: every alert not yet acknowledged (of any service day),
        and unless ``open_only`` today's acknowledged ones too."""
        sql = "SELECT * FROM alerts WHERE acked_at IS NULL"
        params: list[Any] = []
        if not open_only:
            sql += " OR service_day = ?"
            params.append(self._today())
        sql += " ORDER BY raised_at DESC, rowid DESC LIMIT ?"
        params.append(max(1, min(limit, ALERT_LIMIT)))
        return [alert_view(r) for r in self.store.reader().query(sql, params)]
