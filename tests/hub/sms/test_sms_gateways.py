"""Each cloud adapter's requests are accepted by a gateway that checks them with the secret
(the fake gateway process), deduplicated by the message id, and refused with a wrong secret."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from config.sms import SmsSettings
from hub.sms.gateways import (
    AliyunGateway,
    GatewayRefused,
    GatewayUnavailable,
    Message,
    SmsError,
    TencentGateway,
    WebhookGateway,
    build_gateway,
    write_secret,
)
from hub.sms.gateways import Gateway as SmsGateway
from tests.hub.sms.helpers import SECRET, FakeGateway

TEMPLATES = {"template_near": "T-near", "template_call": "T-call", "template_ready": "T-ready"}
MESSAGE = Message("msg-1", "call", "13800000009", "【测试】请A001号到3号窗口办理。",
                  {"number": "A001", "window": "3"})  # fmt: skip


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[FakeGateway]:
    fake = FakeGateway(tmp_path)
    fake.start()
    yield fake
    fake.stop()


def _adapters(port: int, secret: str) -> list[SmsGateway]:
    url = f"http://127.0.0.1:{port}/"
    aliyun = SmsSettings(gateway="aliyun", endpoint=url, access_key_id="testId", **TEMPLATES)
    tencent = SmsSettings(gateway="tencent", endpoint=url, access_key_id="AKIDtest",
                          sdk_app_id="1400000000", **TEMPLATES)  # fmt: skip
    webhook = SmsSettings(gateway="webhook", endpoint=f"{url}sms")
    return [
        AliyunGateway(aliyun, secret, "测试中心"),
        TencentGateway(tencent, secret, "测试中心"),
        WebhookGateway(webhook, secret, "测试中心"),
    ]


def test_every_adapter_is_accepted_once_per_message_id(gateway: FakeGateway) -> None:
    for adapter in _adapters(gateway.port, SECRET):
        adapter.send(MESSAGE)
        adapter.send(MESSAGE)  # sent again (a crash before the hub recorded it)
    received = gateway.received()
    assert [(r["style"], r["id"], r["phone"]) for r in received] == [
        ("aliyun", "msg-1", "13800000009")
    ]
    assert [r["style"] for r in gateway.duplicates()] == ["aliyun", "tencent", "tencent",
                                                          "webhook", "webhook"]  # fmt: skip
    assert received[0]["kind"] == "T-call"
    assert received[0]["text"] == {"number": "A001", "window": "3"}


def test_a_wrong_secret_is_refused_for_good_and_a_silent_gateway_is_worth_a_retry(
    gateway: FakeGateway,
) -> None:
    for adapter in _adapters(gateway.port, "not-the-secret"):
        with pytest.raises(GatewayRefused):
            adapter.send(MESSAGE)
    assert gateway.received() == []
    gateway.stop()
    for adapter in _adapters(gateway.port, SECRET):
        with pytest.raises(GatewayUnavailable) as away:
            adapter.send(MESSAGE)
        assert MESSAGE.phone not in str(away.value)  # it is logged and stored: no phone in it


def test_the_secret_comes_from_the_data_folder_readable_by_the_hub_only(tmp_path: Path) -> None:
    settings = SmsSettings(gateway="webhook", endpoint="http://127.0.0.1:9/sms")
    with pytest.raises(SmsError, match=r"sms-secret\.json"):
        build_gateway(settings, tmp_path, "测试中心")
    path = write_secret(tmp_path, "k")
    assert isinstance(build_gateway(settings, tmp_path, "测试中心"), WebhookGateway)
    path.chmod(0o644)
    with pytest.raises(SmsError, match="chmod 600"):
        build_gateway(settings, tmp_path, "测试中心")
