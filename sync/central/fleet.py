"""Fleet updates on central (docs/fleet-updates.md): the release each hall should run, and each
box's update state as its hub reports it.

- A **release** names the version of hallkit a scope should run: every hall (``scope ''``) or a
  region and the halls below it (``hall central repo release VERSION [--region CODE]``). A hall
  takes the release of its nearest region that names one, else the all-halls one, else none
  (its boxes then take the newest version in the repository). The repository can hold a version
  before any release names it.
- The hub box asks for its hall's release at ``GET /apt/release`` (its apt login:
  :mod:`sync.central.apt_routes`); the hall's other boxes follow the hub box (the canary).
- Each box's state comes up as ``box.update`` events in the hub's batches; :func:`box_update_sink`
  keeps the latest per hall and box (``box_updates``), never refusing a batch for a payload.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sync.central.db import Tx
from sync.wire import WireEvent

if TYPE_CHECKING:
    from sync.central.store import CentralStore, Hall

EVENT = "box.update"
STATES = ("waiting", "current", "updated", "rolled-back", "failed")
VERSION = re.compile(r"[0-9][A-Za-z0-9.+~-]{0,63}")
"""A Debian version (upstream and revision; no epoch: hallkit never had one)."""
ALL_HALLS = ""


class ReleaseError(ValueError):
    """A release that cannot be named: the message says why."""


@dataclass(frozen=True)
class Release:
    scope: str
    version: str
    named_at: str


def name_release(central: CentralStore, version: str, region: str | None = None) -> Release:
    """Name ``version`` the release of every hall, or of ``region`` and the halls below it."""
    if not VERSION.fullmatch(version):
        raise ReleaseError(f"{version!r} is not a package version such as 1.4.0")
    scope = region or ALL_HALLS
    named_at = datetime.fromtimestamp(central.now(), UTC).isoformat(timespec="seconds")
    with central.db.write() as tx:
        if region is not None:
            found = tx.execute("SELECT code FROM regions WHERE code = ?", (region,)).fetchone()
            if found is None:
                raise ReleaseError(f"no region {region!r} (hall central regions)")
        tx.execute(
            "INSERT INTO releases (scope, version, named_at) VALUES (?, ?, ?)"
            " ON CONFLICT (scope) DO UPDATE SET version = excluded.version,"
            " named_at = excluded.named_at",
            (scope, version, named_at),
        )
    return Release(scope, version, named_at)


def clear_release(central: CentralStore, region: str | None = None) -> bool:
    """Drop the release of ``region`` (or the all-halls one); whether there was one."""
    with central.db.write() as tx:
        cursor = tx.execute("DELETE FROM releases WHERE scope = ?", (region or ALL_HALLS,))
        return bool(cursor.rowcount)


def releases(central: CentralStore) -> list[Release]:
    """Every named release, the all-halls one first, then by region code."""
    with central.db.read() as tx:
        rows = tx.query("SELECT scope, version, named_at FROM releases ORDER BY scope")
    return [Release(r[0], r[1], r[2]) for r in rows]


def _parents(tx: Any) -> dict[str, str | None]:
    return {r[0]: r[1] for r in tx.query("SELECT code, parent FROM regions")}


def release_of(
    region: str | None, named: dict[str, str], parents: dict[str, str | None]
) -> tuple[str | None, str | None]:
    """(version, scope) of the release for a hall in ``region``: its nearest region's, else
    the all-halls one; (None, None) when none is named."""
    seen: set[str] = set()
    code = region
    while code is not None and code not in seen:
        seen.add(code)
        if code in named:
            return named[code], code
        code = parents.get(code)
    if ALL_HALLS in named:
        return named[ALL_HALLS], ALL_HALLS
    return None, None


def hall_release(central: CentralStore, hall_id: str) -> tuple[str | None, str | None]:
    """The release for ``hall_id``: (version, scope), (None, None) when none applies."""
    with central.db.read() as tx:
        row = tx.execute("SELECT region FROM halls WHERE id = ?", (hall_id,)).fetchone()
        named = {r[0]: r[1] for r in tx.query("SELECT scope, version FROM releases")}
        parents = _parents(tx)
    return release_of(row[0] if row else None, named, parents)


# -- each box's state, from the hubs' batches ----------------------------------------------------


def _text(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def _versions(value: Any) -> dict[str, str] | None:
    if not isinstance(value, dict) or len(value) > 8:
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return None
    return {k[:64]: v[:64] for k, v in value.items()}


def box_row(hall_id: str, event: WireEvent, received_at: str) -> tuple[Any, ...] | None:
    """The ``box_updates`` row of a ``box.update`` event, or None for a payload that makes none."""
    p = event.payload
    box, role, name = _text(p.get("box"), 64), _text(p.get("role"), 16), _text(p.get("name"), 64)
    state, message = _text(p.get("state"), 16), _text(p.get("message"), 1000)
    installed, previous = _versions(p.get("installed")), _versions(p.get("previous", {}))
    release = p.get("release")
    if not box or role is None or name is None or state not in STATES or message is None:
        return None
    if installed is None or previous is None or not (release is None or isinstance(release, str)):
        return None
    at = _text(p.get("at"), 40) or event.wall_time
    return (
        hall_id,
        box,
        role,
        name,
        state,
        message,
        json.dumps(installed, sort_keys=True),
        json.dumps(previous, sort_keys=True),
        release[:64] if release else None,
        at,
        event.seq,
        received_at,
    )


_UPSERT = (
    "INSERT INTO box_updates (hall, box, role, name, state, message, installed, previous,"
    " release, at, seq, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (hall, box) DO UPDATE SET role = excluded.role, name = excluded.name,"
    " state = excluded.state, message = excluded.message, installed = excluded.installed,"
    " previous = excluded.previous, release = excluded.release, at = excluded.at,"
    " seq = excluded.seq, received_at = excluded.received_at"
    " WHERE box_updates.seq < excluded.seq"
)


def box_update_sink(tx: Tx, hall: Hall, events: list[WireEvent], received_at: str) -> None:
    """Keep the latest state of each box of the hall (a central intake sink). A payload that
    makes no row is skipped: a batch is never refused for it (the event itself is stored)."""
    rows = [
        row
        for event in events
        if event.type == EVENT and (row := box_row(hall.id, event, received_at)) is not None
    ]
    if rows:
        tx.executemany(_UPSERT, rows)


# -- what the console shows ----------------------------------------------------------------------


@dataclass
class Box:
    box: str
    role: str
    name: str
    state: str
    message: str
    installed: dict[str, str]
    previous: dict[str, str]
    release: str | None
    at: str

    @property
    def version(self) -> str:
        """The box's hallkit version (its base package), or '' when it reported none."""
        return self.installed.get("hallkit") or next(iter(self.installed.values()), "")


