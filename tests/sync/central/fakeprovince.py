"""A fake provincial 好差评 system: a real HTTP server process speaking docs/province.md.

Run it as ``python -m tests.sync.central.fakeprovince --port P --token-file F --record FILE``:

- ``POST /records`` takes ``{"records": [...]}`` with ``Authorization: Bearer <token>`` (else
  401); a record missing a field the format requires is refused (400 with the reason); each
  record is kept once by its ``record_id`` (a repeat is answered ``duplicate``), in arrival
  order, appended to FILE (JSON lines), which is read back at start.
- ``POST /control`` ``{"fail": N, "status": 503, "refuse": ["h-…:7"], "delay": 1.5}``: answer
  the next N record requests with ``status``; answer 400 to a request holding a refused id;
  wait ``delay`` seconds before answering (what arrived is kept first).
- ``GET /state``: ``{"records": [...], "requests": n, "duplicates": n}``.

:class:`FakeProvince` runs it from a test (start, stop, kill, read its state).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

REQUIRED = ("record_id", "kind", "division_code", "object", "occurred_at", "evaluated_at")


def problem(record: Any) -> str | None:
    """Why this record does not follow the format, or None."""
    if not isinstance(record, dict):
        return "a record must be an object"
    for name in REQUIRED:
        if not record.get(name):
            return f"{name}: missing"
    if record["kind"] == "rating" and record.get("satisfaction") not in (1, 2, 3, 4, 5):
        return "satisfaction: must be 1–5"
    if record["kind"] == "followup.step" and not isinstance(record.get("step"), dict):
        return "step: missing"
    return None


class Province:
    """What the fake holds and how it is told to misbehave."""

    def __init__(self, token: str, record_file: Path) -> None:
        self.token = token
        self.file = record_file
        self.lock = threading.Lock()
        self.records: list[dict[str, Any]] = []
        self.ids: set[str] = set()
        if record_file.exists():
            for line in record_file.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                self.records.append(record)
                self.ids.add(record["record_id"])
        self.requests = 0
        self.duplicates = 0
        self.fail = 0
        self.fail_status = 503
        self.refuse: set[str] = set()
        self.delay = 0.0

    def take(self, records: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.requests += 1
            if self.fail > 0:
                self.fail -= 1
                return self.fail_status, {"reason": "told to fail"}
            for record in records:
                why = problem(record)
                if why is None and record["record_id"] in self.refuse:
                    why = "told to refuse this record"
                if why is not None:
                    return 400, {"reason": f"{record.get('record_id')}: {why}"}
            results = []
            with self.file.open("a", encoding="utf-8") as out:
                for record in records:
                    rid = record["record_id"]
                    if rid in self.ids:
                        self.duplicates += 1
                        results.append({"record_id": rid, "status": "duplicate"})
                        continue
                    self.ids.add(rid)
                    self.records.append(record)
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                    results.append({"record_id": rid, "status": "accepted"})
            return 200, {"results": results}


def make_handler(province: Province) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def do_GET(self) -> None:
            if self.path != "/state":
                self._answer(404, {"reason": "no such path"})
                return
            with province.lock:
                state = {
                    "records": list(province.records),
                    "requests": province.requests,
                    "duplicates": province.duplicates,
                }
            self._answer(200, state)

        def do_POST(self) -> None:
            if self.path == "/control":
                control = self._body()
                with province.lock:
                    province.fail = int(control.get("fail", province.fail))
                    province.fail_status = int(control.get("status", province.fail_status))
                    province.refuse = set(control.get("refuse", province.refuse))
                    province.delay = float(control.get("delay", province.delay))
                self._answer(200, {"ok": True})
                return
            if self.path != "/records":
                self._answer(404, {"reason": "no such path"})
                return
            if self.headers.get("Authorization") != f"Bearer {province.token}":
                self._answer(401, {"reason": "bad token"})
                return
            body = self._body()
            records = body.get("records") if isinstance(body, dict) else None
            if not isinstance(records, list) or not records:
                self._answer(400, {"reason": "records: a non-empty list is required"})
                return
            status, answer = province.take(records)
            time.sleep(province.delay)
            self._answer(status, answer)

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--record", required=True, help="JSON lines file of received records")
    args = parser.parse_args(argv)
    token = Path(args.token_file).read_text(encoding="utf-8").strip()
    province = Province(token, Path(args.record))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(province))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()


# -- from a test ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class FakeProvince:
    """The fake in its own process on a loopback port (kept across :meth:`stop`/:meth:`start`,
    and so are the records it holds)."""

    def __init__(self, folder: Path, token: str = "province-token-for-tests") -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.token_file = folder / "province.token"
        self.token_file.write_text(token + "\n", encoding="utf-8")
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/records"

    def start(self) -> FakeProvince:
        command = [sys.executable, "-m", "tests.sync.central.fakeprovince", "--port"]
        command += [str(self.port), "--token-file", str(self.token_file)]
        command += ["--record", str(self.folder / "records.jsonl")]
        self.process = subprocess.Popen(command, cwd=os.getcwd())
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError("the fake province did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def control(self, **settings: Any) -> None:
        httpx.post(f"http://127.0.0.1:{self.port}/control", json=settings).raise_for_status()

    def state(self) -> dict[str, Any]:
        answer = httpx.get(f"http://127.0.0.1:{self.port}/state")
        answer.raise_for_status()
        data: dict[str, Any] = answer.json()
        return data

    def record_ids(self) -> list[str]:
        return [record["record_id"] for record in self.state()["records"]]


if __name__ == "__main__":
    main()
