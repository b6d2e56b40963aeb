"""取号: take a ticket by category, popular item, department or search; ID card optional.

States::

    choose ──cat:X / item:ID─────────────────────────────────────► issuing ─► printing ─► shown
      │ ├─departments─► departments ─dept:N─► topics ─topic:N─► items ─item:ID─►    │
      │ ├─search─► search (keyboard; results as you type) ─item:ID──────────────►    │
      │ ├─green─► green_group ─► green_confirm (staff PIN or card) ─► choose (green chosen)
      │ └─(card swiped)─► identifying ─appointment─► printing ─► shown
      │                        └─no appointment─► choose (card held: elderly → green by the hub)
      issuing ─already_queued─► already_queued (the number held, people ahead; see it / other)
              ─refused / hub away─► refused (the sentence, the facts; the staffed desk)

An ordinary ticket is two taps from the kiosk's home (取号, a category tile or popular item) and
one tap after swiping an ID card. Each category tile says how many wait and for about how long
(``GET /queue``, refreshed by the app). The departments are behind one button (部门 → 业务 →
事项); long lists page to the screen's height and can be searched by pinyin. The hub decides the
lane: an appointment for the category checks in, a citizen at or over the elderly age gets the
green lane; the kiosk says so. The manual green lane is in :mod:`kiosk.journeys.green`.
"""

from __future__ import annotations

from typing import ClassVar

from hub.client import HubRefused, HubUnavailable
from kiosk.catalog import Catalog, display_name
from kiosk.journeys.base import Handoff, TextInput
from kiosk.journeys.green import GREEN_CHECKING, GREEN_CONFIRM, GREEN_GROUP, GreenLane
from kiosk.journeys.issued import DONE, PRINTING, REPRINT, SHOWN, IssuedTicket, ShowsTicket
from kiosk.journeys.screens import Choice, Group, Listing, Tone, View
from kiosk.ports import SwipedCard, TicketInfo, TicketRequest
from kiosk.search import MAX_QUERY, SearchResult, normalize_query
from kiosk.texts import Sentence

CHOOSE = "choose"
DEPARTMENTS = "departments"
TOPICS = "topics"
ITEMS = "items"
SEARCH = "search"
IDENTIFYING = "identifying"
ISSUING = "issuing"
ALREADY_QUEUED = "already_queued"
REFUSED = "refused"
BROWSING = (CHOOSE, DEPARTMENTS, TOPICS, ITEMS, SEARCH)


def _searchable(char: str) -> bool:
    return bool(normalize_query(char))


