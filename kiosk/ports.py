"""What the kiosk's journeys need from the world, as small ports (Protocols) and plain values.

The journeys never touch HTTP, a printer or a speaker: they call these ports. The real adapters
are ``kiosk.hub_adapter`` (hub, alerts) and the device services; tests use fakes. Hub ports raise
``HubUnavailable`` (the hub did not answer) or ``HubRefused`` (the hub said no, with a ``code``)
from ``hub.client``; the device ports never raise: they answer with a ``Health``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Protocol

from devices.health import Health
from devices.idnumber import IdNumberError, age_on, mask_name
from hub import wire


@dataclass(frozen=True)
class SwipedCard:
    """What the kiosk keeps of a swiped ID card, for the length of one journey only."""

    id_number: str
    name: str
    birth_date: date | None = None

    @property
    def masked_name(self) -> str:
        """The name as a public screen may show it (张*三)."""
        return mask_name(self.name)

    def age(self, today: date) -> int | None:
        """Age in whole years on ``today``, from the birth date or the ID number; None if
        neither can be read."""
        if self.birth_date is not None:
            years = today.year - self.birth_date.year
            if (today.month, today.day) < (self.birth_date.month, self.birth_date.day):
                years -= 1
            return years
        try:
            return age_on(self.id_number, today)
        except (IdNumberError, ValueError):
            return None

    def __repr__(self) -> str:  # never let a log line carry the number or the name
        return f"SwipedCard({self.masked_name})"


@dataclass(frozen=True)
class TicketRequest:
    """One ticket to issue: a category or an item, and how the citizen identified."""

    category: str | None = None
    item_id: str | None = None
    lane: Literal["green", "ordinary", "appointment"] | None = None
    green_group: str | None = None
    card: SwipedCard | None = None
    appointment_code: str | None = None


@dataclass(frozen=True)
class TicketInfo:
    """A ticket as the hub answered for it (no ID data)."""

    id: str
    number: str
    category: str
    lane: str
    status: str
    service_day: str = ""
    issued_at: str = ""
    item_id: str | None = None
    green_group: str | None = None
    window: int | None = None
    waiting_ahead: int | None = None
    estimated_wait_minutes: int | None = None
    missed_at: str | None = None
    requeue_count: int = 0
    phone_url: str | None = None  # the ticket's phone page (printed as its QR), if the hub has one
    sms: bool = False  # the hall sends SMS: the kiosk may take a phone number for this ticket

    @classmethod
    def from_wire(cls, ticket: wire.Ticket) -> TicketInfo:
        """The kiosk's view of the hub's ticket (no ID data)."""
        return cls(
            id=ticket.id,
            number=ticket.number,
            category=ticket.category,
            lane=ticket.lane,
            status=ticket.status,
            service_day=ticket.service_day,
            issued_at=ticket.issued_at,
            item_id=ticket.item_id,
            green_group=ticket.green_group,
            window=ticket.window,
            waiting_ahead=ticket.waiting_ahead,
            estimated_wait_minutes=ticket.estimated_wait_minutes,
            missed_at=ticket.missed_at,
            requeue_count=ticket.requeue_count,
            phone_url=ticket.phone_url or None,
        )


@dataclass(frozen=True)
class QueueWait:
    """One category's queue now, as the hub counts it: people waiting and the estimated wait
    in minutes for a ticket taken now (None: no estimate)."""

    waiting: int
    minutes: int | None = None


@dataclass(frozen=True)
class CaseProgress:
    """Where a case (办件) stands, by its receipt number, as the central platform says."""

    receipt: str
    item_name: str
    status: str
    accepted_on: str | None = None
    promised_on: str | None = None


@dataclass(frozen=True)
class Feedback:
    """One citizen's feedback: kind (``suggestion`` or ``unresolved``), reason key, phone."""

    kind: str
    reason: str
    phone: str | None = None


@dataclass(frozen=True)
class CatalogFetch:
    """A catalog answer: ``data`` None means "not modified since ``etag``"."""

    data: dict[str, Any] | None
    etag: str | None = None


@dataclass(frozen=True)
class TicketFacts:
    """What a printed queue ticket says, as values (the printer lays out its own form)."""

    queue: str  # the category's name, or the item chosen (it says more)
    lane: str  # "" for the ordinary lane; else as the screen says it (绿色通道（老年人）)
    people_ahead: int
    wait_minutes: int | None
    issued_at: str  # ISO 8601 from the hub ("" if it did not say)
    hall_phone: str = ""  # 咨询电话 ("" : not printed)
    supervision_phone: str = ""  # 监督电话, 12345 by default ("" : not printed)


