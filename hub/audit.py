"""The audit log: who changed what in the hall's administration, when, from what to what.

Every change a person makes through the console (a follow-up step, a feedback answered, an
alert acknowledged, an account added), and every read of personal data that only some may see
(a citizen's phone for a call-back), is one row of ``audit_log`` and one ``audit.recorded``
event to central, written in the same transaction as the change itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hub.actors import Actor
from hub.txn import Tx


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log, as the console and the API show it."""

    id: int
    at: str
    actor: str
    actor_role: str
    action: str
    target: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "actor": self.actor,
            "actor_role": self.actor_role,
            "action": self.action,
            "target": self.target,
            "before": self.before,
            "after": self.after,
        }


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def record(
    tx: Tx, actor: Actor, action: str, target: str, before: Any = None, after: Any = None
) -> AuditEntry:
    """Write one audit row and its ``audit.recorded`` event inside ``tx``.

    ``action`` is a dotted verb (``followup.verify``, ``account.add``, ``phone.read``);
    ``target`` what it acted on (``followup:ID``); ``before``/``after`` JSON-ready values
    (never a password or an unmasked ID number).
    """
    cursor = tx.db.execute(
        "INSERT INTO audit_log (at, actor, actor_role, action, target, before, after)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (tx.stamp, actor.name, actor.role, action, target, _json(before), _json(after)),
    )
    entry = AuditEntry(
        int(cursor.lastrowid or 0), tx.stamp, actor.name, actor.role, action, target, before, after
    )
    tx.emit("audit.recorded", entry.to_dict())
    return entry


def entries(
    db: Any, *, target: str | None = None, limit: int = 200, before_id: int | None = None
) -> list[AuditEntry]:
    """The newest audit rows first (of one ``target`` if given), at most ``limit``."""
    sql = "SELECT * FROM audit_log WHERE 1 = 1"
    params: list[Any] = []
    if target is not None:
        sql += " AND target = ?"
        params.append(target)
    if before_id is not None:
        sql += " AND id < ?"
        params.append(before_id)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    rows = db.execute(sql, params).fetchall()
    return [
        AuditEntry(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            json.loads(r[6]) if r[6] else None,
            json.loads(r[7]) if r[7] else None,
        )
        for r in rows
    ]
