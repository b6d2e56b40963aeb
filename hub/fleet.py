"""Each box's update state, kept by the hub, and the hall's rollout: the hub box first
(docs/fleet-updates.md).

- The hall's other boxes report their ``update.json`` (``PUT /api/v1/update/state``, their
  device token says which box); the hub box's own comes from ``DATA/update/update.json``, which
  ``hall update run`` writes on the hub box (:meth:`FleetBook.note_hub_box`, on every question
  and every 30 s). The latest per box is kept in ``box_updates``; a change (state, message,
  versions, release) is written as a ``box.update`` event, which the uplink sends to central
  with the rest of the hall's events.
- **One box first.** The hub box is the canary: :meth:`FleetBook.plan` tells the other boxes to
  wait until it has run in a maintenance window and is healthy (``updated`` or ``current``, its
  doctor's check passed after its restart), then the version to take: the one it runs. A hub box
  that rolled back (or failed) stops the hall's rollout until a later run of it succeeds.

The table is its own store component (``fleet``, not ``hub``): a hub of the previous version,
which a rollback of the hub box brings back, ignores a component it does not know and opens the
store; a ``hub`` migration it does not know would make it refuse the store.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.throttled import FULL_LOG_SECONDS, Throttled
from sync.errors import StoreFull
from sync.store import Migration

log = logging.getLogger(__name__)

EVENT = "box.update"
HUB_BOX = "hub"
HUB_BOX_NAME = "集中控制器"
STATES = ("waiting", "current", "updated", "rolled-back", "failed")
HEALTHY = ("updated", "current")
STATE_FILE = Path("update") / "update.json"
WATCH_SECONDS = 30.0
MAX_PACKAGES = 8

FLEET_MIGRATIONS = [
    Migration(
        "fleet",
        1,
        "each box's update state (hall update run), for the rollout and the consoles",
        # box: a device id, or 'hub' for the hub box. rollback / rollback_at: the last rollback's
        # reason and time, kept through later runs until one updates the box.
        """
        CREATE TABLE box_updates (
            box TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            name TEXT NOT NULL,
            state TEXT NOT NULL,
            message TEXT NOT NULL,
            installed TEXT NOT NULL,
            previous TEXT NOT NULL,
            release TEXT,
            at TEXT NOT NULL,
            reported_at TEXT NOT NULL,
            rollback TEXT,
            rollback_at TEXT
        );
        """,
    )
]


class BadReport(ValueError):
    """An update report that is not one ``hall update run`` writes."""


def _versions(value: Any, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or len(value) > MAX_PACKAGES:
        raise BadReport(f"{what}: at most {MAX_PACKAGES} packages, name → version")
    if not all(
        isinstance(k, str) and isinstance(v, str) and 0 < len(k) <= 64 and len(v) <= 64
        for k, v in value.items()
    ):
        raise BadReport(f"{what}: package names and versions are texts of at most 64")
    return dict(value)


def check_report(report: Any) -> dict[str, Any]:
    """The fields of an ``update.json`` the hub keeps; raises BadReport."""
    if not isinstance(report, dict):
        raise BadReport("an update report is a JSON object")
    state, message, at = report.get("state"), report.get("message"), report.get("at")
    if state not in STATES:
        raise BadReport(f"state must be one of {', '.join(STATES)}")
    if not isinstance(message, str) or len(message) > 1000:
        raise BadReport("message: a text of at most 1000 characters")
    if not isinstance(at, str) or len(at) > 40:
        raise BadReport("at: the run's time (ISO 8601)")
    release = report.get("release")
    if release is not None and (not isinstance(release, str) or len(release) > 64):
        raise BadReport("release: a version or null")
    return {
        "state": state,
        "message": message,
        "installed": _versions(report.get("installed", {}), "installed"),
        "previous": _versions(report.get("previous", {}), "previous"),
        "release": release,
        "at": at,
    }


@dataclass
class BoxState:
    """One box's latest update state as the hub keeps it."""

    box: str
    role: str
    name: str
    state: str
    message: str
    installed: dict[str, str]
    previous: dict[str, str]
    release: str | None
    at: str
    reported_at: str
    rollback: str | None = None
    rollback_at: str | None = None

    @property
    def version(self) -> str:
        """The box's hallkit version (its base package; else the one package it reported)."""
        return self.installed.get("hallkit") or next(iter(self.installed.values()), "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "box": self.box,
            "role": self.role,
            "name": self.name,
            "state": self.state,
            "message": self.message,
            "installed": self.installed,
            "previous": self.previous,
            "release": self.release,
            "version": self.version,
            "at": self.at,
            "reported_at": self.reported_at,
            "rollback": self.rollback,
            "rollback_at": self.rollback_at,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> BoxState:
        return cls(
            box=row["box"],
            role=row["role"],
            name=row["name"],
            state=row["state"],
            message=row["message"],
            installed=json.loads(row["installed"]),
            previous=json.loads(row["previous"]),
            release=row["release"],
            at=row["at"],
            reported_at=row["reported_at"],
            rollback=row["rollback"],
            rollback_at=row["rollback_at"],
        )


@dataclass
class Plan:
    """What the hub tells a box of the hall: whether it may update now, and to which version."""

    go: bool
    release: str | None
    reason: str
    canary: dict[str, Any] | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "go": self.go,
            "release": self.release,
            "reason": self.reason,
            "canary": self.canary,
        }


