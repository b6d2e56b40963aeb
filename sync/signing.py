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
        """Read the headers (case-insensitive mapping) and check their form.

        Header values may hold any byte a client sent (decoded as latin-1); each must have its
        protocol form. Raises SignatureError ``unsigned`` (one missing), ``bad_timestamp``,
        ``bad_nonce``, ``unknown_key`` (not a printable ASCII key id of at most 64
        characters), ``bad_body_hash`` or ``bad_signature`` (not 64 hex characters).
        """
        missing = [name for name in SIGNED_HEADERS if not headers.get(name)]
        if missing:
            raise SignatureError("unsigned", "missing signature header(s): " + ", ".join(missing))
        raw_time = headers[HEADER_TIMESTAMP]
        # ASCII digits only: int() would also take "+1_7", Unicode digits and 4,000-digit numbers.
        if not _is_ascii_digits(raw_time, MAX_TIMESTAMP_DIGITS):
            raise SignatureError(
                "bad_timestamp",
                f"{HEADER_TIMESTAMP} must be Unix seconds, got {_shown(raw_time)}",
            )
        nonce = headers[HEADER_NONCE]
        if not _is_hex(nonce, 32) or nonce != nonce.lower():
            raise SignatureError("bad_nonce", f"{HEADER_NONCE} must be 32 lowercase hex characters")
        key_id = headers[HEADER_KEY]
        if len(key_id) > MAX_KEY_ID_LENGTH or not (key_id.isascii() and key_id.isprintable()):
            raise SignatureError("unknown_key", "no such key, or it was revoked")
        content_hash = headers[HEADER_BODY_HASH]
        if not _is_hex(content_hash, 64):
            raise SignatureError(
                "bad_body_hash", f"{HEADER_BODY_HASH} must be 64 hex characters (SHA-256)"
            )
        signature = headers[HEADER_SIGNATURE]
        if not _is_hex(signature, 64):
            raise SignatureError(
                "bad_signature", f"{HEADER_SIGNATURE} must be 64 hex characters (HMAC-SHA256)"
            )
        return cls(
            key_id=key_id,
            timestamp=int(raw_time),
            nonce=nonce,
            content_hash=content_hash.lower(),
            signature=signature.lower(),
        )


MAX_TIMESTAMP_DIGITS = 12
MAX_KEY_ID_LENGTH = 64
_HEX = frozenset("0123456789abcdefABCDEF")


def _is_ascii_digits(text: str, most: int) -> bool:
    return 0 < len(text) <= most and text.isascii() and text.isdigit()


def _is_hex(text: str, length: int) -> bool:
    return len(text) == length and all(c in _HEX for c in text)


def _shown(text: str) -> str:
    """A client's header value quoted for an error message, cut to 40 characters."""
    return repr(text[:40]) + ("…" if len(text) > 40 else "")


def verify_head(
    request: SignedRequest, secret: bytes, method: str, target: str, now: float
) -> None:
    """Check what the headers alone can prove: the signature, then the timestamp.

    Central does this before it reads a body, so only a key's holder can make it read one.
    Raises SignatureError ``bad_signature`` or ``stale_timestamp``.
    """
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


def verify_body(request: SignedRequest, body: bytes) -> None:
    """Check the body against the signed ``X-Hall-Content-SHA256``; raises ``bad_body_hash``."""
    if not hmac.compare_digest(body_hash(body), request.content_hash):
        raise SignatureError("bad_body_hash", "the body does not match X-Hall-Content-SHA256")


def verify(
    request: SignedRequest, secret: bytes, method: str, target: str, body: bytes, now: float
) -> None:
    """Check signature, timestamp and body hash, in the protocol's order.

    Raises SignatureError ``bad_signature``, ``stale_timestamp`` or ``bad_body_hash``. The
    nonce (replay) check is the caller's, after this passes, because only the caller keeps
    state.
    """
    verify_head(request, secret, method, target, now)
    verify_body(request, body)
