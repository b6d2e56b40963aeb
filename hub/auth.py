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

When each token was last used is kept in memory on every request and written to
``devices.last_seen_at`` at most once every :data:`SEEN_WRITE_SECONDS` per device, by the
watcher thread (:meth:`DeviceRegistry.watch`; never on a request's path), so that it survives a
restart. :meth:`DeviceRegistry.overview` lists every token, revoked ones too, with that time and
the health its box last reported (its latest unacknowledged ``device`` alert).
"""

from __future__ import annotations

import builtins
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
from typing import Any, Protocol, TypeVar

from hub import audit
from hub.actors import Actor
from hub.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from hub.throttled import FULL_LOG_SECONDS, Throttled
from hub.txn import Tx
from sync.errors import StoreFull
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

SEEN_WRITE_SECONDS = 60.0
"""A device's last use is written to the store at most this often (it is kept in memory always)."""
NAME_MAX = 64
"""The longest device name (the API's limit too)."""

RevokedListener = Callable[[frozenset[str]], None]
T = TypeVar("T")


class Transactions(Protocol):
    """Runs one operation in one write transaction (the engine's, so that the audit event
    reaches the hub's listeners; :class:`hub.side_tx.SideTransactions` on the command line)."""

    def __call__(self, operation: Callable[[Tx], T]) -> T: ...


@dataclass(frozen=True)
class Device:
    """An authenticated box."""

    id: str
    role: str
    name: str
    window: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "role": self.role, "name": self.name, "window": self.window}


