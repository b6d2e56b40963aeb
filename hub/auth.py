"""Device tokens: each box of the hall has one, with a role and (for counters and boards) a window.

Tokens are random; only their SHA-256 is stored. The admin token is written to
``DATA/admin.token`` (mode 0600) on first start, and again if that file is deleted.

A running hub sees tokens added or revoked by any process (``hall token add`` on the box, the
API, the console) on its next request: every add and revoke bumps ``hall_meta.devices_version``
in the same transaction, and each check first asks SQLite whether anything was committed since
it last looked (``PRAGMA data_version``, no table read) and reads that one row only then. A token
the cache does not know is looked up in the store too, at most once per digest every
:data:`MISS_RECHECK_SECONDS` and :data:`MISS_LOOKUPS_PER_SECOND` times a second in all, so a
flood of made-up tokens costs next to nothing. Revoked devices are announced to listeners
(:meth:`DeviceRegistry.on_revoked`): the hub ends their event streams.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hub.errors import Forbidden, Invalid, Unauthorized
from sync.store import Store

log = logging.getLogger(__name__)

ROLES = ("admin", "kiosk", "counter", "board", "display")
WINDOW_ROLES = ("counter", "board")

VERSION_KEY = "devices_version"
"""The ``hall_meta`` row every add and revoke bumps (any process)."""
MISS_RECHECK_SECONDS = 5.0
"""An unknown token's digest is looked up in the store again only after this many seconds."""
MISS_LOOKUPS_PER_SECOND = 20
"""Store lookups of unknown digests, all tokens together, per second at most."""
MISS_MEMORY = 4096
"""Unknown digests remembered (the oldest are forgotten first)."""
WATCH_SECONDS = 1.0
"""How often :meth:`DeviceRegistry.watch` looks for changes made elsewhere."""

RevokedListener = Callable[[frozenset[str]], None]


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

    def __init__(
        self,
        store: Store,
        window_numbers: set[int],
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self.windows = window_numbers
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._by_digest: dict[str, Device] = {}
        self._version: str | None = None
        self._seen = threading.local()  # PRAGMA data_version last seen, per reader connection
        self._misses: OrderedDict[str, float] = OrderedDict()  # digest → when looked up
        self._lookups: list[float] = []  # when the last store lookups of unknown digests ran
        self._listeners: list[RevokedListener] = []
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._reload()

    # -- keeping the cache true ----------------------------------------------------------------

    def on_revoked(self, listener: RevokedListener) -> None:
        """Call ``listener(device_ids)`` whenever active devices are found revoked (from any
        thread; it must only hand the news on)."""
        self._listeners.append(listener)

    def _read_version(self) -> str | None:
        row = (
            self._store.reader()
            .execute("SELECT value FROM hall_meta WHERE key = ?", (VERSION_KEY,))
            .fetchone()
        )
        return None if row is None else str(row[0])

    def _reload(self) -> None:
        db = self._store.reader()
        version = self._read_version()
        rows = db.query(
            "SELECT id, role, name, window, token_hash FROM devices WHERE revoked_at IS NULL"
        )
        fresh = {r["token_hash"]: Device(r["id"], r["role"], r["name"], r["window"]) for r in rows}
        with self._lock:
            gone = {d.id for d in self._by_digest.values()} - {d.id for d in fresh.values()}
            self._by_digest = fresh
            self._version = version
            self._misses.clear()
        if gone:
            log.info("device tokens revoked: %s", ", ".join(sorted(gone)))
            for listener in self._listeners:
                try:
                    listener(frozenset(gone))
                except Exception:
                    log.exception("revoked-token listener failed")

    def refresh(self) -> None:
        """Reload the tokens if any process added or revoked one since the last look.

        Costs one ``PRAGMA data_version`` while nothing was committed, one small read after a
        commit. Raises ``sqlite3.Error`` only when the store itself fails.
        """
        db = self._store.reader()
        data_version = db.execute("PRAGMA data_version").fetchone()[0]
        if getattr(self._seen, "data_version", None) == data_version:
            return
        self._seen.data_version = data_version
        if self._read_version() != self._version:
            self._reload()

    def watch(self, seconds: float = WATCH_SECONDS) -> None:
        """Look for tokens changed elsewhere every ``seconds`` on a daemon thread, so that a
        revoked device's event streams end even when nobody makes a request. Stop with
        :meth:`stop_watching`."""
        if self._watcher is not None:
            return

        def run() -> None:
            while not self._stop.wait(seconds):
                try:
                    self.refresh()
                except Exception:  # a store hiccup must not end the watch
                    log.exception("checking device tokens failed")

        self._watcher = threading.Thread(target=run, name="token-watch", daemon=True)
        self._watcher.start()

    def stop_watching(self) -> None:
        """End :meth:`watch`'s thread (waits for it)."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join()
            self._watcher = None

    def _look_up(self, digest: str) -> Device | None:
        """An active device with this token digest from the store, within the lookup limits."""
        now = self._monotonic()
        with self._lock:
            last = self._misses.get(digest)
            if last is not None and now - last < MISS_RECHECK_SECONDS:
                return None
            self._lookups = [t for t in self._lookups if now - t < 1.0]
            if len(self._lookups) >= MISS_LOOKUPS_PER_SECOND:
                return None
            self._lookups.append(now)
            self._misses[digest] = now
            self._misses.move_to_end(digest)
            while len(self._misses) > MISS_MEMORY:
                self._misses.popitem(last=False)
        row = (
            self._store.reader()
            .execute(
                "SELECT id, role, name, window FROM devices WHERE token_hash = ? AND revoked_at IS NULL",
                (digest,),
            )
            .fetchone()
        )
        if row is None:
            return None
        device = Device(row[0], row[1], row[2], row[3])
        with self._lock:
            self._by_digest[digest] = device
            self._misses.pop(digest, None)
        return device

    @staticmethod
    def _bump(db: Any) -> None:
        db.execute(
            "INSERT INTO hall_meta (key, value) VALUES (?, '1') ON CONFLICT (key)"
            " DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)",
            (VERSION_KEY,),
        )

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
            if window not in self.windows:
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
            self._bump(db)
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
            if changed:
                self._bump(db)
        self._reload()
        return bool(changed)

    def list(self) -> list[Device]:
        with self._lock:
            return sorted(self._by_digest.values(), key=lambda d: (d.role, d.name))

    def authenticate(self, token: str | None) -> Device:
        """The device holding ``token``; raises Unauthorized."""
        if not token:
            raise Unauthorized("no_token", "this request needs Authorization: Bearer TOKEN")
        self.refresh()
        digest = _digest(token)
        with self._lock:
            device = self._by_digest.get(digest)
        if device is None:
            device = self._look_up(digest)
        if device is None:
            raise Unauthorized("bad_token", "the token is unknown or was revoked")
        return device

    def is_active(self, device_id: str) -> bool:
        """Whether ``device_id`` still holds an unrevoked token (as of the last refresh)."""
        with self._lock:
            return any(d.id == device_id for d in self._by_digest.values())

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
