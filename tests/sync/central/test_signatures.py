"""Request signatures: every refusal code, in the protocol's order, and replays refused."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from sync.central.store import CentralStore
from sync.signing import sign_headers
from sync.wire import API_PREFIX
from tests.sync.central.centralapp import FakeNow, SignedHub, enroll, event


def _error(answer: object) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]  # type: ignore[attr-defined]


def _status_path(hub: SignedHub) -> str:
    return f"{API_PREFIX}/halls/{hub.hall}/status"


def test_a_correctly_signed_request_is_answered(hub: SignedHub) -> None:
    assert hub.request("GET", f"/halls/{hub.hall}/status").status_code == 200


def test_an_unsigned_request_is_refused(hub: SignedHub) -> None:
    assert _error(hub.client.get(_status_path(hub))) == (401, "unsigned")


def test_an_unknown_key_is_refused(hub: SignedHub) -> None:
    hub.key_id = "k-000000000000"
    assert _error(hub.request("GET", f"/halls/{hub.hall}/status")) == (401, "unknown_key")


def test_a_body_that_differs_from_its_hash_is_refused(hub: SignedHub) -> None:
    body = hub.batch_body([event(1)])
    headers = hub.request("POST", f"/halls/{hub.hall}/events", body).request.headers
    tampered = dict(headers)
    tampered["content-length"] = str(len(body) + 1)
    answer = hub.client.post(
        f"{API_PREFIX}/halls/{hub.hall}/events", content=body + b" ", headers=tampered
    )
    assert _error(answer) == (401, "bad_body_hash")


def test_a_wrong_signature_is_refused(hub: SignedHub) -> None:
    hub.secret = b"not-the-secret-" * 2
    assert _error(hub.request("GET", f"/halls/{hub.hall}/status")) == (401, "bad_signature")


def test_a_request_signed_for_another_path_is_refused(hub: SignedHub) -> None:
    answer = hub.request("GET", f"/halls/{hub.hall}/status")
    headers = dict(answer.request.headers)
    headers["x-hall-nonce"] = "0" * 32
    moved = hub.client.get(f"{API_PREFIX}/halls/{hub.hall}/catalog", headers=headers)
    assert _error(moved) == (401, "bad_signature")


def test_a_stale_timestamp_is_refused_with_the_server_time(hub: SignedHub, now: FakeNow) -> None:
    answer = hub.request("GET", f"/halls/{hub.hall}/status", timestamp=now() - 301)
    assert _error(answer) == (401, "stale_timestamp")
    assert answer.json()["server_time"].startswith("2026-09-2")
    assert answer.headers["Date"]
    fresh = hub.request("GET", f"/halls/{hub.hall}/status", timestamp=now() + 299)
    assert fresh.status_code == 200


def test_the_exact_same_request_replayed_is_refused(hub: SignedHub) -> None:
    first = hub.request("GET", f"/halls/{hub.hall}/status")
    assert first.status_code == 200
    replay = hub.client.get(_status_path(hub), headers=dict(first.request.headers))
    assert _error(replay) == (401, "replayed_nonce")


def test_a_replayed_upload_is_refused_before_it_is_looked_at(
    hub: SignedHub, central: CentralStore
) -> None:
    body = hub.batch_body([event(1)])
    first = hub.request("POST", f"/halls/{hub.hall}/events", body)
    assert first.status_code == 200
    replay = hub.client.post(
        f"{API_PREFIX}/halls/{hub.hall}/events", content=body, headers=dict(first.request.headers)
    )
    assert _error(replay) == (401, "replayed_nonce")
    assert central.hall(hub.hall).held == 1


def test_two_copies_of_a_request_at_once_get_one_answer_and_one_refusal(
    hub: SignedHub,
) -> None:
    headers = sign_headers(hub.secret, hub.key_id, "GET", _status_path(hub), b"", int(hub.now()))
    with ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(
                lambda _: hub.client.get(_status_path(hub), headers=headers).status_code,
                range(2),
            )
        )
    assert sorted(answers) == [200, 401]


def test_nonces_are_forgotten_after_ten_minutes(
    hub: SignedHub, central: CentralStore, now: FakeNow
) -> None:
    hub.request("GET", f"/halls/{hub.hall}/status")
    now.t += 601
    central._last_purge = 0.0  # purge at the next request
    hub.request("GET", f"/halls/{hub.hall}/status")
    with central.db.read() as db:
        count = db.execute("SELECT COUNT(*) FROM nonces").fetchone()[0]
    assert count == 1


def test_a_key_of_another_hall_is_refused_with_wrong_hall(
    hub: SignedHub, central: CentralStore, client: TestClient, now: FakeNow
) -> None:
    _, code = central.add_hall("另一个大厅")
    other = enroll(client, code, now)
    answer = other.request("GET", f"/halls/{hub.hall}/status")
    assert _error(answer) == (403, "wrong_hall")


def test_every_answer_carries_a_date_header(hub: SignedHub) -> None:
    assert hub.request("GET", f"/halls/{hub.hall}/status").headers["Date"].endswith("GMT")
    assert hub.client.get(_status_path(hub)).headers["Date"]
    assert hub.client.get("/nowhere").headers["Date"]
