"""取号: take a ticket by category, department → item, or the popular row; ID card optional.

States::

    choose ──cat:X / item:ID──────────────────────────────► issuing ─► printing ─► shown
      │ ├─dept:N─► items ─item:ID─────────────────────────►    │
      │ ├─green─► green_group ─group:N─► green_confirm ─confirm─► choose (green lane chosen)
      │ └─(card swiped)─► identifying ─appointment─► printing ─► shown
      │                        └─no appointment─► choose (card held: elderly → green by the hub)
      issuing ─already_queued─► already_queued (the number held, people ahead; see it / other)
              ─refused / hub away─► refused (one sentence; the staffed desk)

An ordinary ticket is two taps from the kiosk's home (取号, a category or popular item) and three
through a department (取号, department, item). The hub decides the lane: an appointment for the
category checks in, a citizen at or over the elderly age gets the green lane; the kiosk says so.
"""

from __future__ import annotations

import re
from typing import ClassVar

from hub.client import HubRefused, HubUnavailable
from kiosk.journeys.base import Handoff, TextInput
from kiosk.journeys.issued import DONE, PRINTING, REPRINT, SHOWN, IssuedTicket, ShowsTicket
from kiosk.journeys.screens import Choice, Group, InputField, Listing, Tone, View
from kiosk.ports import SwipedCard, TicketInfo, TicketRequest
from kiosk.texts import Sentence

CHOOSE = "choose"
ITEMS = "items"
DEPARTMENTS = "departments"
GREEN_GROUP = "green_group"
GREEN_CONFIRM = "green_confirm"
IDENTIFYING = "identifying"
ISSUING = "issuing"
ALREADY_QUEUED = "already_queued"
REFUSED = "refused"

_HELD = re.compile(r"([A-Z]\d{3,4})号")


