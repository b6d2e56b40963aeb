"""Issuing rules: lanes, appointment check-in, one open ticket per person, caps, hours, numbers.

The only code that creates tickets. Wait estimates come from :mod:`hub.reads`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from config.schema import parse_hhmm
from devices.idnumber import age_on
from devices.idnumber import mask_name as _mask_name
from hub.errors import Conflict, Invalid, NotFound
from hub.identity import Person, identify
from hub.models import Lane, Ticket, TicketStatus
from hub.txn import EngineCore, Tx


class IssuingRules(EngineCore):
    """Issuing tickets by the hall's rules (mixed into :class:`hub.engine.QueueEngine`)."""

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
        idempotency_key: str | None = None,
        device: str | None = None,
    ) -> Ticket:
        """Issue the next number of a category (or of an item's category).

        The appointment lane with an ID card and no category checks in the card's appointment
        of today, whatever its category. A request of ``device`` (its id) repeating the
        ``idempotency_key`` of one it sent today with the same fields answers that ticket again
        (no second number, no event); keys of other devices are theirs alone.

        Raises Invalid (unknown category or item, bad ID number, bad lane, the device's key
        reused for different fields: ``idempotency_key_reused``), NotFound (unknown
        appointment code, no appointment today for the card), Conflict (hall closed,
        last-ticket time passed, daily cap reached, person already queued in the category,
        appointment not usable now).
        """
        person = identify(self._secret, id_number) if id_number else None
        name_masked = _mask_name(name) if name else None
        fields = [category, item_id, lane, green_group, person.normalized if person else None,
                  name, appointment_code]  # fmt: skip
        request_hash = hmac.new(
            self._secret, json.dumps(fields, ensure_ascii=False).encode(), hashlib.sha256
        ).hexdigest()  # keyed: the fields hold an ID number
        requester = device or ""
        by_card = (
            lane == Lane.APPOINTMENT
            and category is None
            and item_id is None
            and appointment_code is None
            and person is not None
        )

        def operation(tx: Tx) -> Ticket:
            if idempotency_key is not None:
                again = self._answered(tx, requester, idempotency_key, request_hash)
                if again is not None:
                    return again
            if by_card and person is not None:
                appointment: dict[str, Any] | None = self._card_appointment(tx, person)
                code, item = "", None
            elif category is None and item_id is None and appointment_code is not None:
                code, item = "", None  # the appointment names the category
                appointment = self._find_appointment(tx, appointment_code, person, None)
            else:
                code, item = self._resolve_category(category, item_id)
                appointment = self._find_appointment(tx, appointment_code, person, code)
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
            if idempotency_key is not None:
                tx.db.execute(
                    "INSERT INTO ticket_requests (service_day, device, key, request_hash,"
                    " ticket_id) VALUES (?, ?, ?, ?, ?)",
                    (tx.today, requester, idempotency_key, request_hash, ticket_id),
                )
            tx.emit("ticket.issued", {"ticket": ticket.to_dict(private=False)})
            return ticket

        return self._run(operation)

    def _answered(self, tx: Tx, device: str, key: str, request_hash: str) -> Ticket | None:
        """The ticket an earlier request of ``device`` with this Idempotency-Key got today, or
        None; raises Invalid ``idempotency_key_reused`` when that request asked for another
        ticket (``request_hash`` differs)."""
        row = tx.db.execute(
            "SELECT ticket_id, request_hash FROM ticket_requests"
            " WHERE service_day = ? AND device = ? AND key = ?",
            (tx.today, device, key),
        ).fetchone()
        if row is not None and row[1] is not None and row[1] != request_hash:
            raise Invalid(
                "idempotency_key_reused",
                "该 Idempotency-Key 已用于另一份取号请求，内容不同；新的取号请求请使用新的键",
            )
        stored = self._ticket_row(tx.db, row[0]) if row else None
        return self._with_wait(tx.db, stored) if stored else None

    def _card_appointment(self, tx: Tx, person: Person) -> dict[str, Any]:
        """Today's booked appointment of the card being checked in (its slot window open now).

        Raises NotFound ``appointment_required`` when the card has none today, or Conflict
        (too early, too late) for the nearest one when none is open now.
        """
        booked = list(
            tx.db.query(
                "SELECT * FROM appointments WHERE service_day = ? AND id_hash = ?"
                " AND status = 'booked' ORDER BY slot_start",
                (tx.today, person.id_hash),
            )
        )
        if not booked:
            raise NotFound(
                "appointment_required",
                "今天没有用这张身份证预约的业务，请选择业务取普通号，或使用预约码签到",
            )
        for appointment in booked:
            if self._check_slot(tx, appointment, strict=False):
                return appointment
        late = timedelta(minutes=self.config.priority.appointment_late_minutes)
        upcoming = [a for a in booked if tx.local_now <= self._slot_start(a) + late]
        nearest = upcoming[0] if upcoming else booked[-1]
        self._check_slot(tx, nearest, strict=True)  # not open now: says too early or too late
        return nearest

    @staticmethod
    def _next_sort_key(tx: Tx) -> float:
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
        tx: Tx,
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
            age = age_on(person.normalized, tx.local_now.date())  # a birthday is a calendar date
            if age >= self.config.priority.elderly_age:
                return Lane.GREEN, "老年人"
        return Lane.ORDINARY, None

    def _find_appointment(
        self, tx: Tx, code: str | None, person: Person | None, category: str | None
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

    def _slot_start(self, appointment: dict[str, Any]) -> datetime:
        day = date.fromisoformat(appointment["service_day"])
        return self.calendar.at(day, parse_hhmm(appointment["slot_start"]))

    def _check_slot(self, tx: Tx, appointment: dict[str, Any], *, strict: bool) -> bool:
        rules = self.config.priority
        start = self._slot_start(appointment)
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

    def _check_open(self, tx: Tx, code: str, appointment: bool) -> None:
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

    def _check_person(self, tx: Tx, code: str, person: Person | None) -> None:
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
        held: dict[str, Any] = {"number": existing["number"], "status": existing["status"]}
        if existing["status"] == TicketStatus.CALLED:
            held["window"] = existing["window"]
            where = f"已在{existing['window']}号窗口叫号，请前往办理"
        else:
            held["ahead"] = self._ahead(tx.db, existing)
            where = f"前面还有{held['ahead']}人，请留意叫号"
        raise Conflict(
            "already_queued",
            f"您已取得{existing['number']}号（同一类业务每人限一个号），{where}",
            held,
        )

    def _next_number(self, tx: Tx, code: str) -> int:
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
