"""A signed HTTP client for central: what the uplink and the downlink speak through.

Every request is signed (``sync.signing``) with the hub's clock corrected by the offset it has
measured from central's ``Date`` headers; a ``stale_timestamp`` refusal updates the offset and
is retried once at once. TLS is verified against the pinned CA when the credential names one.
Errors come out as CentralUnreachable (network, timeouts) or CentralRefused (an HTTP answer
that is not success), never as ``requests`` exceptions. An answer is read only up to
``MAX_ANSWER_BYTES`` (inflated, if central compressed it) within the request's time limit, so a
hostile or broken central cannot fill the hub's memory or hold its thread.
"""

from __future__ import annotations

import email.utils
import gzip
import http.client
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
import urllib3

from sync.credential import Credential
from sync.errors import SyncError
from sync.signing import sign_headers

log = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 16 * 1024 * 1024
"""The most of one answer the hub reads: far above a batch answer listing 10,000 rejections,
a hall's catalog or a day's appointments."""
MAX_ERROR_BYTES = 64 * 1024
"""The most of an error answer read for its code and message; the rest is ignored."""


class CentralUnreachable(SyncError):
    """No HTTP answer: DNS, connection refused or reset, TLS failure, timeout."""


class AnswerTooLarge(CentralUnreachable):
    """Central's answer is over the cap: dropped unread, as good as no answer at all."""


class CentralRefused(SyncError):
    """Central answered with an error status. ``code`` is the protocol's error code if given."""

    def __init__(self, status: int, code: str, message: str, retry_after: float | None) -> None:
        super().__init__(f"central answered {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class ClockOffset:
    """Central's time minus ours, in seconds, as last measured; None before any contact."""

    seconds: float | None = None
    measured_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def note(self, central_unix: float, sent: float, received: float) -> float:
        """Record one measurement (Date has whole seconds: take the request's midpoint)."""
        offset = central_unix - (sent + received) / 2
        with self._lock:
            self.seconds = offset
            self.measured_at = received
        return offset

    def corrected(self, local_unix: float) -> float:
        with self._lock:
            return local_unix + (self.seconds or 0.0)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (seconds or an HTTP date); None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def read_capped(answer: requests.Response, limit: int, seconds: float) -> bytes:
    """The body of a streamed answer, read up to ``limit`` bytes (after any gzip) and within
    ``seconds`` (plus at most one read timeout); closes the answer when over either.

    Each read returns as soon as the network has anything (``read1``), so an answer dripping in
    a byte at a time, never slow enough for a read timeout, is still cut off at the deadline.
    Raises AnswerTooLarge past ``limit`` (a declared ``Content-Length`` over it is refused
    before reading), CentralUnreachable when the body stops, breaks or takes too long.
    """
    declared = answer.headers.get("Content-Length", "")
    encoded = answer.headers.get("Content-Encoding", "identity").strip().lower()
    plain = declared.isascii() and declared.isdigit() and encoded == "identity"
    if plain and int(declared) > limit:
        answer.close()
        raise AnswerTooLarge(f"central's answer declares {declared} bytes; the cap is {limit}")
    deadline = time.monotonic() + seconds
    parts: list[bytes] = []
    size = 0
    try:
        while part := answer.raw.read1(65536, decode_content=True):
            size += len(part)
            if size > limit:
                raise AnswerTooLarge(f"central's answer is over the cap of {limit} bytes")
            if time.monotonic() > deadline:
                raise CentralUnreachable(f"central's answer took over {seconds:.0f} s to arrive")
            parts.append(part)
    except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as err:
        raise CentralUnreachable(f"central's answer broke off: {type(err).__name__}") from err
    finally:
        answer.close()
    return b"".join(parts)


def _error_fields(body: bytes) -> tuple[str, str]:
    try:
        data = json.loads(body)
    except ValueError:
        return "http_error", body[:200].decode("utf-8", "replace")
    if isinstance(data, dict):
        detail = data.get("detail")
        if isinstance(detail, dict):
            data = detail
        return str(data.get("error", "http_error")), str(data.get("message", data))[:500]
    return "http_error", str(data)[:200]


class CentralClient:
    """Signed requests to the central of one credential. Thread-safe (one session per thread)."""

    def __init__(
        self,
        credential: Credential,
        *,
        timeout: float = 30.0,
        offset: ClockOffset | None = None,
    ) -> None:
        self.credential = credential
        self.timeout = timeout
        self.offset = offset or ClockOffset()
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False  # a hall box's proxy settings must not reroute the uplink
            if self.credential.ca_file:
                session.verify = self.credential.ca_file
            self._local.session = session
        return session

    def close(self) -> None:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is not None:
            session.close()
            self._local.session = None

    def request(
        self,
        method: str,
        target: str,
        *,
        body: Any = None,
        raw: bytes | None = None,
        compress: bool = False,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200, 201, 204, 304),
    ) -> Answer:
        """Send one signed request; ``target`` is the path (with query) under the base URL.

        ``body`` is JSON-encoded, or ``raw`` is JSON already encoded (gzip when ``compress``).
        Raises CentralUnreachable or CentralRefused; a stale-timestamp refusal is retried once
        with the corrected clock.
        """
        extra = dict(headers or {})
        if body is not None:
            raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if raw is None:
            raw = b""
        else:
            extra["Content-Type"] = "application/json"
            if compress:
                raw = gzip.compress(raw, compresslevel=5)
                extra["Content-Encoding"] = "gzip"
        try:
            return self._send(method, target, raw, extra, ok)
        except CentralRefused as err:
            if err.code != "stale_timestamp":
                raise
            # _send has just noted the offset from this refusal's Date header.
            log.warning(
                "central says our clock is off by %.0f s; retrying", self.offset.seconds or 0
            )
        return self._send(method, target, raw, extra, ok)

    def _send(
        self, method: str, target: str, raw: bytes, extra: dict[str, str], ok: tuple[int, ...]
    ) -> Answer:
        cred = self.credential
        now = time.time()
        signed = sign_headers(
            cred.secret, cred.key_id, method, target, raw, int(self.offset.corrected(now))
        )
        try:
            answer = self._session().request(
                method,
                cred.central_url + target,
                data=raw if raw else None,
                headers={**extra, **signed},
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,  # the body is read below, capped
            )
        except requests.RequestException as err:
            raise CentralUnreachable(f"{cred.central_url}: {type(err).__name__}: {err}") from err
        if answer.status_code in ok:
            content = read_capped(answer, MAX_ANSWER_BYTES, self.timeout)
        else:
            try:
                content = read_capped(answer, MAX_ERROR_BYTES, self.timeout)
            except CentralUnreachable:
                content = b""  # the status says enough
        received = time.time()
        date = answer.headers.get("Date")
        if date:
            try:
                central = email.utils.parsedate_to_datetime(date).timestamp()
            except (TypeError, ValueError):
                log.debug("central sent an unreadable Date header: %r", date)
            else:
                self.offset.note(central, now, received)
        if answer.status_code not in ok:
            code, message = _error_fields(content)
            raise CentralRefused(
                answer.status_code,
                code,
                message,
                parse_retry_after(answer.headers.get("Retry-After"), received),
            )
        return Answer(answer.status_code, dict(answer.headers), content)
