"""People who sign in to the console: accounts in the hub's store, with a role and a password.

- User names are 2-32 characters of ``A-Z a-z 0-9 . _ -``, kept in lower case (``Zhang.San``
  signs in as ``zhang.san``). Roles: ``manager`` (负责人), ``supervisor`` (督查),
  ``technician`` (技术人员) (:data:`hub.actors.PERSON_ROLES`).
- Passwords: at least 8 characters, stored only as a scrypt hash (:mod:`hub.passwords`).
- A disabled account cannot sign in; its rows in the audit log stay. Disabling an account or
  changing its password ends its console sessions (:mod:`hub.sessions` checks the account on
  every request, so this holds when the change comes from ``hall account`` in another process).
- Five wrong passwords in a row lock a user name for five minutes (:mod:`hub.lockout`). An
  unknown user name, or a disabled account, is answered exactly as a wrong password, after
  hashing against a dummy hash, so that names cannot be probed.
- Every change is one audit row and one ``audit.recorded`` event (:func:`hub.audit.record`),
  in the same transaction.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol, TypeVar

from hub import audit
from hub.actors import PERSON_ROLES, ROLE_NAMES, Actor
from hub.errors import Conflict, Invalid, Locked, NotFound, Unauthorized
from hub.lockout import LOCK_SECONDS, MAX_WRONG, Lockout
from hub.passwords import dummy_hash, hash_password, password_problem, verify_password
from hub.txn import Tx
from sync.clock import Clock
from sync.store import Store

log = logging.getLogger(__name__)

T = TypeVar("T")

USERNAME = re.compile(r"[a-z0-9._-]{2,32}")

CLI_ACTOR = Actor("hall account (命令行)", "admin", "token")
"""Who changes accounts with ``hall account`` on the hub box, in the audit log."""


class Transactions(Protocol):
    """Runs one operation in one write transaction (:meth:`hub.txn.EngineCore._run` in the
    hub, :class:`hub.side_tx.SideTransactions` on the command line)."""

    def __call__(self, operation: Callable[[Tx], T]) -> T: ...


@dataclass(frozen=True)
class Account:
    """One person's account, without its password hash."""

    id: str
    username: str
    role: str
    created_at: str
    password_changed_at: str
    disabled_at: str | None

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None

    def actor(self) -> Actor:
        """This person acting through a console session."""
        return Actor(self.username, self.role, "session")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "role": self.role,
            "role_name": self.role_name,
            "created_at": self.created_at,
            "password_changed_at": self.password_changed_at,
            "disabled_at": self.disabled_at,
        }


_ALL = (
    "SELECT id, username, role, created_at, password_changed_at, disabled_at, password_hash"
    " FROM accounts ORDER BY username"
)
_BY_NAME = (
    "SELECT id, username, role, created_at, password_changed_at, disabled_at, password_hash"
    " FROM accounts WHERE username = ?"
)


def _account(row: Any) -> Account:
    return Account(row[0], row[1], row[2], row[3], row[4], row[5])


def normal_username(username: str) -> str:
    """``username`` as stored (stripped, lower case); raises Invalid ``bad_username``."""
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise Invalid(
            "bad_username", "用户名须为2到32个字符，只能包含英文字母、数字、点、下划线和连字符"
        )
    return name


def _check_role(role: str) -> None:
    if role not in PERSON_ROLES:
        raise Invalid(
            "bad_role",
            f"角色须为 manager（负责人）、supervisor（督查）或 technician（技术人员），不是“{role}”",
        )


def _check_password(password: str) -> None:
    problem = password_problem(password)
    if problem is not None:
        raise Invalid("bad_password", problem)