@dataclass
class HallFleet:
    """One hall's boxes and where its rollout stands."""

    release: str | None
    release_scope: str | None
    boxes: list[Box] = field(default_factory=list)

    @property
    def versions(self) -> list[str]:
        return sorted({b.version for b in self.boxes if b.version})

    @property
    def rolled_back(self) -> list[Box]:
        return [b for b in self.boxes if b.state in ("rolled-back", "failed")]

    @property
    def on_release(self) -> bool:
        """Every reporting box runs the release (True when no release is named)."""
        if self.release is None:
            return True
        return bool(self.boxes) and all(b.version == self.release for b in self.boxes)

    @property
    def rollout(self) -> str:
        """Where the hall's rollout stands, in words for the console."""
        if not self.boxes:
            return "未报告"
        canary = next((b for b in self.boxes if b.box == "hub"), None)
        if canary is not None and canary.state in ("rolled-back", "failed"):
            return "已停止：集中控制器更新失败"
        if self.rolled_back:
            return "有设备回退"
        if self.release is None:
            return "未指定版本"
        if self.on_release:
            return "已完成"
        if canary is not None and canary.version == self.release:
            return "进行中：集中控制器已更新"
        return "待更新"


def hall_fleets(central: CentralStore) -> dict[str, HallFleet]:
    """Every hall's boxes and release, by hall id (halls with no box reported too)."""
    with central.db.read() as tx:
        halls = tx.query("SELECT id, region FROM halls")
        named = {r[0]: r[1] for r in tx.query("SELECT scope, version FROM releases")}
        parents = _parents(tx)
        rows = tx.query(
            "SELECT hall, box, role, name, state, message, installed, previous, release, at"
            " FROM box_updates ORDER BY hall, box"
        )
    fleets = {}
    for hall_id, region in halls:
        version, scope = release_of(region, named, parents)
        fleets[hall_id] = HallFleet(version, scope)
    for r in rows:
        if r[0] in fleets:
            fleets[r[0]].boxes.append(
                Box(r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), json.loads(r[7]), r[8], r[9])
            )
    for fleet in fleets.values():
        fleet.boxes.sort(key=lambda b: (b.box != "hub", b.name, b.box))
    return fleets
