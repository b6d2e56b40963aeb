"""Central's migration 7: the changes central makes to halls' cases, numbered for the downlink.

``case_changes`` holds every change made at central (``hall central case-status``): the case,
its new status, the 补正 list (JSON), the reason, where to collect, and ``change_id``, which grows
per hall. A hub pulls the changes after the last one it applied
(``GET /halls/{hall}/case-changes?after=N``) and applies each once (docs/sync-protocol.md,
"Case changes"). A case's latest change id is what central compares a hall's later move with.
"""

from __future__ import annotations

from sync.store import Migration

_SQL = """
CREATE TABLE case_changes (
    hall TEXT NOT NULL REFERENCES halls(id),
    change_id BIGINT NOT NULL,
    receipt TEXT NOT NULL,
    previous TEXT NOT NULL,
    status TEXT NOT NULL,
    missing TEXT NOT NULL DEFAULT '[]',
    reason TEXT,
    pickup_window INTEGER,
    changed_at TEXT NOT NULL,
    PRIMARY KEY (hall, change_id)
);
CREATE INDEX case_changes_by_case ON case_changes (hall, receipt, change_id);
"""

_NAME = "changes made at central to halls' cases, numbered per hall for the downlink"
MIGRATION_SQLITE = Migration("central", 7, _NAME, _SQL)
MIGRATION_PG = Migration("central", 7, _NAME, _SQL)
