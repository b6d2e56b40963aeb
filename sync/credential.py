"""The hub's credential for central: written once by ``hall enroll``, read by the sync threads.

Kept in ``DATA/central.json`` (mode 0600, replaced atomically) beside the hub's store, so a hub
started with ``hall hub --data DIR`` finds where central is and how to sign for it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sync.errors import SyncError

CREDENTIAL_FILE = "central.json"


class CredentialError(SyncError):
    """The credential file is missing a field or cannot be read; the message names the file."""


@dataclass(frozen=True)
class Credential:
    central_url: str  # base URL, no trailing slash
    hall: str  # central's id of this hall
    hall_name: str
    key_id: str
    secret_b64: str
    rating_scale: str = "gbt39046"
    ca_file: str | None = None  # pinned CA bundle (PEM); None: the system's store
    enrolled_at: str = ""

    @property
    def secret(self) -> bytes:
        return base64.b64decode(self.secret_b64)

    def save(self, data_dir: str | Path) -> Path:
        """Write ``DATA/central.json`` atomically with mode 0600; returns its path."""
        folder = Path(data_dir)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / CREDENTIAL_FILE
        temp = path.with_suffix(".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(self), handle, ensure_ascii=False, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
        return path


def load_credential(data_dir: str | Path) -> Credential | None:
    """The hub's credential, or None when the hub was never enrolled.

    Raises CredentialError when the file exists but is unreadable or incomplete.
    """
    path = Path(data_dir) / CREDENTIAL_FILE
    if not path.exists():
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        credential = Credential(**data)
        if len(credential.secret) < 16:
            raise CredentialError(f"{path}: secret_b64 is shorter than 16 bytes; enroll again")
    except (OSError, ValueError, TypeError, binascii.Error) as err:
        raise CredentialError(
            f"{path}: cannot read the central credential ({err}); run `hall enroll` again"
        ) from err
    return credential
