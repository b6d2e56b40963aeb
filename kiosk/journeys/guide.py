"""办事指南: browse by department and topic or search by pinyin, read an item's guide, print its
material checklist, or take a ticket for it.

States::

    start ─dept:N─► topics ─topic:N─► items ─item:ID─► item ─print─► printing ─► item
      │  └─(one topic)─────────────►                     └─take─► (ticket journey, item chosen)
      ├─item:ID (popular row)────────────────────────► item
      └─search─► search (keyboard; results as you type) ─item:ID─► item

Works from the kiosk's local catalog copy, so it keeps working while the hub is away (the screen
says the guides are the kiosk's saved copy). Back returns along the way the citizen came.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from config.schema import ServiceItem
from kiosk.catalog import Catalog, display_name
from kiosk.journeys.base import Apply, Handoff, Journey, TextInput
from kiosk.journeys.issued import print_slip
from kiosk.journeys.screens import Choice, Group, Listing, Section, Tone, View
from kiosk.materials import read_material
from kiosk.ports import ChecklistFacts, Slip
from kiosk.search import MAX_QUERY, SearchResult, normalize_query
from kiosk.texts import Sentence

START = "start"
TOPICS = "topics"
ITEMS = "items"
log = logging.getLogger(__name__)

SEARCH = "search"
ITEM = "item"
PRINTING = "printing"


def _searchable(char: str) -> bool:
    return bool(normalize_query(char))


class GuideJourney(Journey):
    """Service guides from the local catalog copy."""

    name: ClassVar[str] = "guide"

    department: str | None
    topic: int | None
    item_id: str | None
    query: TextInput
    _trail: list[str]
    _result: SearchResult | None

    def reset(self) -> None:
        self.department = None
        self.topic = None
        self.item_id = None
        self.query = TextInput("pinyin", _searchable, MAX_QUERY)
        self._trail = []
        self._result = None
        self._go(START)

    def _move(self, state: str) -> None:
        self._trail.append(self.state)
        self._go(state)

    # -- events ---------------------------------------------------------------------------------

    def _on_tap(self, action: str) -> None:
        catalog = self.ctx.catalog
        if catalog is None:
            return
        kind, _, value = action.partition(":")
        if kind == "item" and catalog.item(value) is not None and self.state != ITEM:
            self.item_id = value
            self._move(ITEM)
        elif kind == "dept" and value.isdigit() and int(value) < len(catalog.departments):
            self.department = catalog.departments[int(value)]
            topics = catalog.topics(self.department)
            self.topic = 0 if len(topics) == 1 else None
            self._move(ITEMS if len(topics) == 1 else TOPICS)
        elif kind == "topic" and value.isdigit() and self.state == TOPICS:
            self.topic = int(value)
            self._move(ITEMS)
        elif action == "search":
            self._move(SEARCH)
        elif action == "print" and self.state == ITEM:
            self._print(catalog)
        elif action == "take" and self.state == ITEM and self.item_id:
            self.handoff = Handoff("ticket", {"item_id": self.item_id})

    def _on_key(self, key: str) -> None:
        if self.state == SEARCH and self.query.press(key):
            self._page = 0
            catalog = self.ctx.catalog
            text = self.query.text
            self._result = catalog.search_index.search(text) if catalog and text else None

    def _on_back(self) -> None:
        if self._trail:
            self._go(self._trail.pop())
        else:
            super()._on_back()

    # -- printing -------------------------------------------------------------------------------

    def _print(self, catalog: Catalog) -> None:
        item = catalog.item(self.item_id or "")
        if item is None:
            return
        slip = self._checklist(catalog, item)
        ctx = self.ctx

        def work() -> Apply:
            outcome = print_slip(ctx, slip, f"“{item.name}”材料清单")

            def apply() -> None:
                if outcome.printed:
                    self._go(ITEM, Sentence(self.texts.get("guide.printed")), Tone.SUCCESS)
                else:
                    self._go(ITEM, Sentence(self.texts.get("guide.print_failed")), Tone.WARNING)

            return apply

        self._start_work(PRINTING, self.texts.get("guide.printing"), work)

    def _materials(self, item: ServiceItem) -> list[str]:
        """The materials as a numbered checklist: 1. 申请人居民身份证　原件1份."""
        lines = []
        for n, text in enumerate(item.materials, 1):
            line = read_material(text)
            lines.append(
                self.texts.get("guide.material_line", n=n, name=line.name, form=line.describe())
            )
        return lines

    def _qr(self, catalog: Catalog, item: ServiceItem) -> str:
        hall = self.ctx.hall
        try:
            return self.ctx.settings.guide_qr.format(
                name=item.name,
                id=item.id,
                code=item.code,
                hall=catalog.hall_name or hall.name,
                hall_id=hall.hall_id,
            )
        except (KeyError, IndexError, ValueError) as err:
            log.warning("guide_qr template %r is broken (%r)", self.ctx.settings.guide_qr, err)
            return item.name

    def _checklist(self, catalog: Catalog, item: ServiceItem) -> Slip:
        texts = self.texts
        lines = [texts.get("guide.materials") + "："]
        lines += self._materials(item)
        windows = self._windows(catalog, item)
        lines.append(texts.get("guide.windows") + "：" + windows)
        lines += self._time_lines(item)
        hall = self.ctx.hall
        if hall.phone:
            lines.append(texts.get("ticket.slip_phone", phone=hall.phone))
        if hall.supervision_phone:
            lines.append(texts.get("ticket.slip_supervision", phone=hall.supervision_phone))
        name = display_name(item.name)
        return Slip(
            kind="checklist",
            title=f"{catalog.hall_name} {texts.get('guide.checklist_title')}",
            big=name,
            lines=tuple(lines),
            qr=self._qr(catalog, item),
            footer=texts.get("guide.checklist_footer"),
            facts=ChecklistFacts(
                hall_name=catalog.hall_name,
                item_name=name,
                materials=tuple(item.materials),
                conditions=item.conditions,
                windows=windows,
                promised_days=item.promised_days,
                hall_phone=hall.phone,
                supervision_phone=hall.supervision_phone,
            ),
        )

    # -- screens --------------------------------------------------------------------------------

    def _view(self) -> View:
        texts = self.texts
        catalog = self.ctx.catalog
        if catalog is None:
            return View(texts.get("guide.title"), lines=(texts.get("guide.no_catalog"),))
        head = (texts.get("guide.offline"),) if self.ctx.hub_away else ()
        if self.state in (ITEM, PRINTING):
            item = catalog.item(self.item_id or "")
            if item is not None:
                return self._item_view(catalog, item, head)
        if self.state == TOPICS and self.department:
            topics = catalog.topics(self.department)
            choices = [
                Choice(f"topic:{n}", t.key or texts.get("guide.other_topic"), f"{len(t.items)}项")
                for n, t in enumerate(topics)
            ]
            title = texts.get("guide.choose_topic", department=self.department)
            return View(title, lines=head, listing=Listing.of(choices))
        if self.state == ITEMS and self.department and self.topic is not None:
            topics = catalog.topics(self.department)
            members = topics[self.topic].items if self.topic < len(topics) else ()
            key = topics[self.topic].key if self.topic < len(topics) else ""
            choices = [Choice(f"item:{i.id}", display_name(i.name, key)) for i in members]
            return View(
                texts.get("ticket.choose_item", department=key or self.department),
                lines=head,
                listing=Listing.of(choices),
                list_style="rows",
            )
        if self.state == SEARCH:
            return self._search_view(head)
        departments = [
            Choice(f"dept:{n}", d, f"{len(catalog.department_items(d))}项")
            for n, d in enumerate(catalog.departments)
        ]
        popular = [
            Choice(f"item:{i.id}", display_name(i.name), texts.get("guide.popular"), Group.ROW)
            for i in catalog.popular(self.ctx.settings.popular_count)
        ]
        search = Choice("search", texts.get("guide.search"), group=Group.ACTION)
        return View(
            texts.get("guide.title"),
            lines=(*head, texts.get("guide.choose_department")),
            listing=Listing.of(departments),
            choices=(search, *popular),
        )

    def _search_view(self, head: tuple[str, ...]) -> View:
        texts = self.texts
        result = self._result
        field = self.query.field(texts.get("guide.search_hint"))
        if result is None:
            return View(texts.get("guide.search"), lines=head, input=field, list_style="rows")
        if not len(result):
            empty = texts.get("guide.no_results", query=self.query.text)
            return View(
                texts.get("guide.search"), lines=(*head, empty), input=field, list_style="rows"
            )

        def fetch(start: int, count: int) -> list[Choice]:
            return [
                Choice(f"item:{h.item_id}", display_name(h.name)) for h in result.page(start, count)
            ]

        count = texts.get("guide.results", count=len(result))
        return View(
            texts.get("guide.search"),
            lines=(*head, count),
            input=field,
            listing=Listing(len(result), fetch),
            speak=count,
            list_style="rows",
        )

    def _item_view(self, catalog: Catalog, item: ServiceItem, head: tuple[str, ...]) -> View:
        texts = self.texts
        sections: list[Section] = []

        def add(key: str, *lines: str) -> None:
            kept = tuple(line for line in lines if line)
            if kept:
                sections.append(Section(texts.get(key), kept))

        # What a citizen needs first: what to bring, how long, what it costs, where to go.
        add("guide.materials", *self._materials(item))
        add("guide.time_limits", *self._time_lines(item))
        add("guide.fees", item.fees)
        add("guide.windows", self._windows(catalog, item))
        add("guide.location", item.location)
        add("guide.applicants", item.applicants)
        add("guide.conditions", item.conditions)
        add("guide.process", item.process)
        add("guide.online", texts.get("guide.online_yes") if item.online else "")
        add("guide.tags", "、".join(item.tags))
        add("guide.basis", item.basis)
        if item.code:
            head = (*head, texts.get("guide.code", code=item.code))
        actions = (
            Choice("take", texts.get("guide.take_ticket"), group=Group.ACTION),
            Choice("print", texts.get("guide.print"), group=Group.ACTION),
        )
        materials = "；".join(item.materials)
        return View(
            display_name(item.name),
            lines=head,
            sections=tuple(sections),
            choices=actions,
            speak=f"{display_name(item.name)}。{texts.get('guide.materials')}：{materials}",
        )

    def _time_lines(self, item: ServiceItem) -> list[str]:
        texts = self.texts
        lines = []
        if item.statutory_days is not None:
            lines.append(texts.get("guide.statutory", days=item.statutory_days))
        if item.promised_days == 0:
            lines.append(texts.get("guide.same_day"))
        elif item.promised_days is not None:
            lines.append(texts.get("guide.promised", days=item.promised_days))
        return lines

    def _windows(self, catalog: Catalog, item: ServiceItem) -> str:
        numbers = catalog.windows_for(item)
        if not numbers:
            return self.texts.get("guide.windows_none")
        return self.texts.get("guide.windows_list", windows="、".join(str(n) for n in numbers))
