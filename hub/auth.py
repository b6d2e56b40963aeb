"""Device tokens: each box of the hall has one, with a role and (for counters and boards) a window.

Tokens are random; only their SHA-256 is stored. The admin token is written to
``DATA/admin.token`` (mode 0600) on first start, and again if that file is deleted.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hub.errors import Forbidden, Invalid, Unauthorized
from sync.store import Store

ROLES = ("admin", "kiosk", "counter", "board", "display")
WINDOW_ROLES = ("counter", "board")


@dataclass(frozen=True)
class Device:
    """An authenticated box."""

    id: str
    role: str
    name: str
    window: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "role": self.role, "name": self.name, "window": self.window}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DeviceRegistry:
    """Issues and checks device tokens; keeps a cache so a request costs no query."""

    def __init__(self, store: Store, window_numbers: set[int]) -> None:
        self._store = store
        self._windows = window_numbers
        self._lock = threading.Lock()
        self._by_digest: dict[str, Device] = {}
        self._reload()

    def _reload(self) -> None:
        rows = self._store.reader().query(
            "SELECT id, role, name, window, token_hash FROM devices WHERE revoked_at IS NULL"
        )
        with self._lock:
            self._by_digest = {
                r["token_hash"]: Device(r["id"], r["role"], r["name"], r["window"]) for r in rows
            }

    def add(self, role: str, name: str, window: int | None = None) -> tuple[Device, str]:
        """Register a device; returns it and its token (shown once, never stored in clear).

        Raises Invalid for an unknown role, a missing or unknown window, or an empty name.
        """
        if role not in ROLES:
            raise Invalid(
                "unknown_role", f"unknown role {role!r}; expected one of {', '.join(ROLES)}"
            )
        if not name.strip():
            raise Invalid("name_required", "a device needs a name (e.g. kiosk-1)")
        if role in WINDOW_ROLES:
            if window is None:
                raise Invalid("window_required", f"a {role} token must be bound to a window")
            if window not in self._windows:
                raise Invalid("unknown_window", f"this hall has no window {window}")
        elif window is not None:
            raise Invalid("window_not_allowed", f"a {role} token is not bound to a window")
        token = secrets.token_urlsafe(32)
        device = Device(str(uuid.uuid4()), role, name.strip(), window)
        with self._store.write() as db:
            db.table("devices").insert(
                {
                    **device.to_dict(),
                    "token_hash": _digest(token),
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            )
        with self._lock:
            self._by_digest[_digest(token)] = device
        return device, token

    def revoke(self, device_id: str) -> bool:
        """Revoke a device's token; returns False if there was no such active device."""
        with self._store.write() as db:
            changed = db.execute(
                "UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (datetime.now(UTC).isoformat(timespec="seconds"), device_id),
            ).rowcount
        self._reload()
        return bool(changed)

    def list(self) -> list[Device]:
        with self._lock:
            return sorted(self._by_digest.values(), key=lambda d: (d.role, d.name))

    def authenticate(self, token: str | None) -> Device:
        """The device holding ``token``; raises Unauthorized."""
        if not token:
            raise Unauthorized("no_token", "this request needs Authorization: Bearer TOKEN")
        with self._lock:
            device = self._by_digest.get(_digest(token))
        if device is None:
            raise Unauthorized("bad_token", "the token is unknown or was revoked")
        return device

    def ensure_admin_token(self, path: Path) -> str | None:
        """Write a new admin token to ``path`` (0600) unless it holds a valid one.

        Returns the new token, or None when the file already held a valid token.
        """
        if path.exists():
            existing = path.read_text().strip()
            with self._lock:
                known = self._by_digest.get(_digest(existing))
            if known is not None and known.role == "admin":
                return None
        _, token = self.add("admin", "admin")
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(token + "\n")
        os.replace(tmp, path)
        return token


def require(device: Device, roles: tuple[str, ...], window: int | None = None) -> None:
    """Raise Forbidden unless ``device`` has one of ``roles`` (admin always may) and, for
    window-bound roles, is bound to ``window``."""
    if device.role == "admin":
        return
    if device.role not in roles:
        raise Forbidden(
            "wrong_role", f"a {device.role} token may not do this (needs {' or '.join(roles)})"
        )
    if window is not None and device.role in WINDOW_ROLES and device.window != window:
        raise Forbidden(
            "wrong_window",
            f"this {device.role} token belongs to window {device.window}, not {window}",
        )
