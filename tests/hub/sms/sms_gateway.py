"""A fake SMS gateway: a real process speaking HTTP, for the hub's SMS tests.

``python -m tests.hub.sms.sms_gateway --port P --secret S --record FILE [--hold FILE]``

It takes the three kinds of request the hub's gateways send and checks each signature with the
secret: the webhook (POST, ``X-Hallkit-Signature``, ``Idempotency-Key``), Alibaba Cloud
(GET ``/?...`` with ``Signature``, ``OutId``) and Tencent Cloud (POST with a TC3 ``Authorization``,
``SessionContext``). A bad signature gets 401 and is not recorded.

Every message it takes is one JSON line in ``--record`` (``{"id", "kind", "phone", "text",
"style"}``, written and fsynced before it answers); a message id it has recorded before (also
in an earlier run: the file is read at start) is answered 200 again but recorded only in
``FILE.dup`` — the deduplication the real gateways promise. While the ``--hold`` file exists,
it records a message and then waits for the file to go before answering (so a test can kill the
hub between the gateway's taking a message and the hub's hearing it).
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from hub.sms.signing import aliyun_signature, tc3_authorization, webhook_signature

HOLD_LIMIT = 120.0


class Gateway:
    def __init__(self, secret: str, record: Path, hold: Path | None) -> None:
        self.secret = secret
        self.record = record
        self.dup = record.with_name(record.name + ".dup")
        self.hold = hold
        self.lock = threading.Lock()
        self.seen: set[str] = set()
        if record.exists():
            for line in record.read_text(encoding="utf-8").splitlines():
                self.seen.add(json.loads(line)["id"])

    def take(self, entry: dict[str, Any]) -> None:
        with self.lock:
            target = self.dup if entry["id"] in self.seen else self.record
            self.seen.add(entry["id"])
            with target.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        deadline = time.monotonic() + HOLD_LIMIT
        while self.hold is not None and self.hold.exists() and time.monotonic() < deadline:
            time.sleep(0.02)


def handler(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # Alibaba Cloud: a signed query
            pairs = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
            signature = pairs.pop("Signature", "")
            if not hmac.compare_digest(signature, aliyun_signature(pairs, gateway.secret)):
                self._answer(200, {"Code": "SignatureDoesNotMatch", "Message": "bad signature"})
                return
            params = json.loads(pairs["TemplateParam"])
            gateway.take({"id": pairs["OutId"], "kind": pairs["TemplateCode"],
                          "phone": pairs["PhoneNumbers"], "text": params, "style": "aliyun"})  # fmt: skip
            self._answer(200, {"Code": "OK", "Message": "OK", "BizId": pairs["OutId"]})

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Authorization", "").startswith("TC3-HMAC-SHA256"):
                self._tencent(body)
                return
            wanted = webhook_signature(gateway.secret, body)
            if not hmac.compare_digest(self.headers.get("X-Hallkit-Signature", ""), wanted):
                self._answer(401, {"message": "bad signature"})
                return
            data = json.loads(body)
            if self.headers.get("Idempotency-Key") != data["id"]:
                self._answer(400, {"message": "Idempotency-Key is not the message id"})
                return
            gateway.take({"id": data["id"], "kind": data["kind"], "phone": data["phone"],
                          "text": data["text"], "style": "webhook"})  # fmt: skip
            self._answer(200, {"id": data["id"]})

        def _tencent(self, body: bytes) -> None:
            auth = self.headers["Authorization"]
            secret_id = auth.split("Credential=", 1)[1].split("/", 1)[0]
            wanted = tc3_authorization(
                secret_id, gateway.secret, int(self.headers["X-TC-Timestamp"]), "sms",
                self.headers["Host"], body,
            )  # fmt: skip
            if not hmac.compare_digest(auth, wanted):
                error = {"Code": "AuthFailure.SignatureFailure", "Message": "bad signature"}
                self._answer(200, {"Response": {"Error": error}})
                return
            data = json.loads(body)
            phone = data["PhoneNumberSet"][0].removeprefix("+86")
            gateway.take({"id": data["SessionContext"], "kind": data["TemplateId"],
                          "phone": phone, "text": data["TemplateParamSet"], "style": "tencent"})  # fmt: skip
            status = {"Code": "Ok", "SerialNo": data["SessionContext"], "PhoneNumber": phone}
            self._answer(200, {"Response": {"SendStatusSet": [status]}})

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--record", type=Path, required=True)
    parser.add_argument("--hold", type=Path)
    args = parser.parse_args()
    gateway = Gateway(args.secret, args.record, args.hold)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(gateway))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
