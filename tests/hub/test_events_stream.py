"""The live event stream: ids are outbox seqs, types name what happened, resuming loses nothing."""

from __future__ import annotations

import threading
from pathlib import Path

import requests

from hub.client import HubClient, StreamEvent, parse_sse
from tests.hub.hubapp import served
from tests.timing import PATIENCE


def _collect(
    client: HubClient,
    want: int,
    out: list[StreamEvent],
    last: int | None = None,
    ready: threading.Event | None = None,
) -> None:
    stream = client.events(last_event_id=last, read_timeout=10)
    if ready is not None:
        ready.set()
    for event in stream:
        out.append(event)
        if len(out) >= want:
            return


def test_a_call_reaches_a_subscribed_display_with_its_seq_and_type(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        kiosk = HubClient(url, admin.add_device("kiosk", "k1")["token"])
        counter = HubClient(url, admin.add_device("counter", "c1", 1)["token"])
        display = HubClient(url, admin.add_device("display", "d1")["token"])
        start = hub.engine.last_seq()  # after the devices' own events (audited adds)
        kiosk.issue_ticket(category="A")
        seen: list[StreamEvent] = []
        # Resume from before the ticket so the test does not race the subscription: the issued
        # event is replayed.
        reader = threading.Thread(target=_collect, args=(display, 3, seen, start))
        reader.start()
        called = counter.call_next(1)
        reader.join(PATIENCE)
        assert called is not None
        assert [e.type for e in seen] == ["ticket.issued", "ticket.called", "window.status"]
        assert [e.seq for e in seen] == [start + 1, start + 2, start + 3]
        assert seen[1].payload["ticket"]["number"] == "A001"
        assert seen[1].payload["window"] == 1


def test_resuming_with_last_event_id_replays_exactly_what_was_missed(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        for _ in range(5):
            admin.issue_ticket(category="B")
        replay: list[StreamEvent] = []
        _collect(admin, 3, replay, last=2)
        assert [e.seq for e in replay] == [3, 4, 5]
        assert all(e.type == "ticket.issued" for e in replay)


def test_live_events_follow_the_replay_without_gaps_or_repeats(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        for _ in range(3):
            admin.issue_ticket(category="C")
        seen: list[StreamEvent] = []
        reader = threading.Thread(target=_collect, args=(admin, 23, seen, 0))
        reader.start()
        for _ in range(20):
            admin.issue_ticket(category="C")
        reader.join(PATIENCE)
        assert [e.seq for e in seen] == list(range(1, 24))


def test_a_browser_can_subscribe_with_the_token_in_the_url_and_filter_types(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (hub, url):
        token = hub.admin_token_path.read_text().strip()
        admin = HubClient(url, token)
        admin.issue_ticket(category="A")
        admin.call_next(1)
        response = requests.get(
            f"{url}/api/v1/events",
            params={"token": token, "since": 0, "types": "ticket.called"},
            stream=True,
            timeout=10,
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(response.iter_lines(decode_unicode=True))
        first = next(events)
        response.close()
        assert first.type == "ticket.called"
        assert first.seq == 2


def test_the_stream_refuses_a_missing_token(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (_, url):
        answer = requests.get(f"{url}/api/v1/events", timeout=5)
        assert answer.status_code == 401
        assert answer.json()["error"] == "no_token"