class FleetBook:
    """The hall's boxes' update states in the hub's store (through the engine's transactions,
    so a change and its ``box.update`` event commit together)."""

    def __init__(self, engine: Any, data_dir: Path) -> None:
        self.engine = engine
        self.data_dir = Path(data_dir)
        self._seen: tuple[int, int] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.is_active: Any = None
        """``is_active(device_id)``: whether a box's token is still valid (the registry's);
        a revoked box is no longer listed (its row stays, and comes back if it reports)."""

    # -- reports -----------------------------------------------------------------------------

    def record(self, box: str, role: str, name: str, report: Any) -> BoxState:
        """Keep ``report`` (an ``update.json``) as ``box``'s state; raises BadReport. A change
        is written as a ``box.update`` event."""
        fields = check_report(report)

        def operation(tx: Any) -> BoxState:
            row = tx.db.execute("SELECT * FROM box_updates WHERE box = ?", (box,)).fetchone()
            old = BoxState.from_row(dict(zip(_COLUMNS, row, strict=True))) if row else None
            rollback = old.rollback if old else None
            rollback_at = old.rollback_at if old else None
            if fields["state"] == "rolled-back":
                rollback, rollback_at = fields["message"], fields["at"]
            elif fields["state"] == "updated":
                rollback = rollback_at = None  # a later update went through
            new = BoxState(
                box,
                role,
                name,
                reported_at=tx.now.isoformat(timespec="seconds"),
                rollback=rollback,
                rollback_at=rollback_at,
                **fields,
            )
            tx.db.execute(
                "INSERT INTO box_updates (box, role, name, state, message, installed, previous,"
                " release, at, reported_at, rollback, rollback_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (box) DO UPDATE SET role = excluded.role, name = excluded.name,"
                " state = excluded.state, message = excluded.message,"
                " installed = excluded.installed, previous = excluded.previous,"
                " release = excluded.release, at = excluded.at,"
                " reported_at = excluded.reported_at, rollback = excluded.rollback,"
                " rollback_at = excluded.rollback_at",
                (
                    box,
                    role,
                    name,
                    new.state,
                    new.message,
                    json.dumps(new.installed, sort_keys=True),
                    json.dumps(new.previous, sort_keys=True),
                    new.release,
                    new.at,
                    new.reported_at,
                    rollback,
                    rollback_at,
                ),
            )
            said = ("state", "message", "installed", "release", "role", "name")
            if old is None or any(getattr(old, k) != getattr(new, k) for k in said):
                payload = new.to_dict()
                del payload["reported_at"], payload["rollback_at"], payload["version"]
                tx.emit(EVENT, payload)
            return new

        result: BoxState = self.engine._run(operation)
        return result

    def note_hub_box(self) -> BoxState | None:
        """Read the hub box's own ``DATA/update/update.json`` when it changed since last time."""
        path = self.data_dir / STATE_FILE
        with self._lock:
            try:
                stat = path.stat()
            except OSError:
                return None
            seen = (stat.st_mtime_ns, stat.st_size)
            if seen == self._seen:
                return None
            try:
                report = json.loads(path.read_text(encoding="utf-8"))
                state = self.record(HUB_BOX, "hub", HUB_BOX_NAME, report)
            except (OSError, ValueError) as err:  # BadReport is a ValueError
                log.warning("the hub box's %s cannot be read: %s", path, err)
                state = None
            self._seen = seen
            return state

    # -- reading -----------------------------------------------------------------------------

    def boxes(self) -> list[BoxState]:
        """Every box that reported, the hub box first, then by name."""
        self.note_hub_box()
        rows = (
            self.engine.store.reader()
            .execute(
                f"SELECT {', '.join(_COLUMNS)} FROM box_updates"  # noqa: S608 - fixed columns
            )
            .fetchall()
        )
        found = [BoxState.from_row(dict(zip(_COLUMNS, r, strict=True))) for r in rows]
        if self.is_active is not None:
            found = [b for b in found if b.box == HUB_BOX or self.is_active(b.box)]
        return sorted(found, key=lambda b: (b.box != HUB_BOX, b.name, b.box))

    def plan(self) -> Plan:
        """The rollout for the hall's other boxes: the hub box first."""
        hub = next((b for b in self.boxes() if b.box == HUB_BOX), None)
        if hub is None:
            return Plan(False, None, "集中控制器还没有报告更新情况")
        canary = hub.to_dict()
        if hub.state in ("rolled-back", "failed"):
            return Plan(
                False,
                None,
                f"集中控制器{'更新后已回退' if hub.state == 'rolled-back' else '更新失败'}，本厅更新暂停"
                f"（{hub.message}）",
                canary,
            )
        if hub.state not in HEALTHY or not hub.version:
            return Plan(False, None, "集中控制器还没有在维护时段运行更新", canary)
        return Plan(True, hub.version, f"集中控制器运行 {hub.version}，自检正常", canary)

    # -- the hub box's file, watched -----------------------------------------------------------

    def watch(self, seconds: float = WATCH_SECONDS) -> None:
        """Look at the hub box's ``update.json`` every ``seconds`` on a daemon thread."""

        full = Throttled(FULL_LOG_SECONDS, logger=log)

        def run() -> None:
            while not self._stop.wait(seconds):
                try:
                    self.note_hub_box()
                except StoreFull as err:  # one line a minute, as the API's 503s (no traceback)
                    full.warning(f"the hub box's update state not kept: {err}")
                except Exception:
                    log.exception("reading the hub box's update state failed")

        if self._thread is None:
            self._thread = threading.Thread(target=run, name="fleet-watch", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()


_COLUMNS = (
    "box",
    "role",
    "name",
    "state",
    "message",
    "installed",
    "previous",
    "release",
    "at",
    "reported_at",
    "rollback",
    "rollback_at",
)
