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
from typing import Any, Protocol

from counter.case_view import CasePaper, CaseView
from devices.health import Health
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
    def from_api(cls, data: Mapping[str, Any]) -> TicketView:
        """Read the hub's ticket JSON; raises HubUnavailable if it is not a ticket."""
        try:
            called = data.get("called_at")
            return cls(
                id=str(data["id"]),
                number=str(data["number"]),
                category=str(data["category"]),
                lane=str(data.get("lane") or "ordinary"),
                item_id=None if data.get("item_id") is None else str(data["item_id"]),
                green_group=None if data.get("green_group") is None else str(data["green_group"]),
                called_at=datetime.fromisoformat(called) if called else None,
                recall_count=int(data.get("recall_count") or 0),
                transfer_count=int(data.get("transfer_count") or 0),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise HubUnavailable(f"集中控制器返回的号票无法识别：{err}") from err


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
    def from_api(cls, data: Mapping[str, Any]) -> WindowView:
        """Read a window state; raises HubUnavailable if it is not one."""
        try:
            clerk_data = data.get("clerk")
            clerk: Clerk | None = None
            if isinstance(clerk_data, Mapping):
                clerk = Clerk(
                    str(clerk_data.get("number") or ""),
                    str(clerk_data.get("name") or ""),
                    str(clerk_data.get("title") or ""),
                )
            elif data.get("clerk_id"):
                clerk = Clerk(str(data["clerk_id"]), str(data.get("clerk_name") or ""))
            current = data.get("current")
            return cls(
                number=int(data["number"]),
                name=str(data.get("name") or ""),
                status=str(data.get("status") or "idle"),
                categories=tuple(str(c) for c in data.get("categories") or ()),
                current=TicketView.from_api(current) if isinstance(current, Mapping) else None,
                pause_reason=data.get("pause_reason") or None,
                clerk=clerk,
                rating_pending=bool(data.get("rating_pending")),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise HubUnavailable(f"集中控制器返回的窗口状态无法识别：{err}") from err


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
    def from_api(cls, data: Mapping[str, Any]) -> QueueView:
        """Read ``GET /queue`` (``categories`` may be missing from an older hub)."""
        oldest: dict[str, OldestTicket] = {}
        categories = data.get("categories")
        if isinstance(categories, Mapping):
            for code, entry in categories.items():
                if not isinstance(entry, Mapping):
                    continue
                number, issued = entry.get("oldest_number"), entry.get("oldest_issued_at")
                if number and issued:
                    try:
                        oldest[str(code)] = OldestTicket(
                            str(number), datetime.fromisoformat(str(issued))
                        )
                    except ValueError:
                        continue
        waiting = data.get("waiting")
        return cls(dict(waiting) if isinstance(waiting, Mapping) else {}, oldest)


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
