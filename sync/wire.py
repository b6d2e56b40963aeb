"""The sync protocol's messages and the small rules both sides share (docs/sync-protocol.md).

Pydantic models for every body that crosses the WAN, canonical JSON and the catalog checksum,
the batch idempotency key and enrollment codes. No I/O here.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sync.errors import SyncError

API_PREFIX = "/api/central/v1"
PROTOCOL_VERSION = 1
MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 8 * 1024 * 1024
MAX_WIRE_INT = 2**63 - 1
"""The largest integer either side stores: SQLite's INTEGER is a signed 64-bit number."""
MIN_WIRE_INT = -(2**63)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12

RatingScale = Literal["gbt39046", "reverse"]


class WireError(SyncError):
    """A message does not follow the protocol (bad enrollment code, bad checksum, …)."""


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class WireEvent(_Message):
    """One outbox event as sent up (``sync.outbox.Event.to_dict()`` has this shape)."""

    seq: int = Field(ge=1, le=MAX_WIRE_INT)
    event_id: str = Field(min_length=1, max_length=64)
    type: str = Field(min_length=1, max_length=64)
    schema_version: int = Field(ge=1, le=MAX_WIRE_INT)
    wall_time: str
    mono_ns: int = Field(ge=MIN_WIRE_INT, le=MAX_WIRE_INT)
    boot_id: str
    clock_trusted: bool
    payload: dict[str, Any]


class Batch(_Message):
    hall: str
    hub_last_seq: int = Field(ge=0, le=MAX_WIRE_INT)
    sent_at: str
    events: list[WireEvent]


class Rejection(_Message):
    seq: int = Field(ge=1, le=MAX_WIRE_INT)
    event_id: str
    reason: str


class BatchAnswer(_Message):
    acked_seq: int = Field(ge=0, le=MAX_WIRE_INT)
    stored: int = Field(0, ge=0, le=MAX_WIRE_INT)
    duplicates: int = Field(0, ge=0, le=MAX_WIRE_INT)
    rejected: list[Rejection] = []
    resend_from: int | None = Field(None, ge=1, le=MAX_WIRE_INT)
    server_time: str = ""


class StatusAnswer(_Message):
    hall: str
    acked_seq: int = Field(ge=0, le=MAX_WIRE_INT)
    catalog_version: int = Field(0, ge=0, le=MAX_WIRE_INT)
    rating_scale: RatingScale = "gbt39046"
    server_time: str = ""


class EnrollRequest(_Message):
    code: str
    hub_name: str = Field("hub", max_length=64)
    hub_version: str = Field("", max_length=32)


class EnrollAnswer(_Message):
    hall: str
    hall_name: str
    key_id: str
    secret: str  # base64 of 32 bytes
    rating_scale: RatingScale = "gbt39046"
    server_time: str = ""


class CatalogAnswer(_Message):
    version: int = Field(ge=1, le=MAX_WIRE_INT)
    checksum: str
    catalog: dict[str, Any]


class WireAppointment(_Message):
    code: str = Field(min_length=1, max_length=64)
    slot_start: str
    slot_end: str
    category: str
    item_id: str | None = None
    id_number: str | None = None
    status: Literal["booked", "cancelled"] = "booked"


class AppointmentsAnswer(_Message):
    date: str
    version: int = Field(ge=0, le=MAX_WIRE_INT)
    appointments: list[WireAppointment]


class CaseAnswer(_Message):
    """A case lookup's answer (docs/sync-protocol.md, "Case lookup")."""

    receipt: str
    item_id: str
    item_name: str
    accepted_on: str
    promised_on: str | None = None
    status: str
    status_text: str
    updated_at: str


class ErrorAnswer(_Message):
    error: str
    message: str = ""
    server_time: str = ""


def canonical_json(value: Any) -> bytes:
    """Keys sorted, no spaces, no ASCII escaping, UTF-8: the bytes checksums are taken over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def catalog_checksum(catalog: dict[str, Any]) -> str:
    """``sha256:<hex>`` of the catalog's canonical JSON."""
    return "sha256:" + hashlib.sha256(canonical_json(catalog)).hexdigest()


def catalog_etag(version: int, checksum: str) -> str:
    """The quoted ETag of a catalog version: ``"<version>-<first 16 hex of checksum>"``."""
    digest = checksum.removeprefix("sha256:")
    return f'"{version}-{digest[:16]}"'


def check_catalog(answer: CatalogAnswer) -> None:
    """Raise WireError unless the catalog's checksum matches its content."""
    actual = catalog_checksum(answer.catalog)
    if actual != answer.checksum:
        raise WireError(
            f"catalog version {answer.version}: checksum {answer.checksum} does not match "
            f"its content ({actual})"
        )


def idempotency_key(hall: str, first_seq: int, last_seq: int, raw_body: bytes) -> str:
    """``<hall>:<first>-<last>:<16 hex>`` over the uncompressed body."""
    return f"{hall}:{first_seq}-{last_seq}:{hashlib.sha256(raw_body).hexdigest()[:16]}"


def new_enrollment_code() -> str:
    """A fresh one-time code, shown as ``XXXX-XXXX-XXXX``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_enrollment_code(text: str) -> str:
    """The code without hyphens/spaces, upper case; raises WireError naming what is wrong."""
    raw = "".join(ch for ch in text.upper() if ch not in "- ")
    if len(raw) != CODE_LENGTH:
        raise WireError(f"an enrollment code has {CODE_LENGTH} characters, got {len(raw)}")
    bad = sorted({ch for ch in raw if ch not in CODE_ALPHABET})
    if bad:
        raise WireError(
            "an enrollment code has no "
            + ", ".join(repr(c) for c in bad)
            + " (it never uses 0, 1, I, L or O)"
        )
    return raw
