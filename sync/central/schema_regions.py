"""Central's migration 3: the district / city / province hierarchy that halls belong to.

A region is an administrative division with its code (GB/T 2260 county codes, 统计用区划代码
for towns and villages: the division code a 好差评 record carries), a name and a level; every
region but the top one has a parent. A hall belongs to one region (usually its 镇/街道 or its
村/社区); roll-ups follow the tree.
"""

from __future__ import annotations

from sync.store import Migration

REGION_LEVELS = ("province", "city", "district", "town", "village")
"""省 / 市 / 区县 / 镇街 / 村社区, top to bottom."""

_SQL = """
CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL
        CHECK (level IN ('province', 'city', 'district', 'town', 'village')),
    parent TEXT REFERENCES regions(code)
);
CREATE INDEX regions_by_parent ON regions (parent);
ALTER TABLE halls ADD COLUMN region TEXT REFERENCES regions(code);
CREATE INDEX halls_by_region ON halls (region)
"""

MIGRATION_SQLITE = Migration("central", 3, "regions (区/镇/村) and the hall's region", _SQL)
MIGRATION_PG = Migration("central", 3, "regions (区/镇/村) and the hall's region", _SQL)
