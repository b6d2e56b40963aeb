"""People who sign in to central's console, and the audit log of what they change.

- User names are 2-32 characters of ``a-z 0-9 . _ -`` (kept in lower case). Roles: ``admin``
  (管理员: everything) and ``supervisor`` (督查: reads everything); either may be scoped to a
  region, and then sees only the halls of that region's subtree.
- Passwords: at least 8 characters, stored only as a scrypt hash (:mod:`weblogin.passwords`).
- Five wrong passwords in a row lock a user name for five minutes (:mod:`weblogin.lockout`); an
  unknown or disabled user is answered exactly as a wrong password, after hashing against a
  dummy hash, so names cannot be probed.
- Disabling an account or changing its password ends its sessions (the sessions read the
  account again on every request, :mod:`weblogin.sessions`).
- Every change is one ``console_audit`` row in the same transaction (:func:`record`).
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sync.central.console.stored import StoredLockout
from sync.central.db import Tx
from sync.central.errors import CentralError
from sync.central.schema_console import ROLES
from sync.central.store import CentralStore, iso_now
from weblogin.passwords import dummy_hash, hash_password, password_problem, verify_password

USERNAME = re.compile(r"[a-z0-9._-]{2,32}")
ROLE_NAMES = {"admin": "管理员", "supervisor": "督查"}
CLI_ACTOR = "hall central (命令行)"
"""Who changes accounts and regions from the command line, in the audit log."""


class SignInRefused(CentralError):
    """A sign-in that did not pass: 401 (wrong user or password) or 423 (locked)."""


class ConsoleInputError(CentralError):
    """Input that does not hold; ``field`` names the form field it is about."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(400, "bad_input", message)
        self.field = field


@dataclass(frozen=True)
class ConsoleAccount:
    """One person's account, without its password hash."""

    id: str
    username: str
    role: str
    region: str | None
    created_at: str
    password_changed_at: str
    disabled_at: str | None

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


_COLUMNS = "id, username, role, region, created_at, password_changed_at, disabled_at"


def _account(row: Any) -> ConsoleAccount:
    return ConsoleAccount(*(row[i] for i in range(7)))


class _UtcClock:
    def __init__(self, central: CentralStore) -> None:
        self.central = central

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.central.now(), UTC)

    def monotonic_ns(self) -> int:
        return int(self.central.now() * 1_000_000_000)


def record(tx: Tx, at: str, actor: str, action: str, target: str, **detail: Any) -> None:
    """One audit row: ``actor`` did ``action`` on ``target`` at ``at`` (``detail`` as JSON)."""
    tx.execute(
        "INSERT INTO console_audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        (at, actor, action, target, json.dumps(detail, ensure_ascii=False, sort_keys=True)),
    )


def normal_username(username: str) -> str:
    """``username`` as stored; raises ConsoleInputError on field ``user``."""
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise ConsoleInputError(
            "user", "用户名须为2到32个字符，只能包含英文字母、数字、点、下划线和连字符"
        )
    return name


