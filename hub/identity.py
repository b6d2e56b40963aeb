"""ID numbers as the hub keeps them: a keyed hash (HMAC-SHA256 with the hall secret) and a mask."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from devices.idnumber import IdNumberError, mask, normalize
from hub.errors import Invalid


@dataclass(frozen=True)
class Person:
    """What the hub keeps of a citizen: never the number itself."""

    id_hash: str
    id_masked: str
    normalized: str  # only lives in memory for the request (age check); never stored


def load_secret(path: Path) -> bytes:
    """Read the hall secret, creating a random one (mode 0600) if the file does not exist."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    text = path.read_text().strip()
    if len(text) < 32:
        raise ValueError(f"the hall secret in {path} is too short (need at least 32 characters)")
    return text.encode()


def identify(secret: bytes, number: str) -> Person:
    """Validate an ID number and return its hash and masked form; raises :class:`Invalid`."""
    try:
        normalized = normalize(number)
    except IdNumberError as err:
        raise Invalid("invalid_id_number", str(err)) from err
    digest = hmac.new(secret, normalized.encode(), hashlib.sha256).hexdigest()
    return Person(id_hash=digest, id_masked=mask(normalized), normalized=normalized)