class TicketJourney(ShowsTicket):
    """Take a ticket. ``preselect(item_id=…)`` starts issuing for an item chosen elsewhere."""

    name: ClassVar[str] = "ticket"
    done_states: ClassVar[frozenset[str]] = frozenset({SHOWN})

    card: SwipedCard | None
    green_group: str | None
    department: str | None
    issued: IssuedTicket | None
    held_number: str | None
    pin: TextInput
    _pending_group: str | None

    def reset(self) -> None:
        self.card = None
        self.green_group = None
        self.department = None
        self.issued = None
        self.held_number = None
        self._pending_group = None
        self.pin = TextInput("pin", str.isdigit, 8)
        self._go(CHOOSE)

    # -- events ---------------------------------------------------------------------------------

    def _on_tap(self, action: str) -> None:
        kind, _, value = action.partition(":")
        catalog = self.ctx.catalog
        if self.state in (CHOOSE, ITEMS, DEPARTMENTS):
            if kind == "cat":
                self._issue(TicketRequest(category=value))
            elif kind == "item" and catalog and catalog.item(value):
                self._issue(TicketRequest(item_id=value))
            elif action == "departments":
                self._go(DEPARTMENTS)
            elif kind == "dept" and catalog and value.isdigit():
                departments = catalog.departments
                if int(value) < len(departments):
                    self.department = departments[int(value)]
                    self._go(ITEMS)
            elif action == "green":
                self._go(GREEN_GROUP)
        elif self.state == GREEN_GROUP and kind == "group" and catalog and value.isdigit():
            groups = catalog.green_groups
            if int(value) < len(groups):
                self._pending_group = groups[int(value)]
                self.pin.press("clear")
                self._go(GREEN_CONFIRM)
        elif self.state == GREEN_CONFIRM and action == "confirm":
            self._confirm_green()
        elif self.state in (SHOWN, PRINTING) and action == DONE:
            self.handoff = Handoff(None)
        elif self.state == SHOWN and action == REPRINT and self.issued is not None:
            self._print_issued()
        elif self.state == ALREADY_QUEUED and action == "see_mine" and self.held_number:
            self.handoff = Handoff("progress", {"number": self.held_number})
        elif self.state in (ALREADY_QUEUED, REFUSED) and action == "other":
            self._go(CHOOSE)

    def _on_key(self, key: str) -> None:
        if self.state == GREEN_CONFIRM:
            self.pin.press(key)

    def _on_back(self) -> None:
        if self.state in (ITEMS, DEPARTMENTS, GREEN_GROUP, GREEN_CONFIRM, REFUSED, ALREADY_QUEUED):
            self._go(DEPARTMENTS if self.state == ITEMS else CHOOSE)
        else:
            self.handoff = Handoff(None)

    def _on_card(self, card: SwipedCard) -> None:
        if self.state not in (CHOOSE, ITEMS, DEPARTMENTS, GREEN_GROUP, REFUSED, ALREADY_QUEUED):
            return
        self.card = card
        hub = self.ctx.hub
        self._start_work(
            IDENTIFYING,
            self.texts.get("busy"),
            self._hub_work(
                lambda: hub.check_in(card=card),
                self._show_and_print,
                self._no_appointment,
                self._hub_away,
            ),
        )

    def preselect(self, item_id: str | None = None, category: str | None = None) -> None:
        """Start issuing for an item or category chosen elsewhere (a guide's 取号 button)."""
        with self._lock:
            self._touch()
            if item_id:
                self._issue(TicketRequest(item_id=item_id))
            elif category:
                self._issue(TicketRequest(category=category))

    def hold_card(self, card: SwipedCard) -> None:
        """Take a card swiped just before this journey opened (on the home screen)."""
        self.card_swiped(card)

    # -- steps ----------------------------------------------------------------------------------

    def _confirm_green(self) -> None:
        wanted = self.ctx.settings.staff_pin
        if wanted is not None and self.pin.text != wanted:
            self.pin.press("clear")
            self.message = Sentence(self.texts.get("ticket.green_pin_wrong"))
            self.tone = Tone.ERROR
            return
        self.green_group = self._pending_group
        self._go(CHOOSE, Sentence(self.texts.get("ticket.green_selected", group=self.green_group)))
        self.tone = Tone.SUCCESS

    def _issue(self, request: TicketRequest) -> None:
        if self.green_group:
            request = TicketRequest(
                category=request.category,
                item_id=request.item_id,
                lane="green",
                green_group=self.green_group,
                card=self.card,
            )
        elif self.card is not None:
            request = TicketRequest(
                category=request.category, item_id=request.item_id, card=self.card
            )
        hub = self.ctx.hub
        self._start_work(
            ISSUING,
            self.texts.get("ticket.issuing"),
            self._hub_work(
                lambda: hub.issue_ticket(request),
                self._show_and_print,
                self._refused,
                self._hub_away,
            ),
        )

    def _show_and_print(self, ticket: TicketInfo) -> None:
        self.issued = IssuedTicket(ticket, self.texts.get("ticket.title"))
        self._print_issued()

    def _no_appointment(self, err: HubRefused) -> None:
        # category_required: this hub checks a card in only once the category is known, so the
        # appointment (if any) is found when the citizen picks the category.
        if err.code in ("appointment_required", "category_required"):
            self._go(CHOOSE)
            return
        self.card = None if err.code == "invalid_id_number" else self.card
        self._go(CHOOSE, self.texts.refusal(err.code, err.message), Tone.ERROR)

    def _refused(self, err: HubRefused) -> None:
        if err.code == "already_queued":
            held = _HELD.search(err.message)
            self.held_number = held.group(1) if held else None
            self._go(ALREADY_QUEUED, self.texts.refusal(err.code, err.message), Tone.WARNING)
            return
        self._go(REFUSED, self.texts.refusal(err.code, err.message), Tone.ERROR)

    def _hub_away(self, _: HubUnavailable) -> None:
        self._go(REFUSED, Sentence(self.texts.get("err.hub_away_ticket")), Tone.ERROR)

    # -- screens --------------------------------------------------------------------------------

    def _view(self) -> View:
        texts = self.texts
        title = texts.get("ticket.title")
        catalog = self.ctx.catalog
        if self.state in (PRINTING, SHOWN) and self.issued is not None:
            view = self.issued.view(self.ctx, self._card_lines())
            view.personal = self.card is not None
            return view
        if self.state == ALREADY_QUEUED:
            actions = [Choice("other", texts.get("ticket.other_business"), group=Group.ACTION)]
            if self.held_number:
                actions.insert(
                    0, Choice("see_mine", texts.get("ticket.see_my_number"), group=Group.ACTION)
                )
            return View(title, big=self.held_number, choices=tuple(actions), personal=True)
        if self.state == REFUSED:
            # The hub-away sentence already sends the citizen to the desk: one sentence only.
            lines = () if self.ctx.hub_away else (texts.get("home.staffed_desk"),)
            other = Choice("other", texts.get("ticket.other_business"), group=Group.ACTION)
            return View(title, lines=lines, choices=(other,))
        if catalog is None:
            return View(title, lines=(texts.get("err.hub_away_ticket"),), tone=Tone.ERROR)
        if self.state == DEPARTMENTS:
            listing = [
                Choice(f"dept:{n}", name, group=Group.LIST)
                for n, name in enumerate(catalog.departments)
            ]
            return View(texts.get("ticket.choose_department"), listing=Listing.of(listing))
        if self.state == ITEMS and self.department is not None:
            items = [
                Choice(f"item:{i.id}", i.name, catalog.category_name(i.category))
                for i in catalog.department_items(self.department)
            ]
            title = texts.get("ticket.choose_item", department=self.department)
            return View(title, listing=Listing.of(items), personal=self.card is not None)
        if self.state == GREEN_GROUP:
            groups = [Choice(f"group:{n}", g) for n, g in enumerate(catalog.green_groups)]
            return View(texts.get("ticket.green_choose"), listing=Listing.of(groups))
        if self.state == GREEN_CONFIRM:
            return self._confirm_view()
        return self._choose_view()

    def _choose_view(self) -> View:
        texts = self.texts
        catalog = self.ctx.catalog
        if catalog is None:  # pragma: no cover - _view checked it
            return View(texts.get("ticket.title"))
        categories = [Choice(f"cat:{c.code}", c.name) for c in catalog.categories]
        rows = [
            Choice(f"item:{i.id}", i.name, texts.get("ticket.popular"), group=Group.ROW)
            for i in catalog.popular(self.ctx.settings.popular_count)
        ]
        rows += [
            Choice(f"dept:{n}", name, texts.get("ticket.by_department"), Group.ROW)
            for n, name in enumerate(catalog.departments)
        ]
        actions = [
            Choice("departments", texts.get("ticket.by_department"), group=Group.ACTION),
            Choice(
                "green", texts.get("ticket.green"), texts.get("ticket.green.hint"), Group.ACTION
            ),
        ]
        lines = list(self._card_lines())
        if not lines:
            lines.append(texts.get("home.swipe_hint", age=catalog.elderly_age))
        return View(
            texts.get("ticket.choose"),
            lines=tuple(lines),
            listing=Listing.of(categories),
            choices=(*rows, *actions),
            personal=self.card is not None,
        )

    def _confirm_view(self) -> View:
        texts = self.texts
        group = self._pending_group or ""
        field: InputField | None = None
        lines = [texts.get("ticket.green_confirm", group=group)]
        if self.ctx.settings.staff_pin is not None:
            field = self.pin.field(texts.get("ticket.green_pin"), masked=True)
        confirm = Choice("confirm", texts.get("ticket.green_confirm_button"), group=Group.ACTION)
        return View(texts.get("ticket.green"), lines=tuple(lines), choices=(confirm,), input=field)

    def _card_lines(self) -> tuple[str, ...]:
        card = self.card
        catalog = self.ctx.catalog
        if card is None:
            return ()
        lines = [self.texts.get("ticket.card_read", name=card.masked_name)]
        age = card.age(self.ctx.clock.today())
        elderly = catalog is not None and age is not None and age >= catalog.elderly_age
        if catalog and elderly and not self.green_group and self.issued is None:
            lines.append(self.texts.get("ticket.elderly_green", age=catalog.elderly_age))
        return tuple(lines)