class ConsoleAccounts:
    """The console's accounts in central's database; thread-safe."""

    def __init__(self, central: CentralStore) -> None:
        self.central = central
        self.clock = _UtcClock(central)
        self.lockout = StoredLockout(
            central,
            self.clock,
            locked=lambda until: SignInRefused(
                423,
                "locked",
                f"连续输错密码5次，该账号已锁定，请在{until.astimezone():%H:%M}后再试（约5分钟）",
            ),
            wrong=lambda left: SignInRefused(
                401, "wrong_password", f"用户名或密码不正确，还可以再试{left}次"
            ),
            what="central console user",
        )

    def get(self, username: str) -> ConsoleAccount | None:
        """The account of ``username`` as stored now, or None."""
        with self.central.db.read() as tx:
            row = tx.execute(
                f"SELECT {_COLUMNS} FROM console_accounts WHERE username = ?",  # noqa: S608
                (username,),
            ).fetchone()
        return None if row is None else _account(row)

    def all(self) -> list[ConsoleAccount]:
        """Every account, by user name."""
        with self.central.db.read() as tx:
            rows = tx.query(f"SELECT {_COLUMNS} FROM console_accounts ORDER BY username")  # noqa: S608
        return [_account(row) for row in rows]

    def add(
        self, actor: str, username: str, role: str, password: str, region: str | None = None
    ) -> ConsoleAccount:
        """A new account; raises ConsoleInputError (bad name, role, password or region, or the
        name is taken). Hashing is slow: call it off the event loop."""
        name = normal_username(username)
        if role not in ROLES:
            raise ConsoleInputError(
                "role", f"角色须为 admin（管理员）或 supervisor（督查），不是“{role}”"
            )
        _check_password(password)
        hashed = hash_password(password)
        now = iso_now(self.central.now())
        with self.central.db.write() as tx:
            if region is not None and _region_missing(tx, region):
                raise ConsoleInputError("region", f"没有代码为“{region}”的区域")
            if tx.execute("SELECT 1 FROM console_accounts WHERE username = ?", (name,)).fetchone():
                raise ConsoleInputError("user", f"用户名“{name}”已被使用")
            tx.execute(
                "INSERT INTO console_accounts (id, username, role, region, password_hash,"
                " created_at, password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (secrets.token_hex(8), name, role, region, hashed, now, now),
            )
            record(tx, now, actor, "account.add", f"account:{name}", role=role, region=region)
        found = self.get(name)
        assert found is not None
        return found

    def disable(self, actor: str, username: str) -> ConsoleAccount:
        """Disable an account (its sessions end); raises ConsoleInputError for an unknown one."""
        name = username.strip().lower()
        now = iso_now(self.central.now())
        with self.central.db.write() as tx:
            done = tx.execute(
                "UPDATE console_accounts SET disabled_at = ? WHERE username = ?"
                " AND disabled_at IS NULL",
                (now, name),
            ).rowcount
            if done == 0 and self._absent(tx, name):
                raise ConsoleInputError("user", f"没有用户名为“{name}”的账号")
            if done:
                record(tx, now, actor, "account.disable", f"account:{name}")
        return self._must(name)

    def set_password(self, actor: str, username: str, password: str) -> ConsoleAccount:
        """A new password (the account's sessions end); raises ConsoleInputError."""
        name = username.strip().lower()
        _check_password(password)
        hashed = hash_password(password)
        now = iso_now(self.central.now())
        with self.central.db.write() as tx:
            if self._absent(tx, name):
                raise ConsoleInputError("user", f"没有用户名为“{name}”的账号")
            tx.execute(
                "UPDATE console_accounts SET password_hash = ?, password_changed_at = ?"
                " WHERE username = ?",
                (hashed, f"{now}#{secrets.token_hex(4)}", name),
            )
            record(tx, now, actor, "account.password", f"account:{name}")
        self.lockout.clear(name)
        return self._must(name)

    def sign_in(self, username: str, password: str) -> ConsoleAccount:
        """The account when ``password`` is right; raises SignInRefused 401 (wrong user or
        password, with the tries left) or 423 (locked). Slow on purpose (a scrypt hash)."""
        name = username.strip().lower()[:64]
        self.lockout.check(name)
        with self.central.db.read() as tx:
            row = tx.execute(
                f"SELECT {_COLUMNS}, password_hash FROM console_accounts"  # noqa: S608
                " WHERE username = ?",
                (name,),
            ).fetchone()
        account = None if row is None else _account(row)
        stored = row["password_hash"] if row is not None else dummy_hash()
        right = verify_password(password, stored)
        if account is None or not account.enabled or not right:
            self.lockout.wrong(name)
        self.lockout.passed(name)
        assert account is not None
        return account

    @staticmethod
    def _absent(tx: Tx, name: str) -> bool:
        found = tx.execute("SELECT 1 FROM console_accounts WHERE username = ?", (name,))
        return found.fetchone() is None

    def _must(self, name: str) -> ConsoleAccount:
        found = self.get(name)
        if found is None:
            raise ConsoleInputError("user", f"没有用户名为“{name}”的账号")
        return found


def _check_password(password: str) -> None:
    problem = password_problem(password)
    if problem is not None:
        raise ConsoleInputError("password", problem)


def _region_missing(tx: Tx, code: str) -> bool:
    return tx.execute("SELECT 1 FROM regions WHERE code = ?", (code,)).fetchone() is None


def audit_entries(central: CentralStore, limit: int = 200) -> list[dict[str, Any]]:
    """The latest ``limit`` audit rows, newest first."""
    with central.db.read() as tx:
        rows = tx.query(
            "SELECT id, at, actor, action, target, detail FROM console_audit"
            " ORDER BY id DESC LIMIT ?",
            (limit,),
        )
    return [
        {
            "id": row["id"],
            "at": row["at"],
            "actor": row["actor"],
            "action": row["action"],
            "target": row["target"],
            "detail": json.loads(row["detail"]),
        }
        for row in rows
    ]
