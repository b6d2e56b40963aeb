"""Central's migration 8: the citizens' phone pages a hall publishes through central.

A hall with a public address (``phone.public_base_url``) sends the views of its live phone pages
(``PUT /halls/{hall}/phone-views``); ``phone_views`` keeps the newest of each, found by the
SHA-256 of the page's code (central never holds a code itself) until ``expires_at`` (Unix
seconds: the end of a ticket's service day, a case page's last day).
"""

from __future__ import annotations

from sync.store import Migration

_SQL = """
CREATE TABLE phone_views (
    code_hash TEXT PRIMARY KEY,
    hall TEXT NOT NULL REFERENCES halls(id),
    kind TEXT NOT NULL,
    view TEXT NOT NULL,
    made_at TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX phone_views_expiry ON phone_views (hall, expires_at);
"""

_NAME = "the views of halls' phone pages, for citizens off the hall's Wi-Fi"
MIGRATION_SQLITE = Migration("central", 8, _NAME, _SQL)
MIGRATION_PG = Migration("central", 8, _NAME, _SQL)
