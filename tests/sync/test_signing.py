"""Request signing: what central accepts and what it refuses, in the protocol's order."""

from __future__ import annotations

import pytest

from sync.signing import (
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    SignatureError,
    SignedRequest,
    body_hash,
    canonical_string,
    sign_headers,
    verify,
)

SECRET = b"k" * 32
NOW = 1_790_000_000


def _signed(
    body: bytes = b'{"a":1}', target: str = "/api/central/v1/halls/h1/events"
) -> dict[str, str]:
    return sign_headers(SECRET, "k-1", "POST", target, body, NOW)


def test_a_signed_request_verifies() -> None:
    headers = _signed()
    verify(
        SignedRequest.from_headers(headers),
        SECRET,
        "POST",
        "/api/central/v1/halls/h1/events",
        b'{"a":1}',
        NOW + 10,
    )


def test_canonical_string_is_six_lines_without_trailing_newline() -> None:
    text = canonical_string("post", "/p?x=1", "ab", 12, "cd")
    assert text == "HALL-SIGN-1\nPOST\n/p?x=1\nab\n12\ncd"


def test_each_request_gets_a_fresh_nonce() -> None:
    assert _signed()[HEADER_NONCE] != _signed()[HEADER_NONCE]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"body": b'{"a":2}'}, "bad_body_hash"),
        ({"target": "/api/central/v1/halls/h2/events"}, "bad_signature"),
        ({"method": "PUT"}, "bad_signature"),
        ({"secret": b"x" * 32}, "bad_signature"),
        ({"now": NOW + 301}, "stale_timestamp"),
        ({"now": NOW - 301}, "stale_timestamp"),
    ],
)
def test_tampering_or_a_stale_clock_is_refused_with_its_code(
    change: dict[str, object], code: str
) -> None:
    headers = _signed()
    args: dict[str, object] = {
        "secret": SECRET,
        "method": "POST",
        "target": "/api/central/v1/halls/h1/events",
        "body": b'{"a":1}',
        "now": NOW,
    }
    args.update(change)
    with pytest.raises(SignatureError) as caught:
        verify(SignedRequest.from_headers(headers), **args)  # type: ignore[arg-type]
    assert caught.value.code == code


def test_a_forged_signature_header_is_refused() -> None:
    headers = _signed()
    headers[HEADER_SIGNATURE] = "0" * 64
    with pytest.raises(SignatureError, match="signature"):
        verify(
            SignedRequest.from_headers(headers),
            SECRET,
            "POST",
            "/api/central/v1/halls/h1/events",
            b'{"a":1}',
            NOW,
        )


@pytest.mark.parametrize(
    ("header", "value", "code"),
    [
        (HEADER_TIMESTAMP, "soon", "bad_timestamp"),
        (HEADER_NONCE, "xyz", "bad_nonce"),
        (HEADER_NONCE, "", "unsigned"),
    ],
)
def test_malformed_headers_are_named(header: str, value: str, code: str) -> None:
    headers = _signed()
    headers[header] = value
    with pytest.raises(SignatureError) as caught:
        SignedRequest.from_headers(headers)
    assert caught.value.code == code


def test_body_hash_of_empty_body_is_sha256_of_nothing() -> None:
    assert body_hash(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
