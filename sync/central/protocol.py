"""uvicorn's HTTP protocol for central, answering a request it cannot parse in JSON.

uvicorn answers a request line or header it cannot parse (a control byte in a header, a bad
``Content-Length``) itself, before the app sees it, with a plain-text 400. Central's clients read
``{"error": CODE, "message": TEXT, "server_time": ISO}`` from every refusal, so this protocol
writes that instead; the connection is closed as before.
"""

from __future__ import annotations

import email.utils
import json
import time

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from sync.central.store import iso_now


def malformed_answer(reason: str, now: float) -> bytes:
    """A whole ``400 bad_request`` answer for a request that is not HTTP as it must be."""
    body = json.dumps(
        {
            "error": "bad_request",
            "message": f"the request is not well-formed HTTP/1.1 ({reason})",
            "server_time": iso_now(now),
        }
    ).encode("utf-8")
    head = [
        "HTTP/1.1 400 Bad Request",
        "content-type: application/json",
        f"content-length: {len(body)}",
        f"date: {email.utils.formatdate(now, usegmt=True)}",
        "connection: close",
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


class CentralHttp(HttpToolsProtocol):
    """uvicorn's httptools protocol; a request it cannot parse gets central's JSON 400."""

    def send_400_response(self, msg: str) -> None:
        self.transport.write(malformed_answer(msg, time.time()))
        self.transport.close()