class AccountBook:
    """The accounts of one hub store. Thread-safe; every method that changes something raises
    a :class:`hub.errors.HubError` (nothing changed) when it cannot.

    ``transactions`` runs the writes (the engine's, so events reach the hub's listeners);
    ``zone`` is the hall's time zone, for the lock's message.
    """

    def __init__(self, store: Store, transactions: Transactions, clock: Clock, zone: tzinfo):
        self._store = store
        self._run = transactions
        self._zone = zone
        self.lockout = Lockout(
            clock, locked=self._locked_error, wrong=_wrong_error, what="console user name"
        )
        self.on_change: list[Callable[[str], object]] = []
        """Called with a user name whose sessions must end (disabled, new password)."""

    # -- reading -----------------------------------------------------------------------------

    def list(self) -> list[Account]:
        """Every account, by user name."""
        rows = self._store.reader().execute(_ALL)
        return [_account(r) for r in rows.fetchall()]

    def get(self, username: str) -> Account | None:
        """The account of ``username`` (any case), or None."""
        row = self._store.reader().execute(_BY_NAME, (username.strip().lower(),)).fetchone()
        return _account(row) if row else None

    def _row(self, tx: Tx, username: str) -> Account:
        row = tx.db.execute(_BY_NAME, (username,)).fetchone()
        if row is None:
            raise NotFound("unknown_account", f"没有用户名为“{username}”的账号")
        return _account(row)

    # -- changing ----------------------------------------------------------------------------

    def add(self, actor: Actor, username: str, role: str, password: str) -> Account:
        """Add an account. Raises Invalid (``bad_username``, ``bad_role``, ``bad_password``)
        or Conflict ``account_exists``."""
        name = normal_username(username)
        _check_role(role)
        _check_password(password)
        hashed = hash_password(password)  # slow: before the writer lock

        def operation(tx: Tx) -> Account:
            if tx.db.execute("SELECT 1 FROM accounts WHERE username = ?", (name,)).fetchone():
                raise Conflict("account_exists", f"用户名“{name}”已经存在，请换一个")
            tx.db.execute(
                "INSERT INTO accounts (id, username, role, password_hash, created_at,"
                " password_changed_at) VALUES (?, ?, ?, ?, ?, ?)",
                (uuid.uuid4().hex, name, role, hashed, tx.stamp, tx.stamp),
            )
            account = self._row(tx, name)
            audit.record(
                tx, actor, "account.add", f"account:{name}", None, {"username": name, "role": role}
            )
            return account

        account = self._run(operation)
        log.info("account %s (%s) added by %s", name, role, actor.name)
        return account

    def disable(self, actor: Actor, username: str) -> Account:
        """Disable an account (no audit row when it already was); its sessions end.
        Raises NotFound ``unknown_account``."""
        return self._set_disabled(actor, username, disabled=True)

    def enable(self, actor: Actor, username: str) -> Account:
        """Enable a disabled account again. Raises NotFound ``unknown_account``."""
        return self._set_disabled(actor, username, disabled=False)

    def _set_disabled(self, actor: Actor, username: str, *, disabled: bool) -> Account:
        name = username.strip().lower()

        def operation(tx: Tx) -> Account:
            account = self._row(tx, name)
            if account.enabled != disabled:
                return account
            tx.db.execute(
                "UPDATE accounts SET disabled_at = ? WHERE username = ?",
                (tx.stamp if disabled else None, name),
            )
            action = "account.disable" if disabled else "account.enable"
            audit.record(
                tx,
                actor,
                action,
                f"account:{name}",
                {"disabled_at": account.disabled_at},
                {"disabled_at": tx.stamp if disabled else None},
            )
            return self._row(tx, name)

        account = self._run(operation)
        if disabled:
            self._ended(name)
        return account

    def change_password(self, actor: Actor, username: str, password: str) -> Account:
        """Give an account a new password; its sessions end. Raises NotFound
        ``unknown_account`` or Invalid ``bad_password``."""
        name = username.strip().lower()
        _check_password(password)
        if self.get(name) is None:  # before spending a hash on it
            raise NotFound("unknown_account", f"没有用户名为“{name}”的账号")
        hashed = hash_password(password)

        def operation(tx: Tx) -> Account:
            before = self._row(tx, name)
            tx.db.execute(
                "UPDATE accounts SET password_hash = ?, password_changed_at = ? WHERE username = ?",
                (hashed, tx.stamp, name),
            )
            audit.record(
                tx,
                actor,
                "account.password",
                f"account:{name}",
                {"password_changed_at": before.password_changed_at},
                {"password_changed_at": tx.stamp},
            )
            return self._row(tx, name)

        account = self._run(operation)
        self._ended(name)
        return account

    def record(self, actor: Actor, action: str, target: str, after: Any = None) -> None:
        """One audit row on its own (a sign-in, a sign-out)."""
        self._run(lambda tx: audit.record(tx, actor, action, target, None, after))

    def _ended(self, username: str) -> None:
        for listener in self.on_change:
            listener(username)

    # -- signing in --------------------------------------------------------------------------

    def sign_in(self, username: str, password: str) -> Account:
        """The account of ``username`` when ``password`` is right, it is enabled and not
        locked; the sign-in is audited (``account.sign_in``). Slow (one hash): call it off
        the event loop.

        Raises Locked ``account_locked`` (the message says until when, in the hall's time), or
        Unauthorized ``login_failed`` with the tries left, the same for an unknown name, a
        disabled account and a wrong password.
        """
        key = username.strip().lower()[:64]
        self.lockout.check(key)
        row = self._store.reader().execute(_BY_NAME, (key,)).fetchone()
        stored = row[6] if row is not None else dummy_hash()
        right = verify_password(password, stored)  # the same work for unknown names
        account = _account(row) if row is not None else None
        if account is None or not right or not account.enabled:
            self.lockout.wrong(key)
        self.lockout.passed(key)
        self.record(account.actor(), "account.sign_in", f"account:{key}")
        return account

    def _locked_error(self, until: datetime) -> Locked:
        # Rounded up to the minute: at the time shown, the lock is over.
        shown = (until.astimezone(self._zone) + timedelta(seconds=59)).replace(second=0)
        return Locked("account_locked", f"该账号已锁定至{shown:%H:%M}，请稍后再试")


def _wrong_error(left: int) -> Unauthorized:
    return Unauthorized(
        "login_failed",
        f"用户名或密码错误，还可以再试{left}次（连续输错{MAX_WRONG}次将锁定{LOCK_SECONDS // 60}分钟）",
    )
