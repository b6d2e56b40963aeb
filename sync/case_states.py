"""A case's statuses after 收件 and the moves between them: one table for the hub and central.

A case is *open* (the hall still owes the citizen a result, so 电子监察 watches it) while it is
accepted, processing or waiting for 补正; ready, completed, delivered, rejected and withdrawn are
finished. Anything not in :data:`CASE_MOVES` is refused (``bad_case_move``, with the sentence of
:func:`move_problem`).
"""

from __future__ import annotations

CASE_STATUS_TEXT = {
    "accepted": "已受理",
    "processing": "办理中",
    "correction": "需补正",
    "ready": "已办结，待领取",
    "delivered": "已领取",
    "rejected": "不予受理",
    "completed": "已办结",
    "withdrawn": "已撤回",
}
"""Statuses a case may have and how they read to a citizen."""

CASE_MOVES: dict[str, frozenset[str]] = {
    "accepted": frozenset({"processing", "correction", "rejected", "ready"}),
    "processing": frozenset({"ready", "correction", "rejected", "completed"}),
    "correction": frozenset({"processing", "rejected", "withdrawn"}),
    "ready": frozenset({"delivered"}),
}
"""Where each status may move next; a status not listed here moves nowhere."""

OPEN_STATUSES = ("accepted", "processing", "correction")
"""Statuses of a case the hall has not finished (watched against its promised date)."""


def status_text(status: str) -> str:
    """The Chinese words for ``status`` (the code itself if it is not one we know)."""
    return CASE_STATUS_TEXT.get(status, status)


def move_problem(current: str, wanted: str) -> str | None:
    """Why a case in ``current`` cannot move to ``wanted`` (a sentence), or None when it may."""
    if wanted in CASE_MOVES.get(current, frozenset()):
        return None
    allowed = sorted(CASE_MOVES.get(current, frozenset()), key=list(CASE_STATUS_TEXT).index)
    then = "、".join(f"“{status_text(s)}”" for s in allowed) if allowed else "任何状态"
    return f"办件当前为“{status_text(current)}”，不能改为“{status_text(wanted)}”（只能改为{then}）"
