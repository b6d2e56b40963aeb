"""The SMS gateways: one ``send(message)`` over Alibaba Cloud SMS, Tencent Cloud SMS or a
generic HTTP webhook, chosen by ``[sms] gateway`` (docs/sms.md).

Every message carries its id, and each gateway is asked to deduplicate by it (Alibaba ``OutId``,
Tencent ``SessionContext``, the webhook's ``Idempotency-Key``): the sender sends at least once,
so a message sent again after a crash must not reach the phone twice.

``send`` returns normally only when the gateway took the message. It raises
:class:`GatewayUnavailable` for a failure worth retrying (no answer, 5xx, 429, a throttling
code) and :class:`GatewayRefused` for one that will not get better (a bad number, a rejected
template, wrong credentials).
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests

from config.sms import SmsSettings
from hub.errors import HubError
from hub.sms.signing import (
    TC3_CONTENT_TYPE,
    aliyun_canonical_query,
    aliyun_signature,
    pop_encode,
    tc3_authorization,
    webhook_signature,
)

log = logging.getLogger(__name__)

SECRET_FILE = "sms-secret.json"  # noqa: S105 - a file name, not a secret
ALIYUN_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
TENCENT_ENDPOINT = "https://sms.tencentcloudapi.com/"
WEBHOOK_SIGNATURE_HEADER = "X-Hallkit-Signature"
# Vendor codes that mean "try again later" (throttling, the vendor's own trouble).
_ALIYUN_RETRY = ("isv.BUSINESS_LIMIT_CONTROL", "isp.", "SignatureNonceUsed", "Throttling")
_TENCENT_RETRY = ("RequestLimitExceeded", "InternalError", "LimitExceeded", "ResourceUnavailable")


class SmsError(HubError):
    """Something about SMS went wrong (configuration, secret, a gateway)."""

    def __init__(self, message: str) -> None:
        super().__init__("sms_error", message)


class GatewayUnavailable(SmsError):
    """The gateway did not take the message this time; sending again later may work."""


class GatewayRefused(SmsError):
    """The gateway refused the message for good (the reason is in the message)."""


@dataclass(frozen=True)
class Message:
    """One text message. ``id`` is its idempotency key; ``params`` fill the vendor template of
    ``kind`` (in the order given, for Tencent); ``text`` is the whole message, for the webhook."""

    id: str
    kind: str
    phone: str
    text: str
    params: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # never a phone number in a log line
        return f"Message({self.id}, {self.kind})"


class Gateway(Protocol):
    def send(self, message: Message) -> str:
        """Hand ``message`` to the gateway; returns the gateway's id for it (may be "")."""
        ...


def load_secret(data_dir: Path) -> dict[str, str]:
    """``DATA/sms-secret.json``: ``{"secret": "..."}`` (the AccessKey secret, the SecretKey or
    the webhook key). Raises SmsError naming the file when it is missing, unreadable, not such
    an object, or readable by others than the hub's user."""
    path = data_dir / SECRET_FILE
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise SmsError(
            f"SMS is on ([sms] gateway) but its secret cannot be read from {path}: "
            f'{err.strerror or err}. Write {{"secret": "..."}} there (mode 0600), or set '
            '[sms] gateway = "none".'
        ) from err
    if mode & 0o077:
        raise SmsError(f"{path} must be readable by the hub's user only (chmod 600 {path})")
    try:
        data = json.loads(text)
    except ValueError as err:
        raise SmsError(f"{path} is not JSON: {err}") from err
    if not isinstance(data, dict) or not isinstance(data.get("secret"), str) or not data["secret"]:
        raise SmsError(f'{path} must hold {{"secret": "..."}} with a non-empty secret')
    return {"secret": data["secret"]}


