"""The whole kiosk without Qt: the home screen, which journey is open, elder mode, speech,
kiosk-wide notices (hub away, printer, card reader), and the idle timer that goes home and
forgets everything personal.

The view shows ``model.screen`` and forwards touches (``tap``, ``key``, ``type_text``); while
``model.busy`` it runs ``model.run_pending()`` in a worker. A timer calls ``tick()`` on the GUI
thread about once a second (cheap: idle check, card reader poll) and ``maintain()`` in a worker
every half minute or so (catalog refresh, hub recovery, spooled feedback: I/O).

Every screen carries the global choices ``nav:home`` (首页, in a journey), ``elder`` (the
标准版 / 长辈版 toggle) and ``staff:call`` (呼叫工作人员: a ``staff.alert`` of kind ``help`` on the
hub). An ID card showing an age at or over the hall's elderly age switches 长辈版 on by itself and
says so aloud. When the hub is away, the home screen shows 取号 (and the other journeys that need
the hub) as unavailable instead of failing on the next page.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Literal

from hub.client import HubRefused, HubUnavailable
from kiosk.catalog import CatalogKeeper, Refresh
from kiosk.journeys.base import Context, Journey
from kiosk.journeys.checkin import CheckinJourney
from kiosk.journeys.feedback import FeedbackJourney
from kiosk.journeys.guide import GuideJourney
from kiosk.journeys.progress import ProgressJourney
from kiosk.journeys.requeue import RequeueJourney
from kiosk.journeys.screens import Choice, Group, HomeInfo, Screen, View
from kiosk.journeys.ticket import TicketJourney
from kiosk.ports import CardReaderPort, SpeechPort, SwipedCard

log = logging.getLogger(__name__)

Role = Literal["kiosk", "ticket"]

HOME = "nav:home"
ELDER = "elder"
MORE_TIME = "more_time"
CALL_STAFF = "staff:call"
STAFF_CALL_SECONDS = 90.0  # the staff call shows as made (and cannot be repeated) this long
NEEDS_HUB = frozenset({"ticket", "checkin", "requeue", "progress"})

JOURNEYS: dict[str, type[Journey]] = {
    "ticket": TicketJourney,
    "guide": GuideJourney,
    "checkin": CheckinJourney,
    "requeue": RequeueJourney,
    "progress": ProgressJourney,
    "feedback": FeedbackJourney,
}

HOME_ENTRIES: dict[Role, tuple[str, ...]] = {
    # A ticket machine: 取号 first, only what belongs beside a queue.
    "ticket": ("ticket", "checkin", "requeue"),
    # A touch query machine: every journey.
    "kiosk": ("ticket", "guide", "checkin", "requeue", "progress", "feedback"),
}

_ENTRY_TEXT = {
    "ticket": "home.take_ticket",
    "guide": "home.guides",
    "checkin": "home.checkin",
    "requeue": "home.requeue",
    "progress": "home.progress",
    "feedback": "home.feedback",
}


class KioskModel:
    """The kiosk as a state machine of journeys; see the module docstring for how to drive it."""

    def __init__(
        self,
        context: Context,
        *,
        role: Role = "kiosk",
        keeper: CatalogKeeper | None = None,
        speech: SpeechPort | None = None,
        reader: CardReaderPort | None = None,
        flush_feedback: Callable[[], int] | None = None,
    ) -> None:
        self.ctx = context
        self.role: Role = role
        self.keeper = keeper
        self.speech = speech
        self.reader = reader
        self._flush_feedback = flush_feedback
        self.current: Journey | None = None
        self._lock = threading.RLock()
        self._home_since = context.clock.monotonic()
        self._last_spoken = ""
        self._announce = ""  # said before the next screen (长辈版 switched on by a card)
        self._staff_called_at: float | None = None
        self._home_pages = _HomeJourney(context)

    # -- what to show ---------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        current = self.current
        return current is not None and current.busy

    @property
    def screen(self) -> Screen:
        """The screen to show now, with the global choices and the kiosk-wide notices."""
        with self._lock:
            self.ctx.notices = tuple(self._banners())  # the journeys page around them
            current = self.current
            screen = current.screen if current is not None else self._home()
            return self._dress(screen)

    def _home(self) -> Screen:
        texts = self.ctx.texts
        catalog = self.ctx.catalog
        away = self.ctx.hub_away
        entries = []
        for name in HOME_ENTRIES[self.role]:
            key = _ENTRY_TEXT[name]
            hint = texts.get(key + ".hint")
            label = texts.get(key)
            enabled = not (away and name in NEEDS_HUB)
            if not enabled:
                hint = texts.get("home.away_hint")
                if name == "ticket":
                    label = texts.get("home.take_ticket.away")
                    hint = texts.get("home.take_ticket.away_hint")
            entries.append(Choice(name, label, hint, enabled=enabled))
        age = catalog.elderly_age if catalog else 60
        hall = self.ctx.hall
        card_key = "home.card_hint_ticket" if self.role == "ticket" else "home.card_hint"
        info = HomeInfo(
            welcome=texts.get("home.welcome"),
            hours=texts.get("home.hours", hours=hall.hours) if hall.hours else "",
            phone=texts.get("home.phone", phone=hall.phone) if hall.phone else "",
            card_hint=texts.get(card_key, age=age),
            ticket_machine=self.role == "ticket",
            can_take_ticket=not away,
        )
        name = (catalog.hall_name if catalog else "") or hall.name
        screen = self._home_pages.render(
            View(
                texts.get("home.title", hall=name),
                lines=(info.welcome,),
                choices=tuple(entries),
                back=False,
                speak="。".join([name, info.welcome, info.card_hint]),
            )
        )
        return replace(screen, home=info)

    def _staff_called(self) -> bool:
        called = self._staff_called_at
        return called is not None and self.ctx.clock.monotonic() - called < STAFF_CALL_SECONDS

    def _dress(self, screen: Screen) -> Screen:
        texts = self.ctx.texts
        called = self._staff_called()
        extra = [
            Choice(
                CALL_STAFF,
                texts.get("staff.called" if called else "staff.call"),
                group=Group.NAV,
                enabled=not called,
            ),
            Choice(ELDER, texts.get("nav.mode"), group=Group.NAV),
        ]
        if self.current is not None and not screen.busy:
            extra.insert(0, Choice(HOME, texts.get("nav.home"), group=Group.NAV))
        if screen.countdown is not None:
            extra.insert(0, Choice(MORE_TIME, texts.get("nav.more_time"), group=Group.ACTION))
        banners = list(self.ctx.notices)
        if screen.must_speak:  # the ticket screen says itself that it did not print
            banners = [b for b in banners if b != texts.get("status.printer_away")]
        if called:
            banners.insert(0, texts.get("staff.called_banner"))
        return replace(screen, choices=(*screen.choices, *extra), banners=tuple(banners))

    def _banners(self) -> list[str]:
        texts = self.ctx.texts
        banners = []
        # Home says it on the 取号 tile itself; the ticket journey says it as its sentence.
        if self.ctx.hub_away and self.current is not None and self.current.name == "ticket":
            banners.append(texts.get("status.hub_away"))
        try:
            printer_ok = self.ctx.printer.health().ok
        except Exception:  # a broken driver is a printer away, not a crash
            log.exception("printer health failed")
            printer_ok = False
        if not printer_ok:
            banners.append(texts.get("status.printer_away"))
        if not self.ctx.reader_ok:
            banners.append(texts.get("status.reader_away"))
        return banners

    # -- events ---------------------------------------------------------------------------------

    def tap(self, action: str) -> None:
        """A choice was tapped (global ones here, the rest go to the open journey)."""
        with self._lock:
            self._home_since = self.ctx.clock.monotonic()
            if action == ELDER:
                self.ctx.elder = not self.ctx.elder
                self._last_spoken = ""
            elif action == CALL_STAFF:
                self.call_staff()
            elif action == HOME:
                if not self.busy:
                    self.go_home()
            elif action == MORE_TIME and self.current is not None:
                self.current.touch()
            elif self.current is None:
                if action in HOME_ENTRIES[self.role]:
                    if not (self.ctx.hub_away and action in NEEDS_HUB):
                        self.open(action)
                else:
                    self._home_pages.tap(action)  # paging
            else:
                self.current.tap(action)
                self._follow()
        self._speak()

    def key(self, key: str) -> None:
        with self._lock:
            if self.current is not None:
                self.current.key(key)
        self._speak()

    def type_text(self, text: str) -> None:
        with self._lock:
            if self.current is not None:
                self.current.type_text(text)
        self._speak()

    def card_swiped(self, card: SwipedCard) -> None:
        """An ID card was read: on the home screen it starts 取号 with the card (an appointment
        checks in, an elderly citizen gets the green lane); in a journey, the journey takes it.
        A card at or over the elderly age switches 长辈版 on, and the switch is said aloud."""
        with self._lock:
            self._elder_by_card(card)
            if self.current is None:
                journey = self.open("ticket")
                journey.card_swiped(card)
            else:
                self.current.card_swiped(card)
        self._speak()

    def _elder_by_card(self, card: SwipedCard) -> None:
        catalog = self.ctx.catalog
        age = card.age(self.ctx.clock.today())
        threshold = catalog.elderly_age if catalog else 60
        if age is not None and age >= threshold and not self.ctx.elder:
            log.info("an ID card at or over %d: 长辈版 on", threshold)
            self.ctx.elder = True
            self._last_spoken = ""
            self._announce = self.ctx.texts.get("elder.auto")

    def call_staff(self) -> None:
        """Ask the hall's staff to come (a ``staff.alert`` of kind ``help``); once per
        ``STAFF_CALL_SECONDS``, so that repeated taps do not flood the console."""
        with self._lock:
            if self._staff_called():
                return
            self._staff_called_at = self.ctx.clock.monotonic()
            device = self.ctx.settings.device_name
            where = self.current.name if self.current is not None else "home"
            problem = self.ctx.texts.get("staff.alert", device=device)
        log.info("citizen asks for staff at %s (%s)", device, where)
        try:
            self.ctx.alerts.alert(device, problem, f"screen: {where}", kind="help")
        except Exception:  # the port promised not to raise; the kiosk still shows the call
            log.exception("staff call could not be sent")

    def run_pending(self) -> bool:
        """Run the open journey's pending work (call from a worker). Never raises."""
        current = self.current
        ran = current.run_pending() if current is not None else False
        with self._lock:
            self._follow()
        self._speak()
        return ran

    def settle(self) -> None:
        """Run pending work until there is none (tests, simple views)."""
        for _ in range(20):
            if not self.run_pending():
                return

    # -- journeys -------------------------------------------------------------------------------

    def open(self, name: str) -> Journey:
        """Open a journey by name (a home entry or a handoff)."""
        with self._lock:
            if self.current is not None:
                self.current.wipe()
            journey = JOURNEYS[name](self.ctx)
            self.current = journey
            return journey

    def go_home(self) -> None:
        """Back to the home screen; the journey and everything personal in it are forgotten."""
        with self._lock:
            if self.current is not None:
                self.current.wipe()
            self.current = None
            self._home_pages.reset()
            self._home_since = self.ctx.clock.monotonic()

    def _follow(self) -> None:
        """Act on the open journey's handoff (another journey, or home)."""
        current = self.current
        if current is None or current.handoff is None:
            return
        handoff = current.handoff
        current.handoff = None
        if handoff.journey is None:
            self.go_home()
            return
        journey = self.open(handoff.journey)
        params = handoff.params
        if isinstance(journey, TicketJourney):
            if handoff.card is not None:
                journey.hold_card(handoff.card)
            if params.get("item_id"):
                journey.preselect(item_id=params["item_id"])
        elif (isinstance(journey, ProgressJourney) and params.get("number")) or (
            isinstance(journey, RequeueJourney) and params.get("number")
        ):
            journey.prefill(params["number"])
        elif isinstance(journey, CheckinJourney) and handoff.card is not None:
            journey.prefill(card=handoff.card)

    # -- time and devices -----------------------------------------------------------------------

    def tick(self) -> None:
        """About once a second, on the GUI thread: card reader, idle timeout. No I/O waits."""
        if self.reader is not None:
            try:
                self.ctx.reader_ok = self.reader.health().ok
                card = self.reader.take_swipe()
            except Exception:  # every path works without the reader
                log.exception("card reader service failed")
                self.ctx.reader_ok, card = False, None
            if card is not None:
                self.card_swiped(card)
        with self._lock:
            current = self.current
            now = self.ctx.clock.monotonic()
            if current is not None and current.timed_out():
                log.info("idle: %s timed out in %s; going home", current.name, current.state)
                self.go_home()
                self.ctx.elder = False
            elif current is None and self.ctx.elder:
                limit = self.ctx.settings.elder_idle_seconds
                if now - self._home_since >= limit:
                    self.ctx.elder = False
        self._speak()

    def maintain(self) -> Refresh | None:
        """Now and then, in a worker: refresh the catalog (and its search index), notice the
        hub coming back, send spooled feedback. Never raises."""
        outcome: Refresh | None = None
        try:
            if self.keeper is not None:
                outcome = self.keeper.refresh(self.ctx.hub)
                self.ctx.hub_away = outcome is Refresh.HUB_AWAY
                catalog = self.keeper.current
                if catalog is not None:
                    _ = catalog.search_index  # built here, not on the first keystroke
                    self.ctx.hall = self.ctx.hall.updated(catalog.hall_facts)
            else:
                try:
                    self.ctx.hub.ping()
                    self.ctx.hub_away = False
                except HubUnavailable:
                    self.ctx.hub_away = True
            if not self.ctx.hub_away:
                self.refresh_waits()
            if not self.ctx.hub_away and self._flush_feedback is not None:
                self._flush_feedback()
        except Exception:
            log.exception("kiosk maintenance failed")
        return outcome

    def refresh_waits(self) -> None:
        """Ask the hub how many wait in each category and for how long (in a worker); the
        category tiles show it. A hub that cannot say keeps the last answer. Never raises."""
        try:
            self.ctx.waits = self.ctx.hub.queue_waits()
        except (HubUnavailable, HubRefused) as err:
            log.info("queue waits not refreshed: %s", err)
        except Exception:
            log.exception("queue waits failed")

    # -- speech ---------------------------------------------------------------------------------

    def _speak(self) -> None:
        if self.speech is None:
            return
        screen = self.screen
        if not (self.ctx.elder or screen.must_speak) or screen.busy or not screen.speak:
            return
        if screen.speak == self._last_spoken:
            return
        self._last_spoken = screen.speak
        said = f"{self._announce}{screen.speak}" if self._announce else screen.speak
        self._announce = ""
        try:
            self.speech.say(said)
        except Exception:  # the driver promised not to raise; the screen still works
            log.exception("speech driver failed")


class _HomeJourney(Journey):
    """Only borrows the base's screen composition (paging, speech text) for the home screen."""

    name = "home"

    def reset(self) -> None:
        self._go("home")

    def seconds_left(self) -> float:
        return math.inf  # the model keeps the home screen's own idle time

    def render(self, view: View) -> Screen:
        return self._compose(view)
