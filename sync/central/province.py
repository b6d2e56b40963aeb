"""好差评 up to the province: the records central forwards, its outbox, and their state.

Every applied ``rating.recorded``, ``followup.opened`` and ``followup.step`` event becomes one
record in ``province_outbox`` inside the batch's own transaction (:func:`outbox_sink`), so a
record exists exactly when its event is stored. :mod:`sync.central.forwarder` sends them. The
wire format is documented field by field in docs/province.md; what is stored here is the
record without the two parts decided at sending time: the division code (the hall's region
then) and the satisfaction code in the province's direction (:func:`finish_record`).

Privacy: a record names the hall, the window, the clerk's staff number and the service item,
never a citizen's name, ID number or phone (a follow-up's masked phone and the clerk's name
stay at central).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sync.central.db import Tx
from sync.errors import SyncError
from sync.ratings import GBT39046, SATISFACTION_NAMES, RatingError, case_number, scales, to_scale
from sync.wire import WireEvent

if TYPE_CHECKING:  # the store registers the sink: no import back at run time
    from sync.central.store import CentralStore, Hall

KINDS = {
    "rating.recorded": "rating",
    "followup.opened": "followup.opened",
    "followup.step": "followup.step",
}
"""Event type → record kind."""

URL_ENV = "HALLKIT_PROVINCE_URL"
TOKEN_FILE_ENV = "HALLKIT_PROVINCE_TOKEN_FILE"  # noqa: S105 - a variable's name
SCALE_ENV = "HALLKIT_PROVINCE_SCALE"
LEASE_ENV = "HALLKIT_PROVINCE_LEASE"

NO_REGION = (
    "the hall has no region (division code): set it with"
    " hall central set-hall-region --hall HALL --region CODE"
)


class ProvinceError(SyncError):
    """The province's configuration is unusable; the message names the setting."""


class RecordError(SyncError):
    """An event's payload cannot be turned into a record (the row is held with this reason)."""


@dataclass(frozen=True)
class ProvinceConfig:
    """Where and how central sends 好差评 records.

    ``url`` the province's endpoint (http or https); ``token`` sent as ``Authorization:
    Bearer``; ``scale`` the province's satisfaction code direction (``gbt39046``: 1 非常满意 …
    5 非常不满意; ``reverse``: 5 非常满意 … 1); ``batch`` records per request; ``timeout``
    seconds per request; ``lease`` seconds a sender holds a hall (more than ``timeout``: no
    request starts that could outlive it); ``retry_base`` /
    ``retry_max`` the backoff after a failure (doubling per attempt), ``interval`` seconds
    between passes of the background sender.
    """

    url: str
    token: str
    scale: str = GBT39046
    batch: int = 20
    timeout: float = 10.0
    lease: float = 60.0
    retry_base: float = 2.0
    retry_max: float = 300.0
    interval: float = 2.0


def load_config(
    url: str | None,
    token_file: str | None,
    scale: str | None = None,
    lease: float | None = None,
) -> ProvinceConfig | None:
    """The configuration from these settings, or None when no URL is given.

    Raises ProvinceError naming what is wrong: a URL that is not http(s), a token file that is
    missing, unreadable or empty, an unknown scale, a lease under 5 seconds.
    """
    if not url:
        if token_file:
            raise ProvinceError("--province-token-file needs --province-url")
        return None
    if not url.startswith(("http://", "https://")) or len(url.split("://", 1)[1]) == 0:
        raise ProvinceError(f"--province-url must be an http:// or https:// URL, got {url!r}")
    if not token_file:
        raise ProvinceError("--province-url needs --province-token-file (the province's token)")
    try:
        token = Path(token_file).read_text(encoding="utf-8").strip()
    except OSError as err:
        raise ProvinceError(f"--province-token-file {token_file}: {err.strerror or err}") from err
    if not token or any(c.isspace() for c in token):
        raise ProvinceError(f"--province-token-file {token_file}: must hold one token, no blanks")
    scale = scale or GBT39046
    if scale not in scales():
        raise ProvinceError(f"--province-scale must be one of {', '.join(scales())}, got {scale!r}")
    if lease is not None and lease < 5:
        raise ProvinceError(f"--province-lease must be 5 seconds or more, got {lease}")
    config = ProvinceConfig(url=url, token=token, scale=scale)
    if lease is not None:
        # A request must end well inside the lease (the sender stops before one that could
        # outlive it), so a short lease shortens the request timeout with it.
        timeout = min(config.timeout, lease / 3)
        config = ProvinceConfig(**{**config.__dict__, "lease": lease, "timeout": timeout})
    return config


def config_from_env() -> ProvinceConfig | None:
    """The configuration ``hall central serve`` put in the environment (its workers read it
    here), or None; raises ProvinceError as :func:`load_config`."""
    lease = os.environ.get(LEASE_ENV)
    return load_config(
        os.environ.get(URL_ENV),
        os.environ.get(TOKEN_FILE_ENV),
        os.environ.get(SCALE_ENV),
        float(lease) if lease else None,
    )


# -- records ---------------------------------------------------------------------------------


def record_id(hall: str, seq: int) -> str:
    """A record's id and idempotency key: the hall and the event's seq (stored once)."""
    return f"{hall}:{seq}"


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _window(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _clerk_number(value: Any) -> str | None:
    # The hub's rating payload carries the staff number; a follow-up's ``clerk`` is
    # {"number", "name"}: only the number leaves central.
    if isinstance(value, dict):
        return _text(value.get("number"))
    return _text(value)


def gb_time(stamp: str) -> str:
    """An ISO 8601 time as ``YYYYMMDDThhmmss`` in the offset it was written with (the hall's).

    Raises RecordError if unreadable.
    """
    try:
        return datetime.fromisoformat(stamp).strftime("%Y%m%dT%H%M%S")
    except (TypeError, ValueError) as err:
        raise RecordError(f"not an ISO 8601 time: {stamp!r}") from err


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _level(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value in SATISFACTION_NAMES:
        return value
    return None


def _followup(payload: dict[str, Any]) -> dict[str, Any]:
    followup_id = _text(payload.get("followup_id"))
    if followup_id is None:
        raise RecordError("payload.followup_id: missing")
    return {
        "id": followup_id,
        "kind": _text(payload.get("kind")),
        "rating_id": _text(payload.get("rating_id")),
        "feedback_id": _text(payload.get("feedback_id")),
        "reason": _text(payload.get("reason")) or "",
        "opened_at": _text(payload.get("opened_at")),
        "verify_due_on": _text(payload.get("verify_due_on")),
        "close_due_on": _text(payload.get("close_due_on")),
    }


def build_record(hall: str, event: WireEvent) -> dict[str, Any]:
    """The stored record of an applied event of a :data:`KINDS` type (docs/province.md).

    Raises RecordError naming the payload field that is missing or wrong.
    """
    payload = event.payload
    kind = KINDS[event.type]
    record: dict[str, Any] = {"record_id": record_id(hall, event.seq), "kind": kind}
    level = _level(payload.get("level"))
    if kind == "rating":
        if level is None:
            raise RecordError("payload.level: must be 1–5")
        stamp = _text(payload.get("rated_at")) or event.wall_time
        block = _object(payload.get("gbt39046"))
        try:
            case_no = _text(block.get("case_no")) or case_number(payload)
        except RatingError as err:
            raise RecordError(str(err)) from err
        record.update(
            occurred_at=stamp,
            evaluated_at=gb_time(stamp),
            case_no=case_no,
            rating_id=_text(payload.get("id")),
            channel=_text(block.get("channel")) or _text(payload.get("channel")) or "5",
            level=level,
            text=_text(payload.get("reason")) or "",
        )
        item = _text(payload.get("item_id"))
    else:
        followup = _followup(payload)
        stamp = (
            _text(payload.get("at")) if kind == "followup.step" else followup["opened_at"]
        ) or event.wall_time
        record.update(
            occurred_at=stamp,
            evaluated_at=gb_time(stamp),
            case_no=_text(payload.get("case_no")),
            rating_id=followup["rating_id"],
            channel="5",
            level=level,
            text=followup["reason"],
            followup=followup,
        )
        if kind == "followup.step":
            step = _text(payload.get("step"))
            if step is None:
                raise RecordError("payload.step: missing")
            actor = _object(payload.get("actor"))
            record["step"] = {
                "name": step,
                "label": _text(payload.get("step_name")),
                "from_status": _text(payload.get("from_status")),
                "to_status": _text(payload.get("to_status")),
                "text": _text(payload.get("text")) or "",
                "satisfied": payload.get("satisfied")
                if isinstance(payload.get("satisfied"), bool)
                else None,
                "actor_role": _text(actor.get("role")),
            }
        item = None
    record["object"] = {
        "hall": hall,
        "window": _window(payload.get("window")),
        "clerk": _clerk_number(payload.get("clerk_id") or payload.get("clerk")),
        "item_id": item,
    }
    return record


def finish_record(
    record: dict[str, Any], hall_name: str, division_code: str, scale: str
) -> dict[str, Any]:
    """The record as sent: the hall's name and division code, and ``satisfaction`` — the
    GB/T 39046 ``level`` as a code of the province's ``scale`` (None when the record has no
    level: a complaint that was not a rating)."""
    level = record.get("level")
    sent = {**record, "division_code": division_code, "scale": scale}
    sent["object"] = {**record["object"], "hall_name": hall_name}
    sent["satisfaction"] = to_scale(level, scale) if level is not None else None
    sent["satisfaction_name"] = SATISFACTION_NAMES[level] if level is not None else None
    return sent


# -- the intake sink -------------------------------------------------------------------------

_INSERT = (
    "INSERT INTO province_outbox"
    " (hall, seq, kind, record, occurred_at, status, held_reason, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hall, seq) DO NOTHING"
)


def outbox_sink(tx: Tx, hall: Hall, events: list[WireEvent], received_at: str) -> None:
    """Write one outbox row per rating / follow-up event among a batch's newly applied
    ``events`` (a central sink, run inside the batch's transaction). An event whose payload
    cannot make a record is kept as a held row with the reason; this never raises for a
    payload, so a batch is never refused because of the province."""
    rows = []
    now = datetime.fromisoformat(received_at).timestamp()
    for event in events:
        kind = KINDS.get(event.type)
        if kind is None:
            continue
        try:
            record = build_record(hall.id, event)
            status, reason = "pending", None
        except RecordError as err:
            record = {"record_id": record_id(hall.id, event.seq), "kind": kind}
            status, reason = "held", f"cannot make a record: {err}"
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        occurred = str(record.get("occurred_at") or event.wall_time)
        rows.append((hall.id, event.seq, kind, text, occurred, status, reason, now))
    if rows:
        tx.executemany(_INSERT, rows)
        tx.execute(
            "INSERT INTO province_halls (hall) VALUES (?) ON CONFLICT (hall) DO NOTHING",
            (hall.id,),
        )


# -- state -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProvinceStatus:
    """The outbox at a glance (``hall central province-status``).

    ``oldest_pending_seconds`` is how long the oldest pending record has waited at central;
    ``waiting_for_region`` the halls whose pending records wait for a division code (id, name,
    records); ``held`` the records not sent for a reason (record id, reason), oldest first.
    """

    pending: int
    sent: int
    held: int
    oldest_pending_seconds: float | None
    last_error: str | None
    last_error_at: float | None
    waiting_for_region: list[tuple[str, str, int]]
    held_records: list[tuple[str, str]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "pending": self.pending,
            "sent": self.sent,
            "held": self.held,
            "oldest_pending_seconds": self.oldest_pending_seconds,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
            "waiting_for_region": [
                {"hall": hall, "name": name, "records": count, "reason": NO_REGION}
                for hall, name, count in self.waiting_for_region
            ],
            "held_records": [
                {"record_id": rid, "reason": reason} for rid, reason in self.held_records
            ],
        }


def province_status(central: CentralStore, shown: int = 20) -> ProvinceStatus:
    """The outbox's counts, the oldest pending record's age, the last error, and up to
    ``shown`` held records and halls waiting for a region."""
    now = central.now()
    with central.db.read() as tx:
        counts = {
            row[0]: int(row[1])
            for row in tx.query("SELECT status, COUNT(*) FROM province_outbox GROUP BY status")
        }
        oldest = tx.execute(
            "SELECT MIN(created_at) FROM province_outbox WHERE status = 'pending'"
        ).fetchone()[0]
        error = tx.execute(
            "SELECT last_error, last_error_at FROM province_halls"
            " WHERE last_error IS NOT NULL ORDER BY last_error_at DESC LIMIT 1"
        ).fetchone()
        waiting = tx.query(
            "SELECT h.id, h.name, COUNT(*) FROM province_outbox o JOIN halls h ON h.id = o.hall"
            " WHERE o.status = 'pending' AND h.region IS NULL"
            " GROUP BY h.id, h.name ORDER BY h.name, h.id LIMIT ?",
            (shown,),
        )
        held = tx.query(
            "SELECT hall, seq, held_reason FROM province_outbox WHERE status = 'held'"
            " ORDER BY created_at, hall, seq LIMIT ?",
            (shown,),
        )
    return ProvinceStatus(
        pending=counts.get("pending", 0),
        sent=counts.get("sent", 0),
        held=counts.get("held", 0),
        oldest_pending_seconds=None if oldest is None else max(0.0, now - float(oldest)),
        last_error=None if error is None else error[0],
        last_error_at=None if error is None else float(error[1]),
        waiting_for_region=[(row[0], row[1], int(row[2])) for row in waiting],
        held_records=[(record_id(row[0], int(row[1])), row[2] or "") for row in held],
    )


_RELEASE = (
    "UPDATE province_outbox SET status = 'pending', held_reason = NULL"
    " WHERE status = 'held' AND held_reason LIKE 'refused%'"
)


def release_held(central: CentralStore, record_ids: list[str] | None = None) -> int:
    """Make records the province refused pending again (all of them, or those of
    ``record_ids``), after the province or the data was fixed; returns how many. A released
    record goes out after its hall's records already sent, so out of its original order.
    Records that could not be made from their event stay held. Raises ProvinceError for a
    record id that is not ``HALL:SEQ``."""
    with central.db.write() as tx:
        if record_ids is None:
            return int(tx.execute(_RELEASE).rowcount)
        released = 0
        for rid in record_ids:
            hall, sep, seq = rid.rpartition(":")
            if not sep or not hall or not seq.isdigit():
                raise ProvinceError(f"a record id is HALL:SEQ such as h-1a2b3c4d:42, not {rid!r}")
            released += tx.execute(
                _RELEASE + " AND hall = ? AND seq = ?", (hall, int(seq))
            ).rowcount
    return released
