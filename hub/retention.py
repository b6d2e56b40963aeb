"""Retention of personal data the hub keeps beyond the queue: case contacts, feedback, the
phones of follow-ups, and the phones given for SMS (docs/sms.md).

Runs once per service day, in the transaction that opens the day (:mod:`hub.txn`). The period is
``sync.retention_days``, the hub's one retention setting (acknowledged events are purged after it
too).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import NamedTuple

import sqlite_utils

log = logging.getLogger(__name__)


class Purged(NamedTuple):
    """What one purge changed (row counts)."""

    cases: int
    feedback_phones: int
    feedback_deleted: int
    followup_phones: int
    sms_phones: int = 0


def purge_personal(db: sqlite_utils.Database, today: date, retention_days: int) -> Purged:
    """Forget personal data past retention (``retention_days`` before ``today``):

    - a case's phone and masked name, after its promised date (or acceptance), and the hash
      of its applicant's ID number too unless it still waits to be collected (出件 by ID card);
    - a feedback's phone, after the day it was given; a closed feedback altogether, after the
      day it was closed (an open one stays in the hall's inbox, without its phone);
    - a follow-up's phone, after the day it ended (closed or found invalid), or after its
      close-by date while it is still open; the follow-up itself is kept;
    - a phone given for SMS (a ticket's, and each text message's), after the day it was given
      or queued; the message's record is kept without it.

    Runs inside the caller's transaction.
    """
    cutoff = (today - timedelta(days=retention_days)).isoformat()
    cases = db.execute(
        "UPDATE cases SET phone = NULL, applicant_masked = NULL,"
        " id_hash = CASE WHEN status = 'ready' THEN id_hash END"
        " WHERE COALESCE(promised_on, service_day) < ?"
        " AND (phone IS NOT NULL OR applicant_masked IS NOT NULL"
        " OR (id_hash IS NOT NULL AND status != 'ready'))",
        (cutoff,),
    ).rowcount
    feedback_phones = db.execute(
        "UPDATE feedback SET phone = NULL WHERE service_day < ? AND phone IS NOT NULL", (cutoff,)
    ).rowcount
    feedback_deleted = db.execute(
        "DELETE FROM feedback WHERE status = 'closed' AND substr(closed_at, 1, 10) < ?",
        (cutoff,),
    ).rowcount
    followup_phones = db.execute(
        "UPDATE followups SET phone = NULL WHERE phone IS NOT NULL"
        " AND COALESCE(substr(closed_at, 1, 10), close_due_on) < ?",
        (cutoff,),
    ).rowcount
    sms_phones = sum(
        db.execute(
            f"UPDATE {table} SET phone = NULL WHERE service_day < ? AND phone IS NOT NULL",  # noqa: S608
            (cutoff,),
        ).rowcount
        for table in ("sms_subscriptions", "sms_outbox")
    )
    purged = Purged(cases, feedback_phones, feedback_deleted, followup_phones, sms_phones)
    if any(purged):
        log.info("retention: %s", purged)
    return purged
