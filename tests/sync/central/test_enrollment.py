"""Enrollment: one use per code, seven days, wrong codes rate-limited, re-enrollment revokes."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient

from sync.central.store import CentralStore
from sync.wire import API_PREFIX
from tests.sync.central.centralapp import FakeNow, enroll

ENROLL = API_PREFIX + "/enroll"


def test_a_code_enrolls_a_hub_with_a_fresh_key(central: CentralStore, client: TestClient) -> None:
    hall, code = central.add_hall("示例镇便民服务中心", "reverse")
    answer = client.post(ENROLL, json={"code": code.lower(), "hub_name": "hub-1"})
    assert answer.status_code == 201
    data = answer.json()
    assert data["hall"] == hall.id
    assert data["hall_name"] == "示例镇便民服务中心"
    assert data["rating_scale"] == "reverse"
    assert data["key_id"].startswith("k-")
    assert len(base64.b64decode(data["secret"])) == 32
    assert data["server_time"]
    assert answer.headers["Date"]


def test_a_code_works_only_once(central: CentralStore, client: TestClient) -> None:
    _, code = central.add_hall("大厅")
    assert client.post(ENROLL, json={"code": code}).status_code == 201
    again = client.post(ENROLL, json={"code": code})
    assert (again.status_code, again.json()["error"]) == (410, "code_used")


def test_a_code_expires_after_seven_days(
    central: CentralStore, client: TestClient, now: FakeNow
) -> None:
    _, code = central.add_hall("大厅")
    now.t += 7 * 24 * 3600 + 1
    answer = client.post(ENROLL, json={"code": code})
    assert (answer.status_code, answer.json()["error"]) == (410, "code_expired")


def test_a_code_is_still_good_just_before_seven_days(
    central: CentralStore, client: TestClient, now: FakeNow
) -> None:
    _, code = central.add_hall("大厅")
    now.t += 7 * 24 * 3600 - 5
    assert client.post(ENROLL, json={"code": code}).status_code == 201


def test_wrong_and_malformed_codes_are_told_apart(client: TestClient) -> None:
    unknown = client.post(ENROLL, json={"code": "2345-6789-ABCD"})
    assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_code")
    malformed = client.post(ENROLL, json={"code": "OOPS"})
    assert (malformed.status_code, malformed.json()["error"]) == (400, "bad_code")
    not_json = client.post(ENROLL, content=b"code")
    assert (not_json.status_code, not_json.json()["error"]) == (400, "bad_code")


def test_ten_failed_codes_lock_the_address_out_for_ten_minutes(
    central: CentralStore, client: TestClient, now: FakeNow
) -> None:
    _, code = central.add_hall("大厅")
    for _ in range(10):
        assert client.post(ENROLL, json={"code": "2345-6789-ABCD"}).status_code == 404
    locked = client.post(ENROLL, json={"code": code})
    assert (locked.status_code, locked.json()["error"]) == (429, "too_many_attempts")
    assert locked.headers["Retry-After"] == "600"
    now.t += 601
    assert client.post(ENROLL, json={"code": code}).status_code == 201


def test_enrolling_again_revokes_the_previous_key(
    central: CentralStore, client: TestClient, now: FakeNow
) -> None:
    hall, code = central.add_hall("大厅")
    old = enroll(client, code, now)
    assert old.request("GET", f"/halls/{hall.id}/status").status_code == 200
    new = enroll(client, central.new_code(hall.id), now)
    refused = old.request("GET", f"/halls/{hall.id}/status")
    assert (refused.status_code, refused.json()["error"]) == (401, "unknown_key")
    assert new.request("GET", f"/halls/{hall.id}/status").status_code == 200


def test_codes_are_kept_only_as_hashes(central: CentralStore) -> None:
    _, code = central.add_hall("大厅")
    with central.db.read() as db:
        rows = db.query("SELECT code_hash FROM enrollment_codes")
    stored = [row[0] for row in rows]
    assert all(code.replace("-", "") not in value for value in stored)
    assert len(stored[0]) == 64
