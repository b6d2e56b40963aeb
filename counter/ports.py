"""What the counter's workflow needs from the world, as small ports (Protocols) and plain values.

The workflow never speaks HTTP, never touches the keypad or the printer itself: it calls these
ports. The real adapters are ``counter.hub_adapter`` (the hub) and ``counter.devices`` (keypad,
printer); the tour and the tests use ``counter.simhub`` and small fakes. Hub ports raise
``HubUnavailable`` (the hub did not answer) or ``HubRefused`` (the hub said no, with a ``code``)
from ``hub.client``; device ports never raise: they answer with a ``Health`` or call back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from counter.case_view import CasePaper, CaseView
from devices.health import Health
from hub import wire
from hub.client import HubUnavailable


@dataclass(frozen=True)
class Clerk:
    """The clerk signed in at a window, as the hub names them (no PIN, ever)."""

    number: str
    name: str
    title: str = ""


@dataclass(frozen=True)
class TicketView:
    """The ticket being served, as far as the counter shows it."""

    id: str
    number: str
    category: str
    lane: str
    item_id: str | None = None
    green_group: str | None = None
    called_at: datetime | None = None
    recall_count: int = 0
    transfer_count: int = 0

    @classmethod
    def from_wire(cls, ticket: wire.Ticket) -> TicketView:
        """The counter's view of the hub's ticket; HubUnavailable if its call time is not a
        time."""
        try:
            called = datetime.fromisoformat(ticket.called_at) if ticket.called_at else None
        except ValueError as err:
            raise HubUnavailable(f"集中控制器返回的号票无法识别：{err}") from err
        return cls(
            id=ticket.id,
            number=ticket.number,
            category=ticket.category,
            lane=ticket.lane,
            item_id=ticket.item_id,
            green_group=ticket.green_group,
            called_at=called,
            recall_count=ticket.recall_count,
            transfer_count=ticket.transfer_count,
        )


@dataclass(frozen=True)
class WindowView:
    """A window's state from the hub (``GET /windows/N`` or a ``window.status`` event)."""

    number: int
    name: str
    status: str  # idle | serving | paused
    categories: tuple[str, ...] = ()
    current: TicketView | None = None
    pause_reason: str | None = None
    clerk: Clerk | None = None
    rating_pending: bool = False

    @classmethod
    def from_wire(cls, state: wire.WindowState) -> WindowView:
        """The counter's view of the hub's window state."""
        clerk: Clerk | None = None
        if state.clerk is not None:
            clerk = Clerk(state.clerk.number, state.clerk.name, state.clerk.title)
        elif state.clerk_id:
            clerk = Clerk(state.clerk_id, state.clerk_name or "")
        return cls(
            number=state.number,
            name=state.name,
            status=state.status,
            categories=tuple(state.categories),
            current=TicketView.from_wire(state.current) if state.current else None,
            pause_reason=state.pause_reason or None,
            clerk=clerk,
            rating_pending=state.rating_pending is not None,
        )


@dataclass(frozen=True)
class TodayFigures:
    """Today's finished services and their average minutes; ``source`` says whose figure it
    is: ``hub`` (the hub counted this window) or ``seen`` (counted by this app from what it
    saw since it started, when the hub gives no per-window figure)."""

    finished: int = 0
    average_minutes: float | None = None
    source: str = "hub"


@dataclass(frozen=True)
class LongestWait:
    """The ticket that has waited longest among a window's categories."""

    number: str
    minutes: int


@dataclass(frozen=True)
class OldestTicket:
    """A category's longest-waiting ticket: its number and when it was taken (hall time)."""

    number: str
    issued_at: datetime


