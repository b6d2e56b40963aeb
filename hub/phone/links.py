"""Each ticket's and each case's phone-page code, and the address it makes.

The code is 128 bits of an HMAC of the subject under the hall's secret, in lower-case base32
(26 characters): unguessable without the secret, the same every time it is asked for (a retried
``POST /tickets`` answers the same address), and useless for reaching any other ticket. The
``phone_links`` row, written in the transaction that issues the ticket or accepts the case, is
what a code is looked up by. A ticket's code answers on its service day only (it expires at the
end of the hall's day); a case's for ``phone.case_days`` days after acceptance. Rows past that
are deleted when a new service day opens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import sqlite_utils

from sync.outbox import Event

if TYPE_CHECKING:
    from hub.txn import Tx

log = logging.getLogger(__name__)

PAGE_PREFIX = "/m/"
CODE_PATTERN = re.compile(r"^[a-z2-7]{26}$")
TICKET, CASE = "ticket", "case"


def make_code(secret: bytes, kind: str, subject: str) -> str:
    """The code of ``kind`` (ticket or case) ``subject`` (ticket id or receipt)."""
    digest = hmac.new(secret, f"phone:{kind}:{subject}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:16]).decode("ascii").rstrip("=").lower()


def page_url(base_url: str, code: str) -> str:
    """The page's address: ``base_url`` (scheme and host, no trailing slash) + ``/m/`` + code."""
    return f"{base_url.rstrip('/')}{PAGE_PREFIX}{code}"


@dataclass(frozen=True)
class Link:
    """What a code opens: ``kind`` and ``subject`` (ticket id or receipt)."""

    kind: str
    subject: str
    service_day: str


class PhoneLinks:
    """Writes each ticket's and case's link as it is issued or accepted (an engine hook), finds
    a code's subject, and forgets links past their life when a day opens."""

    def __init__(self, secret: bytes, case_days: Callable[[], int]) -> None:
        self._secret = secret
        self._case_days = case_days  # the configuration in force decides

    def code(self, kind: str, subject: str) -> str:
        return make_code(self._secret, kind, subject)

    def on_event(self, tx: Tx, event: Event) -> None:
        """In the writing transaction: a link for each new ticket and case; old links go when a
        day opens (``day.closed``)."""
        if event.type == "ticket.issued":
            ticket = event.payload["ticket"]
            self._insert(tx, TICKET, str(ticket["id"]), str(ticket["service_day"]))
        elif event.type == "case.accepted":
            receipt = str(event.payload["receipt"])
            self._insert(tx, CASE, receipt, str(event.payload.get("accepted_on") or tx.today))
        elif event.type == "day.closed":
            self._forget(tx)

    def _insert(self, tx: Tx, kind: str, subject: str, day: str) -> None:
        tx.db.execute(
            "INSERT INTO phone_links (code, kind, subject, service_day) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (self.code(kind, subject), kind, subject, day),
        )

    def _forget(self, tx: Tx) -> None:
        today = date.fromisoformat(tx.today)
        case_cutoff = (today - timedelta(days=self._case_days())).isoformat()
        gone = tx.db.execute(
            "DELETE FROM phone_links WHERE (kind = 'ticket' AND service_day < ?)"
            " OR (kind = 'case' AND service_day < ?)",
            (tx.today, case_cutoff),
        ).rowcount
        if gone:
            log.info("forgot %d phone page links past their life", gone)

    def find(self, db: sqlite_utils.Database, code: str, today: str) -> Link | None:
        """The live link of ``code`` on service day ``today``, or None (unknown, malformed,
        a ticket of another day, a case past ``case_days``)."""
        if not CODE_PATTERN.match(code):
            return None
        row = db.execute(
            "SELECT kind, subject, service_day FROM phone_links WHERE code = ?", (code,)
        ).fetchone()
        if row is None:
            return None
        kind, subject, day = str(row[0]), str(row[1]), str(row[2])
        if kind == TICKET and day != today:
            return None
        if kind == CASE:
            cutoff = date.fromisoformat(today) - timedelta(days=self._case_days())
            if date.fromisoformat(day) < cutoff:
                return None
        return Link(kind, subject, day)
