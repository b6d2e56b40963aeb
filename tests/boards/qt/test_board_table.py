"""One table of what happens at window 1 and what its board then shows, run against both boards:
the Qt board (BoardModel fed by HubFeed and drawn by BoardView, as ``hall board`` runs them) and
the web board (``/board/1``, for Android TVs) in headless chromium. Both follow a real hub; after
each step each board must come to show the row's status line, number, citizen and rating box.

A few rows put events into the hub's stream that no hub sends (a payload its model in
hub.wire_events cannot read): both boards skip them and keep what they show."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from boards.board_model import BoardModel
from boards.feed import HubFeed
from boards.qt.board import BoardView
from boards.session import BoardSession
from config import HallConfig
from config.sample import DEMO_STAFF_PIN
from hub.board_texts import text
from hub.client import HubClient
from hub.server import Hub
from tests.boards.board_fakes import FULL_NAME, ID_NUMBER, HallTokens, hall_tokens
from tests.browser import chromium, needs_chromium
from tests.hub.hubapp import served
from tests.timing import wait_for


@dataclass(frozen=True)
class Shown:
    """What a board shows of the window's state (the texts of the shared catalog)."""

    status: str
    number: str
    citizen: str
    rating: bool
    clerk: str


CLERK = "王丽华"  # staff 1001 of the sample hall
IDLE, SERVING = text("status_idle"), text("status_serving")
NONE = text("no_ticket")
FIRST = Shown(IDLE, NONE, "", False, text("no_clerk"))


def showing(
    status: str, number: str = NONE, citizen: str = "", rating: bool = False, clerk: str = CLERK
) -> Shown:
    return Shown(status, number, citizen, rating, clerk)


def paused(reason: str) -> str:
    return text("status_paused") + text("pause_reason", reason=reason)


@dataclass(frozen=True)
class Emit:
    """A step that writes events into the hub's outbox and stream as they are, unchecked."""

    events: tuple[tuple[str, dict[str, Any]], ...]

    def into(self, hub: Hub) -> None:
        with hub.store.lock:
            with hub.store.write() as db:
                written = [hub.engine.outbox.append(db, kind, body) for kind, body in self.events]
            hub.engine.announce(written)


UNREADABLE = Emit(
    (
        ("ticket.called", {"window": 1, "ticket": {"number": "B099"}}),  # a ticket without its id
        ("window.status", {"number": 1, "status": "idle"}),  # no name, no categories
        ("window.clerk", {"window": 1, "clerk": "李四"}),  # a clerk that is not an object
        ("ticket.finished", {"window": "1", "ticket": None}),
        # Last, one the boards can read (the rating box comes up): both read the ones before.
        (
            "rating.requested",
            {"ticket_id": "t", "number": "B001", "window": 1, "expires_at": "2099-01-01T00:00:00Z"},
        ),
    )
)


def _id_ticket(hall: HallTokens) -> object:
    return hall.kiosk.issue_ticket(category="B", id_card={"number": ID_NUMBER, "name": FULL_NAME})


