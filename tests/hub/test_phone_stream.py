"""The phone pages' live stream on a real server: a followed ticket's view arrives after each
change, streams are capped, and a stream ends by itself so a vanished phone holds nothing."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from hub.client import HubClient
from hub.phone.stream import PhoneStreams
from hub.server import Hub
from tests.hub.hubapp import served
from tests.timing import PATIENCE, wait_for


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[tuple[Hub, str, HubClient, HubClient]]:
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        kiosk = HubClient(url, admin.add_device("kiosk", "k")["token"])
        counter = HubClient(url, admin.add_device("counter", "c1", 1)["token"])
        yield hub, url, kiosk, counter


def streams_of(hub: Hub) -> PhoneStreams:
    streams = hub.app.state.phone_streams
    assert isinstance(streams, PhoneStreams)
    return streams


def views(response: requests.Response) -> Iterator[dict[str, Any]]:
    for line in response.iter_lines(decode_unicode=True):
        if line.startswith("data: "):
            yield json.loads(line[len("data: ") :])


def test_a_followed_ticket_hears_each_move_of_its_queue_and_its_call(
    hall: tuple[Hub, str, HubClient, HubClient],
) -> None:
    _hub, _url, kiosk, counter = hall
    first = kiosk.issue_ticket(category="A")
    mine = kiosk.issue_ticket(category="A")
    other = kiosk.issue_ticket(category="B")  # another queue: its moves do not matter here
    with requests.get(mine.phone_url + "/events", stream=True, timeout=PATIENCE) as answer:
        assert answer.headers["content-type"].startswith("text/event-stream")
        seen = views(answer)
        assert next(seen)["ahead"] == 1
        assert counter.call_next(1).number == first.number
        now = next(seen)
        assert (now["status"], now["ahead"]) == ("waiting", 0)
        assert first.number not in json.dumps(now) and other.number not in json.dumps(now)
        counter.finish(1)
        assert counter.call_next(1).number == mine.number
        called = next(seen)
        assert (called["status"], called["window"]) == ("called", 1)


def test_streams_are_capped_per_ticket_and_in_all(
    hall: tuple[Hub, str, HubClient, HubClient],
) -> None:
    hub, _url, kiosk, _ = hall
    streams = streams_of(hub)
    ticket = kiosk.issue_ticket(category="A")
    opened = []
    try:
        for _ in range(streams.per_ticket):
            answer = requests.get(ticket.phone_url + "/events", stream=True, timeout=PATIENCE)
            assert answer.status_code == 200
            opened.append(answer)
        wait_for(lambda: streams.open_pages == streams.per_ticket, "the pages open")
        extra = requests.get(ticket.phone_url + "/events", timeout=PATIENCE)
        assert extra.status_code == 429 and extra.headers["retry-after"]
        streams.max_streams = streams.per_ticket
        another = kiosk.issue_ticket(category="A")
        full = requests.get(another.phone_url + "/events", timeout=PATIENCE)
        assert (full.status_code, full.json()["error"]) == (503, "phone_streams_full")
        assert requests.get(another.phone_url + "/state", timeout=PATIENCE).status_code == 200
    finally:
        for answer in opened:
            answer.close()
    wait_for(lambda: streams.open_pages == 0, "closed pages forgotten")


def test_a_phone_that_went_away_holds_nothing_once_its_stream_has_lived(
    hall: tuple[Hub, str, HubClient, HubClient],
) -> None:
    hub, url, kiosk, _ = hall
    streams = streams_of(hub)
    streams.life, streams.grace = 1.0, 0.5  # 45 s and 10 s in service
    ticket = kiosk.issue_ticket(category="A")
    path = ticket.phone_url[len(url) :]
    host, port = url[len("http://") :].split(":")
    # A phone whose Wi-Fi is gone: the request was sent, then nothing is ever read or closed.
    vanished = socket.create_connection((host, int(port)))
    try:
        vanished.sendall(f"GET {path}/events HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        wait_for(lambda: streams.open_pages == 1, "the stream open")
        wait_for(lambda: streams.open_pages == 0, "the stream ended by itself")
    finally:
        vanished.close()


def test_a_stream_asks_for_renewal_and_carries_views_until_its_grace_ends(
    hall: tuple[Hub, str, HubClient, HubClient],
) -> None:
    hub, _url, kiosk, counter = hall
    streams = streams_of(hub)
    streams.life, streams.grace = 0.5, 30.0
    kiosk.issue_ticket(category="A")
    mine = kiosk.issue_ticket(category="A")
    with requests.get(mine.phone_url + "/events", stream=True, timeout=PATIENCE) as answer:
        lines = answer.iter_lines(decode_unicode=True)
        while next(lines) != "event: renew":  # waits for it (the read timeout guards)
            pass
        counter.call_next(1)  # after the renewal request, the old stream still carries views
        data = next(line for line in lines if line.startswith('data: {"'))
        assert json.loads(data[len("data: ") :])["ahead"] == 0
