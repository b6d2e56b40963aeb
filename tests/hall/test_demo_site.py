"""The demo hall's machinery: central and an enrolled hub on one machine, tokens per box, and a
WAN outage that loses nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from config import load_config
from hall.demo.site import BOXES, CENTRAL_ACCOUNT, DEMO_REGIONS, DemoSite
from hub.client import HubClient
from sync.central.console.accounts import ConsoleAccounts
from tests.timing import PATIENCE


@pytest.fixture
def site(tmp_path: Path) -> Iterator[DemoSite]:
    site = DemoSite(tmp_path / "demo")
    yield site
    site.stop()


def test_every_box_has_a_section_and_a_token_the_hub_accepts(site: DemoSite) -> None:
    site.start()
    config = load_config(site.config_path)
    for box in BOXES:
        assert config.devices[box.name].role == box.role
        client = HubClient(site.hub_url, site.token(box))
        try:
            assert client.request("GET", "/whoami")["role"] == box.token_role
        finally:
            client.close()
    assert site.central is not None and site.hall_id is not None
    store = site.central.store()
    try:  # central knows the hall's region and has its console account
        assert store.hall(site.hall_id).region == DEMO_REGIONS[-1][0]
        assert ConsoleAccounts(store).get(CENTRAL_ACCOUNT) is not None
    finally:
        store.close()


def test_tickets_taken_while_the_wan_is_down_reach_central_when_it_returns(site: DemoSite) -> None:
    site.start()
    kiosk = HubClient(site.hub_url, site.token(BOXES[0]))
    try:
        kiosk.issue_ticket(category="A")
        assert site.wait_synced(PATIENCE)
        site.wan_down()
        numbers = [kiosk.issue_ticket(category="B").number for _ in range(5)]
        assert numbers == ["B001", "B002", "B003", "B004", "B005"]
        site.wan_up()
        assert site.wait_synced(PATIENCE)
    finally:
        kiosk.close()
    check = site.sync_check()
    assert check.nothing_lost, check
    assert check.hub_events == check.central_events >= 6


def test_a_second_start_resumes_with_the_same_central_and_credential(tmp_path: Path) -> None:
    first = DemoSite(tmp_path / "demo")
    first.start()
    kiosk = HubClient(first.hub_url, first.token(BOXES[0]))
    kiosk.issue_ticket(category="A")
    kiosk.close()
    assert first.wait_synced(PATIENCE)
    first.stop()
    again = DemoSite(tmp_path / "demo")
    try:
        again.start()
        kiosk = HubClient(again.hub_url, again.token(BOXES[0]))
        assert kiosk.issue_ticket(category="A").number == "A002"
        kiosk.close()
        assert again.wait_synced(PATIENCE)
        assert again.sync_check().nothing_lost
    finally:
        again.stop()
