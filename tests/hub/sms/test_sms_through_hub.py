"""SMS through a real hub process and a fake gateway process: exactly one 即将到号 and one call
message per ticket reaches the gateway across a hub kill -9 (after the gateway took a message,
before the hub heard so) and across a gateway outage, where the 即将到号 that became pointless
are dropped and recorded instead of sent late."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from hall.hubprocess import HubProcess
from hub import wire
from hub.client import HubClient
from hub.sms.gateways import write_secret
from tests.conftest import queue_hall_data
from tests.hub.sms.helpers import SECRET, FakeGateway
from tests.timing import PATIENCE, wait_for

pytestmark = pytest.mark.slow

PHONES = ["13800000001", "13800000002", "13800000003", "13800000004"]


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[FakeGateway]:
    fake = FakeGateway(tmp_path)
    yield fake
    fake.stop()


@pytest.fixture
def hub(tmp_path: Path, gateway: FakeGateway) -> Iterator[HubProcess]:
    data = queue_hall_data()
    data["sms"] = {
        "gateway": "webhook",
        "endpoint": f"http://127.0.0.1:{gateway.port}/sms",
        "near_ahead": 2,
        "timeout_seconds": 30,
        "retry_base_seconds": 0.05,
        "retry_cap_seconds": 0.2,
    }
    config = tmp_path / "hall.toml"
    config.write_text(tomli_w.dumps(data), encoding="utf-8")
    folder = tmp_path / "hub"
    folder.mkdir(mode=0o700)
    write_secret(folder, SECRET)
    process = HubProcess(folder, config, log_path=tmp_path / "hub.log")
    yield process
    process.kill()


def _outbox(hub: HubProcess) -> list[dict[str, Any]]:
    uri = (hub.data_dir / "hub.db").as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM sms_outbox ORDER BY id")]


def _clients(hub: HubProcess) -> tuple[HubClient, HubClient]:
    admin = hub.client()
    try:
        kiosk = admin.add_device("kiosk", "kiosk-1", None)["token"]
        counter = admin.add_device("counter", "counter-3", 3)["token"]
    finally:
        admin.close()
    return hub.client(kiosk), hub.client(counter)


def _four_tickets_with_phones(kiosk: HubClient) -> list[wire.Ticket]:
    tickets = [kiosk.issue_ticket(category="D") for _ in PHONES]  # only window 3 serves D
    for ticket, phone in zip(tickets, PHONES, strict=True):
        answer = kiosk.subscribe_sms(ticket.id, phone)
        assert answer.phone_masked == f"{phone[:3]}****{phone[-4:]}"
    return tickets


def _per_ticket(received: list[dict[str, Any]], phones: list[str]) -> dict[str, list[str]]:
    return {phone: sorted(r["kind"] for r in received if r["phone"] == phone) for phone in phones}


def test_one_near_and_one_call_per_ticket_across_a_hub_kill_between_send_and_record(
    hub: HubProcess, gateway: FakeGateway
) -> None:
    gateway.hold.touch()  # the gateway takes the first message and keeps the hub waiting
    gateway.start()
    hub.start()
    kiosk, counter = _clients(hub)
    _four_tickets_with_phones(kiosk)
    counter.call_next(3)  # the 1st: its call; the 2nd, 3rd and 4th are 0, 1 and 2 ahead
    wait_for(lambda: len(gateway.received()) == 1, "the gateway took the first message")
    assert [r["state"] for r in _outbox(hub)] == ["queued"] * 4  # the hub never heard back
    hub.kill()
    gateway.hold.unlink()
    hub.start()  # the same message goes again, then the three 即将到号
    kiosk, counter = _clients(hub)
    wait_for(lambda: len(gateway.received()) == 4, "the queued messages after the restart")
    for sent in (5, 6, 7):  # finished only once its call went (else that call is pointless)
        counter.finish(3)
        counter.call_next(3)
        wait_for(lambda n=sent: len(gateway.received()) == n, "the next ticket's call")
    assert _per_ticket(gateway.received(), PHONES) == {
        PHONES[0]: ["call"],
        PHONES[1]: ["call", "near"],
        PHONES[2]: ["call", "near"],
        PHONES[3]: ["call", "near"],
    }
    first = _outbox(hub)[0]
    assert [d["id"] for d in gateway.duplicates()] == [first["message_id"]]  # deduplicated
    wait_for(lambda: all(r["state"] == "sent" for r in _outbox(hub)), "every message sent")
    kiosk.close()
    counter.close()


def test_a_gateway_outage_drops_the_stale_near_messages_and_sends_the_rest_once(
    hub: HubProcess, gateway: FakeGateway
) -> None:
    hub.start()  # the gateway is down: nothing listens on its port
    kiosk, counter = _clients(hub)
    tickets = _four_tickets_with_phones(kiosk)
    counter.call_next(3)
    wait_for(
        lambda: _outbox(hub) and _outbox(hub)[0]["attempts"] >= 2, "the hub retries the gateway"
    )
    admin = hub.client()
    for window, ticket in ((1, tickets[1]), (2, tickets[2])):  # calls go on meanwhile
        admin.call_number(window, ticket.number)
    admin.close()
    gateway.start()
    wait_for(
        lambda: all(r["state"] != "queued" for r in _outbox(hub)), "the queue empties", PATIENCE
    )
    rows = _outbox(hub)
    dropped = [(r["kind"], r["phone"], r["drop_reason"]) for r in rows if r["state"] == "dropped"]
    assert dropped == [("near", PHONES[1], "called"), ("near", PHONES[2], "called")]
    counter.finish(3)
    counter.call_next(3)
    wait_for(lambda: len(gateway.received()) == 5, "the 4th ticket's call")
    assert _per_ticket(gateway.received(), PHONES) == {
        PHONES[0]: ["call"],
        PHONES[1]: ["call"],
        PHONES[2]: ["call"],
        PHONES[3]: ["call", "near"],
    }
    assert gateway.duplicates() == []
    kiosk.close()
    counter.close()
