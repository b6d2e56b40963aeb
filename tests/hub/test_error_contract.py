"""The hub's error contract (docs/hub.md): every refusal is JSON ``{"error", "message"}`` with a
Chinese sentence; a body the hub cannot read is a 422 ``bad_request``; a 405 names the methods
the address takes in ``Allow``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from hub.server import Hub
from tests.hub.hubapp import served


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, str]]:
    with served(tmp_path_factory.mktemp("hub")) as (hub, url):
        yield hub, url


def _admin(hub: Hub) -> dict[str, str]:
    return {"Authorization": f"Bearer {hub.admin_token_path.read_text().strip()}"}


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"category": "\xff\xfe"}', b"\xff", b'{"category": "A"', b"[1, 2"],
    ids=["malformed", "bad-utf8-in-string", "bad-utf8", "unterminated", "bad-array"],
)
def test_a_body_that_is_not_json_is_a_422_bad_request_in_chinese(
    hub_url: tuple[Hub, str], body: bytes
) -> None:
    hub, url = hub_url
    answer = requests.post(
        f"{url}/api/v1/tickets",
        data=body,
        headers={**_admin(hub), "Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "bad_request"
    message = answer.json()["message"]
    assert _chinese(message)
    assert "JSON decode error" not in message
    assert "There was an error" not in message


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/v1/tickets", {"POST"}),
        ("PUT", "/api/v1/devices", {"GET", "POST"}),
        ("TRACE", "/api/v1/health", {"GET"}),
        ("POST", "/api/v1/windows/1", {"GET"}),
        ("DELETE", "/api/v1/windows/1/call-next", {"POST"}),
    ],
)
def test_a_405_names_every_method_the_address_takes(
    hub_url: tuple[Hub, str], method: str, path: str, allowed: set[str]
) -> None:
    hub, url = hub_url
    answer = requests.request(method, f"{url}{path}", headers=_admin(hub), timeout=10)
    assert answer.status_code == 405
    assert answer.json()["error"] == "method_not_allowed"
    assert _chinese(answer.json()["message"])
    listed = {m.strip() for m in answer.headers["Allow"].split(",")}
    assert listed - {"HEAD"} == allowed


def test_an_unknown_address_is_a_404_in_chinese(hub_url: tuple[Hub, str]) -> None:
    hub, url = hub_url
    answer = requests.get(f"{url}/api/v1/nowhere", headers=_admin(hub), timeout=10)
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"
    assert _chinese(answer.json()["message"])
