"""Any bytes in any header central reads give a JSON refusal, never a 500 or a traceback.

Sent over a raw socket to a real central process, because well-behaved clients refuse to put
latin-1 or UTF-8 bytes in a header.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.central.process import CentralProcess
from sync.signing import (
    HEADER_BODY_HASH,
    HEADER_KEY,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    sign_headers,
)
from sync.wire import API_PREFIX
from tests.rawhttp import RawAnswer, request
from tests.sync.central.centralapp import event
from tests.sync.central.rawhttp import EnrolledHall

HOSTILE = {
    "latin-1": b"\xe9" * 64,
    "utf-8": "签名".encode() * 10 + b"abcd",  # 64 bytes: the length alone does not tell
    "high bytes": b"\xff\xfe" * 32,
    "superscript digits": "²³".encode("latin-1") * 5,  # str.isdigit() says yes to these
}
CODE_OF = {
    HEADER_KEY: "unknown_key",
    HEADER_TIMESTAMP: "bad_timestamp",
    HEADER_NONCE: "bad_nonce",
    HEADER_BODY_HASH: "bad_body_hash",
    HEADER_SIGNATURE: "bad_signature",
}


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralProcess]:
    folder: Path = tmp_path_factory.mktemp("hostile") / "central"
    with CentralProcess(folder) as process:
        yield process
        assert "Traceback" not in process.output()


@pytest.fixture(scope="module")
def hall(central: CentralProcess) -> EnrolledHall:
    return EnrolledHall.enroll(central)


def _refused(answer: RawAnswer) -> tuple[int, str]:
    assert answer.headers["content-type"] == "application/json", answer
    return answer.status, str(answer.json()["error"])


def _send(
    hall: EnrolledHall,
    method: str,
    target: str,
    body: bytes = b"",
    replace: dict[str, bytes] | None = None,
    extra: list[tuple[str, bytes]] | None = None,
) -> RawAnswer:
    headers = {name: value.encode() for name, value in hall.signed(method, target, body).items()}
    headers.update(replace or {})
    listed = list(headers.items()) + (extra or [])
    return request(hall.central.port, method, target, listed, body)


@pytest.mark.parametrize("header", list(CODE_OF))
@pytest.mark.parametrize("kind", list(HOSTILE))
def test_non_ascii_bytes_in_a_signature_header_are_a_401_with_its_code(
    hall: EnrolledHall, header: str, kind: str
) -> None:
    answer = _send(hall, "GET", hall.path("status"), replace={header: HOSTILE[kind]})
    assert _refused(answer) == (401, CODE_OF[header])


def test_a_signed_timestamp_of_four_hundred_digits_is_a_bad_timestamp(hall: EnrolledHall) -> None:
    target = hall.path("status")
    signed = sign_headers(hall.secret, hall.key_id, "GET", target, b"", 10**400)
    headers = [(name, value.encode()) for name, value in signed.items()]
    answer = request(hall.central.port, "GET", target, headers)
    assert _refused(answer) == (401, "bad_timestamp")


def test_other_headers_with_hostile_bytes_are_answered_normally(hall: EnrolledHall) -> None:
    batch = {"hall": hall.hall, "hub_last_seq": 1, "sent_at": "now", "events": [event(1)]}
    body = gzip.compress(json.dumps(batch).encode())
    gzip_header = [("Content-Encoding", b"gzip")]
    for value in HOSTILE.values():
        keyed = _send(
            hall,
            "POST",
            hall.path("events"),
            body,
            extra=[*gzip_header, ("Idempotency-Key", value)],
        )
        assert keyed.status == 200, keyed
        catalog = _send(hall, "GET", hall.path("catalog"), extra=[("If-None-Match", value)])
        assert catalog.status == 204, catalog
        encoded = _send(
            hall, "POST", hall.path("events"), body, extra=[("Content-Encoding", value)]
        )
        assert _refused(encoded) == (400, "bad_batch")


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ("appointments?date=%FF%FE", (400, "bad_input")),
        ("appointments?date=%E7%AD%BE", (400, "bad_input")),
        ("appointments?date=" + "9" * 5000, (400, "bad_input")),
        ("appointments", (400, "bad_request")),
        ("cases/%FF%FE", (404, "unknown_case")),
        ("cases/" + "%E7%AD%BE" * 50, (404, "unknown_case")),
    ],
)
def test_hostile_query_and_path_values_get_a_json_refusal(
    hall: EnrolledHall, tail: str, expected: tuple[int, str]
) -> None:
    assert _refused(_send(hall, "GET", hall.path(tail))) == expected


@pytest.mark.parametrize("target", ["/admin?token=%FF", "/admin?token=%E7%AD%BE", "/admin"])
def test_the_admin_page_refuses_any_wrong_token_with_json(
    central: CentralProcess, target: str
) -> None:
    answer = request(central.port, "GET", target, [])
    assert _refused(answer) == (401, "bad_token")


def test_a_hall_path_of_hostile_bytes_is_not_that_keys_hall(hall: EnrolledHall) -> None:
    target = f"{API_PREFIX}/halls/%FF%C3%A9/status"
    assert _refused(_send(hall, "GET", target)) == (403, "wrong_hall")


@pytest.mark.parametrize(
    "header",
    [
        ("If-None-Match", b"\x05\xc2\x87"),  # a control byte: not a header value at all
        ("Content-Length", "²".encode("latin-1")),
        ("Content-Length", b"12, 13"),
    ],
)
def test_a_request_the_server_cannot_parse_gets_a_json_400(
    hall: EnrolledHall, header: tuple[str, bytes]
) -> None:
    answer = _send(hall, "GET", hall.path("catalog"), extra=[header])
    assert _refused(answer) == (400, "bad_request")


@pytest.mark.parametrize(
    ("method", "target", "allowed"),
    [
        ("TRACE", f"{API_PREFIX}/enroll", "POST"),
        ("DELETE", "/admin", "GET"),
        ("PUT", f"{API_PREFIX}/halls/h-x/events", "POST"),
    ],
)
def test_a_method_a_route_does_not_take_is_a_json_405_saying_what_is_allowed(
    central: CentralProcess, method: str, target: str, allowed: str
) -> None:
    answer = request(central.port, method, target, [])
    assert _refused(answer) == (405, "method_not_allowed")
    assert answer.headers["allow"] == allowed
