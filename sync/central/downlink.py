"""Catalogs and appointments central sends down, each with a version that only grows.

A catalog is published whole as a new version (checksum over its canonical JSON); appointments
are kept per hall and service day, and every change to a day bumps that day's version.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError

from config.schema import Category, ServiceItem
from sync.central.errors import BadInput, first_problem
from sync.central.store import CentralStore, iso_now
from sync.wire import AppointmentsAnswer, WireAppointment, catalog_checksum

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_YYYY_MM_DD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class PublishedCatalog:
    version: int
    checksum: str
    catalog: dict[str, Any]


def check_catalog_content(data: dict[str, Any]) -> dict[str, Any]:
    """The catalog (``categories`` and ``items``) normalised by the hall config's models.

    Raises BadInput naming the entry and field that do not validate, or a category an item
    refers to that the catalog lacks.
    """
    unknown = sorted(set(data) - {"categories", "items"})
    if unknown:
        raise BadInput(f"a catalog has only 'categories' and 'items', not {', '.join(unknown)}")
    categories: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for kind, model, out in (
        ("categories", Category, categories),
        ("items", ServiceItem, items),
    ):
        entries = data.get(kind, [])
        if not isinstance(entries, list):
            raise BadInput(f"{kind}: must be a list")
        for index, entry in enumerate(entries):
            try:
                out.append(model.model_validate(entry).model_dump(mode="json"))
            except ValidationError as err:
                raise BadInput(f"{kind}[{index}].{first_problem(err)}") from err
    if not categories:
        raise BadInput("categories: a catalog needs at least one category")
    codes = {c["code"] for c in categories}
    if len(codes) != len(categories):
        raise BadInput("categories: two categories share a code")
    ids = [i["id"] for i in items]
    if len(set(ids)) != len(ids):
        raise BadInput("items: two items share an id")
    for index, item in enumerate(items):
        if item["category"] not in codes:
            raise BadInput(f"items[{index}].category: no category {item['category']!r}")
    return {"categories": categories, "items": items}


def publish_catalog(central: CentralStore, hall: str, data: dict[str, Any]) -> PublishedCatalog:
    """Validate and store the catalog as the hall's next version; raises BadInput, UnknownHall."""
    catalog = check_catalog_content(data)
    checksum = catalog_checksum(catalog)
    central.hall(hall)
    with central.db.write() as db:
        version = int(
            db.execute(
                "SELECT catalog_version FROM halls WHERE id = ?"  # noqa: S608 - a fixed clause
                + db.for_update,
                (hall,),
            ).fetchone()[0]
        )
        version += 1
        db.execute(
            "INSERT INTO catalogs (hall, version, checksum, body, published_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                hall,
                version,
                checksum,
                json.dumps(catalog, ensure_ascii=False),
                iso_now(central.now()),
            ),
        )
        db.execute("UPDATE halls SET catalog_version = ? WHERE id = ?", (version, hall))
    return PublishedCatalog(version, checksum, catalog)


def current_catalog(central: CentralStore, hall: str) -> PublishedCatalog | None:
    """The hall's latest catalog, or None when none was published."""
    with central.db.read() as db:
        row = db.execute(
            "SELECT version, checksum, body FROM catalogs WHERE hall = ?"
            " ORDER BY version DESC LIMIT 1",
            (hall,),
        ).fetchone()
    if row is None:
        return None
    return PublishedCatalog(int(row[0]), row[1], json.loads(row[2]))


def _check_day(day: str) -> str:
    """``day`` if it is a real date written YYYY-MM-DD (nothing else Python would read)."""
    try:
        if not _YYYY_MM_DD.fullmatch(day):
            raise ValueError(day)
        return date.fromisoformat(day).isoformat()
    except ValueError as err:
        raise BadInput(f"date: expected YYYY-MM-DD, got {day[:40]!r}") from err


