"""Request signing between a hub and central (docs/sync-protocol.md, "Request signing").

Both sides use this module: the hub's uplink signs, the reference central verifies. Pure
functions over bytes and numbers; the caller supplies the clock and remembers nonces.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sync.errors import SyncError

SIGNATURE_VERSION = "HALL-SIGN-1"
MAX_SKEW_SECONDS = 300
NONCE_TTL_SECONDS = 600

HEADER_KEY = "X-Hall-Key"
HEADER_TIMESTAMP = "X-Hall-Timestamp"
HEADER_NONCE = "X-Hall-Nonce"
HEADER_BODY_HASH = "X-Hall-Content-SHA256"
HEADER_SIGNATURE = "X-Hall-Signature"
SIGNED_HEADERS = (HEADER_KEY, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_BODY_HASH, HEADER_SIGNATURE)


class SignatureError(SyncError):
    """A request's signature headers do not hold. ``code`` is the protocol's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def body_hash(body: bytes) -> str:
    """Lowercase hex SHA-256 of the body bytes exactly as sent."""
    return hashlib.sha256(body).hexdigest()


def canonical_string(
    method: str, target: str, content_hash: str, timestamp: int, nonce: str
) -> str:
    """The six signed lines. ``target`` is the path plus ``?query`` when there is one."""
    return "\n".join(
        [SIGNATURE_VERSION, method.upper(), target, content_hash, str(timestamp), nonce]
    )


def _mac(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


def sign_headers(
    secret: bytes, key_id: str, method: str, target: str, body: bytes, timestamp: int
) -> dict[str, str]:
    """The five ``X-Hall-*`` headers for one request, with a fresh random nonce."""
    nonce = secrets.token_hex(16)
    content_hash = body_hash(body)
    return {
        HEADER_KEY: key_id,
        HEADER_TIMESTAMP: str(int(timestamp)),
        HEADER_NONCE: nonce,
        HEADER_BODY_HASH: content_hash,
        HEADER_SIGNATURE: _mac(
            secret, canonical_string(method, target, content_hash, int(timestamp), nonce)
        ),
    }


@dataclass(frozen=True)
class SignedRequest:
    """The signature headers of a received request, read but not yet checked."""

    key_id: str
    timestamp: int
    nonce: str
    content_hash: str
    signature: str

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> SignedRequest:
        """Read the headers (case-insensitive mapping); raises SignatureError ``unsigned``."""
        missing = [name for name in SIGNED_HEADERS if not headers.get(name)]
        if missing:
            raise SignatureError("unsigned", "missing signature header(s): " + ", ".join(missing))
        raw_time = headers[HEADER_TIMESTAMP]
        try:
            timestamp = int(raw_time)
        except ValueError as err:
            raise SignatureError(
                "bad_timestamp", f"{HEADER_TIMESTAMP} must be Unix seconds, got {raw_time!r}"
            ) from err
        nonce = headers[HEADER_NONCE]
        if len(nonce) != 32 or any(c not in "0123456789abcdef" for c in nonce):
            raise SignatureError("bad_nonce", f"{HEADER_NONCE} must be 32 lowercase hex characters")
        return cls(
            key_id=headers[HEADER_KEY],
            timestamp=timestamp,
            nonce=nonce,
            content_hash=headers[HEADER_BODY_HASH].lower(),
            signature=headers[HEADER_SIGNATURE].lower(),
        )


def verify(
    request: SignedRequest, secret: bytes, method: str, target: str, body: bytes, now: float
) -> None:
    """Check body hash, signature and timestamp, in the protocol's order.

    Raises SignatureError ``bad_body_hash``, ``bad_signature`` or ``stale_timestamp``. The nonce
    (replay) check is the caller's, after this passes, because only the caller keeps state.
    """
    if not hmac.compare_digest(body_hash(body), request.content_hash):
        raise SignatureError("bad_body_hash", "the body does not match X-Hall-Content-SHA256")
    expected = _mac(
        secret,
        canonical_string(method, target, request.content_hash, request.timestamp, request.nonce),
    )
    if not hmac.compare_digest(expected, request.signature):
        raise SignatureError("bad_signature", "the request signature does not match")
    if abs(now - request.timestamp) > MAX_SKEW_SECONDS:
        raise SignatureError(
            "stale_timestamp",
            f"timestamp {request.timestamp} is more than {MAX_SKEW_SECONDS} s from central's clock",
        )
