"""The hub's side of the downlink: what central sends down, handed to the catalog and the engine.

:func:`apply_appointments` takes a day's appointment list from central into the queue engine;
:func:`start_downlink` builds the downlink thread (``sync.downlink``) for an enrolled hub and
plugs in the two callbacks: :meth:`hub.catalog.Catalog.apply` and :func:`apply_appointments`.
"""

from __future__ import annotations

import logging
from pathlib import Path

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


def held_appointments(engine: QueueEngine, codes: list[str]) -> dict[str, str]:
    """The status (``booked``, ``checked_in``, ``cancelled``) of each code the hub holds."""
    db = engine.store.reader()
    held: dict[str, str] = {}
    for start in range(0, len(codes), _CODES_PER_QUERY):
        chunk = codes[start : start + _CODES_PER_QUERY]
        marks = ",".join("?" for _ in chunk)
        for row in db.execute(
            f"SELECT code, status FROM appointments WHERE code IN ({marks})",  # noqa: S608
            chunk,
        ):
            held[str(row[0])] = str(row[1])
    return held


def apply_appointments(engine: QueueEngine, day: str, answer: AppointmentsAnswer) -> None:
    """Add the booked appointments the hub does not hold (by code); cancel those central cancelled.

    Idempotent: applying the same list again changes nothing. ID numbers are kept only as the
    engine keeps them (keyed hash and mask). An appointment already checked in stays so (its
    ticket is being served). Entries the hub cannot take (unknown category, bad ID number or
    slot) are skipped, the rest applied, then ApplyRefused names the skipped ones by code.
    """
    held = held_appointments(engine, [a.code for a in answer.appointments])
    problems: list[str] = []
    for entry in answer.appointments:
        status = held.get(entry.code)
        try:
            if entry.status == "booked" and status is None:
                engine.add_appointment(
                    code=entry.code,
                    service_day=day,
                    slot_start=entry.slot_start,
                    slot_end=entry.slot_end,
                    category=entry.category,
                    item_id=entry.item_id,
                    id_number=entry.id_number,
                )
            elif entry.status == "cancelled" and status == "booked":
                engine.cancel_appointment(entry.code)
            elif entry.status == "cancelled" and status == "checked_in":
                log.warning("central cancelled appointment %s, already checked in", entry.code)
        except HubError as err:
            if err.code == "appointment_exists":  # added meanwhile (by an admin): held now
                continue
            problems.append(f"{entry.code}: {err.message}")
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
        now=engine.clock.now,
    )
    if downlink.status().catalog_version != (catalog.view.version or None):
        # The hub serves another catalog than the downlink recorded (the stored one no longer
        # fits the configuration, or the hub stopped between applying and recording): ask anew.
        downlink.forget_catalog()
    downlink.start()
    log.info("downlink to %s started", credential.central_url)
    return downlink
