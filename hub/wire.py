"""The hub's wire: what its LAN API answers, as frozen pydantic models, read once.

The API declares these as its routes' response models (so ``/api/v1/openapi.json`` and the
``/api/v1/docs`` page show every answer's schema), and :class:`hub.client.HubClient` returns them,
so the kiosk, the counter and the boards read a ticket, a window or a case in one place instead of
each decoding the JSON itself. Field names are the wire's, exactly: a model describes the JSON
the hub has always sent, it changes none of it.

Each model ignores a key it does not know (a newer hub may answer more than this release reads);
a missing required key, or a value of the wrong type, is a :class:`pydantic.ValidationError`,
which the client turns into ``HubUnavailable`` ("an answer it cannot read"). Optional keys absent
from an answer stay absent when the hub serializes a model (the routes answer with
``response_model_exclude_unset``): a ticket on a public screen has no ``id_masked`` key at all.

Imports only pydantic: the apps may import this module without FastAPI.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Wire(BaseModel):
    """Base of every answer: frozen, unknown keys ignored (a newer hub may send more)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class ErrorBody(Wire):
    """Every refusal: ``{"error": CODE, "message": TEXT}`` with the facts a program needs in
    ``details`` (already_queued: ``number``, ``status``, ``ahead`` or ``window``; a 422: the
    problems, one object each, and ``problems``, how many in all)."""

    error: str = Field(description="A stable code for programs.")
    message: str = Field(description="A sentence in Chinese for people.")
    details: dict[str, Any] | list[dict[str, Any]] | None = None
    problems: int | None = Field(None, description="How many problems in all (422).")

    def facts(self) -> dict[str, Any]:
        """``details`` when it is an object of facts, else empty (a 422's list of problems)."""
        return self.details if isinstance(self.details, dict) else {}


class Health(Wire):
    """``GET /health``: the hub answers, its hall, its last event seq and its open streams."""

    status: str
    hall: str
    name: str
    last_seq: int
    subscribers: int = 0
    phone_pages: int = 0


class Ticket(Wire):
    """A queue ticket (``hub.models.Ticket.to_dict``). ``id_masked`` only on answers to the
    kiosk and the counter (never on public screens and events); ``phone_url`` (the ticket's
    phone page, None when the hub has no public address) only on the answer to ``POST /tickets``;
    ``waiting_ahead`` and ``estimated_wait_minutes`` only while the ticket waits."""

    id: str
    number: str
    service_day: str
    category: str
    lane: str = Field(description="appointment, green or ordinary")
    status: str = Field(description="waiting, called, finished, missed or cancelled")
    issued_at: str
    item_id: str | None = None
    green_group: str | None = None
    window: int | None = None
    target_window: int | None = None
    called_at: str | None = None
    finished_at: str | None = None
    missed_at: str | None = None
    call_count: int = 0
    recall_count: int = 0
    requeue_count: int = 0
    transfer_count: int = 0
    name_masked: str | None = None
    waiting_ahead: int | None = None
    estimated_wait_minutes: int | None = None
    id_masked: str | None = None
    phone_url: str | None = None


class TicketAnswer(Wire):
    """A window's move of a ticket (call, recall, skip, finish, transfer): ``{"ticket": …}``."""

    ticket: Ticket


class Clerk(Wire):
    """The clerk signed in at a window (``hub.reads.clerk_info``); ``photo`` is the photo's
    address on the hub (``/api/v1/staff/N/photo?v=…``) or None."""

    number: str
    name: str
    title: str = ""
    photo: str | None = None


class RatingPending(Wire):
    """The finished ticket a window's citizen may still rate, until ``expires_at``."""

    ticket_id: str
    number: str
    expires_at: str


class TodayStats(Wire):
    """Today's figures, for the hall or one window."""

    service_day: str
    issued: int
    finished: int
    average_service_minutes: float | None = None


class WindowState(Wire):
    """What a window is doing now (``hub.models.WindowState.to_dict``); ``today`` only on
    ``GET /windows/{n}``."""

    number: int
    name: str
    categories: list[str]
    status: str = Field(description="idle, serving or paused")
    current: Ticket | None = None
    pause_reason: str | None = None
    clerk_id: str | None = None
    clerk_name: str | None = None
    rating_pending: RatingPending | None = None
    unit: str = ""
    clerk: Clerk | None = None
    today: TodayStats | None = None


class Windows(Wire):
    """``GET /windows``."""

    windows: list[WindowState]


