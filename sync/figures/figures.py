"""One report row: the figures and their definitions (docs/reports.md says the same in words).

Every figure of a row counts what happened on the service days of the report's range and
belongs, in each grouping, to the key its event is attributed to (:mod:`sync.figures.fold`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GOOD_LEVELS = (1, 2, 3)
"""GB/T 39046 levels that count as satisfied: 1 非常满意, 2 满意, 3 基本满意."""

BAD_LEVELS = (4, 5)
"""差评: 4 不满意, 5 非常不满意."""


@dataclass
class Figures:
    """The figures of one row (one window, clerk, category, item, hour or day) or the total."""

    key: str
    """The row's key: window number, staff number ("" nobody signed in), category letter, item
    id ("" a ticket taken for a category), hour "09", day "2025-03-12"; "total" for the total."""
    label: str
    """The key in the hall's words (1号窗口 综合窗口, 王丽华（1001）, 09:00–10:00, …)."""
    issued: int | None
    """Tickets issued (取号), by the hour, category and item of issue. A ticket has no window
    or clerk when it is issued: null in the window and clerk groupings."""
    called: int
    """接待: tickets called to a window (call next or call a number), each ticket counted once
    per window that called it; recalls (重呼) and calling the same ticket back at the same
    window do not count again."""
    served: int
    """办结: services finished, at the finishing window, by its clerk, in the ticket's category
    at that moment, in the hour of the finish."""
    missed: int
    """过号: tickets skipped and never re-queued or called again; counted at the skip, taken back
    when the ticket is re-queued or called back."""
    transferred: int
    """Transfers sent (转出), at the sending window, in the category the ticket left."""
    wait_p50_s: int | None
    """Median wait until the ticket's FIRST call (issue → call), seconds, nearest-rank on the
    grid of :mod:`sync.figures.grid`; attributed to the first call. A transfer or a call back
    after a skip adds no second wait. None with no waits."""
    wait_p90_s: int | None
    """90th percentile of the same waits."""
    wait_max_s: float | None
    """Longest of the same waits, exact (milliseconds)."""
    service_p50_s: int | None
    """Median service time (the finishing window's call → finish), seconds, on the grid."""
    service_p90_s: int | None
    """90th percentile of the service times."""
    service_max_s: float | None
    """Longest service time, exact."""
    ratings: dict[str, int]
    """Ratings per GB/T 39046 level "1" 非常满意 … "5" 非常不满意, each attributed to the
    finish it rates (same window, clerk, category, item, hour and day as that service)."""
    rated: int
    """Ratings recorded (levels 1–5 added up)."""
    unrated: int
    """Services not rated: served − rated (a keypad timeout records nothing), never below 0."""
    satisfaction_rate: float | None
    """满意率: ratings of levels 1–3 / rated; None when nothing was rated."""
    bad: int
    """差评: ratings of levels 4 and 5."""
    rating_rate: float | None
    """主动评价率: rated / served; None when nothing was served."""
    followups_overdue: int
    """差评 follow-ups of this row's services still open past a due date as of the report's day
    (:mod:`sync.figures.overdue`)."""
    signed_in_seconds: float | None = None
    """Seconds a clerk was signed in (window, clerk and day groupings and the total; None in
    the others). A sign-in never ended is closed at the end of the service day's last service
    period (:mod:`sync.figures.presence`); one still under way counts up to now."""
    pauses: int | None = None
    """Pauses begun (暂停次数), attributed to the clerk signed in when each began."""
    pause_seconds: float | None = None
    """Seconds paused, attributed like the pause; closed like a sign-in when never resumed."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, in the documented key order."""
        return dict(self.__dict__)


def make(
    key: str,
    label: str,
    sums: dict[str, Any],
    pcts: dict[str, dict[int, int]],
    *,
    issued: bool,
    presence: bool,
    overdue: int,
) -> Figures:
    """A row from its summed rollup columns (``sums``: column → value, missing = 0) and its
    percentiles (``pcts``: metric ``w``/``s`` → {50: p50, 90: p90}, missing = none). ``issued`` and
    ``presence`` say whether the grouping has those figures (else they are None)."""

    def n(column: str) -> int:
        return int(sums.get(column) or 0)

    ratings = {str(level): n(f"r{level}") for level in range(1, 6)}
    rated = sum(ratings.values())
    good = sum(ratings[str(level)] for level in GOOD_LEVELS)
    served = n("served")
    waits, services = pcts.get("w", {}), pcts.get("s", {})
    seconds = _rounded
    return Figures(
        key=key,
        label=label,
        issued=n("issued") if issued else None,
        called=n("called"),
        served=served,
        missed=n("missed"),
        transferred=n("transferred"),
        wait_p50_s=waits.get(50),
        wait_p90_s=waits.get(90),
        wait_max_s=seconds(sums.get("wait_max")),
        service_p50_s=services.get(50),
        service_p90_s=services.get(90),
        service_max_s=seconds(sums.get("service_max")),
        ratings=ratings,
        rated=rated,
        unrated=max(0, served - rated),
        satisfaction_rate=good / rated if rated else None,
        bad=sum(ratings[str(level)] for level in BAD_LEVELS),
        rating_rate=rated / served if served else None,
        followups_overdue=overdue,
        signed_in_seconds=seconds(sums.get("signed_in_s") or 0.0) if presence else None,
        pauses=n("pauses") if presence else None,
        pause_seconds=seconds(sums.get("pause_s") or 0.0) if presence else None,
    )


def _rounded(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)