class _Http:
    """One requests session with a timeout; network errors become GatewayUnavailable."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.session = requests.Session()

    def call(self, method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as err:
            # Not str(err): it quotes the URL, and Alibaba's query carries the phone number.
            kind = type(err).__name__
            raise GatewayUnavailable(f"SMS gateway {_host(url)} unreachable ({kind})") from err
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise GatewayUnavailable(f"SMS gateway {_host(url)} answered {response.status_code}")
        return response.status_code, data


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


class AliyunGateway:
    """Alibaba Cloud SMS, ``SendSms`` of Dysmsapi 2017-05-25 (RPC style, signed GET)."""

    def __init__(
        self,
        settings: SmsSettings,
        secret: str,
        sign_name: str,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        nonce: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.endpoint = settings.endpoint or ALIYUN_ENDPOINT
        self.key_id = settings.access_key_id
        self.secret = secret
        self.sign_name = sign_name
        self.templates = _templates(settings)
        self._clock = clock
        self._nonce = nonce
        self._http = _Http(settings.timeout_seconds)

    def query(self, message: Message) -> str:
        """The signed query string of ``message``'s request (``Signature`` first)."""
        params = {
            "AccessKeyId": self.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": message.id,
            "PhoneNumbers": message.phone,
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self._nonce(),
            "SignatureVersion": "1.0",
            "TemplateCode": self.templates[message.kind],
            "TemplateParam": json.dumps(message.params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": self._clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        signature = aliyun_signature(params, self.secret)
        return f"Signature={pop_encode(signature)}&{aliyun_canonical_query(params)}"

    def send(self, message: Message) -> str:
        url = f"{self.endpoint.rstrip('/')}/?{self.query(message)}"
        status, data = self._http.call("GET", url)
        code = str(data.get("Code", "")) if isinstance(data, dict) else ""
        if status == 200 and code == "OK":
            return str(data.get("BizId", ""))
        text = str(data.get("Message", "")) if isinstance(data, dict) else ""
        if code.startswith(_ALIYUN_RETRY):
            raise GatewayUnavailable(f"Alibaba Cloud SMS: {code} {text}")
        raise GatewayRefused(f"Alibaba Cloud SMS refused ({status} {code}): {text}")


def _templates(settings: SmsSettings) -> dict[str, str]:
    """The vendor's template code for each kind of message."""
    return {
        "near": settings.template_near,
        "call": settings.template_call,
        "ready": settings.template_ready,
    }


class TencentGateway:
    """Tencent Cloud SMS, ``SendSms`` of API 3.0 (2021-01-11), signed TC3-HMAC-SHA256."""

    def __init__(
        self,
        settings: SmsSettings,
        secret: str,
        sign_name: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.endpoint = settings.endpoint or TENCENT_ENDPOINT
        self.host = urlsplit(self.endpoint).netloc
        self.settings = settings
        self.secret = secret
        self.sign_name = sign_name
        self.templates = _templates(settings)
        self._clock = clock
        self._http = _Http(settings.timeout_seconds)

    def request(self, message: Message) -> tuple[dict[str, str], bytes]:
        """The headers and body of ``message``'s request."""
        body = {
            "PhoneNumberSet": [f"+86{message.phone}"],
            "SmsSdkAppId": self.settings.sdk_app_id,
            "SignName": self.sign_name,
            "TemplateId": self.templates[message.kind],
            "TemplateParamSet": list(message.params.values()),
            "SessionContext": message.id,
        }
        payload = json.dumps(body, ensure_ascii=False).encode()
        timestamp = int(self._clock())
        auth = tc3_authorization(
            self.settings.access_key_id, self.secret, timestamp, "sms", self.host, payload
        )
        headers = {
            "Authorization": auth,
            "Content-Type": TC3_CONTENT_TYPE,
            "Host": self.host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": "2021-01-11",
            "X-TC-Region": self.settings.region,
        }
        return headers, payload

    def send(self, message: Message) -> str:
        headers, payload = self.request(message)
        status, data = self._http.call("POST", self.endpoint, headers=headers, data=payload)
        answer = data.get("Response", {}) if isinstance(data, dict) else {}
        error = answer.get("Error") if isinstance(answer, dict) else None
        if isinstance(error, dict):
            code = str(error.get("Code", ""))
            if code.startswith(_TENCENT_RETRY):
                raise GatewayUnavailable(f"Tencent Cloud SMS: {code} {error.get('Message', '')}")
            raise GatewayRefused(f"Tencent Cloud SMS refused ({code}): {error.get('Message', '')}")
        statuses = answer.get("SendStatusSet") if isinstance(answer, dict) else None
        if status != 200 or not isinstance(statuses, list) or not statuses:
            raise GatewayRefused(f"Tencent Cloud SMS answered {status} without a send status")
        first = statuses[0] if isinstance(statuses[0], dict) else {}
        code = str(first.get("Code", ""))
        if code == "Ok":
            return str(first.get("SerialNo", ""))
        if code.startswith(_TENCENT_RETRY):
            raise GatewayUnavailable(f"Tencent Cloud SMS: {code} {first.get('Message', '')}")
        raise GatewayRefused(f"Tencent Cloud SMS refused ({code}): {first.get('Message', '')}")


class WebhookGateway:
    """A JSON POST to the hall's own SMS service: ``{"id", "kind", "phone", "sign", "text",
    "params"}``, with ``Idempotency-Key: id`` and the body's HMAC-SHA256 (hex) in
    ``X-Hallkit-Signature``. Any 2xx is taken; 4xx other than 408/429 is a refusal."""

    def __init__(self, settings: SmsSettings, secret: str, sign_name: str) -> None:
        self.endpoint = settings.endpoint
        self.secret = secret
        self.sign_name = sign_name
        self._http = _Http(settings.timeout_seconds)

    def request(self, message: Message) -> tuple[dict[str, str], bytes]:
        """The headers and body of ``message``'s request."""
        body = json.dumps(
            {
                "id": message.id,
                "kind": message.kind,
                "phone": message.phone,
                "sign": self.sign_name,
                "text": message.text,
                "params": message.params,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": message.id,
            WEBHOOK_SIGNATURE_HEADER: webhook_signature(self.secret, body),
        }
        return headers, body

    def send(self, message: Message) -> str:
        headers, body = self.request(message)
        status, data = self._http.call("POST", self.endpoint, headers=headers, data=body)
        if 200 <= status < 300:
            return str(data.get("id", "")) if isinstance(data, dict) else ""
        detail = data.get("message", "") if isinstance(data, dict) else ""
        raise GatewayRefused(f"SMS webhook refused ({status}): {detail}")


def build_gateway(settings: SmsSettings, data_dir: Path, hall_name: str) -> Gateway:
    """The gateway ``settings`` name, with its secret from ``data_dir``; raises SmsError (no
    gateway configured, no readable secret)."""
    sign_name = settings.sign_name or hall_name
    if not settings.enabled:
        raise SmsError('no SMS gateway is configured ([sms] gateway = "none")')
    secret = load_secret(data_dir)["secret"]
    if settings.gateway == "aliyun":
        return AliyunGateway(settings, secret, sign_name)
    if settings.gateway == "tencent":
        return TencentGateway(settings, secret, sign_name)
    return WebhookGateway(settings, secret, sign_name)


def write_secret(data_dir: Path, secret: str) -> Path:
    """Write ``DATA/sms-secret.json`` with mode 0600 (tests, the technician)."""
    path = data_dir / SECRET_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"secret": secret}, handle)
    os.chmod(path, 0o600)
    return path
