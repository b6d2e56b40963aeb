"""An ``Idempotency-Key`` belongs to the device that sent it and to the request it came with:
another kiosk reusing it gets its own ticket (never the first kiosk's citizen), and the same
kiosk reusing it for a different request is refused with 422."""

from __future__ import annotations

from pathlib import Path

import requests

from hub.client import HubClient
from hub.tables import ALL_MIGRATIONS
from sync.store import Store
from tests.boards.board_fakes import FULL_NAME, ID_NUMBER
from tests.hub.hubapp import served


def _issue(url: str, token: str, key: str, body: dict[str, object]) -> requests.Response:
    return requests.post(
        f"{url}/api/v1/tickets",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        timeout=10,
    )


def test_another_kiosk_reusing_a_key_gets_its_own_ticket_not_the_first_citizens(
    tmp_path: Path,
) -> None:
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        first = admin.add_device("kiosk", "kiosk-1")["token"]
        other = admin.add_device("kiosk", "kiosk-2")["token"]
        body = {"category": "B", "id_card": {"number": ID_NUMBER, "name": FULL_NAME}}
        mine = _issue(url, first, "key-1", body)
        assert mine.status_code == 201
        assert mine.json()["name_masked"]

        theirs = _issue(url, other, "key-1", {"category": "A"})
        assert theirs.status_code == 201
        assert theirs.json()["id"] != mine.json()["id"]
        assert theirs.json()["number"] == "A001"
        assert theirs.json()["name_masked"] is None
        assert mine.json()["name_masked"] not in theirs.text
        assert mine.json()["id_masked"] not in theirs.text

        # The same request from the same kiosk again (its answer was lost): the same ticket.
        again = _issue(url, first, "key-1", body)
        assert again.status_code == 201
        assert again.json()["id"] == mine.json()["id"]


def test_the_same_kiosk_reusing_a_key_for_a_different_request_gets_422(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        kiosk = admin.add_device("kiosk", "kiosk-1")["token"]
        assert _issue(url, kiosk, "key-9", {"category": "A"}).status_code == 201
        reused = _issue(url, kiosk, "key-9", {"category": "C"})
        assert reused.status_code == 422
        assert reused.json()["error"] == "idempotency_key_reused"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in reused.json()["message"])
        assert sum((admin.queue().waiting.get("C") or {}).values()) == 0  # nothing issued
        assert _issue(url, kiosk, "key-9", {"category": "A"}).status_code == 201


def test_migration_9_keeps_the_keys_of_the_day_under_no_device(tmp_path: Path) -> None:
    before = [m for m in ALL_MIGRATIONS if not (m.component == "hub" and m.version >= 9)]
    store = Store(tmp_path / "hub.db", before)
    with store.write() as db:
        db.execute(
            "INSERT INTO tickets (id, service_day, number, issued_category, seq_no, category,"
            " lane, status, sort_key, issued_at) VALUES ('t-1', '2026-12-07', 'A001', 'A', 1,"
            " 'A', 'ordinary', 'waiting', 1, '2026-12-07T09:00:00')"
        )
        db.execute(
            "INSERT INTO ticket_requests (service_day, key, ticket_id) VALUES (?, ?, ?)",
            ("2026-12-07", "key-1", "t-1"),
        )
    store.close()
    upgraded = Store(tmp_path / "hub.db", ALL_MIGRATIONS)
    rows = [dict(r) for r in upgraded.reader().query("SELECT * FROM ticket_requests")]
    upgraded.close()
    assert rows == [
        {
            "service_day": "2026-12-07",
            "device": "",
            "key": "key-1",
            "request_hash": None,
            "ticket_id": "t-1",
        }
    ]
