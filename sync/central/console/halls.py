"""The halls page's figures: every hall a viewer may see, with its region path, last contact,
backlog lag, clock offset and counters, sorted by trouble first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sync.central.console.regions import RegionTree
from sync.central.store import CentralStore

LATE_SECONDS = 15 * 60
"""A hall not heard from for this long is late (shown in red)."""
CLOCK_SKEW_SECONDS = 120
"""A hub clock further than this from central's is a trouble."""


def ago_text(seconds: float) -> str:
    """How long ago, for people: 刚刚, 3 分钟前, 2 小时前, 5 天前."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return "刚刚"
    if seconds < 3600:
        return f"{seconds // 60} 分钟前"
    if seconds < 86400:
        return f"{seconds // 3600} 小时前"
    return f"{seconds // 86400} 天前"


def offset_text(offset: float | None) -> str:
    """A hub clock's offset from central's, for people (快 = ahead, 慢 = behind)."""
    if offset is None:
        return "—"
    if abs(offset) < 1:
        return "准确"
    size = abs(offset)
    amount = f"{size:.0f} 秒" if size < 120 else f"{size / 60:.0f} 分钟"
    return ("快 " if offset > 0 else "慢 ") + amount


SEVERITY = {"从未联系": 4, "失联": 4, "积压": 2, "时钟偏差": 1, "有拒收": 1}
"""How much each trouble weighs when sorting: a hall that is not heard from outweighs the rest."""


@dataclass(frozen=True)
class HallRow:
    """One hall as the halls page shows it."""

    id: str
    name: str
    region: str | None
    region_path: str
    contact: str
    late: bool
    lag: int
    offset: str
    applied: int
    rejected: int
    catalog_version: int
    troubles: tuple[str, ...]

    @property
    def severity(self) -> int:
        return sum(SEVERITY[t] for t in self.troubles)


def hall_rows(
    central: CentralStore, tree: RegionTree, visible: set[str] | None, now: float
) -> list[HallRow]:
    """The halls in regions ``visible`` (every hall when None), the most troubled first (see
    :data:`SEVERITY`), then the longest backlog, then by name."""
    with central.db.read() as tx:
        rows = tx.query(
            "SELECT id, name, region, last_contact, hub_last_seq, acked_seq, applied, rejected,"
            " catalog_version, clock_offset FROM halls"
        )
    shown = [_row(r, tree, now) for r in rows if visible is None or r["region"] in visible]
    return sorted(shown, key=lambda h: (-h.severity, -h.lag, h.name, h.id))


def _row(row: Any, tree: RegionTree, now: float) -> HallRow:
    contact = row["last_contact"]
    late = contact is None or now - contact > LATE_SECONDS
    lag = max(0, int(row["hub_last_seq"]) - int(row["acked_seq"]))
    offset = row["clock_offset"]
    troubles = []
    if late:
        troubles.append("从未联系" if contact is None else "失联")
    if lag:
        troubles.append("积压")
    if offset is not None and abs(offset) > CLOCK_SKEW_SECONDS:
        troubles.append("时钟偏差")
    if int(row["rejected"]):
        troubles.append("有拒收")
    return HallRow(
        id=row["id"],
        name=row["name"],
        region=row["region"],
        region_path=tree.path_text(row["region"]),
        contact="从未联系" if contact is None else ago_text(now - contact),
        late=late,
        lag=lag,
        offset=offset_text(offset),
        applied=int(row["applied"]),
        rejected=int(row["rejected"]),
        catalog_version=int(row["catalog_version"]),
        troubles=tuple(troubles),
    )