class CategoryWait(Wire):
    """One category's queue now: who waits, the estimate for a ticket taken now, the oldest."""

    waiting: int
    estimated_wait_minutes: int | None = None
    oldest_number: str | None = None
    oldest_issued_at: str | None = None


class QueueOverview(Wire):
    """``GET /queue``: waiting tickets per category and lane, today's figures, and per
    category its wait (every configured category is there)."""

    waiting: dict[str, dict[str, int]]
    today: TodayStats
    categories: dict[str, CategoryWait] = Field(default_factory=dict)


class Rating(Wire):
    """A 好差评 rating as stored (``hub.models.Rating.to_dict``)."""

    id: str
    ticket_id: str
    number: str
    window: int
    level: int
    level_name: str
    reason: str | None = None
    channel: int
    rated_at: str
    followup_due: str | None = None


class StaffMember(Wire):
    """``POST /staff/confirm``: the active member of staff whose PIN or ID card it was."""

    number: str
    name: str


class Case(Wire):
    """A case after 收件 (``hub.case_model.Case.to_dict`` with its ``phone_url``). The lookup
    by receipt for a kiosk answers only ``receipt``, ``item_name``, ``status``,
    ``status_text``, ``accepted_on``, ``promised_on`` with ``source`` (central or hall) and
    ``central_reachable``; a window's lookup has the whole record with those on top."""

    receipt: str
    item_name: str
    status: str
    status_text: str | None = None
    item_id: str | None = None
    department: str | None = None
    window: int | None = None
    clerk: Clerk | None = None
    accepted_on: str | None = None
    accepted_at: str | None = None
    promised_days: int | None = None
    promised_on: str | None = None
    materials_received: list[str] = Field(default_factory=list)
    materials_missing: list[str] = Field(default_factory=list)
    applicant: str | None = Field(None, description="masked (张*三)")
    ticket_id: str | None = None
    missing: list[str] = Field(default_factory=list)
    reason: str | None = None
    basis: str | None = None
    pickup_window: int | None = None
    delivered_at: str | None = None
    delivered_window: int | None = None
    status_changed_at: str | None = None
    overdue: bool = False
    due_soon: bool = False
    phone_url: str | None = None
    source: str | None = Field(None, description="central or hall (lookup by receipt only)")
    central_reachable: bool | None = None


class Cases(Wire):
    """``POST /cases/lookup``: a person's cases, newest first."""

    cases: list[Case]


class SmsStatus(Wire):
    """``GET /sms``: whether a kiosk may offer 短信提醒, from how many ahead, else why not."""

    enabled: bool
    near_ahead: int | None = None
    reason: str | None = None


class SmsSubscribed(Wire):
    """``POST /tickets/{id}/sms``: the ticket's number and the phone, masked."""

    ticket_id: str
    number: str
    phone_masked: str
    near_ahead: int | None = None


class Alert(Wire):
    """A staff alert as the API and its events show it (``hub.alerts.alert_view``)."""

    id: str
    kind: str
    kind_name: str
    source: str
    device: str
    problem: str
    detail: str | None = None
    subject: str | None = None
    sent_by: str | None = None
    service_day: str
    raised_at: str
    acked_at: str | None = None
    acked_by: str | None = None
    open: bool


class Stored(Wire):
    """``POST /feedback``: the id it was stored under."""

    id: str


class CatalogHall(Wire):
    """The hall's names and phones in the catalog."""

    id: str
    name: str
    division_code: str | None = None
    notice: str = ""
    phone: str = ""
    supervision_phone: str = ""


class CatalogCategory(Wire):
    """A queue category in the catalog (what boards and the counter read of it)."""

    code: str
    name: str


class CatalogItem(Wire):
    """A service item in the catalog (what the counter reads; the kiosk reads the guides from
    the whole catalog, :mod:`kiosk.catalog`)."""

    id: str
    name: str
    category: str = ""
    department: str = ""
    materials: list[str] = Field(default_factory=list)
    promised_days: int | None = None


class Catalog(Wire):
    """``GET /catalog`` as the counter and the boards read it: ``version`` (the ETag's digest),
    the hall, its categories and items. The kiosk keeps the whole answer (guides, windows,
    rules, opening hours) as JSON, :meth:`hub.client.HubClient.catalog_json`."""

    version: str
    catalog_version: int = 0
    hall: CatalogHall
    categories: list[CatalogCategory] = Field(default_factory=list)
    items: list[CatalogItem] = Field(default_factory=list)
