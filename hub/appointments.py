"""Appointments (预约): booked slots filled by the downlink from central, or by an admin.

A booking is stored with the applicant's ID number as a keyed hash and masked (never in clear);
checking in at a kiosk turns it into a ticket (:mod:`hub.issuing`). Central may cancel a booking,
or move it to another day or slot, until it is checked in.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from config.schema import parse_hhmm
from hub.errors import Conflict, Invalid, NotFound
from hub.identity import Person, identify
from hub.txn import EngineCore, Tx

# Where and when an appointment is: what a move changes, and what its events carry.
_PLACE = ("service_day", "slot_start", "slot_end", "category", "item_id")


class AppointmentDesk(EngineCore):
    """Storing and cancelling appointments (mixed into :class:`hub.engine.QueueEngine`)."""

    def _checked_booking(
        self, service_day: str, slot_start: str, slot_end: str, category: str, id_number: str | None
    ) -> Person | None:
        """Check a booking's fields (raises Invalid naming the bad one); the applicant's keyed
        identity when an ID number is given."""
        if self.config.category(category) is None:
            raise Invalid("unknown_category", f"没有{category}类业务")
        try:
            date.fromisoformat(service_day)
            start, end = parse_hhmm(slot_start), parse_hhmm(slot_end)
        except ValueError as err:
            raise Invalid("bad_appointment", f"预约日期或时段格式不正确：{err}") from err
        if end <= start:
            raise Invalid("bad_appointment", "预约时段的结束时间应晚于开始时间")
        return identify(self._secret, id_number) if id_number else None

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
        source: str = "hall",
    ) -> dict[str, Any]:
        """Store a booked appointment; raises Invalid for bad fields, Conflict for a used code.

        ``source`` is ``central`` for one from central's lists (only those are kept in step
        with them) and ``hall`` for one the hall's admin booked."""
        person = self._checked_booking(service_day, slot_start, slot_end, category, id_number)

        def operation(tx: Tx) -> dict[str, Any]:
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
                "source": "central" if source == "central" else "hall",
            }
            tx.db.table("appointments").insert(row)
            return {k: v for k, v in row.items() if k != "id_hash"}

        return self._run(operation)

    def move_appointment(
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
        """Give a held appointment central's new day, slot, category or item (booked again if it
        was cancelled); emits ``appointment.moved`` with where it was and where it is now.

        Nothing changes (and no event) when it already says so. Raises Invalid for bad fields,
        NotFound for an unknown code, Conflict when it was already checked in (its ticket
        stands)."""
        person = self._checked_booking(service_day, slot_start, slot_end, category, id_number)
        wanted = {
            "service_day": service_day,
            "slot_start": slot_start,
            "slot_end": slot_end,
            "category": category,
            "item_id": item_id,
            "status": "booked",
        }

        def operation(tx: Tx) -> dict[str, Any]:
            rows = list(tx.db.query("SELECT * FROM appointments WHERE code = ?", (code,)))
            if not rows:
                raise NotFound("unknown_appointment", f"没有预约码为{code}的预约")
            row = rows[0]
            if row["status"] == "checked_in":
                raise Conflict("appointment_used", f"预约{code}已签到取号，号票继续有效")
            changes = {k: v for k, v in wanted.items() if row[k] != v}
            if person is not None and row["id_hash"] != person.id_hash:
                changes.update(id_hash=person.id_hash, id_masked=person.id_masked)
            if changes:
                tx.db.table("appointments").update(row["id"], changes)
                before = {k: row[k] for k in _PLACE}
                tx.emit("appointment.moved", {"code": code, "from": before,
                                              "to": {k: wanted[k] for k in _PLACE}})  # fmt: skip
                row.update(changes)
            return {k: v for k, v in row.items() if k != "id_hash"}

        return self._run(operation)

    def cancel_appointment(self, code: str) -> dict[str, Any]:
        """Cancel a booked appointment (central cancelled it); emits ``appointment.cancelled``.

        One already cancelled is returned as it is, with no event. Raises NotFound (unknown
        code) or Conflict (already checked in: its ticket stands).
        """

        def operation(tx: Tx) -> dict[str, Any]:
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