@dataclass(frozen=True)
class DeviceInfo:
    """One token as the console, the API and ``hall token list`` show it: the device, when it
    was made and revoked, when it was last used (UTC ISO, None: never) and the health its box
    last reported (its latest unacknowledged ``device`` alert, None: nothing reported)."""

    device: Device
    created_at: str
    revoked_at: str | None
    last_seen: str | None
    health: dict[str, Any] | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.device.to_dict(),
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
            "last_seen": self.last_seen,
            "health": self.health,
        }


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
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self.windows = window_numbers
        """The hall's window numbers (tokens of window roles must name one); replaced whole
        when the configuration in force changes."""
        self.transactions: Transactions | None = None
        """Where audited adds and revokes run (the engine's transactions in the hub); None:
        a transaction of the store's own, and no audit row."""
        self.hall_time: Callable[[datetime], datetime] = lambda moment: moment
        """An aware instant in the hall's time zone, for people (the engine's calendar in the
        hub; UTC as given without one)."""
        self._monotonic = monotonic
        self._wall = wall
        self._seen_at: dict[str, str] = {}  # device id → last use (UTC ISO), in memory
        self._seen_written: dict[str, float] = {}  # device id → when it was last written
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

        full = Throttled(FULL_LOG_SECONDS, logger=log)

        def run() -> None:
            while not self._stop.wait(seconds):
                try:
                    self.refresh()
                    self.write_seen()
                except StoreFull as err:  # one line a minute, as the API's 503s (no traceback)
                    full.warning(f"devices' last use not written: {err}")
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
        try:
            self.write_seen(everything=True)
        except Exception:  # the store may be closing; at most a minute of last-seen is lost
            log.exception("writing when devices were last seen failed")

    # -- when each token was last used ---------------------------------------------------------

    def _saw(self, device: Device) -> None:
        """Note that ``device`` made a request now (memory only; cheap, on the event loop)."""
        stamp = self._wall().isoformat(timespec="seconds")
        with self._lock:
            self._seen_at[device.id] = stamp

    def write_seen(self, *, everything: bool = False) -> int:
        """Write the last use of each device seen since it was last written, if that was
        :data:`SEEN_WRITE_SECONDS` ago or more (``everything``: regardless); returns how many
        were written. Runs on the watcher thread, and when it stops."""
        now = self._monotonic()
        with self._lock:
            due = {
                device_id: stamp
                for device_id, stamp in self._seen_at.items()
                if everything
                or now - self._seen_written.get(device_id, -SEEN_WRITE_SECONDS)
                >= SEEN_WRITE_SECONDS
            }
            for device_id in due:
                self._seen_written[device_id] = now
            for device_id in due:
                del self._seen_at[device_id]
        if not due:
            return 0
        with self._store.write() as db:
            db.conn.executemany(
                "UPDATE devices SET last_seen_at = ? WHERE id = ?"
                " AND (last_seen_at IS NULL OR last_seen_at < ?)",
                [(stamp, device_id, stamp) for device_id, stamp in due.items()],
            )
        return len(due)

    def now(self) -> datetime:
        """The registry's clock (UTC), which stamps adds, revokes and last uses."""
        return self._wall()

    def last_seen(self, device_id: str) -> str | None:
        """When ``device_id`` was last used, if not yet written (memory only)."""
        with self._lock:
            return self._seen_at.get(device_id)

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

    def add(
        self, role: str, name: str, window: int | None = None, *, actor: Actor | None = None
    ) -> tuple[Device, str]:
        """Register a device; returns it and its token (shown once, never stored in clear).
        With ``actor`` (and :attr:`transactions` set) the add is audited (``device.add``).

        Raises Invalid (a Chinese sentence naming the field) for an unknown role, a missing or
        unknown window, or an empty or too long name.
        """
        if role not in ROLES:
            raise Invalid("unknown_role", f"设备类型“{role}”不存在，应为 {'、'.join(ROLES)} 之一")
        name = name.strip()
        if not name:
            raise Invalid("name_required", "请填写设备名称（例如 取号机-1）")
        if len(name) > NAME_MAX:
            raise Invalid("name_too_long", f"设备名称最多 {NAME_MAX} 个字符")
        if role in WINDOW_ROLES:
            if window is None:
                raise Invalid("window_required", "窗口和窗口屏的令牌必须绑定一个窗口，请选择窗口")
            if window not in self.windows:
                raise Invalid("unknown_window", f"本大厅没有 {window} 号窗口")
        elif window is not None:
            raise Invalid("window_not_allowed", "只有窗口和窗口屏的令牌绑定窗口，这类设备不选窗口")
        token = secrets.token_urlsafe(32)
        device = Device(str(uuid.uuid4()), role, name, window)
        row = {
            **device.to_dict(),
            "token_hash": _digest(token),
            "created_at": self._wall().isoformat(timespec="seconds"),
        }

        def operation(db: Any) -> None:
            db.table("devices").insert(row)
            self._bump(db)

        self._write(operation, actor, "device.add", device, None, _audited(device))
        with self._lock:
            self._by_digest[_digest(token)] = device
        return device, token

    def revoke(self, device_id: str, *, actor: Actor | None = None) -> bool:
        """Revoke a device's token; returns False if there was no such active device. With
        ``actor`` (and :attr:`transactions` set) the revoke is audited (``device.revoke``)."""
        stamp = self._wall().isoformat(timespec="seconds")
        changed: list[Device] = []

        def operation(db: Any) -> None:
            row = db.execute(
                "SELECT id, role, name, window FROM devices WHERE id = ? AND revoked_at IS NULL",
                (device_id,),
            ).fetchone()
            if row is None:
                return
            db.execute("UPDATE devices SET revoked_at = ? WHERE id = ?", (stamp, device_id))
            self._bump(db)
            changed.append(Device(row[0], row[1], row[2], row[3]))

        def audited(tx: Tx) -> None:
            operation(tx.db)
            if changed and actor is not None:
                before = _audited(changed[0])
                after = {**before, "revoked_at": stamp}
                audit.record(tx, actor, "device.revoke", f"device:{device_id}", before, after)

        if actor is not None and self.transactions is not None:
            self.transactions(audited)
        else:
            with self._store.write() as db:
                operation(db)
        self._reload()
        return bool(changed)

    def revoke_by_hand(self, device_id: str, actor: Actor) -> Device:
        """Revoke one device for a person or the admin token (console, API): the device
        revoked; NotFound for an id that is no device, Conflict for an admin token (it is the
        hub's own: delete ``admin.token`` in the data folder and restart to replace it) or a
        token revoked already."""
        row = (
            self._store.reader()
            .execute(
                "SELECT id, role, name, window, revoked_at FROM devices WHERE id = ?", (device_id,)
            )
            .fetchone()
        )
        if row is None:
            raise NotFound("unknown_device", "没有这个设备令牌")
        device = Device(row[0], row[1], row[2], row[3])
        if device.role == "admin":
            raise Conflict(
                "admin_token",
                "管理令牌不能在这里吊销：它属于大厅主机本身。如需更换，请删除数据目录中的"
                " admin.token 并重启大厅主机",
            )
        if row[4] is not None or not self.revoke(device_id, actor=actor):
            raise Conflict("already_revoked", "这个设备令牌已经吊销")
        return device

    def _write(
        self,
        operation: Callable[[Any], None],
        actor: Actor | None,
        action: str,
        device: Device,
        before: Any,
        after: Any,
    ) -> None:
        """``operation(db)`` in one write transaction, with its audit row when ``actor``."""
        if actor is not None and self.transactions is not None:

            def audited(tx: Tx) -> None:
                operation(tx.db)
                audit.record(tx, actor, action, f"device:{device.id}", before, after)

            self.transactions(audited)
        else:
            with self._store.write() as db:
                operation(db)

    def list(self) -> list[Device]:
        with self._lock:
            return sorted(self._by_digest.values(), key=lambda d: (d.role, d.name))

    def overview(self) -> builtins.list[DeviceInfo]:
        """Every token, active ones first (by role, window, name), then the revoked ones
        (newest revoke first), with when each was last used and its box's reported health."""
        db = self._store.reader()
        rows = db.execute(
            "SELECT id, role, name, window, created_at, revoked_at, last_seen_at FROM devices"
        ).fetchall()
        health = _open_device_alerts(db)
        with self._lock:
            unwritten = dict(self._seen_at)
        shown = []
        for device_id, role, name, window, created, revoked, stored_seen in rows:
            seen = max(filter(None, (stored_seen, unwritten.get(device_id))), default=None)
            device = Device(device_id, role, name, window)
            reported = health.get(name) if revoked is None and role != "admin" else None
            shown.append(DeviceInfo(device, created, revoked, seen, reported))
        active = sorted(
            (d for d in shown if d.active),
            key=lambda d: (ROLES.index(d.device.role), d.device.window or 0, d.device.name),
        )
        revoked_ones = sorted(
            (d for d in shown if not d.active), key=lambda d: d.revoked_at or "", reverse=True
        )
        return active + revoked_ones

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
        self._saw(device)
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


def _audited(device: Device) -> dict[str, Any]:
    """A device as its audit rows show it (never its token)."""
    return {"role": device.role, "name": device.name, "window": device.window}


def _open_device_alerts(db: Any) -> dict[str, dict[str, Any]]:
    """The latest unacknowledged ``device`` alert of each box, by the token name that sent it:
    ``problem`` (the sentence staff read), ``source`` (the box's part), ``raised_at`` (hall
    time) and ``count`` (its unacknowledged device alerts)."""
    latest: dict[str, dict[str, Any]] = {}
    rows = db.execute(
        "SELECT sent_by, problem, source, raised_at FROM alerts"
        " WHERE acked_at IS NULL AND kind = 'device' AND sent_by IS NOT NULL"
        " ORDER BY raised_at DESC, rowid DESC"
    )
    for sent_by, problem, source, raised_at in rows:
        known = latest.get(sent_by)
        if known is None:
            latest[sent_by] = {
                "problem": problem,
                "source": source,
                "raised_at": raised_at,
                "count": 1,
            }
        else:
            known["count"] += 1
    return latest


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
