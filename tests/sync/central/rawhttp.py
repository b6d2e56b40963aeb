"""A hall enrolled on a CentralProcess that signs its own requests, for tests that send
central hostile bytes (the raw requests themselves: tests/rawhttp.py).
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass

import requests

from sync.central.process import CentralProcess
from sync.signing import sign_headers
from sync.wire import API_PREFIX
from tests.timing import PATIENCE


@dataclass
class EnrolledHall:
    """A hall enrolled on a CentralProcess through its API: signs requests with its key."""

    central: CentralProcess
    hall: str
    key_id: str
    secret: bytes

    @classmethod
    def enroll(cls, central: CentralProcess, name: str = "边界测试大厅") -> EnrolledHall:
        _, code = central.add_hall(name)
        answer = requests.post(
            central.base_url + API_PREFIX + "/enroll", json={"code": code}, timeout=PATIENCE
        )
        answer.raise_for_status()
        data = answer.json()
        return cls(central, data["hall"], data["key_id"], base64.b64decode(data["secret"]))

    def path(self, tail: str) -> str:
        return f"{API_PREFIX}/halls/{self.hall}/{tail}"

    def signed(self, method: str, target: str, body: bytes = b"") -> dict[str, str]:
        """The five signature headers for this request, signed now."""
        return sign_headers(self.secret, self.key_id, method, target, body, int(time.time()))