# (what happens, then what window 1's board shows). Tickets are numbered per category from 1 in
# a new hub: the ID-card ticket is B001 (its citizen shown masked), the other B002; window 1 calls
# categories A and B, window 2 A and C. The hall's keypad waits 5 s for a rating.
STEPS: list[tuple[str, Callable[[HallTokens], object] | Emit, Shown]] = [
    ("a clerk signs in", lambda h: h.counters[1].sign_in(1, "1001", DEMO_STAFF_PIN), showing(IDLE)),
    ("a ticket with an ID card is issued", _id_ticket, showing(IDLE)),
    ("a ticket without one", lambda h: h.kiosk.issue_ticket(category="B"), showing(IDLE)),
    ("a ticket for window 2's items", lambda h: h.kiosk.issue_ticket(category="C"), showing(IDLE)),
    ("window 1 calls", lambda h: h.counters[1].call_next(1), showing(SERVING, "B001", "张*三")),
    ("window 1 calls again", lambda h: h.counters[1].recall(1), showing(SERVING, "B001", "张*三")),
    ("window 2 calls", lambda h: h.counters[2].call_next(2), showing(SERVING, "B001", "张*三")),
    ("unreadable events", UNREADABLE, showing(SERVING, "B001", "张*三", rating=True)),
    ("window 1 finishes", lambda h: h.counters[1].finish(1), showing(IDLE, rating=True)),
    ("nobody rates: the prompt runs out (5 s)", lambda h: None, showing(IDLE)),
    ("window 1 pauses", lambda h: h.counters[1].pause(1, "系统维护"), showing(paused("系统维护"))),
    ("window 1 resumes", lambda h: h.counters[1].resume(1), showing(IDLE)),
    ("window 1 calls", lambda h: h.counters[1].call_next(1), showing(SERVING, "B002")),
    ("nobody comes: window 1 skips", lambda h: h.counters[1].skip(1), showing(IDLE)),
    ("the clerk signs out", lambda h: h.counters[1].sign_out(1), FIRST),
]


def _qt_shown(view: BoardView) -> Shown:
    """What the Qt board's labels show."""
    return Shown(
        view.status.text(),
        view.number.text(),
        view.citizen.text(),
        not view.rating_box.isHidden(),
        view.clerk_name.text(),
    )


WEB_SHOWN = """JSON.stringify({
  status: document.getElementById('status').textContent,
  number: document.getElementById('number').textContent,
  citizen: document.getElementById('citizen').textContent,
  rating: document.getElementById('rating').style.display !== 'none',
  clerk: document.getElementById('clerk-name').textContent
})"""


@contextmanager
def _qt_board(url: str, hall: HallTokens) -> Iterator[Callable[[], Shown]]:
    view = BoardView()
    session = BoardSession(BoardModel(1), lambda _: None)
    feed = HubFeed(HubClient(url, hall.board_token), session, window=1, retry_seconds=0.05)
    feed.start()
    try:
        wait_for(lambda: feed.connected, "the Qt board's feed connected")

        def shown() -> Shown:
            session.tick()  # as the app's one-second ticker does
            view.show_state(session.state)  # as the app's queued signal does, on this thread
            return _qt_shown(view)

        yield shown
    finally:
        feed.stop()
        view.close()


@contextmanager
def _web_board(url: str, hall: HallTokens, profile: Path) -> Iterator[Callable[[], Shown]]:
    subscribers = hall.admin.health().subscribers
    with chromium(profile) as browser:
        browser.open(f"{url}/board/1?token={hall.board_token}")
        wait_for(lambda: hall.admin.health().subscribers > subscribers, "the web board live")
        yield lambda: Shown(**json.loads(browser.eval(WEB_SHOWN)))


def _board(
    kind: str, url: str, hall: HallTokens, tmp_path: Path
) -> AbstractContextManager[Callable[[], Shown]]:
    return _qt_board(url, hall) if kind == "qt" else _web_board(url, hall, tmp_path / "profile")


@pytest.mark.parametrize("kind", ["qt", pytest.param("web", marks=needs_chromium)])
def test_the_board_shows_each_row_of_the_table(
    kind: str, tmp_path: Path, hall_with: Callable[..., HallConfig], qtbot: QtBot
) -> None:
    config = hall_with(rating={"keypad_timeout_seconds": 5})
    with served(tmp_path / "hub", config=config) as (hub, url):
        hall = hall_tokens(url, hub.admin_token_path.read_text().strip())
        with _board(kind, url, hall, tmp_path) as shown:
            wait_for(lambda: shown() == FIRST, f"the {kind} board idle at first")
            for what, act, expected in STEPS:
                if isinstance(act, Emit):
                    act.into(hub)
                else:
                    act(hall)
                try:
                    wait_for(lambda e=expected: shown() == e, f"the {kind} board after: {what}")
                except AssertionError:
                    pytest.fail(f"{kind} board after {what!r}: {shown()} != {expected}")
