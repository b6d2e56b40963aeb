"""Rating (评价): the citizen's keypad press after a finished service, and the follow-up a bad one opens.

:meth:`hub.engine.QueueEngine.finish` opens the rating request (``rating.requested``, due after
the keypad timeout); :meth:`RatingDesk.rate` records the one answer it may get. Levels are
GB/T 39046 codes, 1 非常满意 … 5 非常不满意; a 4 or 5 (差评) needs a reason and opens a follow-up
(:mod:`hub.followups`) due in the configured numbers of working days by the hall calendar.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from hub.errors import Conflict, Invalid
from hub.followups import FollowupDesk
from hub.models import BAD_LEVELS, RATING_LEVELS, Rating
from hub.redact import redact
from hub.txn import Tx

RATING_GRACE_SECONDS = 5
"""A keypad press that arrives just after the timeout (network, clock skew) still counts."""

# A 差评's reason is asked by the clerk at the counter after the citizen pressed 4 or 5, so the
# level + reason may arrive this much later than the keypad's time limit.
BAD_RATING_REASON_SECONDS = 120

RATING_CHANNEL_HALL_TERMINAL = 5
"""GB/T 39046 channel code used for the window's rating keypad."""

RATING_CHANNEL_MOBILE = 2
"""GB/T 39046 channel code of the citizen's phone page (移动端)."""


def online_opens_at(rating_due_at: str | None) -> datetime | None:
    """When a finished service's phone page may rate it: once the window's keypad stopped
    asking (its time limit and grace past); None: at once (no keypad request)."""
    if not rating_due_at:
        return None
    return datetime.fromisoformat(rating_due_at) + timedelta(seconds=RATING_GRACE_SECONDS)


