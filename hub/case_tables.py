"""Migration hub 13's SQL: the case after 收件 (moves, history, 电子监察) and the new alert kinds.

- ``cases`` gains what the moves record (the last 补正 list ``missing`` as JSON, the 不予受理
  ``reason`` and ``basis``, where to collect and when it was collected), ``status_changed_at``,
  ``id_hash`` (HMAC-SHA256 of the applicant's ID number with the hall secret, as tickets keep
  it; the number itself is never stored), ``central_change`` (the latest change from central
  applied to the case, see :mod:`hub.case_moves`) and when 电子监察 warned about it or found it
  overdue (``due_noted_at``, ``overdue_noted_at``: once per case).
- ``case_history``: every move of every case, in order, with where it came from; a change from
  central keeps its ``change_id`` (unique per hall), which makes applying it again a no-op.
- ``alerts`` is copied into a table whose CHECK also takes ``case_overdue`` and ``case_due``
  (SQLite cannot change a CHECK); ids, rows and indexes are kept.
"""

from __future__ import annotations

CASES_V13_SQL = """
ALTER TABLE cases ADD COLUMN missing TEXT;
ALTER TABLE cases ADD COLUMN reason TEXT;
ALTER TABLE cases ADD COLUMN basis TEXT;
ALTER TABLE cases ADD COLUMN pickup_window INTEGER;
ALTER TABLE cases ADD COLUMN delivered_at TEXT;
ALTER TABLE cases ADD COLUMN delivered_window INTEGER;
ALTER TABLE cases ADD COLUMN status_changed_at TEXT;
ALTER TABLE cases ADD COLUMN id_hash TEXT;
ALTER TABLE cases ADD COLUMN central_change INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN due_noted_at TEXT;
ALTER TABLE cases ADD COLUMN overdue_noted_at TEXT;
CREATE INDEX cases_by_person ON cases (id_hash) WHERE id_hash IS NOT NULL;
CREATE INDEX cases_open ON cases (status, promised_on);
CREATE TABLE case_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    receipt TEXT NOT NULL REFERENCES cases (receipt),
    at TEXT NOT NULL,
    previous TEXT NOT NULL,
    status TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('hall', 'central')),
    window INTEGER,
    clerk_id TEXT,
    change_id INTEGER,
    applied INTEGER NOT NULL DEFAULT 1,
    fields TEXT NOT NULL
);
CREATE INDEX case_history_by_case ON case_history (receipt, id);
CREATE UNIQUE INDEX case_history_changes ON case_history (change_id)
    WHERE change_id IS NOT NULL;
CREATE TABLE alerts_v13 (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL
        CHECK (kind IN ('help', 'device', 'wait', 'pause', 'case_overdue', 'case_due')),
    source TEXT NOT NULL,
    device TEXT NOT NULL,
    problem TEXT NOT NULL,
    detail TEXT,
    subject TEXT,
    sent_by TEXT,
    service_day TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    acked_at TEXT,
    acked_by TEXT,
    acked_role TEXT,
    UNIQUE (kind, subject)
);
INSERT INTO alerts_v13 SELECT id, kind, source, device, problem, detail, subject, sent_by,
    service_day, raised_at, acked_at, acked_by, acked_role FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_v13 RENAME TO alerts;
CREATE INDEX alerts_open ON alerts (acked_at, raised_at);
CREATE INDEX alerts_by_day ON alerts (service_day, raised_at);
"""
