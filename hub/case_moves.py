"""Moving a case on after 收件: at a window (办理, 补正, 不予受理, 办结, 出件) and from central.

Every move is one transaction that updates the ``cases`` row, adds a ``case_history`` row and
emits ``case.status`` (payload: receipt, status, previous, source, window, pickup_window,
missing, reason, basis, changed_at, clerk_id, central_change — never a name, phone or ID number).

**Moves from a window** follow :data:`sync.case_states.CASE_MOVES`; anything else is Conflict
``bad_case_move`` with a sentence.

**Changes from central** (the downlink, :mod:`hub.downlink`) carry a ``change_id`` that grows
per hall. The rule when both sides move the same case (docs/sync-protocol.md, "Case changes"):

- the hub applies central's changes in ``change_id`` order and *central's later change wins*: it
  is applied whatever the hub's status, except on a delivered case (the citizen holds the
  result; nothing moves it again). A change already applied (its ``change_id`` is in
  ``case_history``) is not applied again; one that finds the case at that status already is
  recorded without an event.
- every ``case.status`` the hub emits carries ``central_change``: the latest central change the
  case had applied when the move was made. Central applies a hall's move only if that is at least
  its own latest change of the case (the hall had seen it), or if the move is a delivery.
  Otherwise central keeps its status, and its change, on its way down, brings the hall to it.
  Both sides thus end at the same status.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

from hub.case_model import CASE_STATUS_TEXT, Case, move_problem, status_text
from hub.case_watch import SHOWN_LIMIT, open_case_count, supervised_cases, supervision
from hub.errors import Conflict, Invalid, NotFound
from hub.identity import identify
from hub.reads import clerk_info
from hub.txn import EngineCore, Tx

log = logging.getLogger(__name__)

WINDOW_MOVES = ("processing", "correction", "rejected", "ready", "completed")
"""The statuses a window sets with ``POST /cases/{receipt}/status`` (delivery has its own)."""
DELIVERABLE = ("ready", "completed")
PERSON_LIMIT = 200


class CaseMoves(EngineCore):
    """Cases' moves, reads and the 电子监察 flags (a base of :class:`hub.cases.CaseDesk`)."""

    # -- reading -----------------------------------------------------------------------------

    def _case_of_row(self, row: dict[str, Any], today: str) -> Case:
        overdue, due_soon = supervision(
            self.calendar,
            date.fromisoformat(today),
            row["status"],
            row["promised_on"],
            row["service_day"],
        )
        clerk = clerk_info(self.config, row["clerk_id"], row["clerk_name"])
        return Case.from_row(row, clerk=clerk, overdue=overdue, due_soon=due_soon)

    @staticmethod
    def _case_row(db: Any, receipt: str) -> dict[str, Any]:
        rows = list(db.query("SELECT * FROM cases WHERE receipt = ?", (receipt.strip().upper(),)))
        if not rows:
            raise NotFound("unknown_case", f"没有找到回执编号{receipt.strip()}，请核对回执上的编号")
        row: dict[str, Any] = rows[0]
        return row

    def case(self, receipt: str) -> Case:
        """The hall's case ``receipt`` as the contract's dict describes it; raises NotFound."""
        return self._case_of_row(self._case_row(self.store.reader(), receipt), self._today())

    def case_history(self, receipt: str) -> list[dict[str, Any]]:
        """Every move of ``receipt``, oldest first (``fields`` decoded); raises NotFound."""
        db = self.store.reader()
        held = self._case_row(db, receipt)
        return [
            {**row, "fields": json.loads(row["fields"]), "applied": bool(row["applied"])}
            for row in db.query(
                "SELECT * FROM case_history WHERE receipt = ? ORDER BY id", (held["receipt"],)
            )
        ]

    def cases_for_person(self, id_number: str) -> list[Case]:
        """The cases accepted for the holder of ``id_number``, newest first (matched by the
        keyed hash stored at acceptance; the number is not kept). Raises Invalid
        ``invalid_id_number``."""
        person = identify(self._secret, id_number)
        today = self._today()
        rows = self.store.reader().query(
            "SELECT * FROM cases WHERE id_hash = ? ORDER BY accepted_at DESC, receipt DESC LIMIT ?",
            (person.id_hash, PERSON_LIMIT),
        )
        return [self._case_of_row(row, today) for row in rows]

    def case_supervision(self) -> dict[str, Any]:
        """电子监察 now: how many cases are open, due soon and overdue, and the most urgent of
        those (at most :data:`hub.case_watch.SHOWN_LIMIT`: receipt, item, window, status and its
        text, promised date, flags)."""
        db = self.store.reader()
        rows = supervised_cases(db, self.calendar, date.fromisoformat(self._today()))
        return {
            "open": open_case_count(db),
            "due_soon": sum(1 for r in rows if r["due_soon"]),
            "overdue": sum(1 for r in rows if r["overdue"]),
            "rows": [{**r, "status_text": status_text(r["status"])} for r in rows[:SHOWN_LIMIT]],
        }

    # -- moves at a window ---------------------------------------------------------------------

    def move_case(
        self,
        receipt: str,
        status: str,
        *,
        window: int,
        missing: list[str] | None = None,
        reason: str | None = None,
        pickup_window: int | None = None,
    ) -> Case:
        """Move case ``receipt`` to ``status`` (one of :data:`WINDOW_MOVES`) at ``window``.

        ``missing`` (补正: every material still needed, each on the item's list) is required for
        ``correction``; ``reason`` for ``rejected`` (the basis is the catalog item's 设定依据);
        ``pickup_window`` optionally names where to collect a ``ready`` case. Raises NotFound
        (``unknown_case``, ``unknown_window``), Invalid (``bad_status``, ``missing_required``,
        ``unknown_material``, ``reason_required``) or Conflict ``bad_case_move``.
        """
        if status not in WINDOW_MOVES:
            raise Invalid("bad_status", f"办件状态应为{'、'.join(WINDOW_MOVES)}之一")
        wanted = list(dict.fromkeys(m.strip() for m in missing or [] if m.strip()))
        why = (reason or "").strip() or None

        def operation(tx: Tx) -> Case:
            row = self._case_row(tx.db, receipt)
            self._window_row(tx.db, window)
            if pickup_window is not None:
                self._window_row(tx.db, pickup_window)
            problem = move_problem(row["status"], status)
            if problem is not None:
                raise Conflict("bad_case_move", problem)
            changes: dict[str, Any] = {}
            item = self.config.item(row["item_id"])
            if status == "correction":
                if not wanted:
                    raise Invalid("missing_required", "补正须列出所缺的每一项材料")
                unknown = [m for m in wanted if item is not None and m not in item.materials]
                if unknown:
                    raise Invalid(
                        "unknown_material",
                        f"“{'、'.join(unknown)}”不在事项{row['item_name']}的材料清单中",
                    )
                changes["missing"] = wanted
            elif status == "rejected":
                if why is None:
                    raise Invalid("reason_required", "不予受理须写明理由")
                changes["reason"] = why
                changes["basis"] = (item.basis if item else "") or None
            elif status == "ready":
                changes["pickup_window"] = pickup_window
            return self._record(tx, row, status, "hall", window, changes)

        return self._run(operation)

    def deliver_case(self, receipt: str, *, window: int, confirmed: bool) -> Case:
        """Hand a finished case's result over at ``window`` (出件/领取): the citizen confirmed on
        the keypad (``confirmed``). Raises Invalid ``not_confirmed``, NotFound, or Conflict
        ``bad_case_move`` (only a ready or completed case is delivered)."""
        if not confirmed:
            raise Invalid("not_confirmed", "申请人尚未在评价器上确认领取")

        def operation(tx: Tx) -> Case:
            row = self._case_row(tx.db, receipt)
            self._window_row(tx.db, window)
            if row["status"] not in DELIVERABLE:
                raise Conflict(
                    "bad_case_move",
                    f"办件当前为“{status_text(row['status'])}”，只有已办结的办件才能领取",
                )
            changes = {"delivered_at": tx.stamp, "delivered_window": window}
            return self._record(tx, row, "delivered", "hall", window, changes)

        return self._run(operation)

    # -- changes from central ------------------------------------------------------------------

    def apply_central_change(self, change: dict[str, Any]) -> str:
        """Apply one change central made (``change_id``, ``receipt``, ``status`` and optionally
        ``missing``, ``reason``, ``pickup_window``) by the rule in this module's docstring.

        Returns ``applied``, ``already`` (its change id was applied before), ``same`` (the case
        already had that status: recorded, no event), ``refused`` (a delivered case: recorded,
        not applied) or ``unknown`` (the hall holds no such case). One transaction.
        """
        change_id = int(change["change_id"])
        status = str(change.get("status"))
        if status not in CASE_STATUS_TEXT or not isinstance(change.get("receipt"), str):
            log.warning("central's case change %d cannot be read: %r", change_id, change)
            return "unknown"

        def operation(tx: Tx) -> str:
            seen = tx.db.execute(
                "SELECT 1 FROM case_history WHERE change_id = ?", (change_id,)
            ).fetchone()
            if seen is not None:
                return "already"
            try:
                row = self._case_row(tx.db, str(change["receipt"]))
            except NotFound:
                log.warning("central changed case %s, which this hall does not hold", change)
                return "unknown"
            fields = _central_fields(change, row, self.config.item(row["item_id"]))
            if row["status"] == "delivered" or row["status"] == status:
                outcome = "refused" if row["status"] != status else "same"
                self._history(tx, row, status, "central", None, fields, change_id, applied=False)
                tx.db.execute(
                    "UPDATE cases SET central_change = MAX(central_change, ?) WHERE receipt = ?",
                    (change_id, row["receipt"]),
                )
                if outcome == "refused":
                    log.warning(
                        "central's change %d of delivered case %s not applied",
                        change_id,
                        row["receipt"],
                    )
                return outcome
            self._record(tx, row, status, "central", None, fields, change_id=change_id)
            return "applied"

        return self._run(operation)

    # -- the one writer ------------------------------------------------------------------------

    def _record(
        self,
        tx: Tx,
        row: dict[str, Any],
        status: str,
        source: str,
        window: int | None,
        changes: dict[str, Any],
        *,
        change_id: int | None = None,
    ) -> Case:
        stored = {
            k: json.dumps(v, ensure_ascii=False) if k == "missing" else v
            for k, v in changes.items()
        }
        base = max(int(row["central_change"] or 0), change_id or 0)
        columns = {
            **stored,
            "status": status,
            "status_changed_at": tx.stamp,
            "central_change": base,
        }
        assignments = ", ".join(f"{name} = ?" for name in columns)
        tx.db.execute(
            f"UPDATE cases SET {assignments} WHERE receipt = ?",  # noqa: S608 - our own columns
            (*columns.values(), row["receipt"]),
        )
        self._history(tx, row, status, source, window, changes, change_id, applied=True)
        after = self._case_row(tx.db, row["receipt"])
        clerk_id = self._clerk_of(tx, window) if window is not None else None
        tx.emit(
            "case.status",
            {
                "receipt": row["receipt"],
                "status": status,
                "previous": row["status"],
                "source": source,
                "window": window,
                "pickup_window": after["pickup_window"],
                "missing": list(changes.get("missing", [])) if status == "correction" else [],
                "reason": after["reason"] if status == "rejected" else changes.get("reason"),
                "basis": after["basis"] if status == "rejected" else None,
                "changed_at": tx.stamp,
                "clerk_id": clerk_id,
                "central_change": base,
            },
        )
        return self._case_of_row(after, tx.today)

    def _history(
        self,
        tx: Tx,
        row: dict[str, Any],
        status: str,
        source: str,
        window: int | None,
        fields: dict[str, Any],
        change_id: int | None,
        *,
        applied: bool,
    ) -> None:
        tx.db.execute(
            "INSERT INTO case_history (receipt, at, previous, status, source, window, clerk_id,"
            " change_id, applied, fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row["receipt"],
                tx.stamp,
                row["status"],
                status,
                source,
                window,
                self._clerk_of(tx, window) if window is not None else None,
                change_id,
                int(applied),
                json.dumps(fields, ensure_ascii=False),
            ),
        )


def _central_fields(change: dict[str, Any], row: dict[str, Any], item: Any) -> dict[str, Any]:
    """The columns a change from central sets, by its status (as a window's move would)."""
    status = change["status"]
    if status == "correction":
        return {"missing": [str(m) for m in change.get("missing") or []]}
    if status == "rejected":
        basis = (item.basis if item is not None else "") or None
        return {"reason": change.get("reason") or None, "basis": basis}
    if status == "ready":
        return {"pickup_window": change.get("pickup_window")}
    if status == "delivered":
        return {"delivered_at": change.get("changed_at")}
    return {}
