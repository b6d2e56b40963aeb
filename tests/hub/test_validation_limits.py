"""A body full of mistakes gets a short answer, and the hub keeps answering others meanwhile
(issue 15, "Validation errors that eat the event loop").

Against a real ``hall hub`` process: the largest body the hub takes (64 KB) packed with as
many tiny unknown keys as fit gets a 422 that names the first few and counts the rest, never
an answer larger than the body; a body of 500,000 keys is not even read.
"""

from __future__ import annotations

import itertools
import json
import string
import threading
from collections.abc import Iterator

import httpx
import pytest

from hall.hubprocess import HubProcess
from hub.limits import MAX_BODY_BYTES
from tests.timing import PATIENCE, wait_for

pytestmark = pytest.mark.slow

ANSWER_AT_MOST = 4096
"""Bytes a 422 may take however many mistakes the body holds."""


def _packed_body(limit: int = MAX_BODY_BYTES) -> bytes:
    """A JSON object of distinct one-to-three-letter keys, as many as fit in ``limit`` bytes."""
    letters = string.ascii_letters
    keys = itertools.chain(
        letters, ("".join(p) for n in (2, 3) for p in itertools.product(letters, repeat=n))
    )
    parts: list[str] = []
    size = 2
    for key in keys:
        item = f'"{key}":0'
        if size + len(item) + 1 > limit:
            break
        parts.append(item)
        size += len(item) + 1
    return ("{" + ",".join(parts) + "}").encode()


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    folder = tmp_path_factory.mktemp("validation")
    with HubProcess(folder / "hub", log_path=folder / "hub.log") as process:
        yield process


def _token(hub: HubProcess, role: str) -> str:
    admin = hub.client()
    try:
        return str(admin.add_device(role, f"校验测试{role}")["token"])
    finally:
        admin.close()


@pytest.mark.parametrize(("role", "path"), [("kiosk", "tickets"), ("display", "alerts")])
def test_a_body_packed_with_unknown_keys_gets_a_short_answer(
    hub: HubProcess, role: str, path: str
) -> None:
    body = _packed_body()
    keys = len(json.loads(body))
    assert keys > 8000 and len(body) <= MAX_BODY_BYTES
    answer = httpx.post(
        f"{hub.base_url}/api/v1/{path}",
        content=body,
        headers={
            "Authorization": f"Bearer {_token(hub, role)}",
            "Content-Type": "application/json",
        },
        timeout=PATIENCE,
    )
    assert answer.status_code == 422
    assert len(answer.content) <= ANSWER_AT_MOST
    error = answer.json()
    assert error["error"] == "bad_request"
    assert 1 <= len(error["details"]) <= 10
    assert f"({keys} unknown fields)" in error["message"]  # counted, not listed


def test_many_wrong_items_are_counted_beyond_the_first_ten(hub: HubProcess) -> None:
    counter = hub.client().add_device("counter", "校验测试窗口", 1)["token"]
    answer = httpx.post(
        f"{hub.base_url}/api/v1/cases",
        json={"window": 1, "item_id": "x", "materials_received": list(range(100))},
        headers={"Authorization": f"Bearer {counter}"},
        timeout=PATIENCE,
    )
    assert answer.status_code == 422
    error = answer.json()
    assert (len(error["details"]), error["problems"]) == (10, 100)
    assert "另有90处错误未列出" in error["message"]


def test_half_a_million_keys_are_not_even_read(hub: HubProcess) -> None:
    body = ("{" + ",".join(f'"k{i}":0' for i in range(500_000)) + "}").encode()
    answer = httpx.post(
        f"{hub.base_url}/api/v1/tickets",
        content=body,
        headers={"Authorization": f"Bearer {_token(hub, 'kiosk')}"},
        timeout=PATIENCE,
    )
    assert answer.status_code == 413


def _wait_past(answers: list[int], count: int) -> None:
    wait_for(lambda: len(answers) > count, f"more than {count} answers to the flood")


def test_health_answers_while_packed_bodies_keep_coming(hub: HubProcess) -> None:
    body = _packed_body()
    headers = {"Authorization": f"Bearer {_token(hub, 'kiosk')}"}
    stop = threading.Event()
    refused: list[int] = []

    def flood() -> None:
        with httpx.Client(timeout=PATIENCE) as client:
            while not stop.is_set():
                answer = client.post(
                    f"{hub.base_url}/api/v1/tickets", content=body, headers=headers
                )
                refused.append(answer.status_code)

    threads = [threading.Thread(target=flood, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        with httpx.Client(timeout=PATIENCE) as probe:
            for _ in range(20):
                seen = len(refused)
                assert probe.get(f"{hub.base_url}/api/v1/health").json()["status"] == "ok"
                _wait_past(refused, seen)  # the flood went on around that answer
    finally:
        stop.set()
        for thread in threads:
            thread.join(PATIENCE)
    assert set(refused) == {422}