@dataclass(frozen=True)
class QueueView:
    """Waiting tickets per category and lane (``{"A": {"ordinary": 3, "green": 1, ...}}``),
    and each category's longest-waiting ticket where the hub names it."""

    waiting: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    oldest: Mapping[str, OldestTicket] = field(default_factory=dict)

    def for_categories(self, categories: tuple[str, ...]) -> dict[str, dict[str, int]]:
        """The counts of these categories only (a window sees its own queue)."""
        return {c: dict(self.waiting.get(c, {})) for c in categories}

    def longest_wait(self, categories: tuple[str, ...], now: datetime) -> LongestWait | None:
        """The ticket that has waited longest among ``categories`` and its whole minutes so
        far at ``now``, or None when nobody of them waits (or the hub does not say)."""
        found = [self.oldest[c] for c in categories if c in self.oldest]
        if not found:
            return None
        oldest = min(found, key=lambda t: t.issued_at)
        minutes = max(0, int((now - oldest.issued_at).total_seconds() // 60))
        return LongestWait(oldest.number, minutes)

    @classmethod
    def from_wire(cls, queue: wire.QueueOverview) -> QueueView:
        """The counter's view of ``GET /queue``."""
        oldest: dict[str, OldestTicket] = {}
        for code, entry in queue.categories.items():
            if entry.oldest_number and entry.oldest_issued_at:
                try:
                    issued = datetime.fromisoformat(entry.oldest_issued_at)
                except ValueError:
                    continue
                oldest[code] = OldestTicket(entry.oldest_number, issued)
        return cls({code: dict(lanes) for code, lanes in queue.waiting.items()}, oldest)


@dataclass(frozen=True)
class ItemInfo:
    """A service item a window accepts cases for, with its material checklist."""

    id: str
    name: str
    category: str
    department: str = ""
    materials: tuple[str, ...] = ()
    promised_days: int | None = None


@dataclass(frozen=True)
class CaseRequest:
    """One case to record (收件): the item and the materials the clerk ticked."""

    window: int
    item_id: str
    materials_received: tuple[str, ...]
    ticket_id: str | None = None
    applicant: str | None = None
    phone: str | None = None
    id_number: str | None = None  # from the counter's card reader: the hub keeps a keyed hash


@dataclass(frozen=True)
class CaseAccepted:
    """The hub's answer for a recorded case (the receipt number is the hub's, never ours)."""

    receipt: str
    item_name: str
    department: str
    accepted_at: datetime
    accepted_on: date
    promised_on: date | None
    promised_days: int | None
    materials_received: tuple[str, ...]
    materials_missing: tuple[str, ...]
    applicant: str | None = None  # masked by the hub (张*三)
    phone_url: str | None = None  # the case's progress page for phones (the receipt's QR)
    item_id: str = ""


@dataclass(frozen=True)
class RatingAnswer:
    """The hub's answer for a posted rating; ``followup_due`` for a 差评."""

    level: int
    reason: str | None
    followup_due: date | None


@dataclass(frozen=True)
class PrintOutcome:
    """How printing went: ``printed`` unless it certainly did not come out; the printer's
    health afterwards (for the sentence the clerk reads)."""

    printed: bool
    health: Health


class CounterHub(Protocol):
    """The hub, as the counter uses it. Every method raises HubUnavailable or HubRefused."""

    def sign_in(self, window: int, staff_no: str, pin: str) -> WindowView: ...

    def sign_out(self, window: int) -> WindowView: ...

    def window(self, window: int) -> tuple[WindowView, TodayFigures | None]:
        """The window's state and the hub's figures for today (None if it gives none)."""
        ...

    def queue(self) -> QueueView: ...

    def call_next(self, window: int) -> TicketView | None:
        """The called ticket, or None when nobody waits for this window."""
        ...

    def call_number(self, window: int, number: str) -> TicketView: ...

    def recall(self, window: int) -> TicketView: ...

    def skip(self, window: int) -> TicketView: ...

    def transfer(
        self, window: int, *, category: str | None, to_window: int | None, reason: str
    ) -> TicketView: ...

    def pause(self, window: int, reason: str) -> WindowView: ...

    def resume(self, window: int) -> WindowView: ...

    def finish(self, window: int) -> TicketView: ...

    def rate(
        self, window: int, level: int, reason: str | None, ticket_id: str | None = None
    ) -> RatingAnswer:
        """Rate the finished ticket ``ticket_id`` of ``window`` (None: its latest finished)."""
        ...

    def items(self) -> tuple[ItemInfo, ...]:
        """Every service item of the hall's catalog."""
        ...

    def accept_case(self, request: CaseRequest) -> CaseAccepted: ...

    def case(self, receipt: str) -> CaseView:
        """The case with this receipt number (``unknown_case`` when the hall has none)."""
        ...

    def cases_for_person(self, id_number: str) -> tuple[CaseView, ...]:
        """The cases of the applicant with this ID number, newest first."""
        ...

    def case_status(
        self,
        receipt: str,
        status: str,
        window: int,
        *,
        missing: tuple[str, ...] = (),
        reason: str | None = None,
        pickup_window: int | None = None,
    ) -> CaseView:
        """Move the case to ``status`` (correction needs ``missing``, rejected ``reason``)."""
        ...

    def deliver_case(self, receipt: str, window: int) -> CaseView:
        """Record that the citizen took the result, confirmed on the keypad."""
        ...


RatingDone = Callable[[int | None], None]


class RatingKeypad(Protocol):
    """The window's rating keypad (``devices.keypad.service.KeypadService`` fits)."""

    def begin_rating(self, timeout: float, on_done: RatingDone) -> int:
        """Ask the citizen; ``on_done(level or None)`` is called once, on another thread."""
        ...

    def cancel_rating(self) -> None: ...


class ReceiptPrinter(Protocol):
    """Prints the 收件回执 and a case's later papers. Never raises: a fault comes back in the
    outcome. Both block until done: call them from the workflow's worker."""

    def print_receipt(self, case: CaseAccepted, clerk: Clerk | None, window: int) -> PrintOutcome:
        """Print and cut the 收件回执."""
        ...

    def print_case_paper(
        self,
        paper: CasePaper,
        case: CaseView,
        clerk: Clerk | None,
        window: int,
        at: datetime,
        *,
        reprint: bool = False,
    ) -> PrintOutcome:
        """Print and cut ``paper`` (领取凭证, 补正材料通知书, 不予受理通知书) for ``case``;
        ``at`` is the hall's time now (the notice's date); ``reprint`` marks a copy (补打)."""
        ...


class Clock(Protocol):
    """Wall time in the hall's zone (aware) and a monotonic clock in seconds."""

    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...
