"""The console's sessions and wrong-password counts kept in central's database, so that every
worker process of ``hall central serve --workers N`` knows them: a browser's next request may
reach any worker, and five wrong passwords lock a user whichever workers counted them.

The rules are :mod:`weblogin`'s (:class:`weblogin.sessions.Sessions`,
:class:`weblogin.lockout.Lockout`); only where they are kept differs. A session id is stored
only as its SHA-256, so reading the database does not give anyone a session.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sync.central.store import CentralStore
from weblogin.lockout import MAX_KEYS, Lockout, Strike, WallClock
from weblogin.sessions import MonotonicClock, Session, Sessions

if TYPE_CHECKING:  # accounts builds its lockout from this module
    from sync.central.console.accounts import ConsoleAccount


TOUCH_EVERY_NS = 60 * 1_000_000_000
"""A session's last use is written at most once a minute (so it may end up to a minute before
its idle time is up), not on every request."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class StoredSessions(Sessions["ConsoleAccount", "Session[ConsoleAccount]"]):
    """Sessions in ``console_sessions``; the account is read again on every lookup."""

    def __init__(
        self,
        central: CentralStore,
        current: Callable[[str], ConsoleAccount | None],
        clock: MonotonicClock,
        idle_minutes: int,
    ) -> None:
        super().__init__(current, clock, idle_minutes, Session)
        self.central = central

    def count(self) -> int:
        with self.central.db.read() as tx:
            return int(tx.execute("SELECT COUNT(*) FROM console_sessions").fetchone()[0])

    def _get(self, token: str) -> Session[ConsoleAccount] | None:
        with self.central.db.read() as tx:
            row = tx.execute(
                "SELECT username, account_id, password_changed_at, csrf, last_seen_ns"
                " FROM console_sessions WHERE id_hash = ?",
                (_hash(token),),
            ).fetchone()
        if row is None:
            return None
        current = self._current(row["username"])
        if current is None:
            self._drop(token)
            return None
        then = dataclasses.replace(
            current, id=row["account_id"], password_changed_at=row["password_changed_at"]
        )
        return Session(token, then, row["csrf"], int(row["last_seen_ns"]))

    def _put(self, session: Session[ConsoleAccount]) -> None:
        account = session.account
        with self.central.db.write() as tx:
            tx.execute(
                "INSERT INTO console_sessions (id_hash, username, account_id, password_changed_at,"
                " csrf, last_seen_ns) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    _hash(session.id),
                    account.username,
                    account.id,
                    account.password_changed_at,
                    session.csrf,
                    session.last_seen_ns,
                ),
            )

    def _drop(self, token: str) -> Session[ConsoleAccount] | None:
        session = None
        with self.central.db.read() as tx:
            row = tx.execute(
                "SELECT username FROM console_sessions WHERE id_hash = ?", (_hash(token),)
            ).fetchone()
        if row is not None:
            account = self._current(row["username"])
            session = Session(token, account, "", 0) if account is not None else None
        with self.central.db.write() as tx:
            tx.execute("DELETE FROM console_sessions WHERE id_hash = ?", (_hash(token),))
        return session

    def _drop_user(self, username: str) -> int:
        with self.central.db.write() as tx:
            found = tx.execute("DELETE FROM console_sessions WHERE username = ?", (username,))
            return int(found.rowcount)

    def _touch(self, session: Session[ConsoleAccount], now: int) -> None:
        if now - session.last_seen_ns < TOUCH_EVERY_NS:
            return  # a page viewed within the minute: no write on every request
        session.last_seen_ns = now
        with self.central.db.write() as tx:
            tx.execute(
                "UPDATE console_sessions SET last_seen_ns = ? WHERE id_hash = ?",
                (now, _hash(session.id)),
            )

    def _sweep(self, seen_before: int) -> None:
        with self.central.db.write() as tx:
            tx.execute("DELETE FROM console_sessions WHERE last_seen_ns <= ?", (seen_before,))


class StoredLockout(Lockout):
    """Wrong-password counts in ``console_lockout`` (a lock's end as Unix seconds)."""

    def __init__(
        self,
        central: CentralStore,
        clock: WallClock,
        *,
        locked: Callable[[datetime], Exception],
        wrong: Callable[[int], Exception],
        what: str,
    ) -> None:
        super().__init__(clock, locked=locked, wrong=wrong, what=what)
        self.central = central

    def locked_until(self, key: str) -> datetime | None:
        now = self.clock.now().timestamp()
        with self.central.db.read() as tx:
            row = tx.execute(
                "SELECT locked_until FROM console_lockout WHERE username = ?", (key,)
            ).fetchone()
        until = None if row is None else row[0]
        if until is None:
            return None
        if now >= until:
            self.clear(key)
            return None
        return datetime.fromtimestamp(until, UTC)

    def strike(self, key: str) -> Strike:
        now = self.clock.now()
        with self.central.db.write() as tx:
            kept = int(tx.execute("SELECT COUNT(*) FROM console_lockout").fetchone()[0])
            if kept >= MAX_KEYS:
                tx.execute(
                    "DELETE FROM console_lockout WHERE locked_until IS NULL OR locked_until <= ?",
                    (now.timestamp(),),
                )
            wrong = int(
                tx.execute(
                    "INSERT INTO console_lockout (username, wrong) VALUES (?, 1)"
                    " ON CONFLICT (username) DO UPDATE SET wrong = console_lockout.wrong + 1"
                    " RETURNING wrong",
                    (key,),
                ).fetchone()[0]
            )
            left = max(0, self.max_wrong - wrong)
            until = None
            if left == 0:
                until = now + timedelta(seconds=self.lock_seconds)
                tx.execute(
                    "UPDATE console_lockout SET locked_until = ? WHERE username = ?",
                    (until.timestamp(), key),
                )
        return Strike(left, until)

    def clear(self, key: str) -> None:
        with self.central.db.write() as tx:
            tx.execute("DELETE FROM console_lockout WHERE username = ?", (key,))
