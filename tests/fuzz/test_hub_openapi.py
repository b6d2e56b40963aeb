"""The hub's OpenAPI document tells the truth about who may call and what comes back.

Fetched from a served hub: every route but ``health`` and the web assets declares how its token
travels, every refusal it gives is declared with the hub's JSON error, and a 405's ``Allow``
lists exactly the methods the document has at that address. The fuzzing run
(tests/fuzz/test_hub_fuzz.py) checks the answers themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from hub.server import Hub
from tests.hub.hubapp import served
from tests.timing import PATIENCE

OPEN = {("get", "/api/v1/health"), ("get", "/web/{name}")}
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, str]]:
    with served(tmp_path_factory.mktemp("hub")) as (hub, url):
        yield hub, url


@pytest.fixture(scope="module")
def document(hub_url: tuple[Hub, str]) -> dict[str, Any]:
    answer = requests.get(f"{hub_url[1]}/api/v1/openapi.json", timeout=PATIENCE)
    answer.raise_for_status()
    data: dict[str, Any] = answer.json()
    return data


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_every_route_but_health_and_assets_declares_its_security(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["DeviceToken"] == {**schemes["DeviceToken"], "type": "http", "scheme": "bearer"}
    assert (schemes["QueryToken"]["in"], schemes["QueryToken"]["name"]) == ("query", "token")
    unsecured = {(m, p) for m, p, op in _operations(document) if not op.get("security")}
    assert unsecured == OPEN
    credentials = [
        (m, p, param["name"])
        for m, p, op in _operations(document)
        for param in op.get("parameters", [])
        if param["name"].lower() in ("authorization", "token")
    ]
    assert credentials == []  # the token is the security scheme's, not a parameter to fuzz


def test_every_secured_route_declares_the_hubs_refusals_as_json_errors(
    document: dict[str, Any],
) -> None:
    error = {"$ref": "#/components/schemas/Error"}
    for method, path, operation in _operations(document):
        if (method, path) in OPEN:
            continue
        answers = operation["responses"]
        assert {"403", "404"} <= set(answers), (method, path)
        if path in ("/board/{n}", "/display"):
            assert "text/html" in answers["403"]["content"]
            continue
        for status in ("401", "403", "404", "409", "422"):
            assert answers[status]["content"]["application/json"]["schema"] == error, (
                method,
                path,
                status,
            )
        if method == "post":
            assert {"413", "503"} <= set(answers), (method, path)
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_an_allow_header_lists_the_methods_the_document_has_at_that_address(
    hub_url: tuple[Hub, str], document: dict[str, Any]
) -> None:
    for path in ("/api/v1/tickets/requeue", "/api/v1/tickets", "/api/v1/devices"):
        answer = requests.request("OPTIONS", hub_url[1] + path, timeout=PATIENCE)
        assert answer.status_code == 405
        allowed = {m.strip().lower() for m in answer.headers["Allow"].split(",")}
        assert allowed == set(document["paths"][path]) & METHODS, path


@pytest.mark.parametrize("day", ["0", "1700000000", "20261207", "2026-12-07T00:00:00"])
def test_a_followups_day_not_written_yyyy_mm_dd_is_refused(
    hub_url: tuple[Hub, str], day: str
) -> None:
    hub, url = hub_url
    token = hub.admin_token_path.read_text().strip()
    answer = requests.get(
        f"{url}/api/v1/followups",
        params={"to": day},
        headers={"Authorization": f"Bearer {token}"},
        timeout=PATIENCE,
    )
    assert (answer.status_code, answer.json()["error"]) == (422, "bad_request")