def add_appointment(
    central: CentralStore, hall: str, day: str, appointment: WireAppointment
) -> int:
    """Book (or re-book) an appointment on ``day``; returns that day's new version.

    Raises BadInput for a bad date or slot, UnknownHall.
    """
    day = _check_day(day)
    for name in ("slot_start", "slot_end"):
        if not _HHMM.match(getattr(appointment, name)):
            raise BadInput(f"{name}: expected HH:MM, got {getattr(appointment, name)!r}")
    if appointment.slot_end <= appointment.slot_start:
        raise BadInput("slot_end: must be after slot_start")
    central.hall(hall)
    with central.db.write() as db:
        before = db.execute(
            "SELECT date FROM appointments WHERE hall = ? AND code = ?", (hall, appointment.code)
        ).fetchone()
        if before is not None and before[0] != day:
            _bump(db, hall, before[0])  # it leaves that day's list
        db.execute(
            "INSERT INTO appointments (hall, code, date, slot_start, slot_end, category, item_id,"
            " id_number, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'booked')"
            " ON CONFLICT (hall, code) DO UPDATE SET date = excluded.date,"
            " slot_start = excluded.slot_start, slot_end = excluded.slot_end,"
            " category = excluded.category, item_id = excluded.item_id,"
            " id_number = excluded.id_number, status = 'booked'",
            (
                hall,
                appointment.code,
                day,
                appointment.slot_start,
                appointment.slot_end,
                appointment.category,
                appointment.item_id,
                appointment.id_number,
            ),
        )
        return _bump(db, hall, day)


def cancel_appointment(central: CentralStore, hall: str, code: str) -> int:
    """Cancel a booked appointment; returns its day's new version. Raises BadInput if unknown."""
    with central.db.write() as db:
        row = db.execute(
            "SELECT date FROM appointments WHERE hall = ? AND code = ?", (hall, code)
        ).fetchone()
        if row is None:
            raise BadInput(f"no appointment {code!r} for hall {hall}")
        db.execute(
            "UPDATE appointments SET status = 'cancelled' WHERE hall = ? AND code = ?", (hall, code)
        )
        return _bump(db, hall, row[0])


def _bump(db: Any, hall: str, day: str) -> int:
    db.execute(
        "INSERT INTO appointment_days (hall, date, version) VALUES (?, ?, 1)"
        " ON CONFLICT (hall, date) DO UPDATE SET version = appointment_days.version + 1",
        (hall, day),
    )
    return int(
        db.execute(
            "SELECT version FROM appointment_days WHERE hall = ? AND date = ?", (hall, day)
        ).fetchone()[0]
    )


def appointments_of_day(central: CentralStore, hall: str, day: str) -> AppointmentsAnswer:
    """The day's appointments (booked and cancelled) and its version (0: never any)."""
    day = _check_day(day)
    columns = ("code", "slot_start", "slot_end", "category", "item_id", "id_number", "status")
    with central.db.read() as reader:
        row = reader.execute(
            "SELECT version FROM appointment_days WHERE hall = ? AND date = ?", (hall, day)
        ).fetchone()
        rows = reader.query(
            f"SELECT {', '.join(columns)}"  # noqa: S608 - our own column names
            " FROM appointments WHERE hall = ? AND date = ? ORDER BY slot_start, code",
            (hall, day),
        )
    return AppointmentsAnswer(
        date=day,
        version=int(row[0]) if row else 0,
        appointments=[
            WireAppointment.model_validate(dict(zip(columns, r, strict=True))) for r in rows
        ],
    )


def next_appointment_code(central: CentralStore, hall: str, day: str) -> str:
    """An unused code ``Y<YYYYMMDD><NNN>`` for a new appointment of the hall on ``day``."""
    day = _check_day(day)
    with central.db.read() as reader:
        number = reader.execute(
            "SELECT COUNT(*) FROM appointments WHERE hall = ? AND date = ?", (hall, day)
        ).fetchone()[0]
        while True:
            number += 1
            code = f"Y{day.replace('-', '')}{number:03d}"
            taken = reader.execute(
                "SELECT 1 FROM appointments WHERE hall = ? AND code = ?", (hall, code)
            ).fetchone()
            if taken is None:
                return code
