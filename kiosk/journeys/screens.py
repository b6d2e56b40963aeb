"""What a kiosk screen is, as plain data: the journeys build it, the views draw it.

A journey describes its state as a :class:`View` (title, lines, a :class:`Listing` to page,
choices, a big number, an input field); :class:`kiosk.journeys.base.Journey` composes the
:class:`Screen` a view draws (paging, speech text, countdown, navigation). No I/O, no Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from kiosk.layout import ListStyle


class Group(StrEnum):
    """Where a choice goes on the screen."""

    LIST = "list"  # the main list: paged (fewer per page in elder mode)
    ROW = "row"  # a short row beside it (popular items, departments); hidden in elder mode
    ACTION = "action"  # buttons of this screen (confirm, print, take a ticket)
    NAV = "nav"  # previous / next page, back


class Tone(StrEnum):
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"  # it worked, but something needs the citizen's attention
    ERROR = "error"  # it did not work; the lines say what to do


@dataclass(frozen=True)
class Choice:
    """One thing to tap: ``id`` goes back in ``tap``; ``label`` and ``hint`` are shown."""

    id: str
    label: str
    hint: str = ""
    group: Group = Group.LIST
    enabled: bool = True


@dataclass(frozen=True)
class Section:
    """A titled block of text (a guide's 申请材料, 办理流程, …)."""

    title: str
    lines: tuple[str, ...]
    column: int = 0  # which column of a landscape page it is drawn in


InputKind = Literal["pinyin", "digits", "phone", "ticket_number", "code", "pin"]


@dataclass(frozen=True)
class InputField:
    """The built-in keyboard's field: which keyboard, what is typed so far."""

    kind: InputKind
    text: str
    prompt: str
    masked: bool = False  # a staff PIN: show dots


@dataclass(frozen=True)
class Problem:
    """What went wrong, as an error screen shows it: the sentence, what the citizen typed (if
    anything) and the specific facts (the opening hours, the appointment's date, when check-in
    opens)."""

    sentence: str
    typed: str = ""
    facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class HomeInfo:
    """What only the home screen shows: the welcome, the opening hours, the hall's phone, where
    to put the ID card, and whether taking a ticket works now."""

    welcome: str
    hours: str
    phone: str
    card_hint: str
    ticket_machine: bool  # a ticket machine: 取号 dominates
    can_take_ticket: bool = True


@dataclass(frozen=True)
class Screen:
    """Everything a view needs to draw one screen (plain data, no widgets)."""

    journey: str
    state: str
    title: str
    lines: tuple[str, ...] = ()
    tone: Tone = Tone.INFO
    choices: tuple[Choice, ...] = ()
    big: str | None = None  # shown very large: the ticket number
    big_caption: str | None = None
    sections: tuple[Section, ...] = ()
    input: InputField | None = None
    qr: str | None = None
    personal: bool = False  # personal data (a masked name, a phone number) is on screen
    speak: str = ""  # what to read aloud (elder mode, or always when ``must_speak``)
    must_speak: bool = False  # read aloud even outside elder mode (the ticket did not print)
    busy: bool = False
    page: int = 0
    pages: int = 1
    page_text: str = ""  # 第1/3页, when there is more than one page
    countdown: int | None = None  # seconds to going home, when the idle warning is on
    countdown_text: str = ""
    banners: tuple[str, ...] = ()  # kiosk-wide notices (hub away, printer away), from the app
    elder: bool = False
    list_style: ListStyle = "tiles"  # tiles (categories, departments) or rows (item names)
    problem: Problem | None = None  # an error screen's sentence, what was typed, the facts
    home: HomeInfo | None = None  # set on the home screen only
    hall: str = ""  # the hall's name, in the header of every screen
    clock: str = ""  # 12月7日 星期一 10:26, in the hall's time zone
    facts: tuple[tuple[str, str], ...] = ()  # label and value rows (an issued ticket's details)
    picture: str = ""  # "card": where to put the ID card (drawn by the view)


@dataclass
class Listing:
    """The main list of a screen: ``total`` choices, fetched a page at a time."""

    total: int
    fetch: Callable[[int, int], Sequence[Choice]]

    @classmethod
    def of(cls, choices: Sequence[Choice]) -> Listing:
        items = list(choices)
        return cls(len(items), lambda start, count: items[start : start + count])


@dataclass
class View:
    """What a journey says about its current state; the base adds paging and the rest."""

    title: str
    lines: tuple[str, ...] = ()
    tone: Tone = Tone.INFO
    listing: Listing | None = None
    choices: tuple[Choice, ...] = ()  # not paged (rows, actions)
    big: str | None = None
    big_caption: str | None = None
    sections: tuple[Section, ...] = ()
    input: InputField | None = None
    qr: str | None = None
    personal: bool = False
    speak: str | None = None  # None: title, big number and lines
    must_speak: bool = False
    back: bool = True
    list_style: ListStyle = "tiles"
    facts: tuple[tuple[str, str], ...] = ()
    problem: Problem | None = None  # None: the base builds one from an error message
    picture: str = ""
