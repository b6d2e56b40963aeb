"""The hub's side of the downlink: what central sends down, handed to the catalog and the engine.

:func:`apply_appointments` takes a day's appointment list from central into the queue engine;
:func:`start_downlink` builds the downlink thread (``sync.downlink``) for an enrolled hub and
plugs in the callbacks: :meth:`hub.catalog.Catalog.apply`, :func:`apply_appointments` and the
engine's :meth:`hub.case_moves.CaseMoves.apply_central_change` (central's changes to cases).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from config.schema import SyncSettings
from hub.catalog import Catalog
from hub.engine import QueueEngine
from hub.errors import HubError
from sync.credential import load_credential
from sync.downlink import ApplyRefused, Downlink
from sync.http import CentralClient
from sync.wire import AppointmentsAnswer

log = logging.getLogger(__name__)

_CODES_PER_QUERY = 500  # below SQLite's limit on bound parameters


_PLACE = ("service_day", "slot_start", "slot_end", "category", "item_id")


def held_appointments(
    engine: QueueEngine, codes: list[str], day: str | None = None
) -> dict[str, dict[str, Any]]:
    """What the hub holds of each code (status and place), plus, with ``day``, every
    appointment from central it holds booked for that day (the hall's own bookings are not
    central's to withdraw)."""
    db = engine.store.reader()
    columns = "code, status, " + ", ".join(_PLACE)
    rows: list[Any] = []
    for start in range(0, len(codes), _CODES_PER_QUERY):
        chunk = codes[start : start + _CODES_PER_QUERY]
        marks = ",".join("?" for _ in chunk)
        rows += db.execute(
            f"SELECT {columns} FROM appointments WHERE code IN ({marks})",  # noqa: S608
            chunk,
        ).fetchall()
    if day is not None:
        rows += db.execute(
            f"SELECT {columns} FROM appointments WHERE service_day = ? AND status = 'booked'"  # noqa: S608
            " AND source = 'central'",
            (day,),
        ).fetchall()
    names = ("code", "status", *_PLACE)
    return {str(row[0]): dict(zip(names, row, strict=True)) for row in rows}


def apply_appointments(engine: QueueEngine, day: str, answer: AppointmentsAnswer) -> None:
    """Make the hub's appointments of ``day`` what central's list for that day says.

    Central's list of a day is complete (an appointment moved to another day leaves it), so:
    booked ones the hub does not hold are added; held ones whose day, slot, category or item
    changed, or that central booked again, are moved (``appointment.moved``); those central
    cancelled are cancelled; booked ones from central of this day missing from the list (moved
    away or withdrawn) are cancelled until the list of their new day brings them back, while
    the hall's own bookings (admin API) are left alone. Idempotent:
    applying the same list again changes nothing. An appointment already checked in stays so
    (its ticket is being served). ID numbers are kept only as the engine keeps them (keyed hash
    and mask). Entries the hub cannot take (unknown category, bad ID number or slot) are
    skipped, the rest applied, then ApplyRefused names the skipped ones by code.
    """
    held = held_appointments(engine, [a.code for a in answer.appointments], day)
    listed = {a.code for a in answer.appointments}
    problems: list[str] = []
    for entry in answer.appointments:
        have = held.get(entry.code)
        status = have["status"] if have else None
        place: dict[str, Any] = {
            "service_day": day,
            "slot_start": entry.slot_start,
            "slot_end": entry.slot_end,
            "category": entry.category,
            "item_id": entry.item_id,
        }
        try:
            if entry.status == "booked" and have is None:
                engine.add_appointment(
                    code=entry.code, id_number=entry.id_number, source="central", **place
                )
            elif entry.status == "booked" and status == "checked_in":
                continue  # served or being served: central's later change cannot undo that
            elif (
                entry.status == "booked"
                and have is not None
                and (status == "cancelled" or any(have[k] != v for k, v in place.items()))
            ):
                engine.move_appointment(code=entry.code, id_number=entry.id_number, **place)
            elif entry.status == "cancelled" and status == "booked":
                engine.cancel_appointment(entry.code)
            elif entry.status == "cancelled" and status == "checked_in":
                log.warning("central cancelled appointment %s, already checked in", entry.code)
        except HubError as err:
            if err.code == "appointment_exists":  # added meanwhile (by an admin): held now
                continue
            problems.append(f"{entry.code}: {err.message}")
    for code, have in held.items():
        if code not in listed and have["service_day"] == day and have["status"] == "booked":
            log.info("appointment %s left the list of %s at central: cancelled here", code, day)
            try:
                engine.cancel_appointment(code)
            except HubError as err:  # checked in meanwhile: its ticket stands
                log.warning("appointment %s not cancelled: %s", code, err.message)
    if problems:
        raise ApplyRefused(f"{len(problems)} appointment(s) not taken: " + "; ".join(problems))


def start_downlink(
    data_dir: str | Path, engine: QueueEngine, catalog: Catalog, settings: SyncSettings
) -> Downlink | None:
    """Start pulling from central when the hub is enrolled (``DATA/central.json``); else None.

    Raises CredentialError when the credential file exists but cannot be used.
    """
    credential = load_credential(data_dir)
    if credential is None:
        return None
    downlink = Downlink(
        CentralClient(credential, timeout=settings.request_timeout_seconds),
        engine.store,
        settings,
        engine.calendar,
        apply_catalog=catalog.apply,
        apply_appointments=lambda day, answer: apply_appointments(engine, day, answer),
        apply_case_change=engine.apply_central_change,
        now=engine.clock.now,
    )
    if downlink.status().catalog_version != (catalog.view.version or None):
        # The hub serves another catalog than the downlink recorded (the stored one no longer
        # fits the configuration, or the hub stopped between applying and recording): ask anew.
        downlink.forget_catalog()
    downlink.start()
    log.info("downlink to %s started", credential.central_url)
    return downlink
