"""Central's database: halls, enrollment codes, keys, nonces and per-hall counters.

One database (:mod:`sync.central.db`): a SQLite file (WAL, one writer) or PostgreSQL, with the
numbered migrations of the component ``central`` (:data:`MIGRATIONS`). Batch intake lives in
``sync.central.intake``, catalogs and appointments in ``sync.central.downlink``, each day's
figures in ``sync.central.figures``; all write through the same database.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sync.central import (
    fleet,
    province,
    schema_base,
    schema_cases,
    schema_console,
    schema_figures,
    schema_fleet,
    schema_phone,
    schema_province,
    schema_regions,
)
from sync.central.db import CentralDb, Migrations, Tx, open_db
from sync.central.errors import CentralError, UnknownHall
from sync.signing import NONCE_TTL_SECONDS
from sync.wire import (
    RatingScale,
    WireError,
    WireEvent,
    new_enrollment_code,
    normalize_enrollment_code,
)

IntakeSink = Callable[[Tx, "Hall", list[WireEvent], str], None]
"""See :attr:`CentralStore.sinks`."""

CODE_VALID_SECONDS = 7 * 24 * 3600
ENROLL_FAILURE_WINDOW_SECONDS = 600
ENROLL_FAILURES_ALLOWED = 10
NONCE_PURGE_EVERY_SECONDS = 60.0

MIGRATIONS = Migrations(
    sqlite=[
        *schema_base.CENTRAL_MIGRATIONS,
        schema_regions.MIGRATION_SQLITE,
        schema_province.MIGRATION_SQLITE,
        schema_figures.MIGRATION_SQLITE,
        schema_console.MIGRATION_SQLITE,
        schema_cases.MIGRATION_SQLITE,
        schema_phone.MIGRATION_SQLITE,
        schema_fleet.MIGRATION_SQLITE,
    ],
    postgresql=[
        *schema_base.CENTRAL_MIGRATIONS_PG,
        schema_regions.MIGRATION_PG,
        schema_province.MIGRATION_PG,
        schema_figures.MIGRATION_PG,
        schema_console.MIGRATION_PG,
        schema_cases.MIGRATION_PG,
        schema_phone.MIGRATION_PG,
        schema_fleet.MIGRATION_PG,
    ],
)
"""Every migration of central, per engine. A feature with tables of its own keeps them in its
``schema_*`` module (one Migration per engine, the same number) and is listed here in order."""


def iso_now(now: float) -> str:
    """``now`` (Unix seconds) as ISO 8601 with the machine's UTC offset, second precision."""
    return datetime.fromtimestamp(now, UTC).astimezone().isoformat(timespec="seconds")


