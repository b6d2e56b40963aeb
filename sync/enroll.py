"""Enrolling a hub with central, once: a one-time code in, the hub's own credential out.

``hall enroll --data DIR --central URL --code CODE`` calls :func:`enroll`; the credential and
central's address land in ``DIR/central.json`` (mode 0600), where ``hall hub --data DIR`` finds
them and starts syncing by itself (docs/sync-protocol.md, "Enrollment").
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests
from pydantic import ValidationError

from sync.credential import Credential
from sync.errors import SyncError
from sync.http import AnswerTooLarge, CentralUnreachable, read_capped
from sync.wire import API_PREFIX, EnrollAnswer, EnrollRequest, WireError, normalize_enrollment_code

log = logging.getLogger(__name__)

HUB_VERSION = "0.1.0"
ENROLL_TIMEOUT_SECONDS = 30.0
MAX_ENROLL_ANSWER_BYTES = 64 * 1024
"""An enrollment answer is a few hundred bytes; more is not read."""

REFUSALS = {
    "bad_code": "central says the code is malformed: check it was typed as printed (XXXX-XXXX-XXXX)",
    "unknown_code": "central does not know this code: check the code and the central address",
    "code_used": "this code was already used: ask central's operator for a new one "
    "(`hall central add-hall` or the province's console)",
    "code_expired": "this code has expired (codes last 7 days): ask for a new one",
    "too_many_attempts": "central refuses more codes from this address for a while "
    "(too many wrong codes): wait 10 minutes and try again",
}
"""What a technician should do for each refusal code central may answer with."""


class EnrollError(SyncError):
    """Enrollment failed. ``code`` is central's refusal code, or ``unreachable``/``bad_answer``/
    ``bad_input`` for trouble on our side; the message says what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _base_url(central_url: str) -> str:
    url = central_url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EnrollError(
            "bad_input",
            f"--central must be an http(s) URL such as https://host/, got {central_url!r}",
        )
    if parts.query or parts.fragment:
        raise EnrollError("bad_input", "--central must not carry a query or fragment")
    return url


def _refusal(status: int, body: bytes) -> EnrollError:
    try:
        data = json.loads(body)
    except ValueError:
        data = {}
    if isinstance(data, dict) and isinstance(data.get("detail"), dict):
        data = data["detail"]
    code = str(data.get("error", "")) if isinstance(data, dict) else ""
    if status == 429:
        code = code or "too_many_attempts"
        code = "too_many_attempts" if code not in REFUSALS else code
    if code in REFUSALS:
        return EnrollError(code, f"enrollment refused ({status} {code}): {REFUSALS[code]}")
    shown = data.get("message", "") if isinstance(data, dict) else ""
    return EnrollError(
        code or "refused",
        f"enrollment refused: central answered {status} {code} {shown}".strip(),
    )


def enroll(
    central_url: str,
    code: str,
    data_dir: str | Path,
    hub_name: str = "hub",
    ca_file: str | Path | None = None,
    *,
    timeout: float = ENROLL_TIMEOUT_SECONDS,
) -> Credential:
    """Trade a one-time enrollment code for this hub's credential and save it in ``data_dir``.

    Checks the code's form before asking central. ``ca_file`` pins central's CA (PEM). Raises
    EnrollError (with ``code``) for a malformed code or URL, an unreadable CA file, central
    unreachable, a refusal, or an answer that is not the protocol's; nothing is saved then.
    Enrolling again replaces the saved credential (central revokes the old key).
    """
    base = _base_url(central_url)
    try:
        raw_code = normalize_enrollment_code(code)
    except WireError as err:
        raise EnrollError("bad_code", f"the enrollment code is malformed: {err}") from err
    verify: str | bool = True
    pinned: str | None = None
    if ca_file is not None:
        pem = Path(ca_file).resolve()
        if not pem.is_file():
            raise EnrollError("bad_input", f"--ca-file {pem} does not exist")
        pinned = verify = str(pem)
    request = EnrollRequest(code=raw_code, hub_name=hub_name[:64], hub_version=HUB_VERSION)
    try:
        with requests.Session() as session:
            session.trust_env = False  # a box's proxy settings must not reroute enrollment
            answer = session.post(
                f"{base}{API_PREFIX}/enroll",
                json=request.model_dump(),
                timeout=timeout,
                verify=verify,
                allow_redirects=False,
                stream=True,  # read below, capped: a hostile central cannot fill our memory
            )
            body = read_capped(answer, MAX_ENROLL_ANSWER_BYTES, timeout)
    except AnswerTooLarge as err:
        raise EnrollError("bad_answer", f"central's enrollment answer is too large: {err}") from err
    except (requests.RequestException, CentralUnreachable) as err:
        raise EnrollError("unreachable", f"cannot reach central at {base}: {err}") from err
    if answer.status_code not in (200, 201):
        raise _refusal(answer.status_code, body)
    try:
        accepted = EnrollAnswer.model_validate_json(body)
    except (ValueError, ValidationError) as err:
        raise EnrollError("bad_answer", f"central's enrollment answer is not valid: {err}") from err
    credential = Credential(
        central_url=base,
        hall=accepted.hall,
        hall_name=accepted.hall_name,
        key_id=accepted.key_id,
        secret_b64=accepted.secret,
        rating_scale=accepted.rating_scale,
        ca_file=pinned,
        enrolled_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    try:
        if len(credential.secret) < 16:
            raise EnrollError("bad_answer", "central's secret is shorter than 16 bytes")
    except ValueError as err:
        raise EnrollError("bad_answer", f"central's secret is not base64: {err}") from err
    credential.save(data_dir)
    log.info("enrolled as hall %s (%s) with %s", accepted.hall, accepted.hall_name, base)
    return credential
