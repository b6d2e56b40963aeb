"""A client resuming from a seq the hub never reached (the hub was restored from an older backup)
is told to start again: a ``reset`` event carrying the hub's seq, then live events."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import requests

from hub.client import HubClient, StreamEvent, parse_sse
from tests.hub.hubapp import served
from tests.timing import PATIENCE, wait_for


def _follow(client: HubClient, last: int, want: int, out: list[StreamEvent]) -> None:
    for event in client.events(last_event_id=last, read_timeout=PATIENCE):
        out.append(event)
        if len(out) >= want:
            return


def test_a_stream_resumed_ahead_of_the_hub_gets_a_reset_then_live_events(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        for _ in range(3):
            admin.issue_ticket(category="A")
        seq = admin.health().last_seq
        subscribers = admin.health().subscribers
        seen: list[StreamEvent] = []
        reader = threading.Thread(target=_follow, args=(admin, seq + 1000, 3, seen))
        reader.start()
        wait_for(lambda: admin.health().subscribers > subscribers, "the stream open")
        wait_for(lambda: len(seen) >= 1, "the reset event")
        admin.issue_ticket(category="A")
        admin.issue_ticket(category="B")
        reader.join(PATIENCE)
        assert [e.type for e in seen] == ["reset", "ticket.issued", "ticket.issued"]
        reset = seen[0]
        assert reset.seq == seq  # the id a browser resumes from next time
        assert reset.data["seq"] == seq
        assert reset.data["payload"] == {"seq": seq, "last_event_id": seq + 1000}
        assert [e.seq for e in seen[1:]] == [seq + 1, seq + 2]


@pytest.mark.parametrize("how", ["since", "last-event-id"])
def test_a_browser_stream_with_a_type_filter_still_gets_the_reset(tmp_path: Path, how: str) -> None:
    with served(tmp_path / "hub") as (hub, url):
        token = hub.admin_token_path.read_text().strip()
        HubClient(url, token).issue_ticket(category="A")
        query = f"?token={token}&types=ticket.called"
        headers = {"Last-Event-ID": "500"}
        if how == "since":
            query += "&since=500"
            headers = {}
        answer = requests.get(
            f"{url}/api/v1/events{query}", headers=headers, stream=True, timeout=PATIENCE
        )
        assert answer.status_code == 200
        lines = answer.iter_lines(decode_unicode=True)
        first = next(parse_sse(lines))
        answer.close()
        assert first.type == "reset"
        assert first.seq == 1
        assert first.data["type"] == "reset"
        assert first.data["payload"] == {"seq": 1, "last_event_id": 500}


def test_a_stream_resumed_at_the_hubs_own_seq_gets_no_reset(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        admin.issue_ticket(category="A")
        seen: list[StreamEvent] = []
        reader = threading.Thread(target=_follow, args=(admin, 1, 1, seen))
        reader.start()
        wait_for(lambda: admin.health().subscribers >= 1, "the stream open")
        admin.issue_ticket(category="A")
        reader.join(PATIENCE)
        assert [e.type for e in seen] == ["ticket.issued"]
