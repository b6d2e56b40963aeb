"""Numbers too big for the store (a seq of 10^20, a window of 10^30) are refused with a sentence:
a 4xx JSON answer, never a traceback in the hub's log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import requests

from hub.client import HubClient
from tests.hub.hubapp import served

HUGE = str(10**20)
HUGER = str(10**30)


def _no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    noisy = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert noisy == [], [r.getMessage() for r in noisy]


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        (f"?since={HUGE}", {}),
        ("", {"Last-Event-ID": HUGE}),
        ("", {"Last-Event-ID": "-5"}),
        ("", {"Last-Event-ID": "seven"}),
        (f"?since={HUGER}", {}),
    ],
)
def test_an_event_stream_from_an_impossible_seq_is_a_422_with_a_sentence(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, query: str, headers: dict[str, str]
) -> None:
    with served(tmp_path / "hub") as (hub, url):
        token = hub.admin_token_path.read_text().strip()
        answer = requests.get(
            f"{url}/api/v1/events{query}",
            headers={"Authorization": f"Bearer {token}", **headers},
            stream=True,
            timeout=10,
        )
        assert answer.status_code == 422
        body = answer.json()
        assert body["error"] in ("bad_last_event_id", "bad_request")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])
    _no_traceback(caplog)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/api/v1/windows/{HUGER}"),
        ("POST", f"/api/v1/windows/{HUGER}/call-next"),
        ("POST", f"/api/v1/windows/{HUGER}/recall"),
        ("POST", f"/api/v1/windows/{HUGER}/skip"),
        ("POST", f"/api/v1/windows/{HUGER}/finish"),
        ("POST", f"/api/v1/windows/{HUGER}/resume"),
        ("POST", f"/api/v1/windows/{HUGER}/sign-out"),
        ("POST", f"/api/v1/windows/{HUGE}/call-next"),
        ("GET", f"/board/{HUGER}"),
        ("GET", f"/api/v1/followups?limit={HUGER}"),
        ("GET", f"/api/v1/alerts?limit={HUGER}"),
    ],
)
def test_a_window_or_limit_beyond_any_hall_is_refused_without_a_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, method: str, path: str
) -> None:
    with served(tmp_path / "hub") as (hub, url):
        token = hub.admin_token_path.read_text().strip()
        answer = requests.request(
            method, f"{url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert 400 <= answer.status_code < 500, answer.text
        if answer.headers["content-type"].startswith("application/json"):
            assert answer.json()["message"]
    _no_traceback(caplog)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/windows/1/transfer", {"window": 10**30}),
        ("/api/v1/cases", {"window": 10**30, "item_id": "x"}),
        ("/api/v1/devices", {"role": "counter", "name": "c", "window": 10**30}),
    ],
)
def test_a_huge_window_in_a_body_is_a_422(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, path: str, body: dict[str, object]
) -> None:
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        answer = requests.post(
            f"{url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {admin.token}"},
            timeout=10,
        )
        assert answer.status_code == 422, answer.text
    _no_traceback(caplog)
