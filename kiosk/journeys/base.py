"""Shared plumbing of the kiosk's journeys: events, slow work, paging, idle time (the screens
they show are plain data in :mod:`kiosk.journeys.screens`).

A journey is a state machine. The view shows ``journey.screen`` (a :class:`Screen`: title, lines,
choices with ids, a big number, an input field, whether personal data is on it, what to read
aloud) and turns touches into events: ``tap(choice_id)``, ``key(key)`` for the built-in keyboard,
``type_text(text)`` for characters from a hardware keyboard or handwriting pad, and
``card_swiped(card)``. Events only change state; they never wait for I/O.

Hub calls and printing are *pending work*: an event that needs one sets the journey ``busy`` and
the view runs ``run_pending()`` in a worker thread, then shows the new screen (taps are ignored
while busy; the idle timer waits). Work does its I/O without the lock and returns a closure that
applies the outcome under it. Whatever goes wrong becomes a sentence on the screen, never a
traceback. Tests call ``settle()``.

Elder mode (``context.elder``) shows fewer list choices per page and makes the app read screens
aloud. Idle time comes from an injected clock; the app model sends the kiosk home and calls
``wipe()`` when ``timed_out()``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from functools import partial
from typing import ClassVar, Protocol, TypeVar

from appkit.style import clock_text
from hub.client import HubRefused, HubUnavailable
from hub.presence import HubPresence
from kiosk.catalog import Catalog
from kiosk.facts import HallFacts
from kiosk.journeys.screens import (
    Choice,
    Group,
    InputField,
    InputKind,
    Problem,
    Screen,
    Section,
    Tone,
    View,
)
from kiosk.layout import ListStyle, Room
from kiosk.ports import AlertPort, HubPort, PrinterPort, QueueWait, StaffPort, SwipedCard
from kiosk.texts import Sentence, Texts

log = logging.getLogger(__name__)

T = TypeVar("T")

NAV_PREV = "nav:prev"
NAV_NEXT = "nav:next"
NAV_BACK = "nav:back"
KEY_BACKSPACE = "backspace"
KEY_CLEAR = "clear"

Apply = Callable[[], None]
Work = Callable[[], Apply]


class Clock(Protocol):
    """Time as the journeys see it: a monotonic clock for idle time, today's date for ages, and
    the wall time in the hall's zone (aware) for the clock on screen."""

    def monotonic(self) -> float: ...

    def today(self) -> date: ...

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock: ``time.monotonic`` and today's date in the hall's time zone (the box's
    own zone may be UTC, whose date differs from the hall's for eight hours a day)."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone

    def monotonic(self) -> float:
        return time.monotonic()

    def today(self) -> date:
        return datetime.now(self.zone).date()

    def now(self) -> datetime:
        return datetime.now(self.zone)


@dataclass(frozen=True)
class KioskSettings:
    """How this kiosk behaves; seconds are wall seconds."""

    device_name: str = "kiosk"
    page_size: int = 9  # a 3×3 grid
    elder_page_size: int = 4
    popular_count: int = 6
    idle_seconds: float = 60.0
    elder_idle_seconds: float = 180.0  # no time pressure in elder mode
    done_seconds: float = 30.0  # a finished screen (the ticket) goes home after this
    warn_seconds: float = 10.0  # show a countdown this long before going home
    requeue_minutes: int = 30  # the hall's queue.requeue_minutes, printed on tickets
    ticket_qr: str = "{hall} {day} {number}号"  # config links.ticket_qr
    guide_qr: str = "{name}"  # config links.guide_qr


@dataclass
class Context:
    """What every journey shares: ports, the catalog, texts, settings, clock and kiosk state."""

    hub: HubPort
    printer: PrinterPort
    alerts: AlertPort
    catalog_source: Callable[[], Catalog | None]
    clock: Clock
    texts: Texts = field(default_factory=Texts)
    settings: KioskSettings = field(default_factory=KioskSettings)
    hall: HallFacts = field(default_factory=HallFacts)
    staff: StaffPort | None = None  # None: no staff can confirm here (no green lane by PIN)
    elder: bool = False
    presence: HubPresence = field(default_factory=lambda: HubPresence("kiosk"))
    reader_ok: bool = True
    screen_size: tuple[int, int] | None = None  # px, set by the view; None: settings' pages
    waits: dict[str, QueueWait] = field(default_factory=dict)  # per category, from the hub
    notices: tuple[str, ...] = ()  # the kiosk-wide banners shown with the current screen

    @property
    def catalog(self) -> Catalog | None:
        return self.catalog_source()

    @property
    def hub_away(self) -> bool:
        """Whether the hub did not answer last time it was asked (:attr:`presence`)."""
        return not self.presence.present

    @hub_away.setter
    def hub_away(self, away: bool) -> None:
        self.presence.report(not away)

    @property
    def room(self) -> Room | None:
        """What fits on the kiosk's screen in the current mode (None: the size is unknown)."""
        if self.screen_size is None:
            return None
        width, height = self.screen_size
        return Room(width, height, self.elder)

    def page_size(
        self,
        style: ListStyle = "tiles",
        total: int = 0,
        *,
        title: str = "",
        lines: Sequence[str] = (),
        row_choices: int = 0,
        actions: int = 0,
        keyboard: str | None = None,
        action_hints: Sequence[str] = (),
    ) -> int:
        """Choices per page: as many as the screen's room holds (see ``kiosk.layout.Room``),
        or the settings' page sizes when no view said how large the screen is."""
        room = self.room
        if room is None:
            return self.settings.elder_page_size if self.elder else self.settings.page_size
        return room.page_size(
            style,
            total,
            title=title,
            lines=lines,
            notices=self.notices,
            row_choices=row_choices,
            actions=actions,
            keyboard=keyboard,
            action_hints=action_hints,
        )


@dataclass(frozen=True)
class Handoff:
    """Ask the app to open another journey (``params`` prefill it); None target means home."""

    journey: str | None
    params: dict[str, str] = field(default_factory=dict)
    card: SwipedCard | None = None


class TextInput:
    """What is typed on the built-in keyboard: allowed characters, a length limit."""

    def __init__(self, kind: InputKind, allowed: Callable[[str], bool], limit: int) -> None:
        self.kind: InputKind = kind
        self.text = ""
        self._allowed = allowed
        self._limit = limit

    def press(self, key: str) -> bool:
        """Apply one key (a character, KEY_BACKSPACE or KEY_CLEAR); True if the text changed."""
        before = self.text
        if key == KEY_BACKSPACE:
            self.text = self.text[:-1]
        elif key == KEY_CLEAR:
            self.text = ""
        else:
            for char in key:
                if len(self.text) < self._limit and self._allowed(char):
                    self.text += char
        return self.text != before

    def field(self, prompt: str, masked: bool = False) -> InputField:
        return InputField(self.kind, self.text, prompt, masked)


REFUSED = "refused"  # the state every journey shows a refusal in


class Journey:
    """Base of every journey. Subclasses set ``name``, build ``_view()`` and handle events."""

    name: ClassVar[str] = "journey"
    done_states: ClassVar[frozenset[str]] = frozenset()  # states that go home sooner

    def __init__(self, context: Context) -> None:
        self.ctx = context
        self.texts = context.texts
        self._lock = threading.RLock()
        self._pending: Work | None = None
        self._running = False
        self._busy_text = ""
        self._page = 0
        self._last_activity = context.clock.monotonic()
        self.handoff: Handoff | None = None
        self.state: str = ""
        self.message: Sentence | None = None
        self.tone = Tone.INFO
        self.reset()

    # -- to implement ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Go to the first state and forget everything personal."""
        raise NotImplementedError

    def _view(self) -> View:
        raise NotImplementedError

    def _on_tap(self, action: str) -> None:
        """A choice other than paging was tapped (unknown ids are ignored)."""

    def _on_key(self, key: str) -> None:
        """A key of the built-in keyboard (or typed text) while this journey shows a field."""

    def _on_card(self, card: SwipedCard) -> None:
        """An ID card was swiped while this journey is open."""

    def _on_back(self) -> None:
        """The back choice: by default, leave the journey."""
        self.handoff = Handoff(None)

    # -- events ----------------------------------------------------------------------------------

    def tap(self, action: str) -> None:
        """A choice was tapped. Ignored while busy."""
        with self._lock:
            if self._pending is not None:
                return
            self._touch()
            if action == NAV_PREV:
                self._page = max(0, self._page - 1)
            elif action == NAV_NEXT:
                self._page += 1
            elif action == NAV_BACK:
                self._on_back()
            else:
                self._on_tap(action)

    def key(self, key: str) -> None:
        """A key of the built-in keyboard: one character, KEY_BACKSPACE or KEY_CLEAR."""
        with self._lock:
            if self._pending is None:
                self._touch()
                self._on_key(key)

    def type_text(self, text: str) -> None:
        """Characters from a hardware keyboard or handwriting pad (e.g. Chinese)."""
        self.key(text)

    def card_swiped(self, card: SwipedCard) -> None:
        """An ID card was read while this journey is open. Ignored while busy."""
        with self._lock:
            if self._pending is None:
                self._touch()
                self._on_card(card)

    # -- state helpers for subclasses -------------------------------------------------------------

    def _refused(self, err: HubRefused) -> None:
        """The hub said no: its refusal as a citizen sentence, on the journey's refused screen."""
        self._go(REFUSED, self.texts.refusal(err.code, err.message), Tone.ERROR)

    def _away(self, _: HubUnavailable) -> None:
        """The hub cannot be reached: one sentence pointing to the staffed desk."""
        self._go(REFUSED, Sentence(self.texts.get("err.hub_away")), Tone.ERROR)

    def _go(self, state: str, message: Sentence | None = None, tone: Tone = Tone.INFO) -> None:
        self.state = state
        self.message = message
        self.tone = tone
        self._page = 0

    def _start_work(self, state: str, busy_text: str, work: Work) -> None:
        self._go(state)
        self._busy_text = busy_text
        self._pending = work

    def _hub_work(
        self,
        call: Callable[[], T],
        done: Callable[[T], None],
        refused: Callable[[HubRefused], None],
        away: Callable[[HubUnavailable], None],
    ) -> Work:
        """Work that calls the hub, then applies ``done``, ``refused`` or ``away``."""

        def work() -> Apply:
            try:
                result = call()
            except HubUnavailable as err:
                log.info("%s: hub away: %s", self.name, err.message)
                return self._then(False, partial(away, err))
            except HubRefused as err:
                log.info("%s: hub refused: %s %s", self.name, err.code, err.message)
                return self._then(True, partial(refused, err))
            return self._then(True, partial(done, result))

        return work

    def _then(self, reachable: bool, apply: Apply) -> Apply:
        def both() -> None:
            self._hub_state(reachable)
            apply()

        return both

    def _hub_state(self, reachable: bool) -> None:
        self.ctx.hub_away = not reachable

    # -- slow work ------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._pending is not None

    def run_pending(self) -> bool:
        """Run the pending work (in a worker thread); False if there was none or another
        thread is running it. Never raises."""
        with self._lock:
            work = self._pending
            if work is None or self._running:
                return False
            self._running = True
        try:
            apply = work()
        except Exception:  # a citizen never sees a traceback: log it, show a sentence
            log.exception("%s: unexpected failure in %s", self.name, self.state)
            apply = self._unexpected
        with self._lock:
            self._pending = None
            self._running = False
            try:
                apply()
            except Exception:
                log.exception("%s: unexpected failure applying the outcome", self.name)
                self._unexpected()
            self._touch()
        return True

    def settle(self, limit: int = 20) -> None:
        """Run pending work until there is none (tests and simple views)."""
        for _ in range(limit):
            if not self.run_pending():
                return

    def _unexpected(self) -> None:
        self._pending = None
        if not self._recover():
            self.reset()
        self.message = Sentence(self.texts.get("err.unexpected"))
        self.tone = Tone.ERROR

    def _recover(self) -> bool:
        """After an unexpected failure: keep what must not be lost (an issued ticket stays on
        screen) and return True, or return False to start the journey over."""
        return False

    # -- idle -----------------------------------------------------------------------------------

    def _touch(self) -> None:
        self._last_activity = self.ctx.clock.monotonic()

    def touch(self) -> None:
        """The citizen is still there (e.g. tapped "继续使用")."""
        with self._lock:
            self._touch()

    @property
    def idle_limit(self) -> float:
        settings = self.ctx.settings
        if self.state in self.done_states:
            return settings.done_seconds
        return settings.elder_idle_seconds if self.ctx.elder else settings.idle_seconds

    def seconds_left(self) -> float:
        """Seconds until this journey times out (never while busy)."""
        if self.busy:
            return self.idle_limit
        return self.idle_limit - (self.ctx.clock.monotonic() - self._last_activity)

    def timed_out(self) -> bool:
        return self.seconds_left() <= 0

    def wipe(self) -> None:
        """Forget everything personal and start over (idle timeout, going home). Pending work
        is kept: a ticket being issued must still be shown (the app never wipes while busy)."""
        with self._lock:
            if self._pending is None:
                self.handoff = None
                self.reset()

    # -- the screen -----------------------------------------------------------------------------

    @property
    def screen(self) -> Screen:
        """The current screen as plain data."""
        with self._lock:
            try:
                view = self._view()
            except Exception:  # a screen is always drawable: say something, offer home
                log.exception("%s: cannot build the screen of %s", self.name, self.state)
                view = View(self.texts.get("home.staffed_desk"), tone=Tone.ERROR)
                view.lines = (self.texts.get("err.unexpected"),)
            return self._compose(view)

    def _typed(self) -> str:
        """What the citizen typed that an error screen should show back (a number, a code)."""
        return ""

    def _problem(self, view: View, tone: Tone) -> Problem | None:
        if view.problem is not None:
            return view.problem
        message = self.message
        if message is None or tone is not Tone.ERROR or self.busy:
            return None
        typed = self._typed()
        facts = [message.detail] if message.detail else []
        if message.fact:
            facts.append(message.fact)
        return Problem(
            message.text,
            self.texts.get("err.you_typed", text=typed) if typed else "",
            tuple(facts),
        )

    def _page_of(self, view: View, lines: tuple[str, ...]) -> tuple[list[Choice], int, int]:
        """This page's list choices, the page and the number of pages."""
        listing = view.listing
        if listing is None or not listing.total or self.busy:
            return [], 0, 1
        visible = [c for c in view.choices if not (self.ctx.elder and c.group is Group.ROW)]
        left = self.seconds_left()
        room = self.ctx.room
        portrait = room is not None and not room.metrics.landscape
        if portrait and left <= self.ctx.settings.warn_seconds:  # the countdown: two lines
            text = self.texts.get("nav.countdown", seconds=max(0, int(left)))
            lines = (*lines, text, text)
        size = self.ctx.page_size(
            view.list_style,
            listing.total,
            title=view.title,
            lines=lines,
            row_choices=sum(1 for c in visible if c.group is Group.ROW),
            actions=sum(1 for c in visible if c.group is Group.ACTION),
            keyboard=view.input.kind if view.input is not None else None,
            action_hints=tuple(c.hint for c in visible if c.group is Group.ACTION),
        )
        size = max(1, size)
        pages = max(1, -(-listing.total // size))
        page = min(self._page, pages - 1)
        self._page = page
        return list(listing.fetch(page * size, size)), page, pages

    def _sections_of(
        self, view: View, lines: tuple[str, ...]
    ) -> tuple[tuple[Section, ...], int, int]:
        """This page's guide sections: a guide is paged to the screen's height, never
        scrolled or clipped (one page when the view did not say how large the screen is)."""
        room = self.ctx.room
        if not view.sections or self.busy:
            return (), 0, 1
        if room is None:
            return view.sections, 0, 1
        actions = sum(1 for c in view.choices if c.group is Group.ACTION)
        parts = room.section_pages(
            [(s.title, s.lines) for s in view.sections],
            title=view.title,
            lines=lines,
            notices=self.ctx.notices,
            actions=actions,
        )
        pages = max(1, len(parts))
        page = min(self._page, pages - 1)
        self._page = page
        more = self.texts.get("guide.continued")
        shown = tuple(
            Section(f"{title}{more}" if continued else title, tuple(body), column)
            for title, body, continued, column in parts[page]
        )
        return shown, page, pages

    def _compose(self, view: View) -> Screen:
        lines = view.lines
        if self.message is not None:
            lines = (*self.message.lines, *lines)
        if self.busy:
            lines = (self._busy_text or self.texts.get("busy"),)
        choices, page, pages = self._page_of(view, lines)
        sections, section_page, section_pages = self._sections_of(view, lines)
        if section_pages > 1:
            page, pages = section_page, section_pages
        extra = [c for c in view.choices if not (self.ctx.elder and c.group is Group.ROW)]
        if not self.busy:
            choices.extend(extra)
            if page > 0:
                choices.append(Choice(NAV_PREV, self.texts.get("nav.prev"), group=Group.NAV))
            if page < pages - 1:
                choices.append(Choice(NAV_NEXT, self.texts.get("nav.next"), group=Group.NAV))
            if view.back:
                choices.append(Choice(NAV_BACK, self.texts.get("nav.back"), group=Group.NAV))
        tone = Tone.INFO if self.busy else (self.tone if self.message else view.tone)
        speak = view.speak
        if speak is None:
            spoken = [view.title, *(c for c in (view.big_caption, view.big) if c), *lines]
            spoken += [f"{label}{value}" for label, value in view.facts]
            listed = [c.label for c in choices if c.group is Group.LIST]
            speak = "。".join(spoken) + ("。" + "，".join(listed) if listed else "")
        left = self.seconds_left()
        countdown = (
            max(0, round(left))
            if left <= self.ctx.settings.warn_seconds and not self.busy
            else None
        )
        catalog = self.ctx.catalog
        return Screen(
            journey=self.name,
            state=self.state,
            title=view.title,
            lines=lines,
            tone=tone,
            choices=tuple(choices),
            big=view.big,
            big_caption=view.big_caption,
            sections=sections,
            input=None if self.busy else view.input,
            qr=view.qr,
            personal=view.personal,
            speak=speak,
            must_speak=view.must_speak,
            busy=self.busy,
            page=page,
            pages=pages,
            page_text=self.texts.get("nav.page", page=page + 1, pages=pages) if pages > 1 else "",
            countdown=countdown,
            countdown_text=""
            if countdown is None
            else self.texts.get("nav.countdown", seconds=countdown),
            elder=self.ctx.elder,
            list_style=view.list_style,
            problem=self._problem(view, tone),
            hall=(catalog.hall_name if catalog else "") or self.ctx.hall.name,
            clock=clock_text(self.ctx.clock.now()),
            facts=() if self.busy else view.facts,
            picture="" if self.busy else view.picture,
        )
