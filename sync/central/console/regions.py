"""The region tree (区 / 镇 / 村, :mod:`sync.central.schema_regions`) as the console and
``hall central region`` change and show it, and which halls a viewer may see.

Rules that hold for every change (a refused change stores nothing):

- a code is 2 to 12 digits (GB/T 2260 for counties and above, 统计用区划代码 below), unique;
- a name is 1 to 40 characters;
- a region's parent exists and sits higher in the hierarchy (省 > 市 > 区县 > 镇街 > 村社区),
  and only the top of a tree has none (so no region can come under its own subtree).

Every change is an audit row (:func:`sync.central.console.accounts.record`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sync.central.console.accounts import ConsoleInputError, record
from sync.central.db import Tx
from sync.central.errors import UnknownHall
from sync.central.schema_regions import REGION_LEVELS
from sync.central.store import CentralStore, iso_now

CODE = re.compile(r"[0-9]{2,12}")
LEVEL_NAMES = {
    "province": "省",
    "city": "市",
    "district": "区县",
    "town": "镇街",
    "village": "村社区",
}


@dataclass
class Region:
    """One region with its place in the tree (``children`` filled by :func:`region_tree`)."""

    code: str
    name: str
    level: str
    parent: str | None
    children: list[Region] = field(default_factory=list)
    halls: int = 0
    """Halls in this region and below."""

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES.get(self.level, self.level)


class RegionTree:
    """Every region, by code, with the tree's roots in name order."""

    def __init__(self, regions: Iterable[Region], hall_regions: Iterable[str | None]) -> None:
        self.by_code = {r.code: r for r in regions}
        self.roots: list[Region] = []
        for region in sorted(self.by_code.values(), key=lambda r: (r.name, r.code)):
            parent = self.by_code.get(region.parent) if region.parent else None
            (parent.children if parent else self.roots).append(region)
        for code in hall_regions:
            for region in self.path(code):
                region.halls += 1

    def path(self, code: str | None) -> list[Region]:
        """The regions from the top down to ``code`` (empty for None or an unknown code)."""
        path: list[Region] = []
        seen: set[str] = set()
        while code is not None and code in self.by_code and code not in seen:
            seen.add(code)
            region = self.by_code[code]
            path.append(region)
            code = region.parent
        return path[::-1]

    def path_text(self, code: str | None) -> str:
        return " / ".join(r.name for r in self.path(code)) or "（未设区域）"

    def subtree(self, code: str) -> set[str]:
        """``code`` and every region below it."""
        found: set[str] = set()
        todo = [code]
        while todo:
            current = todo.pop()
            if current in found or current not in self.by_code:
                continue
            found.add(current)
            todo.extend(child.code for child in self.by_code[current].children)
        return found

    def walk(self, scope: str | None = None) -> list[tuple[int, Region]]:
        """Every region (under ``scope`` when given) with its depth, parents first."""
        out: list[tuple[int, Region]] = []

        def visit(region: Region, depth: int) -> None:
            out.append((depth, region))
            for child in region.children:
                visit(child, depth + 1)

        start = [self.by_code[scope]] if scope and scope in self.by_code else self.roots
        for region in start:
            visit(region, 0)
        return out


def region_tree(central: CentralStore) -> RegionTree:
    """The tree as stored now, with each region's hall count."""
    with central.db.read() as tx:
        rows = tx.query("SELECT code, name, level, parent FROM regions")
        halls = [row[0] for row in tx.query("SELECT region FROM halls")]
    return RegionTree((Region(r[0], r[1], r[2], r[3]) for r in rows), halls)


def _check(tx: Tx, code: str, name: str, level: str, parent: str | None) -> None:
    if not CODE.fullmatch(code):
        raise ConsoleInputError("code", "区划代码须为2到12位数字")
    if not 1 <= len(name) <= 40:
        raise ConsoleInputError("name", "名称须为1到40个字符")
    if level not in REGION_LEVELS:
        raise ConsoleInputError("level", "层级须为 省、市、区县、镇街 或 村社区 之一")
    if parent is None:
        return
    row = tx.execute("SELECT level FROM regions WHERE code = ?", (parent,)).fetchone()
    if row is None:
        raise ConsoleInputError("parent", f"没有代码为“{parent}”的上级区域")
    if REGION_LEVELS.index(row[0]) >= REGION_LEVELS.index(level):
        raise ConsoleInputError(
            "parent",
            f"{LEVEL_NAMES[level]}的上级区域须比{LEVEL_NAMES[level]}高"
            f"（“{parent}”是{LEVEL_NAMES[row[0]]}）",
        )


def add_region(
    central: CentralStore, actor: str, code: str, name: str, level: str, parent: str | None
) -> None:
    """Add a region; raises ConsoleInputError (field and reason) and stores nothing then."""
    code, name, parent = code.strip(), name.strip(), (parent or "").strip() or None
    now = iso_now(central.now())
    with central.db.write() as tx:
        _check(tx, code, name, level, parent)
        if tx.execute("SELECT 1 FROM regions WHERE code = ?", (code,)).fetchone():
            raise ConsoleInputError("code", f"区划代码“{code}”已存在")
        tx.execute(
            "INSERT INTO regions (code, name, level, parent) VALUES (?, ?, ?, ?)",
            (code, name, level, parent),
        )
        record(
            tx, now, actor, "region.add", f"region:{code}", name=name, level=level, parent=parent
        )


def edit_region(
    central: CentralStore, actor: str, code: str, name: str, parent: str | None
) -> None:
    """Rename a region or move it under another parent; raises ConsoleInputError."""
    name, parent = name.strip(), (parent or "").strip() or None
    now = iso_now(central.now())
    with central.db.write() as tx:
        row = tx.execute("SELECT level, name, parent FROM regions WHERE code = ?", (code,))
        old = row.fetchone()
        if old is None:
            raise ConsoleInputError("code", f"没有代码为“{code}”的区域")
        _check(tx, code, name, old[0], parent)  # a parent is higher: no cycle can form
        tx.execute("UPDATE regions SET name = ?, parent = ? WHERE code = ?", (name, parent, code))
        record(
            tx, now, actor, "region.edit", f"region:{code}",
            before={"name": old[1], "parent": old[2]}, after={"name": name, "parent": parent},
        )  # fmt: skip


def set_hall_region(central: CentralStore, actor: str, hall: str, region: str) -> None:
    """Put ``hall`` in ``region``; raises UnknownHall or ConsoleInputError (unknown region)."""
    region = region.strip()
    now = iso_now(central.now())
    with central.db.write() as tx:
        old = tx.execute("SELECT region FROM halls WHERE id = ?", (hall,)).fetchone()
        if old is None:
            raise UnknownHall(hall)
        if tx.execute("SELECT 1 FROM regions WHERE code = ?", (region,)).fetchone() is None:
            raise ConsoleInputError("region", f"没有代码为“{region}”的区域")
        tx.execute("UPDATE halls SET region = ? WHERE id = ?", (region, hall))
        record(tx, now, actor, "hall.region", f"hall:{hall}", before=old[0], after=region)
