"""A Qt board's feed that resumes ahead of the hub (the hub was restored from an older backup
between its snapshot and its stream) takes a fresh snapshot on the hub's ``reset`` and shows the
calls that follow."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from boards.board_model import BoardModel, BoardState
from boards.feed import HubFeed, Snapshot
from boards.session import BoardSession
from hub.client import HubClient, StreamEvent
from tests.boards.board_fakes import hall_tokens
from tests.hub.hubapp import served
from tests.timing import wait_for


class AheadOnce(HubClient):
    """A client whose first stream resumes 1000 events past what it was asked for, as after a
    restore from backup between a feed's snapshot and its stream."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.streams = 0

    def events(
        self, last_event_id: int | None = None, read_timeout: float = 30.0
    ) -> Iterator[StreamEvent]:
        self.streams += 1
        if self.streams == 1 and last_event_id is not None:
            last_event_id += 1000
        return super().events(last_event_id, read_timeout)


class Recording(BoardSession):
    def __init__(self, states: list[BoardState]) -> None:
        super().__init__(BoardModel(1), states.append)
        self.snapshots: list[Snapshot] = []
        self.types: list[str] = []

    def snapshot(self, snap: Snapshot) -> None:
        self.snapshots.append(snap)
        super().snapshot(snap)

    def event(self, event: StreamEvent) -> None:
        self.types.append(event.type)
        super().event(event)


def test_a_feed_resumed_ahead_of_the_hub_resnapshots_on_reset_and_shows_calls(
    tmp_path: Path,
) -> None:
    with served(tmp_path / "hub") as (hub, url):
        hall = hall_tokens(url, hub.admin_token_path.read_text().strip())
        hall.kiosk.issue_ticket(category="A")
        states: list[BoardState] = []
        board = Recording(states)
        client = AheadOnce(url, hall.board_token)
        feed = HubFeed(client, board, window=1, retry_seconds=0.05)
        feed.start()
        try:
            wait_for(lambda: client.streams >= 2, "a second stream after the reset")
            assert board.types[0] == "reset"
            assert len(board.snapshots) >= 2
            wait_for(lambda: feed.connected, "the feed connected again")
            ticket = hall.counters[1].call_next(1)
            assert ticket is not None
            wait_for(lambda: board.state.serving == ticket.number, "the board showing the call")
        finally:
            feed.stop()
