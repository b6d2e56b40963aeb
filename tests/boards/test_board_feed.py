"""Boards and the display against a real hub: calls shown and spoken, the LED sign follows,
the link comes back after a hub restart, and no ID number or full name ever reaches a screen."""

from __future__ import annotations

import threading
from pathlib import Path

import uvicorn

from appkit.net import free_port
from boards.announce import Announcer
from boards.board_model import BoardModel, BoardState
from boards.display_model import DisplayModel, DisplayState
from boards.feed import HubFeed, Snapshot
from boards.session import BoardSession, DisplaySession
from boards.sign import SignFollower
from config.schema import SpeechSettings
from devices.sign.service import ModbusSign, open_sign
from devices.speech.service import SpeechService
from devices.speech.text import call_text, recall_text
from hub import wire
from hub.client import HubClient
from hub.server import open_hub
from tests.boards.board_fakes import FULL_NAME, ID_NUMBER, RecordingEngine, hall_tokens
from tests.conftest import queue_hall
from tests.hub.hubapp import served
from tests.timing import PATIENCE, wait_for


def test_two_windows_calling_at_once_are_shown_and_spoken_in_order_and_the_sign_follows(
    tmp_path: Path,
) -> None:
    engine = RecordingEngine()
    speech = SpeechService(SpeechSettings(repeat=2), engine, pause_seconds=0.0)
    speech.start()
    sign = open_sign("sim://sign")
    assert isinstance(sign, ModbusSign) and sign.simulator is not None
    sign.start()
    with served(tmp_path / "hub") as (hub, url):
        hall = hall_tokens(url, hub.admin_token_path.read_text().strip())
        displayed: list[DisplayState] = []
        boarded: list[BoardState] = []
        display = DisplaySession(DisplayModel(), displayed.append, announcer=Announcer(speech))
        board = BoardSession(BoardModel(1), boarded.append, sign=SignFollower(sign))
        feeds = [
            HubFeed(HubClient(url, hall.display_token), display),
            HubFeed(HubClient(url, hall.board_token), board, window=1),
        ]
        for feed in feeds:
            feed.start()
        try:
            wait_for(lambda: all(f.connected for f in feeds))
            # Window 1 calls from A and B, window 2 from A and C: whoever calls first, window 1
            # gets the older B001 (the named citizen) and window 2 A001.
            hall.kiosk.issue_ticket(category="B", id_card={"number": ID_NUMBER, "name": FULL_NAME})
            hall.kiosk.issue_ticket(category="A")
            barrier = threading.Barrier(2)
            called: dict[int, str] = {}

            def call(window: int) -> None:
                barrier.wait()
                ticket = hall.counters[window].call_next(window)
                assert ticket is not None
                called[window] = ticket.number

            threads = [threading.Thread(target=call, args=(w,)) for w in (1, 2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(PATIENCE)
            wait_for(lambda: len(display.state.calls) == 2)
            shown = {(c.number, c.window) for c in display.state.calls}
            assert shown == {(called[1], 1), (called[2], 2)}
            wait_for(lambda: board.state.serving == called[1])
            assert sign.flush(PATIENCE) and sign.simulator.shown.strip() == called[1]

            hall.counters[1].recall(1)
            assert speech.wait_idle(PATIENCE)
            in_order = list(reversed(display.state.calls))  # the hub's commit order
            assert [c.number for c in in_order][-1] == called[1]  # the recall moved it up
            first, second = sorted(called.items(), key=lambda item: item[1])
            said = [t for t in engine.spoken[:4]]
            calls = {call_text(first[1], first[0]), call_text(second[1], second[0])}
            assert said[0] == said[1] and said[2] == said[3] and {said[0], said[2]} == calls
            assert engine.spoken[4:] == [recall_text(called[1], 1)] * 2
            assert engine.most_active == 1
        finally:
            for feed in feeds:
                feed.stop()
            speech.stop()
            sign.close()

    everything = repr(displayed) + repr(boarded)
    assert ID_NUMBER not in everything and FULL_NAME not in everything
    assert "张*三" in everything


class CountingBoard(BoardSession):
    """A board session that counts the snapshots its feed hands it."""

    snapshots = 0

    def snapshot(self, snap: Snapshot) -> None:
        self.snapshots += 1
        super().snapshot(snap)


def test_a_board_comes_back_by_itself_after_a_hub_restart(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    def start() -> tuple[object, uvicorn.Server, threading.Thread]:
        hub = open_hub(tmp_path / "hub", always_open=True, config=queue_hall())
        server = uvicorn.Server(
            uvicorn.Config(
                hub.app,
                host="127.0.0.1",
                port=port,
                log_level="warning",
                timeout_graceful_shutdown=1,
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        wait_for(lambda: server.started, "the hub serving")
        return hub, server, thread

    def stop(hub: object, server: uvicorn.Server, thread: threading.Thread) -> None:
        server.should_exit = True
        thread.join(PATIENCE)
        hub.store.close()  # type: ignore[attr-defined]

    running = start()
    hall = hall_tokens(url, (tmp_path / "hub" / "admin.token").read_text().strip())
    hall.kiosk.issue_ticket(category="A")
    hall.kiosk.issue_ticket(category="A")
    links: list[bool] = []
    board = CountingBoard(BoardModel(1), lambda s: links.append(s.connected))
    feed = HubFeed(HubClient(url, hall.board_token), board, window=1, retry_seconds=0.2)
    feed.start()
    try:
        wait_for(lambda: feed.connected)
        first = hall.counters[1].call_next(1)
        assert first is not None
        wait_for(lambda: board.state.serving == first.number)
        stop(*running)
        wait_for(lambda: not feed.connected, "the board seeing the hub gone")
        assert not board.state.connected
        running = start()
        wait_for(lambda: feed.connected, "the board back")
        counter = HubClient(url, hall.counters[1].token)
        counter.finish(1)
        snapshots = board.snapshots
        second = counter.call_next(1)
        assert second is not None
        wait_for(lambda: board.state.serving == second.number)
        # Live from the restarted hub's stream, not from a later reconnect's snapshot.
        assert board.snapshots == snapshots
        before_stop = list(links)
    finally:
        feed.stop()
        stop(*running)
    assert False in before_stop and before_stop[-1] is True


class StuckHub:
    """A hub client whose first request hangs until released, as one stuck in the network that
    closing the client does not end."""

    base_url, token, timeout = "http://hub.invalid", "t", 1.0

    def __init__(self) -> None:
        self.asked = threading.Event()
        self.release = threading.Event()

    def health(self) -> wire.Health:
        self.asked.set()
        self.release.wait()
        return wire.Health(status="ok", hall="h", name="测试大厅", last_seq=0)

    def catalog(self) -> wire.Catalog:
        return wire.Catalog(version="v", hall=wire.CatalogHall(id="h", name="测试大厅"))

    def window(self, number: int) -> wire.WindowState:
        return wire.WindowState(number=number, name="", categories=[], status="idle")

    def events(self, last_event_id: int | None = None, read_timeout: float = 0) -> list[object]:
        return []

    def close(self) -> None:
        pass


def test_a_stopped_feed_tells_its_listener_nothing_even_if_its_thread_was_stuck() -> None:
    heard: list[object] = []
    hub = StuckHub()
    feed = HubFeed(hub, BoardSession(BoardModel(1), heard.append), window=1)  # type: ignore[arg-type]
    feed.start()
    wait_for(hub.asked.is_set, "the feed asking the hub")
    feed.stop(timeout=0.01)  # returns with the thread still stuck in its request
    assert feed.running
    hub.release.set()  # the request comes back after all: snapshot, link up, stream ended
    wait_for(lambda: not feed.running, "the feed's thread ending by itself")
    assert heard == []
