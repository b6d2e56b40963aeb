"""Request signing of the SMS gateways, as pure functions (no I/O, no clock).

- Alibaba Cloud RPC signature, SignatureVersion 1.0 (Dysmsapi ``SendSms``): HMAC-SHA1, keyed
  with ``AccessKeySecret + "&"``, over ``GET&%2F&`` + the percent-encoded canonical query.
- Tencent Cloud API 3.0 TC3-HMAC-SHA256: the canonical request, the string to sign and the key
  derived from ``"TC3" + SecretKey`` through the UTC date, the service and ``tc3_request``.
- The webhook's own: HMAC-SHA256 of the body's bytes, hex, in a header.

The vendors' published examples are test vectors for these (tests/hub/sms/test_sms_signing.py,
docs/sms.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote

TC3_ALGORITHM = "TC3-HMAC-SHA256"
TC3_CONTENT_TYPE = "application/json; charset=utf-8"


def pop_encode(value: str) -> str:
    """Alibaba's percent-encoding (RFC 3986 unreserved characters kept; UTF-8; a space is
    ``%20``, ``*`` is ``%2A``, ``~`` stays)."""
    return quote(value, safe="-_.~")


def aliyun_canonical_query(params: Mapping[str, str]) -> str:
    """The parameters (``Signature`` left out) sorted by name, each name and value
    percent-encoded, joined with ``&``."""
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    return "&".join(f"{pop_encode(k)}={pop_encode(v)}" for k, v in pairs)


def aliyun_string_to_sign(params: Mapping[str, str], method: str = "GET") -> str:
    """``METHOD&%2F&`` + the canonical query percent-encoded once more."""
    return f"{method}&{pop_encode('/')}&{pop_encode(aliyun_canonical_query(params))}"


def aliyun_signature(params: Mapping[str, str], secret: str, method: str = "GET") -> str:
    """The Base64 HMAC-SHA1 signature of the request (key: ``secret + "&"``)."""
    digest = hmac.new(
        f"{secret}&".encode(), aliyun_string_to_sign(params, method).encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def tc3_canonical_request(host: str, payload: bytes) -> str:
    """The canonical request of a POST with a JSON body to ``/`` (headers content-type, host)."""
    return "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{TC3_CONTENT_TYPE}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload).hexdigest(),
        ]
    )


def tc3_date(timestamp: int) -> str:
    """The UTC date of ``timestamp`` (Unix seconds): the credential scope's date."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def tc3_string_to_sign(timestamp: int, service: str, canonical_request: str) -> str:
    """Algorithm, timestamp, credential scope and the canonical request's SHA-256, one a line."""
    scope = f"{tc3_date(timestamp)}/{service}/tc3_request"
    hashed = hashlib.sha256(canonical_request.encode()).hexdigest()
    return f"{TC3_ALGORITHM}\n{timestamp}\n{scope}\n{hashed}"


def tc3_signature(secret_key: str, timestamp: int, service: str, string_to_sign: str) -> str:
    """The hex signature: HMAC-SHA256 chained from ``"TC3" + secret_key``."""

    def mac(key: bytes, message: str) -> bytes:
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    day = mac(f"TC3{secret_key}".encode(), tc3_date(timestamp))
    signing = mac(mac(day, service), "tc3_request")
    return hmac.new(signing, string_to_sign.encode(), hashlib.sha256).hexdigest()


def tc3_authorization(
    secret_id: str, secret_key: str, timestamp: int, service: str, host: str, payload: bytes
) -> str:
    """The ``Authorization`` header of a TC3-signed POST of ``payload`` to ``host``."""
    to_sign = tc3_string_to_sign(timestamp, service, tc3_canonical_request(host, payload))
    signature = tc3_signature(secret_key, timestamp, service, to_sign)
    scope = f"{tc3_date(timestamp)}/{service}/tc3_request"
    return (
        f"{TC3_ALGORITHM} Credential={secret_id}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


def webhook_signature(key: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of the body's exact bytes, keyed with the webhook key."""
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
