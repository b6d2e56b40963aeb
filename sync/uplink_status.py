"""What the uplink tells about itself: a snapshot for the hub API, the CLI and the logs."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class UplinkState(StrEnum):
    """Where the uplink is. A streak of failures is logged at WARNING once, and its end."""

    IDLE = "idle"
    SENDING = "sending"
    BACKING_OFF = "backing off"
    UNREACHABLE = "unreachable"
    NOT_ENROLLED = "not enrolled"
    STOPPED = "stopped"


@dataclass(frozen=True)
class UplinkStatus:
    """One moment of the uplink. Times are ISO 8601 strings (None: never happened)."""

    state: UplinkState
    enrolled: bool
    central_url: str | None
    hall: str | None
    acked_seq: int
    last_seq: int
    backlog: int
    alarm: bool
    alarm_threshold: int
    last_success: str | None
    last_error: str | None
    last_error_at: str | None
    next_retry_at: str | None
    clock_offset_seconds: float | None
    clock_trusted: bool
    rating_scale: str
    rejected: int
    sent_events: int
    sent_batches: int
    purged_events: int

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (``state`` as its text)."""
        data = asdict(self)
        data["state"] = str(self.state)
        return data
