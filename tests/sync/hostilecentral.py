"""A hostile central in its own process: every answer is far too large, or a gzip bomb.

``python -m tests.sync.hostilecentral --port P --mode MODE --report FILE`` answers every
request (after reading its head and body) as MODE says and appends to FILE how many body bytes
it managed to send before the client hung up, one number a line:

- ``huge``: 200 with ``Content-Length`` of 500 MB of JSON-looking bytes;
- ``chunked``: 200, the same 500 MB chunked, no length declared;
- ``gzip``: 200 with ``Content-Encoding: gzip``, a small body that inflates to 500 MB;
- ``huge-error``: 500 with 500 MB of body;
- ``drip``: 200 declaring 1 KB, then one byte every 0.2 s: never late enough for a read timeout.

``HostileCentral`` runs it for a test and reads the report back.
"""

from __future__ import annotations

import argparse
import socket
import socketserver
import subprocess
import sys
import time
import zlib
from pathlib import Path
from types import TracebackType

from tests.timing import PATIENCE

HUGE = 500 * 1000 * 1000
_BLOCK = b" " * 65536


def _gzip_of_spaces(size: int) -> bytes:
    packer = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [packer.compress(b'{"acked_seq": 1, "pad": "')]
    parts += [packer.compress(_BLOCK) for _ in range(size // len(_BLOCK))]
    return b"".join([*parts, packer.compress(b'"}'), packer.flush()])


def _read_request(stream: socketserver.StreamRequestHandler) -> None:
    length = 0
    while True:
        line = stream.rfile.readline(65537)
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    stream.rfile.read(length)


def _handler(mode: str, report: Path, bomb: bytes) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            _read_request(self)
            status = "500 Internal Server Error" if mode == "huge-error" else "200 OK"
            head = [f"HTTP/1.1 {status}", "Content-Type: application/json", "Connection: close"]
            if mode == "chunked":
                head.append("Transfer-Encoding: chunked")
            elif mode == "gzip":
                head += ["Content-Encoding: gzip", f"Content-Length: {len(bomb)}"]
            else:
                head.append(f"Content-Length: {HUGE}")
            sent = 0
            if mode == "drip":
                head[-1] = "Content-Length: 1024"
            try:
                self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("ascii"))
                if mode == "drip":
                    while sent < 1024:
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        sent += 1
                        time.sleep(0.2)
                elif mode == "gzip":
                    self.wfile.write(bomb)
                    sent = len(bomb)
                else:
                    prefix = b'{"acked_seq": 1, "pad": "'
                    if mode == "chunked":
                        prefix = b"%x\r\n" % len(prefix) + prefix + b"\r\n"
                    self.wfile.write(prefix)
                    while sent < HUGE:
                        block = _BLOCK
                        if mode == "chunked":
                            block = b"%x\r\n" % len(_BLOCK) + _BLOCK + b"\r\n"
                        self.wfile.write(block)
                        sent += len(_BLOCK)
            except OSError:
                pass  # the client hung up: what we want to count
            with report.open("a", encoding="ascii") as out:
                out.write(f"{sent}\n")

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=["huge", "chunked", "gzip", "huge-error", "drip"])
    parser.add_argument("--report", type=Path, required=True)
    args = parser.parse_args()
    bomb = _gzip_of_spaces(HUGE) if args.mode == "gzip" else b""
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(
        ("127.0.0.1", args.port), _handler(args.mode, args.report, bomb)
    )
    server.daemon_threads = True
    server.serve_forever()


class HostileCentral:
    """The hostile central as a child process on a free loopback port."""

    def __init__(self, folder: Path, mode: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.mode = mode
        self.report = folder / f"hostile-{mode}.txt"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def sent(self) -> list[int]:
        """Body bytes sent per answered request so far."""
        if not self.report.exists():
            return []
        return [int(n) for n in self.report.read_text(encoding="ascii").split()]

    def __enter__(self) -> HostileCentral:
        command = [sys.executable, "-m", "tests.sync.hostilecentral", "--port", str(self.port)]
        command += ["--mode", self.mode, "--report", str(self.report)]
        self._process = subprocess.Popen(command)
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError("the hostile central exited at start")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the hostile central did not listen")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(10)


if __name__ == "__main__":
    main()
