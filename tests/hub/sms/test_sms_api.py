"""The SMS routes through a served hub: what the kiosk learns, and a phone given or refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from config import HallConfig
from hub.client import HubClient, HubRefused
from hub.sms.gateways import write_secret
from kiosk.hub_adapter import HubClientPort
from kiosk.ports import TicketRequest
from tests.hub.hubapp import served
from tests.hub.sms.helpers import WEBHOOK


def _kiosk(hub_admin: HubClient) -> str:
    return str(hub_admin.add_device("kiosk", "kiosk-1", None)["token"])


def test_a_hall_with_sms_tells_the_kiosk_and_keeps_a_waiting_tickets_phone(
    tmp_path: Path, hall_with: Callable[..., HallConfig]
) -> None:
    folder = tmp_path / "hub"
    folder.mkdir(mode=0o700)
    write_secret(folder, "k")
    with served(folder, config=hall_with(sms=WEBHOOK)) as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        kiosk = HubClient(url, _kiosk(admin))
        assert kiosk.request("GET", "/sms") == {"enabled": True, "near_ahead": 2, "reason": None}
        port = HubClientPort(kiosk, tmp_path / "kiosk")
        assert port.issue_ticket(TicketRequest(category="A")).sms  # the kiosk offers 短信提醒
        ticket = kiosk.issue_ticket(category="D")
        answer = kiosk.subscribe_sms(ticket.id, "13812345678")
        assert answer.model_dump() == {"ticket_id": ticket.id, "number": ticket.number,
                          "phone_masked": "138****5678", "near_ahead": 2}  # fmt: skip
        with pytest.raises(HubRefused) as bad:
            kiosk.subscribe_sms(ticket.id, "1381234567")
        assert (bad.value.status, bad.value.code) == (422, "bad_phone")
        assert "11位手机号码" in bad.value.message
        with pytest.raises(HubRefused) as unknown:
            kiosk.subscribe_sms("nope", "13812345678")
        assert unknown.value.status == 404
        admin.close()
        kiosk.close()


def test_a_gateway_without_its_secret_leaves_sms_off_and_the_hub_serving(
    tmp_path: Path, hall_with: Callable[..., HallConfig]
) -> None:
    with served(tmp_path / "hub", config=hall_with(sms=WEBHOOK)) as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        kiosk = HubClient(url, _kiosk(admin))
        status = kiosk.request("GET", "/sms")
        assert status["enabled"] is False and "sms-secret.json" in status["reason"]
        port = HubClientPort(kiosk, tmp_path / "kiosk")
        assert not port.issue_ticket(TicketRequest(category="A")).sms
        ticket = kiosk.issue_ticket(category="D")  # the queue does not need SMS
        with pytest.raises(HubRefused) as off:
            kiosk.subscribe_sms(ticket.id, "13812345678")
        assert (off.value.status, off.value.code) == (409, "sms_off")
        admin.close()
        kiosk.close()
