"""Citizens' phones following their tickets while a 40-window hall calls (scenario n).

500 phone pages (one asyncio process, raw HTTP/1.1, renewing their streams as the page's script
does) follow tickets that will be called; an SSE board in another process stamps every
``ticket.called`` as in scenario c); 40 counters call every second. Measured: call-next → the
called ticket's phone page showing "请到 N 号窗口", call-next → board with the phones connected,
the hub's memory growth with the phones connected, and how long phones that vanished without a
word (sockets left open, never read again) are held by the hub.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import queue
import socket
import time
from pathlib import Path
from typing import Any

from bench.calls import WINDOWS, _board, _prepare, run_counters, write_forty_window_hall
from bench.hubproc import HubProcess, percentile
from bench.report import Measure, Target

PHONES = 500
VANISHED = 100
PHONE_P99_MS = 100.0
BOARD_P99_MS = 50.0
MEMORY_MB = 50.0
GONE_AFTER_S = 60.0


async def _open(
    host: str, port: int, code: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /m/{code}/events HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        writer.close()
        raise ConnectionError(head.split(b"\r\n", 1)[0].decode())
    return reader, writer


async def _messages(reader: asyncio.StreamReader) -> Any:
    """The SSE messages of a chunked answer, as (event, data) pairs."""
    buffer = b""
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip() or b"0", 16)
        if size == 0:
            return
        buffer += await reader.readexactly(size)
        await reader.readexactly(2)
        while b"\n\n" in buffer:
            message, buffer = buffer.split(b"\n\n", 1)
            fields = dict(
                line.split(": ", 1) for line in message.decode().split("\n") if ": " in line
            )
            if "event" in fields:
                yield fields["event"], fields.get("data", "")


async def _follow(host: str, port: int, tid: str, code: str, out: Any, stop: float) -> None:
    called = False

    def seen(data: str) -> None:
        nonlocal called
        view = json.loads(data)
        if view.get("status") == "called" and not called:
            called = True
            out.put((tid, time.perf_counter()))

    reader, writer = await _open(host, port, code)
    while time.perf_counter() < stop:
        renewed = False
        async for event, data in _messages(reader):
            if event == "view":
                seen(data)
            elif event == "renew":  # as phone.js: open the next, then close this one
                new_reader, new_writer = await _open(host, port, code)
                writer.close()
                reader, writer = new_reader, new_writer
                renewed = True
                break
        if not renewed:  # the hub ended the stream: the browser's reconnect
            writer.close()
            await asyncio.sleep(0.5)
            reader, writer = await _open(host, port, code)
    writer.close()


def _phones(base_url: str, followed: list[tuple[str, str]], seconds: float, out: Any) -> None:
    """The phones' process: follow every ticket until ``seconds`` have passed."""
    host, port = base_url[len("http://") :].split(":")
    stop = time.perf_counter() + seconds

    async def main() -> None:
        tasks = [
            asyncio.wait_for(_follow(host, int(port), tid, code, out, stop), seconds + 5)
            for tid, code in followed
        ]
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _drain(arrivals: Any, wanted: int, patience: float = 5.0) -> dict[str, float]:
    received: dict[str, float] = {}
    deadline = time.monotonic() + patience
    while len(received) < wanted and time.monotonic() < deadline:
        try:
            tid, stamp = arrivals.get(timeout=0.5)
        except queue.Empty:
            continue
        received.setdefault(tid, stamp)
    return received


def run(quick: bool, work: Path) -> list[Measure]:
    seconds, period = (8.0, 1.0) if quick else (30.0, 1.0)
    config = work / "hall-40-windows-phones.toml"
    codes = write_forty_window_hall(config)
    data_dir = work / "hub-phones"
    calls = int(WINDOWS * (seconds / period + 2))
    issued: list[tuple[str, str]] = []
    tokens = _prepare(data_dir, config, codes, calls + 200 + 2 * PHONES, issued)
    followed = issued[: 2 * PHONES : 2]  # every other ticket: most are called during the run
    vanished = issued[2 * PHONES + calls : 2 * PHONES + calls + VANISHED]

    with HubProcess(data_dir, config) as hub:
        assert hub.process is not None
        admin = hub.client()
        after = admin.health().last_seq
        ctx = multiprocessing.get_context("spawn")
        boards, phones = ctx.Queue(), ctx.Queue()
        board = ctx.Process(target=_board, args=(hub.base_url, hub.admin_token, after, boards))
        board.start()
        rss_before = _rss_mb(hub.process.pid)
        phone_proc = ctx.Process(
            target=_phones, args=(hub.base_url, followed, seconds + 20, phones)
        )
        phone_proc.start()
        deadline = time.monotonic() + 60
        while admin.health().phone_pages < len(followed) or admin.health().subscribers < 1:
            if time.monotonic() > deadline:
                raise RuntimeError("the phones or the board did not connect")
            time.sleep(0.1)
        start = time.perf_counter() + 0.5
        run_ = run_counters(hub.base_url, tokens, start, seconds, period)
        board_at = _drain(boards, len(run_.sent))
        wanted = sum(1 for tid, _ in followed if tid in run_.sent)
        phone_at = _drain(phones, wanted)
        rss_after = _rss_mb(hub.process.pid)
        pages_open = admin.health().phone_pages
        phone_proc.terminate()
        phone_proc.join(10)
        board.terminate()
        board.join(10)

        # Phones that vanish: the request sent, then never read nor closed.
        host, port = hub.base_url[len("http://") :].split(":")
        sockets = []
        for _, code in vanished:
            sock = socket.create_connection((host, int(port)))
            sock.sendall(f"GET /m/{code}/events HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            sockets.append(sock)
        while admin.health().phone_pages < len(vanished):
            time.sleep(0.1)
        gone_from = time.monotonic()
        while admin.health().phone_pages > 0 and time.monotonic() - gone_from < 180:
            time.sleep(0.5)
        held_s = time.monotonic() - gone_from
        for sock in sockets:
            sock.close()
        admin.close()

    phone_ms = [(phone_at[t] - run_.sent[t]) * 1000 for t in phone_at if t in run_.sent]
    board_ms = [(board_at[t] - t0) * 1000 for t, t0 in run_.sent.items() if t in board_at]
    group = f"n) phones: {len(followed)} phone pages, {WINDOWS} windows calling"
    note = (
        f"{pages_open} phone pages open at the end; {wanted} followed tickets called, "
        f"{wanted - len(phone_ms)} never shown; {len(run_.errors)} counter errors"
    )
    return [
        Measure(group, "call → phone page p50", percentile(phone_ms, 50), "ms", len(phone_ms), note=note),
        Measure(group, "call → phone page p99", percentile(phone_ms, 99), "ms", len(phone_ms),
                Target(at_most=PHONE_P99_MS)),
        Measure(group, "calls never shown on their phone", float(wanted - len(phone_ms)), "calls",
                wanted, Target(at_most=0)),
        Measure(group, "call → board p99 (phones connected)", percentile(board_ms, 99), "ms",
                len(board_ms), Target(at_most=BOARD_P99_MS)),
        Measure(group, "hub memory growth with the phones", rss_after - rss_before, "MB", 1,
                Target(at_most=MEMORY_MB)),
        Measure(group, f"{VANISHED} vanished phones held for", held_s, "s", VANISHED,
                Target(at_most=GONE_AFTER_S)),
    ]  # fmt: skip
