"""Retention of personal data the hub keeps beyond the queue: case contacts and feedback.

Runs once per service day, in the transaction that opens the day (:mod:`hub.txn`). The period is
``sync.retention_days``, the hub's one retention setting (acknowledged events are purged after it
too).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import sqlite_utils

log = logging.getLogger(__name__)


def purge_personal(db: sqlite_utils.Database, today: date, retention_days: int) -> tuple[int, int]:
    """Forget personal data past retention: a case's phone and masked name ``retention_days``
    after its promised date (or acceptance), feedback ``retention_days`` after it was given.

    Returns (cases cleared, feedback rows deleted). Runs inside the caller's transaction.
    """
    cutoff = (today - timedelta(days=retention_days)).isoformat()
    cleared = db.execute(
        "UPDATE cases SET phone = NULL, applicant_masked = NULL"
        " WHERE COALESCE(promised_on, service_day) < ?"
        " AND (phone IS NOT NULL OR applicant_masked IS NOT NULL)",
        (cutoff,),
    ).rowcount
    deleted = db.execute("DELETE FROM feedback WHERE service_day < ?", (cutoff,)).rowcount
    if cleared or deleted:
        log.info("retention: cleared %d cases' contact data, deleted %d feedback", cleared, deleted)
    return cleared, deleted
