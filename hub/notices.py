"""What kiosks tell the hall's staff: device alerts (缺纸) and citizens' feedback (意见建议).

An alert is only an event (``staff.alert``): counters and the display show it, central gets it.
Feedback is stored (table ``feedback``, purged with :func:`hub.retention.purge_personal`) with
the phone for a callback; its event carries the phone masked.
"""

from __future__ import annotations

import uuid
from typing import Any

from hub.cases import mask_phone
from hub.txn import EngineCore, Tx

FEEDBACK_KINDS = ("suggestion", "unresolved")


class NoticeDesk(EngineCore):
    """Alerts and feedback (mixed into :class:`hub.engine.QueueEngine`)."""

    def alert(
        self,
        *,
        source: str,
        device: str,
        problem: str,
        detail: str | None = None,
        sent_by: str | None = None,
    ) -> dict[str, Any]:
        """Tell staff a device needs them: emits ``staff.alert`` and returns its payload.

        ``source`` is the box (kiosk-1), ``device`` its part (printer), ``problem`` the
        Chinese sentence staff read, ``detail`` technical text; ``sent_by`` the token's name.
        """

        def operation(tx: Tx) -> dict[str, Any]:
            payload = {
                "id": str(uuid.uuid4()),
                "source": source,
                "device": device,
                "problem": problem,
                "detail": detail,
                "sent_by": sent_by,
                "raised_at": tx.stamp,
            }
            tx.emit("staff.alert", payload)
            return payload

        return self._run(operation)

    def add_feedback(
        self, *, kind: str, reason: str, phone: str | None = None, source: str | None = None
    ) -> dict[str, Any]:
        """Store a citizen's feedback; emits ``feedback.received`` (phone masked).

        ``kind`` is ``suggestion`` or ``unresolved`` (the API checks it). Returns the event
        payload, whose ``id`` is the stored row's.
        """
        kept_phone = phone.strip() if phone and phone.strip() else None

        def operation(tx: Tx) -> dict[str, Any]:
            feedback_id = str(uuid.uuid4())
            tx.db.table("feedback").insert(
                {
                    "id": feedback_id,
                    "service_day": tx.today,
                    "kind": kind,
                    "reason": reason,
                    "phone": kept_phone,
                    "source": source,
                    "received_at": tx.stamp,
                }
            )
            payload = {
                "id": feedback_id,
                "kind": kind,
                "reason": reason,
                "phone": mask_phone(kept_phone) if kept_phone else None,
                "source": source,
                "received_at": tx.stamp,
            }
            tx.emit("feedback.received", payload)
            return payload

        return self._run(operation)