class TicketJourney(ShowsTicket, GreenLane):
    """Take a ticket. ``preselect(item_id=…)`` starts issuing for an item chosen elsewhere."""

    name: ClassVar[str] = "ticket"
    done_states: ClassVar[frozenset[str]] = frozenset({SHOWN})

    department: str | None
    topic: int | None
    issued: IssuedTicket | None
    held_number: str | None
    query: TextInput
    _trail: list[str]
    _result: SearchResult | None

    def reset(self) -> None:
        self.card = None
        self.department = None
        self.topic = None
        self.issued = None
        self.held_number = None
        self.query = TextInput("pinyin", _searchable, MAX_QUERY)
        self._trail = []
        self._result = None
        self._green_reset()
        self._go(CHOOSE)

    def _move(self, state: str) -> None:
        self._trail.append(self.state)
        self._go(state)

    # -- events ---------------------------------------------------------------------------------

    def _on_tap(self, action: str) -> None:
        kind, _, value = action.partition(":")
        catalog = self.ctx.catalog
        if self.state in BROWSING:
            self._browse(kind, value, action, catalog)
        elif self.state == GREEN_GROUP and kind == "group" and catalog and value.isdigit():
            groups = catalog.green_groups
            if int(value) < len(groups):
                self._pick_group(groups[int(value)])
        elif self.state == GREEN_CONFIRM and action == "confirm":
            self._confirm_green()
        elif self.state in (SHOWN, PRINTING) and action == DONE:
            self.handoff = Handoff(None)
        elif self.state == SHOWN and action == REPRINT and self.issued is not None:
            self._print_issued()
        elif self.state == ALREADY_QUEUED and action == "see_mine" and self.held_number:
            self.handoff = Handoff("progress", {"number": self.held_number})
        elif self.state in (ALREADY_QUEUED, REFUSED) and action == "other":
            self._trail.clear()
            self._go(CHOOSE)

    def _browse(self, kind: str, value: str, action: str, catalog: Catalog | None) -> None:
        if kind == "cat":
            self._issue(TicketRequest(category=value))
        elif kind == "item" and catalog and catalog.item(value):
            self._issue(TicketRequest(item_id=value))
        elif action == "departments":
            self._move(DEPARTMENTS)
        elif action == "search":
            self._move(SEARCH)
        elif action == "green":
            self._move(GREEN_GROUP)
        elif kind == "dept" and catalog and value.isdigit():
            departments = catalog.departments
            if int(value) < len(departments):
                self.department = departments[int(value)]
                topics = catalog.topics(self.department)
                self.topic = 0 if len(topics) == 1 else None
                self._move(ITEMS if len(topics) == 1 else TOPICS)
        elif kind == "topic" and self.state == TOPICS and value.isdigit():
            self.topic = int(value)
            self._move(ITEMS)

    def _on_key(self, key: str) -> None:
        if self.state == GREEN_CONFIRM:
            self.pin.press(key)
        elif self.state == SEARCH and self.query.press(key):
            self._page = 0
            catalog = self.ctx.catalog
            text = self.query.text
            self._result = catalog.search_index.search(text) if catalog and text else None

    def _on_back(self) -> None:
        if self.state == CHOOSE:
            self._trail.clear()
            self.handoff = Handoff(None)
        elif self.state in (REFUSED, ALREADY_QUEUED):
            self._trail.clear()
            self._go(CHOOSE)
        elif self.state in (GREEN_CONFIRM, GREEN_CHECKING):
            self._go(GREEN_GROUP)
        elif self._trail and self.state in (*BROWSING, GREEN_GROUP):
            self._go(self._trail.pop())
        else:
            self.handoff = Handoff(None)

    def _on_card(self, card: SwipedCard) -> None:
        if self.state == GREEN_CONFIRM:
            self._green_card(card)
            return
        if self.state not in (*BROWSING, GREEN_GROUP, REFUSED, ALREADY_QUEUED):
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
            number = (err.details or {}).get("number")
            self.held_number = number if isinstance(number, str) else None
            self._go(ALREADY_QUEUED, self.texts.refusal(err.code, err.message), Tone.WARNING)
            return
        sentence = self.texts.refusal(err.code, err.message)
        hours = self.ctx.hall.hours
        if err.code == "hall_closed" and hours:
            sentence = Sentence(sentence.text, "", self.texts.get("err.hours", hours=hours))
        self._go(REFUSED, sentence, Tone.ERROR)

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
                Choice(f"dept:{n}", name, f"{len(catalog.department_items(name))}项")
                for n, name in enumerate(catalog.departments)
            ]
            return View(texts.get("ticket.choose_department"), listing=Listing.of(listing))
        if self.state == TOPICS and self.department:
            topics = catalog.topics(self.department)
            choices = [
                Choice(f"topic:{n}", t.key or texts.get("guide.other_topic"), f"{len(t.items)}项")
                for n, t in enumerate(topics)
            ]
            title = texts.get("ticket.choose_topic", department=self.department)
            return View(title, listing=Listing.of(choices), personal=self.card is not None)
        if self.state == ITEMS and self.department is not None:
            return self._items_view(catalog)
        if self.state == SEARCH:
            return self._search_view(catalog)
        if self.state == GREEN_GROUP:
            groups = [Choice(f"group:{n}", g) for n, g in enumerate(catalog.green_groups)]
            return View(texts.get("ticket.green_choose"), listing=Listing.of(groups))
        if self.state in (GREEN_CONFIRM, GREEN_CHECKING):
            return self._confirm_view()
        return self._choose_view(catalog)

    def _items_view(self, catalog: Catalog) -> View:
        texts = self.texts
        department = self.department or ""
        topics = catalog.topics(department)
        topic = topics[self.topic] if self.topic is not None and self.topic < len(topics) else None
        members = topic.items if topic is not None else tuple(catalog.department_items(department))
        key = topic.key if topic is not None else ""
        items = [
            Choice(f"item:{i.id}", display_name(i.name, key), catalog.category_name(i.category))
            for i in members
        ]
        title = texts.get("ticket.choose_item", department=key or department)
        return View(
            title,
            listing=Listing.of(items),
            personal=self.card is not None,
            list_style="rows",
        )

    def _search_view(self, catalog: Catalog) -> View:
        texts = self.texts
        result = self._result
        field = self.query.field(texts.get("ticket.search_hint"))
        title = texts.get("ticket.search")
        if result is None:
            return View(title, input=field, list_style="rows")
        if not len(result):
            empty = texts.get("guide.no_results", query=self.query.text)
            return View(title, lines=(empty,), input=field, list_style="rows")

        def fetch(start: int, count: int) -> list[Choice]:
            return [
                Choice(f"item:{h.item_id}", display_name(h.name), self._category_of(h.item_id))
                for h in result.page(start, count)
            ]

        count = texts.get("guide.results", count=len(result))
        return View(
            title,
            lines=(count,),
            input=field,
            listing=Listing(len(result), fetch),
            speak=count,
            list_style="rows",
        )

    def _category_of(self, item_id: str) -> str:
        catalog = self.ctx.catalog
        item = catalog.item(item_id) if catalog else None
        return catalog.category_name(item.category) if catalog and item else ""

    def _wait_hint(self, code: str) -> str:
        wait = self.ctx.waits.get(code)
        if wait is None:
            return ""
        if wait.waiting == 0:
            return self.texts.get("ticket.waits_none")
        if wait.minutes:
            return self.texts.get("ticket.waits", count=wait.waiting, minutes=wait.minutes)
        return self.texts.get("ticket.waits_count", count=wait.waiting)

    def _choose_view(self, catalog: Catalog) -> View:
        texts = self.texts
        categories = [
            Choice(f"cat:{c.code}", c.name, self._wait_hint(c.code)) for c in catalog.categories
        ]
        rows = [
            Choice(f"item:{i.id}", display_name(i.name), texts.get("ticket.popular"), Group.ROW)
            for i in catalog.popular(self.ctx.settings.popular_count)
        ]
        actions = [
            Choice("departments", texts.get("ticket.by_department"), group=Group.ACTION),
            Choice("search", texts.get("ticket.search"), group=Group.ACTION),
            Choice(
                "green", texts.get("ticket.green"), texts.get("ticket.green.hint"), Group.ACTION
            ),
        ]
        lines = list(self._card_lines())
        if not lines and not self.green_group:
            lines.append(texts.get("home.swipe_hint", age=catalog.elderly_age))
        return View(
            texts.get("ticket.choose"),
            lines=tuple(lines),
            listing=Listing.of(categories),
            choices=(*rows, *actions),
            personal=self.card is not None,
        )

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