class RatingDesk(FollowupDesk):
    """Recording ratings and opening follow-ups (mixed into :class:`hub.engine.QueueEngine`)."""

    def rate(
        self,
        window: int,
        level: int,
        reason: str | None = None,
        *,
        ticket_id: str | None = None,
    ) -> Rating:
        """Record the citizen's rating of a service finished at ``window``, once.

        ``ticket_id`` names the finished ticket rated (the counter sends it, so a rating still
        reaches its own service after the clerk has called, or even finished, the next number);
        without it, the window's latest finished ticket is rated. The rating is the clerk's
        who finished that ticket, whoever is signed in now. Levels are GB/T 39046 codes,
        1 非常满意 … 5 非常不满意; 4 and 5 need a reason and open a follow-up due in the
        configured number of working days. Raises Invalid or Conflict (nothing to rate,
        already rated, request expired).
        """
        text = self._rating_reason(level, reason)

        def operation(tx: Tx) -> Rating:
            self._window_row(tx.db, window)
            sql = (
                "SELECT t.*, r.id AS rating_id FROM tickets t"
                " LEFT JOIN ratings r ON r.ticket_id = t.id"
                " WHERE t.window = ? AND t.status = 'finished' AND t.rating_due_at IS NOT NULL"
            )
            params: tuple[object, ...] = (window,)
            if ticket_id is not None:
                sql += " AND t.id = ?"
                params = (window, ticket_id)
            rows = list(tx.db.query(sql + " ORDER BY t.finished_at DESC LIMIT 1", params))
            if not rows or rows[0]["rating_id"] is not None:
                raise Conflict("no_rating_pending", f"{window}号窗口当前没有待评价的服务")
            row = rows[0]
            due = datetime.fromisoformat(row["rating_due_at"])
            grace = BAD_RATING_REASON_SECONDS if level in BAD_LEVELS else RATING_GRACE_SECONDS
            if tx.local_now > due + timedelta(seconds=grace):
                raise Conflict("rating_expired", "评价时间已过，本次服务记为未评价")
            return self._record_rating(tx, row, window, level, text, RATING_CHANNEL_HALL_TERMINAL)

        return self._run(operation)

    def rate_online(self, ticket_id: str, level: int, reason: str | None = None) -> Rating:
        """Record the citizen's rating of ``ticket_id`` from its phone page (channel 2), once.

        Only a service finished today, once the window's keypad stopped asking, and not rated
        yet (by keypad or phone). The rating is the clerk's who finished it; a 差评 needs a reason
        and opens a follow-up as a keypad one does. Raises Invalid (level, reason) or Conflict
        (``not_finished``, ``already_rated``, ``rating_not_open``, ``rating_day_over``).
        """
        text = self._rating_reason(level, reason)

        def operation(tx: Tx) -> Rating:
            row = self._ticket_row(tx.db, ticket_id)
            if row is None or row["status"] != "finished" or row["window"] is None:
                raise Conflict("not_finished", "办理完成后才能评价")
            if tx.db.execute("SELECT 1 FROM ratings WHERE ticket_id = ?", (ticket_id,)).fetchone():
                raise Conflict("already_rated", "本次服务已经评价过，感谢您的评价")
            if row["service_day"] != tx.today:
                raise Conflict("rating_day_over", "评价须在办理当天提交")
            opens = online_opens_at(row["rating_due_at"])
            if opens is not None and tx.local_now < opens:
                raise Conflict("rating_not_open", "请先在窗口评价器上评价；未评价的稍后可在此评价")
            return self._record_rating(tx, row, row["window"], level, text, RATING_CHANNEL_MOBILE)

        return self._run(operation)

    def _rating_reason(self, level: int, reason: str | None) -> str | None:
        """The reason to store with ``level`` (redacted; None if none); raises Invalid for a
        level that is not a GB/T 39046 code or a 差评 without a reason."""
        if level not in RATING_LEVELS:
            raise Invalid("bad_level", "评价等级应为1（非常满意）到5（非常不满意）")
        text = redact((reason or "").strip()) or None
        if level in BAD_LEVELS and text is None:
            reasons = "、".join(self.config.rating.bad_reasons)
            raise Invalid("reason_required", f"差评需要选择原因：{reasons}")
        return text

    def _record_rating(
        self, tx: Tx, row: dict[str, Any], window: int, level: int, text: str | None, channel: int
    ) -> Rating:
        """Store the one rating of finished ticket ``row`` (its clerk: who finished it), its
        event, and for a 差评 the follow-up; inside ``tx``."""
        clerk, clerk_name = self._finishing_clerk(tx, row["id"], window)
        rating_id = str(uuid.uuid4())
        tx.db.table("ratings").insert(
            {
                "id": rating_id,
                "ticket_id": row["id"],
                "window": window,
                "level": level,
                "reason": text,
                "channel": channel,
                "clerk_id": clerk,
                "rated_at": tx.stamp,
            }
        )
        bad = level in BAD_LEVELS
        followup_due = self._followup_dues(tx.today)[1] if bad else None
        rating = Rating(
            id=rating_id,
            ticket_id=row["id"],
            number=row["number"],
            window=window,
            level=level,
            reason=text,
            channel=channel,
            rated_at=tx.stamp,
            followup_due=followup_due,
        )
        payload = rating.to_dict()
        payload.update(
            {
                "division_code": self.config.hall.division_code,
                "clerk_id": clerk,
                "item_id": row["item_id"],
                "service_day": row["service_day"],
            }
        )
        tx.emit("rating.recorded", payload)
        if bad:
            self._open_followup(
                tx,
                kind="rating",
                reason=text or "",
                rating_id=rating_id,
                ticket_id=row["id"],
                window=window,
                clerk_id=clerk,
                clerk_name=clerk_name,
                level=level,
            )
        return rating

    def _finishing_clerk(
        self, tx: Tx, ticket_id: str, window: int
    ) -> tuple[str | None, str | None]:
        """The staff number and name of the clerk who finished ``ticket_id`` (谁办理、谁负责).

        The figures remember who was signed in at the finish (``figures_tickets.fin_clerk``,
        written in the finish's own transaction); a store without that row falls back to the
        clerk signed in at ``window`` now.
        """
        found = tx.db.execute(
            "SELECT fin_clerk FROM figures_tickets WHERE id = ? AND fin_window IS NOT NULL",
            (ticket_id,),
        ).fetchone()
        now_clerk, now_name = tx.db.execute(
            "SELECT clerk_id, clerk_name FROM windows WHERE number = ?", (window,)
        ).fetchone()
        if found is None:
            return now_clerk, now_name
        number = found[0] or None  # "" in the figures: nobody was signed in
        if number == now_clerk:
            return now_clerk, now_name
        if number is None:
            return None, None
        member = self.config.staff_member(number)
        return number, member.name if member else None
