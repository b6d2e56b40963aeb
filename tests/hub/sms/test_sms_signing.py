"""The cloud gateways sign as their vendors document, byte for byte (docs/sms.md, "Test vectors").

Alibaba Cloud: the SendSms example of "HTTP协议及签名" (AccessKeyId testId, AccessKeySecret
testSecret). Tencent Cloud: the DescribeInstances example of API 3.0 "签名方法 v3" (published with
SecretKey Gu5t9xGARNpq86cd98joQYCN3EXAMPLE; the current Chinese page masks the key as
Gu5t9xGARNpq86cd98joQYCN3******* and its example signature is computed with that very string).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from config.sms import SmsSettings
from hub.sms.gateways import AliyunGateway, Message, TencentGateway, WebhookGateway
from hub.sms.signing import (
    aliyun_canonical_query,
    aliyun_signature,
    aliyun_string_to_sign,
    tc3_authorization,
    tc3_canonical_request,
    tc3_signature,
    tc3_string_to_sign,
    webhook_signature,
)

ALIYUN_PARAMS = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}
ALIYUN_QUERY = (
    "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001"
    "&RegionId=cn-hangzhou&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B"
    "%E8%AF%95%E4%B8%93%E7%94%A8&SignatureMethod=HMAC-SHA1"
    "&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0"
    "&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D"
    "&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25"
)
ALIYUN_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123"
    "%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF"
    "%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF"
    "%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce"
    "%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode"
    "%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D"
    "%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25"
)

TC3_PAYLOAD = (
    b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
)
TC3_CANONICAL = (
    "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n"
    "content-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
)
TC3_STRING_TO_SIGN = (
    "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
    "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
)


def test_aliyun_sendsms_example_matches_the_documented_query_string_to_sign_and_signature() -> None:
    assert aliyun_canonical_query(ALIYUN_PARAMS) == ALIYUN_QUERY
    assert aliyun_string_to_sign(ALIYUN_PARAMS) == ALIYUN_STRING_TO_SIGN
    assert aliyun_signature(ALIYUN_PARAMS, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_aliyun_percent_encoding_follows_the_pop_rules() -> None:
    params = {"A": "a b*c~d+e/f"}
    assert aliyun_canonical_query(params) == "A=a%20b%2Ac~d%2Be%2Ff"


def test_tencent_tc3_example_matches_the_documented_request_string_to_sign_and_signature() -> None:
    canonical = tc3_canonical_request("cvm.tencentcloudapi.com", TC3_PAYLOAD)
    assert canonical == TC3_CANONICAL
    assert tc3_string_to_sign(1551113065, "cvm", canonical) == TC3_STRING_TO_SIGN
    key = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
    assert (
        tc3_signature(key, 1551113065, "cvm", TC3_STRING_TO_SIGN)
        == "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )
    masked = "Gu5t9xGARNpq86cd98joQYCN3*******"
    assert (
        tc3_signature(masked, 1551113065, "cvm", TC3_STRING_TO_SIGN)
        == "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
    )
    assert tc3_authorization(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", key, 1551113065, "cvm",
        "cvm.tencentcloudapi.com", TC3_PAYLOAD,
    ) == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/"
        "tc3_request, SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )  # fmt: skip


def test_tencent_scope_date_is_the_utc_date_not_the_halls() -> None:
    # 1551113065 is 2019-02-26 00:44 in Beijing but 2019-02-25 in UTC (the documented pitfall).
    assert "\n2019-02-25/sms/tc3_request\n" in tc3_string_to_sign(1551113065, "sms", "x")


MESSAGE = Message("m-1", "call", "13800000000", "【某便民服务中心】请A012号到3号窗口办理。",
                  {"number": "A012", "window": "3"})  # fmt: skip


def test_aliyun_request_carries_the_message_id_as_outid_and_verifies() -> None:
    settings = SmsSettings(
        gateway="aliyun", access_key_id="testId", template_near="SMS_1", template_call="SMS_2",
        template_ready="SMS_3",
    )  # fmt: skip
    gateway = AliyunGateway(
        settings, "testSecret", "某便民服务中心",
        clock=lambda: datetime(2026, 12, 7, 1, 2, 3, tzinfo=UTC), nonce=lambda: "n-1",
    )  # fmt: skip
    pairs = dict(parse_qsl(gateway.query(MESSAGE), keep_blank_values=True))
    signature = pairs.pop("Signature")
    assert pairs["OutId"] == "m-1"
    assert pairs["TemplateCode"] == "SMS_2"
    assert json.loads(pairs["TemplateParam"]) == {"number": "A012", "window": "3"}
    assert pairs["Timestamp"] == "2026-12-07T01:02:03Z"
    assert aliyun_signature(pairs, "testSecret") == signature


def test_tencent_request_carries_the_message_id_as_session_context_and_verifies() -> None:
    settings = SmsSettings(
        gateway="tencent", access_key_id="AKIDtest", sdk_app_id="1400000000",
        template_near="1", template_call="2", template_ready="3",
        endpoint="http://127.0.0.1:9/",
    )  # fmt: skip
    gateway = TencentGateway(settings, "secret", "某便民服务中心", clock=lambda: 1551113065)
    headers, body = gateway.request(MESSAGE)
    data = json.loads(body)
    assert data["SessionContext"] == "m-1"
    assert data["PhoneNumberSet"] == ["+8613800000000"]
    assert data["TemplateParamSet"] == ["A012", "3"]
    assert headers["Authorization"] == tc3_authorization(
        "AKIDtest", "secret", 1551113065, "sms", "127.0.0.1:9", body
    )


def test_webhook_request_signs_the_exact_body_and_sends_the_id_as_idempotency_key() -> None:
    settings = SmsSettings(gateway="webhook", endpoint="http://127.0.0.1:9/sms")
    headers, body = WebhookGateway(settings, "k3y", "某便民服务中心").request(MESSAGE)
    assert headers["Idempotency-Key"] == "m-1"
    assert headers["X-Hallkit-Signature"] == webhook_signature("k3y", body)
    assert json.loads(body)["text"] == MESSAGE.text
    # HMAC-SHA256 (RFC 4231 test case 2), hex: the webhook's signature is plain HMAC of the bytes.
    assert webhook_signature("Jefe", b"what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )
