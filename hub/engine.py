"""The queue engine: issuing, calling, serving and rating, atomically, over the hub's store.

Every operation runs in one ``BEGIN IMMEDIATE`` transaction that changes the domain rows and
writes the matching outbox events together; listeners hear about the events only after the
commit, so nothing is announced that a crash could take back. There is no HTTP in here.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import sqlite_utils

from config import HallCalendar, HallConfig
from config.schema import parse_hhmm
from devices.idnumber import age_on
from devices.idnumber import mask_name as _mask_name
from hub.errors import Conflict, Invalid, NotFound
from hub.identity import Person, identify
from hub.models import (
    BAD_LEVELS,
    RATING_LEVELS,
    Lane,
    Rating,
    Ticket,
    TicketStatus,
    WindowState,
    WindowStatus,
)
from hub.reads import QueueReads
from sync.clock import Clock
from sync.outbox import Event, Outbox
from sync.store import Store

log = logging.getLogger(__name__)

T = TypeVar("T")
Listener = Callable[[list[Event]], None]

RATING_GRACE_SECONDS = 5
"""A keypad press that arrives just after the timeout (network, clock skew) still counts."""

RATING_CHANNEL_HALL_TERMINAL = 5
"""GB/T 39046 channel code used for the window's rating keypad."""

_LANE_SQL = "CASE lane WHEN 'appointment' THEN 0 WHEN 'green' THEN 1 ELSE 2 END"


@dataclass
class _Tx:
    """One write transaction: its database handle, its instant, and the events it wrote."""

    db: sqlite_utils.Database
    outbox: Outbox
    now: datetime
    local_now: datetime
    today: str
    events: list[Event] = field(default_factory=list)

    def emit(self, type_: str, payload: dict[str, Any]) -> None:
        self.events.append(self.outbox.append(self.db, type_, payload))

    @property
    def stamp(self) -> str:
        return self.local_now.isoformat(timespec="milliseconds")


