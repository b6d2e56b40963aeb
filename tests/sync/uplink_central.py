"""A scripted central for uplink tests: the protocol's event intake, misbehaving on cue.

It speaks the uplink half of docs/sync-protocol.md over real HTTP (``http.server`` on a
loopback port), checks every request's signature, holds events per ``seq`` exactly as the
protocol says (duplicates ignored, rejections held, ``acked_seq`` contiguous, ``resend_from``
on a gap) and records every batch. A test can queue error answers, drop answers after
committing, hold answers back, skew its clock, forget events, or reject chosen ones.
"""

from __future__ import annotations

import base64
import gzip
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sync.credential import Credential
from sync.signing import SignatureError, SignedRequest, verify
from sync.wire import API_PREFIX

HALL = "h-uplink01"
SECRET = bytes(range(100, 132))


@dataclass
class Received:
    """One events POST as central read it."""

    seqs: list[int]
    key: str
    encoding: str
    raw_bytes: int  # uncompressed body size
    hub_last_seq: int
    events: list[dict[str, Any]]
    at: float  # time.monotonic() when it arrived


@dataclass
class ScriptedCentral:
    scale: str = "gbt39046"
    held: dict[int, str] = field(default_factory=dict)  # seq → event_id
    events: dict[int, dict[str, Any]] = field(default_factory=dict)
    reject: dict[int, str] = field(default_factory=dict)  # seq → reason, when it arrives
    drop_once: set[int] = field(default_factory=set)  # seqs "lost" the first time they arrive
    answers: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    lose_answers: int = 0  # commit the next N batches, then hang up without answering
    gate: threading.Event = field(default_factory=threading.Event)  # cleared: POSTs wait
    in_flight: int = 0  # events POSTs read and waiting at the gate
    skew: float = 0.0  # central's clock minus the real one, in seconds
    max_events: int | None = None  # answer 413 to a batch with more events than this
    batches: list[Received] = field(default_factory=list)
    status_calls: int = 0
    bad_signatures: int = 0
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def credential(self, scale: str | None = None) -> Credential:
        return Credential(
            central_url=self.base_url,
            hall=HALL,
            hall_name="测试镇便民服务中心",
            key_id="k-uplink",
            secret_b64=base64.b64encode(SECRET).decode(),
            rating_scale=scale or self.scale,
        )

    def acked(self) -> int:
        seq = 0
        while seq + 1 in self.held:
            seq += 1
        return seq

    def sent_seqs(self) -> list[int]:
        """Every seq in every batch received, in arrival order (resends included)."""
        return [s for b in self.batches for s in b.seqs]

    def intake(self, body: dict[str, Any]) -> dict[str, Any]:
        stored = duplicates = 0
        rejected = []
        for event in body["events"]:
            seq, event_id = event["seq"], event["event_id"]
            if seq in self.drop_once:
                self.drop_once.discard(seq)
                continue
            if seq in self.held:
                if self.held[seq] != event_id:
                    rejected.append({"seq": seq, "event_id": event_id, "reason": "conflict"})
                else:
                    duplicates += 1
                    if seq in self.reject:
                        rejected.append(
                            {"seq": seq, "event_id": event_id, "reason": self.reject[seq]}
                        )
                continue
            self.held[seq] = event_id
            self.events[seq] = event
            stored += 1
            if seq in self.reject:
                rejected.append({"seq": seq, "event_id": event_id, "reason": self.reject[seq]})
        acked = self.acked()
        return {
            "acked_seq": acked,
            "stored": stored,
            "duplicates": duplicates,
            "rejected": rejected,
            "resend_from": acked + 1 if self.held and max(self.held) > acked else None,
            "server_time": "",
        }


def _handler(central: ScriptedCentral) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def date_time_string(self, timestamp: float | None = None) -> str:
            return super().date_time_string(time.time() + central.skew)

        def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        def _checked(self, body: bytes) -> bool:
            try:
                signed = SignedRequest.from_headers(self.headers)  # type: ignore[arg-type]
                verify(signed, SECRET, self.command, self.path, body, time.time() + central.skew)
            except SignatureError as err:
                central.bad_signatures += 1
                self._answer(401, {"error": err.code, "message": err.message})
                return False
            return True

        def do_GET(self) -> None:
            if not self._checked(b""):
                return
            if self.path != f"{API_PREFIX}/halls/{HALL}/status":
                self._answer(404, {"error": "not_found"})
                return
            with central.lock:
                central.status_calls += 1
                acked = central.acked()
            self._answer(
                200,
                {"hall": HALL, "acked_seq": acked, "rating_scale": central.scale},
            )

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if not self._checked(raw):
                return
            encoding = self.headers.get("Content-Encoding", "")
            text = gzip.decompress(raw) if encoding == "gzip" else raw
            body = json.loads(text)
            with central.lock:
                central.in_flight += 1
            central.gate.wait()  # a test holds central's answer by clearing the gate
            with central.lock:
                central.in_flight -= 1
                central.batches.append(
                    Received(
                        seqs=[e["seq"] for e in body["events"]],
                        key=self.headers.get("Idempotency-Key", ""),
                        encoding=encoding,
                        raw_bytes=len(text),
                        hub_last_seq=body["hub_last_seq"],
                        events=body["events"],
                        at=time.monotonic(),
                    )
                )
                if central.answers:
                    status, answer, headers = central.answers.pop(0)
                    self._answer(status, answer, headers)
                    return
                if central.max_events is not None and len(body["events"]) > central.max_events:
                    self._answer(413, {"error": "too_large", "message": "batch too large"})
                    return
                answer = central.intake(body)
                if central.lose_answers:
                    central.lose_answers -= 1
                    self.close_connection = True
                    return  # committed, but the hub never hears it
            self._answer(200, answer)

    return Handler


@contextmanager
def scripted_central(central: ScriptedCentral | None = None) -> Iterator[ScriptedCentral]:
    """Serve ``central`` (or a fresh one) on a free loopback port until the block ends."""
    central = central or ScriptedCentral()
    central.gate.set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(central))
    server.daemon_threads = True
    central.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield central
    finally:
        central.gate.set()  # let a held request end
        server.shutdown()
        server.server_close()
