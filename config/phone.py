"""The ``[phone]`` section: the citizen's phone page (a ticket's or a case's live page).

Kept apart from :mod:`config.schema` (already long); :class:`config.schema.HallConfig` holds it as
``phone``.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from config.base import StrictModel


class PhoneSettings(StrictModel):
    """Where phones on the hall's Wi-Fi reach the hub, and how long a case's page lives."""

    enabled: bool = Field(
        True,
        description=(
            "Give each ticket and case a phone page (the printed QR codes open it). Off: "
            "`phone_url` is null and the QR codes carry the `links` templates."
        ),
    )
    base_url: str = Field(
        "",
        max_length=200,
        description=(
            "The hub's address as phones on the hall's Wi-Fi reach it, e.g. "
            "http://192.168.10.2:8700 (no path). Empty: the address the kiosk or counter used "
            "to reach the hub, which is only right when phones reach the hub the same way."
        ),
    )
    public_base_url: str = Field(
        "",
        max_length=200,
        description=(
            "Central's public address, e.g. https://zwfw.example.gov.cn, when citizens should "
            "open their page from anywhere (4G included): the QR codes then carry it, and the "
            "hub sends its pages to central every few seconds (needs `hall enroll`; central's "
            "page is not live and has no online rating). Empty: pages on the hall's Wi-Fi only."
        ),
    )
    case_days: int = Field(
        90,
        ge=1,
        le=3650,
        description=(
            "Days after acceptance that a case's progress page (the 收件回执's QR) still answers."
        ),
    )

    @field_validator("public_base_url")
    @classmethod
    def _public_address(cls, value: str) -> str:
        return _web_address("public_base_url", value, "https://zwfw.example.gov.cn", path=True)

    @field_validator("base_url")
    @classmethod
    def _lan_address(cls, value: str) -> str:
        return _web_address("base_url", value, "http://192.168.10.2:8700", path=False)


def _web_address(name: str, value: str, example: str, *, path: bool) -> str:
    """``value`` without a trailing slash; raises ValueError naming ``name`` unless it is empty
    or an http(s) address (with no path unless ``path``)."""
    text = value.strip().rstrip("/")
    if text and not text.startswith(("http://", "https://")):
        raise ValueError(
            f"{name} {value!r} must start with http:// or https:// (e.g. {example}), or be empty"
        )
    if text and not path and text.count("/") > 2:
        raise ValueError(
            f"{name} {value!r} must be a scheme and host only, without a path (e.g. {example})"
        )
    return text