def _code_hash(normalized: str) -> str:
    return hashlib.sha256(normalized.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Hall:
    """One hall as central knows it, with its intake counters."""

    id: str
    name: str
    created_at: str
    rating_scale: RatingScale
    catalog_version: int
    acked_seq: int
    max_seq: int
    held: int
    applied: int
    rejected: int
    conflicts: int
    hub_last_seq: int
    hub_name: str
    last_contact: float | None
    region: str | None = None
    """The code of the region (``regions``) the hall belongs to; None until one is set."""

    @property
    def lag(self) -> int:
        """Events the hub reported having that central does not hold contiguously yet."""
        return max(0, self.hub_last_seq - self.acked_seq)

    @classmethod
    def from_row(cls, row: Any) -> Hall:
        return cls(
            id=row["id"],
            name=row["name"],
            created_at=row["created_at"],
            rating_scale=row["rating_scale"],
            catalog_version=int(row["catalog_version"]),
            acked_seq=int(row["acked_seq"]),
            max_seq=int(row["max_seq"]),
            held=int(row["held"]),
            applied=int(row["applied"]),
            rejected=int(row["rejected"]),
            conflicts=int(row["conflicts"]),
            hub_last_seq=int(row["hub_last_seq"]),
            hub_name=row["hub_name"],
            last_contact=row["last_contact"],
            region=row["region"],
        )


@dataclass(frozen=True)
class HallKey:
    """A hub's signing key: which hall it speaks for and whether it still may."""

    key_id: str
    hall: str
    secret: bytes
    revoked: bool


@dataclass(frozen=True)
class Enrollment:
    """What a successful enrollment hands the hub (``sync.wire.EnrollAnswer``'s fields)."""

    hall: str
    hall_name: str
    key_id: str
    secret_b64: str
    rating_scale: RatingScale


class CentralStore:
    """Central's data in one database (:mod:`sync.central.db`); thread-safe.

    ``location`` is a SQLite file path (the embedded default) or a ``postgresql://`` URL;
    ``now`` is the clock in Unix seconds (tests pass a fake one to age codes and nonces).
    Raises :class:`sync.errors.StoreError` when the database cannot be opened.
    """

    def __init__(
        self,
        location: str | Path,
        now: Callable[[], float] = time.time,
        *,
        pool_size: int = 10,
    ) -> None:
        self.location = str(location)
        """The database as given (a PostgreSQL URL keeps its password: never print it)."""
        self.db: CentralDb = open_db(location, MIGRATIONS, pool_size=pool_size)
        self.now = now
        self._last_purge = 0.0
        self.sinks: list[IntakeSink] = []
        """What else learns of a batch's newly applied events, inside its transaction (the
        province's 好差评 outbox, central's figures): ``sink(tx, hall, events, received_at)``.
        A sink that raises rolls the batch back (the hub sends it again)."""
        self.sinks.append(province.outbox_sink)
        self.sinks.append(fleet.box_update_sink)  # each box's update state (docs/fleet-updates.md)

    def close(self) -> None:
        self.db.close()

    # -- halls -------------------------------------------------------------------------------

    def add_hall(self, name: str, rating_scale: RatingScale = "gbt39046") -> tuple[Hall, str]:
        """Register a hall; returns it and a fresh one-time enrollment code (shown form)."""
        name = name.strip()
        if not name:
            raise CentralError(400, "bad_input", "a hall needs a name")
        if rating_scale not in ("gbt39046", "reverse"):
            raise CentralError(400, "bad_input", f"unknown rating scale {rating_scale!r}")
        now = self.now()
        with self.db.write() as db:
            while True:
                hall_id = "h-" + secrets.token_hex(4)
                if db.execute("SELECT 1 FROM halls WHERE id = ?", (hall_id,)).fetchone() is None:
                    break
            db.execute(
                "INSERT INTO halls (id, name, created_at, rating_scale) VALUES (?, ?, ?, ?)",
                (hall_id, name, iso_now(now), rating_scale),
            )
            code = self._insert_code(db, hall_id, now)
        return self.hall(hall_id), code

    def new_code(self, hall: str) -> str:
        """A further one-time code for an existing hall (to enroll a replacement hub)."""
        self.hall(hall)
        with self.db.write() as db:
            return self._insert_code(db, hall, self.now())

    @staticmethod
    def _insert_code(db: Any, hall: str, now: float) -> str:
        code = new_enrollment_code()
        db.execute(
            "INSERT INTO enrollment_codes (code_hash, hall, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (_code_hash(normalize_enrollment_code(code)), hall, now, now + CODE_VALID_SECONDS),
        )
        return code

    def hall(self, hall: str) -> Hall:
        """The hall with this id; raises UnknownHall."""
        with self.db.read() as db:
            row = db.execute("SELECT * FROM halls WHERE id = ?", (hall,)).fetchone()
        if row is None:
            raise UnknownHall(hall)
        return Hall.from_row(row)

    def halls(self) -> list[Hall]:
        """Every hall, by name."""
        with self.db.read() as db:
            rows = db.query("SELECT * FROM halls ORDER BY name, id")
        return [Hall.from_row(row) for row in rows]

    def applied_counts(self, hall: str) -> dict[str, int]:
        """Applied events of the hall per type (each event counted once, on first storing)."""
        with self.db.read() as db:
            rows = db.query(
                "SELECT type, count FROM applied_counts WHERE hall = ? ORDER BY type", (hall,)
            )
        return {row["type"]: int(row["count"]) for row in rows}

    # -- enrollment --------------------------------------------------------------------------

    def enroll(
        self, code_text: str, address: str, hub_name: str = "hub", hub_version: str = ""
    ) -> Enrollment:
        """Spend an enrollment code: a new key for its hall, the hall's previous keys revoked.

        Raises CentralError 429 (too many failed codes from ``address`` in 10 minutes), 400
        ``bad_code``, 404 ``unknown_code``, 410 ``code_used`` / ``code_expired``.
        """
        now = self.now()
        with self.db.write() as db:
            since = now - ENROLL_FAILURE_WINDOW_SECONDS
            db.execute("DELETE FROM enroll_failures WHERE at < ?", (since,))
            failures = db.execute(
                "SELECT COUNT(*) FROM enroll_failures WHERE address = ? AND at >= ?",
                (address, since),
            ).fetchone()[0]
            if failures >= ENROLL_FAILURES_ALLOWED:
                raise CentralError(
                    429, "too_many_attempts", "too many failed enrollment codes; wait 10 minutes"
                )
            refusal = self._check_code(db, code_text, now)
            if refusal is not None:
                db.execute(
                    "INSERT INTO enroll_failures (address, at) VALUES (?, ?)", (address, now)
                )
        # The failure must be committed even though the request is refused: raise outside.
        if refusal is not None:
            raise refusal
        normalized = normalize_enrollment_code(code_text)
        with self.db.write() as db:
            # Spent and read in one statement, so of two racing requests (in two processes,
            # perhaps) exactly one finds the code unused.
            row = db.execute(
                "UPDATE enrollment_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL"
                " RETURNING hall",
                (now, _code_hash(normalized)),
            ).fetchone()
            if row is None:  # spent by a racing request
                raise CentralError(410, "code_used", "this enrollment code was already used")
            hall_id = row[0]
            db.execute(
                "UPDATE keys SET revoked_at = ? WHERE hall = ? AND revoked_at IS NULL",
                (now, hall_id),
            )
            key_id = "k-" + secrets.token_hex(6)
            secret_b64 = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
            db.execute(
                "INSERT INTO keys (key_id, hall, secret, created_at) VALUES (?, ?, ?, ?)",
                (key_id, hall_id, secret_b64, now),
            )
            db.execute(
                "UPDATE halls SET hub_name = ?, hub_version = ? WHERE id = ?",
                (hub_name[:64], hub_version[:32], hall_id),
            )
        hall = self.hall(hall_id)
        return Enrollment(hall.id, hall.name, key_id, secret_b64, hall.rating_scale)

    @staticmethod
    def _check_code(db: Any, code_text: str, now: float) -> CentralError | None:
        try:
            normalized = normalize_enrollment_code(code_text)
        except WireError as err:
            return CentralError(400, "bad_code", str(err))
        row = db.execute(
            "SELECT expires_at, used_at FROM enrollment_codes WHERE code_hash = ?",
            (_code_hash(normalized),),
        ).fetchone()
        if row is None:
            return CentralError(404, "unknown_code", "no such enrollment code")
        if row[1] is not None:
            return CentralError(410, "code_used", "this enrollment code was already used")
        if now > row[0]:
            return CentralError(410, "code_expired", "this enrollment code has expired")
        return None

    # -- request authentication -------------------------------------------------------------

    def key(self, key_id: str) -> HallKey | None:
        """The key with this id (revoked ones too), or None."""
        with self.db.read() as db:
            row = db.execute(
                "SELECT hall, secret, revoked_at FROM keys WHERE key_id = ?", (key_id,)
            ).fetchone()
        if row is None:
            return None
        return HallKey(key_id, row[0], base64.b64decode(row[1]), row[2] is not None)

    def note_request(self, key: HallKey, nonce: str) -> bool:
        """Remember the nonce and the hall's last contact; False if the nonce was already seen.

        The database's primary key makes a replay fail even when both copies arrive at once, on
        two threads or in two processes. Nonces older than ``NONCE_TTL_SECONDS`` are purged now
        and then.
        """
        now = self.now()
        with self.db.write() as db:
            if now - self._last_purge > NONCE_PURGE_EVERY_SECONDS:
                db.execute("DELETE FROM nonces WHERE seen_at < ?", (now - NONCE_TTL_SECONDS,))
                self._last_purge = now
            fresh = db.execute(
                "INSERT INTO nonces (key_id, nonce, seen_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key_id, nonce) DO NOTHING",
                (key.key_id, nonce, now),
            ).rowcount
            if fresh != 1:
                return False
            db.execute("UPDATE halls SET last_contact = ? WHERE id = ?", (now, key.hall))
        return True

    # -- reading back ------------------------------------------------------------------------

    def iter_events(self, hall: str | None = None, chunk: int = 5000) -> Iterator[dict[str, Any]]:
        """Every stored event (applied and rejected) by hall and seq, as JSON-ready dicts."""
        last: tuple[str, int] = ("", 0)
        while True:
            with self.db.read() as reader:
                if hall is None:
                    rows = reader.query(
                        "SELECT * FROM events WHERE (hall, seq) > (?, ?)"
                        " ORDER BY hall, seq LIMIT ?",
                        (*last, chunk),
                    )
                else:
                    rows = reader.query(
                        "SELECT * FROM events WHERE hall = ? AND seq > ? ORDER BY seq LIMIT ?",
                        (hall, last[1], chunk),
                    )
            if not rows:
                return
            for row in rows:
                yield {
                    "hall": row["hall"],
                    "seq": row["seq"],
                    "event_id": row["event_id"],
                    "type": row["type"],
                    "status": row["status"],
                    "reason": row["reason"],
                    "schema_version": row["schema_version"],
                    "wall_time": row["wall_time"],
                    "clock_trusted": bool(row["clock_trusted"]),
                    "received_at": row["received_at"],
                    "payload": json.loads(row["payload"]),
                }
            last = (rows[-1]["hall"], rows[-1]["seq"])