@dataclass(frozen=True)
class ChecklistFacts:
    """What a printed material checklist says, as values."""

    hall_name: str
    item_name: str
    materials: tuple[str, ...]
    conditions: str
    windows: str
    promised_days: int | None  # None: the guide names no promised time
    hall_phone: str = ""
    supervision_phone: str = ""


@dataclass(frozen=True)
class Slip:
    """What to print: plain lines for any printer, plus the same content as values
    (``facts``) so that a printer adapter can lay out the hall's own printed forms.

    ``big`` is printed large (the ticket number); ``qr`` as a native QR code. A slip without
    facts (a test page) is printed line by line.
    """

    kind: Literal["ticket", "checklist"]
    title: str
    big: str
    lines: tuple[str, ...] = ()
    qr: str | None = None
    footer: str = ""
    facts: TicketFacts | ChecklistFacts | None = None


@dataclass(frozen=True)
class PrintOutcome:
    """How a print job went: ``printed`` is True unless the slip certainly did not come out
    (sent but unconfirmed counts as printed); ``health`` is the printer's state afterwards
    (paper near its end, say, although this slip printed)."""

    printed: bool
    health: Health


class HubPort(Protocol):
    """The hub, as the journeys use it. Raises HubUnavailable or HubRefused."""

    def issue_ticket(self, request: TicketRequest) -> TicketInfo:
        """Issue one ticket (checks in an appointment if the card has one for the category)."""
        ...

    def ticket_by_number(self, number: str) -> TicketInfo:
        """Today's ticket with this number, with its people ahead."""
        ...

    def requeue(self, number: str) -> TicketInfo:
        """Put a missed ticket back in the queue."""
        ...

    def check_in(
        self,
        *,
        code: str | None = None,
        card: SwipedCard | None = None,
        category: str | None = None,
    ) -> TicketInfo:
        """Check an appointment in by its code, or by the card (for ``category`` if given)."""
        ...

    def case_progress(self, receipt: str) -> CaseProgress:
        """A case's progress by its receipt number (the hub asks the central platform)."""
        ...

    def send_feedback(self, feedback: Feedback) -> None:
        """Hand feedback on; an adapter may keep it to send later rather than raise."""
        ...

    def queue_waits(self) -> dict[str, QueueWait]:
        """Per category code: people waiting and the estimated wait (``GET /queue``)."""
        ...

    def fetch_catalog(self, etag: str | None) -> CatalogFetch:
        """The hub's catalog, or "not modified" when it still has ``etag``."""
        ...

    def ping(self) -> None:
        """Return if the hub answers; raise HubUnavailable otherwise."""
        ...

    def subscribe_sms(self, ticket_id: str, phone: str) -> str:
        """Text this waiting ticket's holder at ``phone`` (11 digits); returns the phone
        masked as the screen may show it (138****0000)."""
        ...


class PrinterPort(Protocol):
    """The kiosk's printer. Never raises: a fault comes back in the outcome's health."""

    def print_slip(self, slip: Slip) -> PrintOutcome:
        """Print and cut (blocks until done: call it from pending work)."""
        ...

    def health(self) -> Health:
        """The printer's last known health, without touching the device."""
        ...


class SpeechPort(Protocol):
    """The speech driver: queues text to say and returns at once; never raises."""

    def say(self, text: str) -> None: ...


class AlertPort(Protocol):
    """Tells the hall's staff that a device needs them, or that a citizen asks for help
    (``kind="help"``): a ``staff.alert`` event on the hub. Never raises."""

    def alert(self, device: str, problem: str, detail: str = "", kind: str = "device") -> None: ...


class StaffPort(Protocol):
    """Who of the hall's staff confirms something at the kiosk (the green lane): by the PIN
    they sign in with, or by their staff card. Slow (PIN hashes): call from pending work."""

    def by_pin(self, pin: str) -> str | None:
        """The staff member's name and number whose PIN this is, or None."""
        ...

    def by_card(self, card: SwipedCard) -> str | None:
        """The staff member whose staff card (their ID card) this is, or None."""
        ...


class CardReaderPort(Protocol):
    """The ID-card reader service: its health, and the last swipe not yet taken."""

    def take_swipe(self) -> SwipedCard | None:
        """The card swiped since the last call, or None; never blocks."""
        ...

    def health(self) -> Health: ...