class QueueEngine(QueueReads):
    """The hall's queue: the only code that changes tickets, windows and ratings.

    Thread-safe: writes are serialised by the store's writer lock. Every public method raises a
    :class:`hub.errors.HubError` subclass (with a code and a plain sentence) when the request is
    not possible; nothing is changed in that case.
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
        self.store = store
        self.config = config
        self.clock = clock
        self.calendar = HallCalendar(config)
        self.outbox = Outbox(clock)
        self._secret = secret
        self._enforce_hours = (
            config.service.enforce_hours if enforce_hours is None else enforce_hours
        )
        self._listeners: list[Listener] = []
        with self.store.write() as db:
            for window in config.windows:
                db.execute(
                    "INSERT OR IGNORE INTO windows (number, status) VALUES (?, 'idle')",
                    (window.number,),
                )

    # -- plumbing ----------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(events)`` after each commit that wrote events (in commit order)."""
        self._listeners.append(listener)

    def announce(self, events: list[Event]) -> None:
        """Hand events committed outside the engine's own operations (a catalog swap) to the
        listeners. Call it holding ``store.lock``, right after the commit, to keep seq order."""
        for listener in self._listeners if events else ():
            try:
                listener(events)
            except Exception:
                log.exception("event listener failed")

    def _run(self, operation: Callable[[_Tx], T]) -> T:
        # The writer lock is held until listeners have heard the events, so they always hear
        # them in seq order; listeners must only hand events on, never block.
        with self.store.lock:
            with self.store.write() as db:
                now = self.clock.now()
                local = self.calendar.local(now)
                tx = _Tx(db, self.outbox, now, local, self.calendar.service_day(now).isoformat())
                self._roll_day(tx)
                result = operation(tx)
            for listener in self._listeners if tx.events else ():
                try:
                    listener(tx.events)
                except Exception:
                    log.exception("event listener failed")
        return result

    def _roll_day(self, tx: _Tx) -> None:
        row = tx.db.execute("SELECT value FROM hall_meta WHERE key = 'service_day'").fetchone()
        previous = row[0] if row else None
        if previous == tx.today:
            return
        if previous is not None and previous > tx.today:
            # The wall clock went backwards across a day: keep serving the later day's numbers
            # rather than reopen a finished day (numbers would repeat).
            log.warning("clock is behind the last service day %s; keeping it", previous)
            tx.today = previous
            return
        cancelled = tx.db.execute(
            "UPDATE tickets SET status = 'cancelled' WHERE service_day < ?"
            " AND status IN ('waiting', 'called')",
            (tx.today,),
        ).rowcount
        tx.db.execute(
            "UPDATE windows SET status = 'idle', current_ticket = NULL, pause_reason = NULL,"
            " priority_streak = 0, clerk_id = NULL, clerk_name = NULL, updated_at = ?",
            (tx.stamp,),
        )
        tx.db.execute(
            "INSERT INTO hall_meta (key, value) VALUES ('service_day', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (tx.today,),
        )
        if previous is not None:
            tx.emit(
                "day.closed",
                {"service_day": previous, "next_day": tx.today, "cancelled": cancelled},
            )

    # -- reading rows ------------------------------------------------------------------------

    def _current(self, tx: _Tx, number: int) -> tuple[dict[str, Any], dict[str, Any]]:
        window = self._window_row(tx.db, number)
        if window["current_ticket"] is None:
            raise Conflict("no_current_ticket", f"{number}号窗口当前没有正在办理的号")
        ticket = self._ticket_row(tx.db, window["current_ticket"])
        if ticket is None:  # pragma: no cover - foreign key forbids it
            raise Conflict("no_current_ticket", f"{number}号窗口当前没有正在办理的号")
        return window, ticket

    def _window_payload(self, tx: _Tx, number: int) -> dict[str, Any]:
        return self._window_state(tx.db, number).to_dict()

    def _emit_window(self, tx: _Tx, number: int) -> None:
        tx.emit("window.status", self._window_payload(tx, number))

    # -- issuing -----------------------------------------------------------------------------

    def issue_ticket(
        self,
        *,
        category: str | None = None,
        item_id: str | None = None,
        lane: str | None = None,
        green_group: str | None = None,
        id_number: str | None = None,
        name: str | None = None,
        appointment_code: str | None = None,
        issued_by: str | None = None,
    ) -> Ticket:
        """Issue the next number of a category (or of an item's category).

        Raises Invalid (unknown category or item, bad ID number, bad lane), NotFound (unknown
        appointment code), Conflict (hall closed, last-ticket time passed, daily cap reached,
        person already queued in the category, appointment not usable now).
        """
        person = identify(self._secret, id_number) if id_number else None
        name_masked = _mask_name(name) if name else None

        def operation(tx: _Tx) -> Ticket:
            if category is None and item_id is None and appointment_code is not None:
                code, item = "", None  # the appointment names the category
            else:
                code, item = self._resolve_category(category, item_id)
            appointment = self._find_appointment(tx, appointment_code, person, code or None)
            if appointment is not None:
                code = appointment["category"]
                chosen = self.config.item(item) if item else None
                if chosen is None or chosen.category != code:
                    item = appointment["item_id"]
            chosen_lane, group = self._resolve_lane(tx, lane, green_group, person, appointment)
            self._check_open(tx, code, appointment is not None)
            self._check_person(tx, code, person)
            seq_no = self._next_number(tx, code)
            ticket_id = str(uuid.uuid4())
            row = {
                "id": ticket_id,
                "service_day": tx.today,
                "number": f"{code}{seq_no:03d}",
                "issued_category": code,
                "seq_no": seq_no,
                "category": code,
                "item_id": item,
                "lane": chosen_lane.value,
                "green_group": group,
                "status": TicketStatus.WAITING.value,
                "sort_key": self._next_sort_key(tx),
                "id_hash": person.id_hash if person else None,
                "id_masked": person.id_masked if person else None,
                "name_masked": name_masked,
                "appointment_id": appointment["id"] if appointment else None,
                "issued_by": issued_by,
                "issued_at": tx.stamp,
            }
            tx.db.table("tickets").insert(row)
            if appointment is not None:
                tx.db.execute(
                    "UPDATE appointments SET status = 'checked_in', ticket_id = ? WHERE id = ?",
                    (ticket_id, appointment["id"]),
                )
            stored = self._ticket_row(tx.db, ticket_id)
            if stored is None:  # pragma: no cover
                raise RuntimeError("ticket vanished inside its own transaction")
            ticket = self._with_wait(tx.db, stored)
            tx.emit("ticket.issued", {"ticket": ticket.to_dict(private=False)})
            return ticket

        return self._run(operation)

    @staticmethod
    def _next_sort_key(tx: _Tx) -> float:
        # The issue time, but strictly after every ticket of the day: tickets sharing an instant,
        # or issued after the wall clock stepped back, must still queue in issue order.
        latest = tx.db.execute(
            "SELECT MAX(sort_key) FROM tickets WHERE service_day = ?", (tx.today,)
        ).fetchone()[0]
        now = tx.now.timestamp()
        return now if latest is None or latest < now else float(latest) + 0.001

    def _resolve_category(
        self, category: str | None, item_id: str | None
    ) -> tuple[str, str | None]:
        if item_id is not None:
            item = self.config.item(item_id)
            if item is None:
                raise Invalid("unknown_item", f"没有编号为{item_id}的事项")
            if category is not None and category.upper() != item.category:
                raise Invalid(
                    "category_mismatch",
                    f"事项{item.name}属于{item.category}类，与所选类别{category}不一致",
                )
            return item.category, item.id
        if category is None:
            raise Invalid("category_required", "请选择业务类别或办理事项")
        found = self.config.category(category.strip().upper())
        if found is None:
            codes = "、".join(c.code for c in self.config.categories)
            raise Invalid("unknown_category", f"没有{category}类业务（可选：{codes}）")
        return found.code, None

    def _resolve_lane(
        self,
        tx: _Tx,
        lane: str | None,
        green_group: str | None,
        person: Person | None,
        appointment: dict[str, Any] | None,
    ) -> tuple[Lane, str | None]:
        if appointment is not None:
            return Lane.APPOINTMENT, None
        if lane is not None and lane not in Lane.__members__.values():
            raise Invalid(
                "unknown_lane", f"未知的排队通道{lane}（可选：appointment、green、ordinary）"
            )
        if lane == Lane.APPOINTMENT:
            raise Invalid("appointment_required", "预约通道需要预约码或已预约的身份证")
        if lane == Lane.GREEN:
            groups = self.config.priority.green_groups
            if green_group not in groups:
                raise Invalid(
                    "green_group_required",
                    f"绿色通道需要选择人群（{'、'.join(groups)}），并由工作人员确认",
                )
            return Lane.GREEN, green_group
        if lane is None and person is not None:
            age = age_on(person.normalized, date.fromisoformat(tx.today))
            if age >= self.config.priority.elderly_age:
                return Lane.GREEN, "老年人"
        return Lane.ORDINARY, None

    def _find_appointment(
        self, tx: _Tx, code: str | None, person: Person | None, category: str | None
    ) -> dict[str, Any] | None:
        """The appointment being checked in: by code (strict: refusals explain why), or else by
        the swiped ID card, for the chosen category if there is one, within its slot window."""
        if code is not None:
            rows = list(tx.db.query("SELECT * FROM appointments WHERE code = ?", (code.strip(),)))
            if not rows:
                raise NotFound(
                    "unknown_appointment", "没有找到该预约码，请核对后重试或到服务台咨询"
                )
            appointment = rows[0]
            if appointment["status"] == "checked_in":
                raise Conflict("appointment_used", "该预约已签到，请留意叫号")
            if appointment["status"] != "booked":
                raise Conflict("appointment_cancelled", "该预约已取消，请重新取号")
            if appointment["service_day"] != tx.today:
                raise Conflict(
                    "appointment_not_today",
                    f"您的预约日期是{appointment['service_day']}，不是今天",
                )
            if (
                person is not None
                and appointment["id_hash"] is not None
                and appointment["id_hash"] != person.id_hash
            ):
                raise Conflict(
                    "appointment_other_person",
                    "该预约登记的不是这张身份证，请使用预约人本人的身份证或预约码签到",
                )
            self._check_slot(tx, appointment, strict=True)
            return appointment
        if person is None:
            return None
        for appointment in tx.db.query(
            "SELECT * FROM appointments WHERE service_day = ? AND id_hash = ?"
            " AND status = 'booked' ORDER BY slot_start",
            (tx.today, person.id_hash),
        ):
            if category is not None and appointment["category"] != category:
                continue
            if self._check_slot(tx, appointment, strict=False):
                return appointment
        return None

    def _check_slot(self, tx: _Tx, appointment: dict[str, Any], *, strict: bool) -> bool:
        rules = self.config.priority
        day = date.fromisoformat(appointment["service_day"])
        start = datetime.combine(day, parse_hhmm(appointment["slot_start"]), self.calendar.zone)
        earliest = start - timedelta(minutes=rules.appointment_early_minutes)
        latest = start + timedelta(minutes=rules.appointment_late_minutes)
        if tx.local_now < earliest:
            if strict:
                raise Conflict(
                    "appointment_too_early",
                    f"您预约的时段是{appointment['slot_start']}，"
                    f"请于{earliest.strftime('%H:%M')}以后签到",
                )
            return False
        if tx.local_now > latest:
            if strict:
                raise Conflict(
                    "appointment_too_late",
                    f"您预约的时段{appointment['slot_start']}已过签到时间，请取普通号排队",
                )
            return False
        return True

    def _check_open(self, tx: _Tx, code: str, appointment: bool) -> None:
        if not self._enforce_hours:
            return
        if not self.calendar.is_open(tx.now):
            raise Conflict("hall_closed", "现在不是办公时间，暂停取号，请在办公时间内前来")
        category = self.config.category(code)
        if appointment or category is None or category.last_ticket_time is None:
            return
        if tx.local_now.time() >= parse_hhmm(category.last_ticket_time):
            raise Conflict(
                "last_ticket_passed",
                f"{category.name}今日取号时间已过（{category.last_ticket_time}截止），请明天再来",
            )

    def _check_person(self, tx: _Tx, code: str, person: Person | None) -> None:
        if person is None or not self.config.queue.one_open_ticket_per_person:
            return
        rows = list(
            tx.db.query(
                "SELECT * FROM tickets WHERE service_day = ? AND id_hash = ? AND category = ?"
                " AND status IN ('waiting', 'called') LIMIT 1",
                (tx.today, person.id_hash, code),
            )
        )
        if not rows:
            return
        existing = rows[0]
        if existing["status"] == TicketStatus.CALLED:
            where = f"已在{existing['window']}号窗口叫号，请前往办理"
        else:
            where = f"前面还有{self._ahead(tx.db, existing)}人，请留意叫号"
        raise Conflict(
            "already_queued",
            f"您已取得{existing['number']}号（同一类业务每人限一个号），{where}",
        )

    def _next_number(self, tx: _Tx, code: str) -> int:
        row = tx.db.execute(
            "SELECT last_no FROM number_counters WHERE service_day = ? AND category = ?",
            (tx.today, code),
        ).fetchone()
        issued = int(row[0]) if row else 0
        category = self.config.category(code)
        if category is not None and category.daily_cap is not None and issued >= category.daily_cap:
            raise Conflict(
                "daily_cap_reached",
                f"{category.name}今日号已发完（每日{category.daily_cap}个），请明天再来或咨询服务台",
            )
        tx.db.execute(
            "INSERT INTO number_counters (service_day, category, last_no) VALUES (?, ?, 1)"
            " ON CONFLICT (service_day, category) DO UPDATE SET last_no = last_no + 1",
            (tx.today, code),
        )
        return issued + 1

    # -- calling -----------------------------------------------------------------------------

    def _free_window(self, tx: _Tx, number: int) -> dict[str, Any]:
        window = self._window_row(tx.db, number)
        if window["status"] == WindowStatus.PAUSED:
            raise Conflict("window_paused", f"{number}号窗口暂停服务中，请先恢复服务")
        if window["current_ticket"] is not None:
            current = self._ticket_row(tx.db, window["current_ticket"])
            shown = current["number"] if current else ""
            raise Conflict("window_busy", f"{number}号窗口正在办理{shown}号，请先办结、过号或转移")
        return window

    def _call(self, tx: _Tx, number: int, row: dict[str, Any], event: str) -> Ticket:
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
        tx.emit(event, {"ticket": ticket.to_dict(private=False), "window": number})
        self._emit_window(tx, number)
        return ticket

    def call_next(self, window: int) -> Ticket | None:
        """Call the next ticket for ``window``, or return None when nobody waits for it.

        Order: lane (appointment, green, ordinary), then place in the lane; after
        ``priority_per_ordinary`` priority calls in a row, a waiting ordinary ticket goes first.
        Raises NotFound (no such window) or Conflict (window paused or busy).
        """

        def operation(tx: _Tx) -> Ticket | None:
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

        def operation(tx: _Tx) -> Ticket:
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

        def operation(tx: _Tx) -> Ticket:
            _, row = self._current(tx, window)
            tx.db.execute(
                "UPDATE tickets SET recall_count = recall_count + 1, call_count = call_count + 1"
                " WHERE id = ?",
                (row["id"],),
            )
            stored = self._ticket_row(tx.db, row["id"])
            ticket = Ticket.from_row(stored or row)
            tx.emit("ticket.recalled", {"ticket": ticket.to_dict(private=False), "window": window})
            return ticket

        return self._run(operation)

    def skip(self, window: int) -> Ticket:
        """Mark the window's current ticket as missed (过号) and free the window."""

        def operation(tx: _Tx) -> Ticket:
            _, row = self._current(tx, window)
            tx.db.execute(
                "UPDATE tickets SET status = 'missed', missed_at = ? WHERE id = ?",
                (tx.stamp, row["id"]),
            )
            self._release(tx, window)
            stored = self._ticket_row(tx.db, row["id"])
            ticket = Ticket.from_row(stored or row)
            tx.emit("ticket.skipped", {"ticket": ticket.to_dict(private=False), "window": window})
            self._emit_window(tx, window)
            return ticket

        return self._run(operation)

    def _release(self, tx: _Tx, window: int) -> None:
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

        def operation(tx: _Tx) -> Ticket:
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

        def operation(tx: _Tx) -> Ticket:
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
        text = (reason or "").strip()
        if not text or len(text) > 100:
            raise Invalid("reason_required", "请填写暂停原因（不超过100字）")

        def operation(tx: _Tx) -> WindowState:
            row = self._window_row(tx.db, window)
            if row["current_ticket"] is not None:
                raise Conflict("window_busy", f"{window}号窗口还有正在办理的号，请先办结或过号")
            tx.db.execute(
                "UPDATE windows SET status = 'paused', pause_reason = ?, updated_at = ?"
                " WHERE number = ?",
                (text, tx.stamp, window),
            )
            tx.emit("window.paused", {"window": window, "reason": text})
            self._emit_window(tx, window)
            return self._window_state(tx.db, window)

        return self._run(operation)

    def resume(self, window: int) -> WindowState:
        """End a pause."""

        def operation(tx: _Tx) -> WindowState:
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

    # -- finishing and rating ----------------------------------------------------------------

    def finish(self, window: int) -> Ticket:
        """Finish (办结) the current ticket and open its rating request."""
        timeout = self.config.rating.keypad_timeout_seconds

        def operation(tx: _Tx) -> Ticket:
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

    def rate(self, window: int, level: int, reason: str | None = None) -> Rating:
        """Record the citizen's rating of the service just finished at ``window``, once.

        Levels are GB/T 39046 codes, 1 非常满意 … 5 非常不满意; 4 and 5 need a reason and open
        a follow-up due in the configured number of working days. Raises Invalid or Conflict
        (nothing to rate, already rated, request expired).
        """
        if level not in RATING_LEVELS:
            raise Invalid("bad_level", "评价等级应为1（非常满意）到5（非常不满意）")
        text = (reason or "").strip() or None
        if level in BAD_LEVELS and text is None:
            reasons = "、".join(self.config.rating.bad_reasons)
            raise Invalid("reason_required", f"差评需要选择原因：{reasons}")

        def operation(tx: _Tx) -> Rating:
            self._window_row(tx.db, window)
            rows = list(
                tx.db.query(
                    "SELECT t.*, r.id AS rating_id FROM tickets t"
                    " LEFT JOIN ratings r ON r.ticket_id = t.id"
                    " WHERE t.window = ? AND t.status = 'finished' AND t.rating_due_at IS NOT NULL"
                    " ORDER BY t.finished_at DESC LIMIT 1",
                    (window,),
                )
            )
            if not rows or rows[0]["rating_id"] is not None:
                raise Conflict("no_rating_pending", f"{window}号窗口当前没有待评价的服务")
            row = rows[0]
            due = datetime.fromisoformat(row["rating_due_at"])
            if tx.local_now > due + timedelta(seconds=RATING_GRACE_SECONDS):
                raise Conflict("rating_expired", "评价时间已过，本次服务记为未评价")
            clerk = tx.db.execute(
                "SELECT clerk_id FROM windows WHERE number = ?", (window,)
            ).fetchone()[0]
            rating_id = str(uuid.uuid4())
            tx.db.table("ratings").insert(
                {
                    "id": rating_id,
                    "ticket_id": row["id"],
                    "window": window,
                    "level": level,
                    "reason": text,
                    "channel": RATING_CHANNEL_HALL_TERMINAL,
                    "clerk_id": clerk,
                    "rated_at": tx.stamp,
                }
            )
            followup_due = None
            if level in BAD_LEVELS:
                followup_due = self.calendar.add_working_days(
                    date.fromisoformat(tx.today), self.config.rating.followup_working_days
                ).isoformat()
                tx.db.table("followups").insert(
                    {
                        "id": str(uuid.uuid4()),
                        "rating_id": rating_id,
                        "ticket_id": row["id"],
                        "window": window,
                        "level": level,
                        "reason": text,
                        "opened_at": tx.stamp,
                        "due_date": followup_due,
                    }
                )
            rating = Rating(
                id=rating_id,
                ticket_id=row["id"],
                number=row["number"],
                window=window,
                level=level,
                reason=text,
                channel=RATING_CHANNEL_HALL_TERMINAL,
                rated_at=tx.stamp,
                followup_due=followup_due,
            )
            payload = rating.to_dict()
            payload.update(
                {
                    "division_code": self.config.hall.division_code,
                    "clerk_id": clerk,
                    "item_id": row["item_id"],
                    "service_day": row["service_day"],
                }
            )
            tx.emit("rating.recorded", payload)
            return rating

        return self._run(operation)

    # -- appointments (filled by the downlink, or by an admin) --------------------------------

    def add_appointment(
        self,
        *,
        code: str,
        service_day: str,
        slot_start: str,
        slot_end: str,
        category: str,
        item_id: str | None = None,
        id_number: str | None = None,
    ) -> dict[str, Any]:
        """Store a booked appointment; raises Invalid for bad fields, Conflict for a used code."""
        if self.config.category(category) is None:
            raise Invalid("unknown_category", f"没有{category}类业务")
        try:
            date.fromisoformat(service_day)
            start, end = parse_hhmm(slot_start), parse_hhmm(slot_end)
        except ValueError as err:
            raise Invalid("bad_appointment", f"预约日期或时段格式不正确：{err}") from err
        if end <= start:
            raise Invalid("bad_appointment", "预约时段的结束时间应晚于开始时间")
        person = identify(self._secret, id_number) if id_number else None

        def operation(tx: _Tx) -> dict[str, Any]:
            if tx.db.execute("SELECT 1 FROM appointments WHERE code = ?", (code,)).fetchone():
                raise Conflict("appointment_exists", f"预约码{code}已存在")
            row = {
                "id": str(uuid.uuid4()),
                "code": code,
                "service_day": service_day,
                "slot_start": slot_start,
                "slot_end": slot_end,
                "category": category,
                "item_id": item_id,
                "id_hash": person.id_hash if person else None,
                "id_masked": person.id_masked if person else None,
                "status": "booked",
            }
            tx.db.table("appointments").insert(row)
            return {k: v for k, v in row.items() if k != "id_hash"}

        return self._run(operation)

    def cancel_appointment(self, code: str) -> dict[str, Any]:
        """Cancel a booked appointment (central cancelled it); emits ``appointment.cancelled``.

        One already cancelled is returned as it is, with no event. Raises NotFound (unknown
        code) or Conflict (already checked in: its ticket stands).
        """

        def operation(tx: _Tx) -> dict[str, Any]:
            rows = list(tx.db.query("SELECT * FROM appointments WHERE code = ?", (code,)))
            if not rows:
                raise NotFound("unknown_appointment", f"没有预约码为{code}的预约")
            row = rows[0]
            if row["status"] == "checked_in":
                raise Conflict("appointment_used", f"预约{code}已签到取号，号票继续有效")
            if row["status"] == "booked":
                tx.db.execute(
                    "UPDATE appointments SET status = 'cancelled' WHERE id = ?", (row["id"],)
                )
                row["status"] = "cancelled"
                fields = ("code", "service_day", "slot_start", "slot_end", "category", "item_id")
                tx.emit("appointment.cancelled", {k: row[k] for k in fields})
            return {k: v for k, v in row.items() if k != "id_hash"}

        return self._run(operation)

    # -- reading -----------------------------------------------------------------------------


_STATUS_NAMES = {
    "waiting": "等候中",
    "called": "已叫号",
    "finished": "已办结",
    "missed": "已过号",
    "cancelled": "已作废",
}
