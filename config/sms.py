"""The ``[sms]`` section: text messages to citizens ("即将到号", "请到X号窗口", a case ready).

Kept apart from :mod:`config.schema` (already long); :class:`config.schema.HallConfig` holds it
as ``sms``. The gateway's secret (AccessKey secret, SecretKey, webhook key) is never in this
file, which is versioned and shown in the console: the hub reads it from ``sms-secret.json`` in
its data folder (docs/sms.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from config.base import StrictModel

GatewayKind = Literal["none", "aliyun", "tencent", "webhook"]


class SmsSettings(StrictModel):
    """Which SMS gateway the hub sends through, and when it sends."""

    gateway: GatewayKind = Field(
        "none",
        description=(
            "The SMS gateway: none (no SMS; the kiosk offers no 短信提醒), aliyun (Alibaba Cloud "
            "SMS, Dysmsapi SendSms), tencent (Tencent Cloud SMS, API 3.0 SendSms) or webhook (a "
            "JSON POST to `endpoint`, signed with HMAC-SHA256). The secret is in DATA/sms-secret.json."
        ),
    )
    endpoint: str = Field(
        "",
        max_length=200,
        description=(
            "The gateway's URL. Empty: the vendor's public endpoint for aliyun and tencent; "
            "required for webhook."
        ),
    )
    access_key_id: str = Field(
        "",
        max_length=128,
        description="aliyun: the AccessKey ID; tencent: the SecretId (their secrets are not here).",
    )
    sign_name: str = Field(
        "",
        max_length=32,
        description="The approved SMS signature (短信签名); empty: the hall's name.",
    )
    region: str = Field(
        "ap-guangzhou", max_length=32, description="tencent: the X-TC-Region of each request."
    )
    sdk_app_id: str = Field(
        "", max_length=32, description="tencent: the SmsSdkAppId of the hall's SMS application."
    )
    template_near: str = Field(
        "",
        max_length=64,
        description=(
            "aliyun/tencent: the approved template of 即将到号 (parameters: number, ahead; "
            "tencent in that order)."
        ),
    )
    template_call: str = Field(
        "",
        max_length=64,
        description=(
            "aliyun/tencent: the approved template of 请到X号窗口 (parameters: number, window)."
        ),
    )
    template_ready: str = Field(
        "",
        max_length=64,
        description=(
            "aliyun/tencent: the approved template of 已办结待领取 (parameters: receipt, window)."
        ),
    )
    near_ahead: int = Field(
        3,
        ge=1,
        le=50,
        description="Send 即将到号 when this many people or fewer are ahead of the ticket.",
    )
    timeout_seconds: float = Field(
        10.0, gt=0, le=60, description="How long one request to the gateway may take."
    )
    retry_base_seconds: float = Field(
        2.0, gt=0, le=600, description="First retry delay after a failed send (doubles, jittered)."
    )
    retry_cap_seconds: float = Field(
        300.0, gt=0, le=3600, description="Longest delay between retries of a failed send."
    )

    @property
    def enabled(self) -> bool:
        """True when a gateway is configured (messages are queued and sent)."""
        return self.gateway != "none"

    @field_validator("endpoint")
    @classmethod
    def _web_address(cls, value: str) -> str:
        text = value.strip()
        if text and not text.startswith(("http://", "https://")):
            raise ValueError(f"endpoint {value!r} must start with http:// or https://, or be empty")
        return text

    @model_validator(mode="after")
    def _complete(self) -> SmsSettings:
        missing: list[str] = []
        if self.gateway == "webhook" and not self.endpoint:
            missing.append("endpoint")
        if self.gateway in ("aliyun", "tencent"):
            missing += [
                key
                for key in ("access_key_id", "template_near", "template_call", "template_ready")
                if not getattr(self, key)
            ]
        if self.gateway == "tencent" and not self.sdk_app_id:
            missing.append("sdk_app_id")
        if missing:
            raise ValueError(f"gateway {self.gateway} needs {', '.join(missing)}")
        return self
