"""ID-card reader: how long the codec takes to turn a 1,295-byte read reply into an ``IdCard``.

The decode runs on the reader thread between the last byte arriving and the event reaching the
kiosk, so it adds directly to what a citizen waits; the wire itself takes 0.11 s at 115200 baud
and the card read about a second, so the codec should stay well under a millisecond. A second,
informational row reads a card end to end through the pty simulator (find, select, read,
appended address over the real serial transport).
"""

from __future__ import annotations

import time

from bench.hubproc import percentile
from bench.report import Measure, Target
from devices.idcard.card import decode_text, encode_text
from devices.idcard.commands import CardData, encode_card_data, parse_card_data
from devices.idcard.frames import FrameDecoder, Reply, decode_reply
from devices.idcard.samples import SAMPLES
from devices.idcard.session import ReaderSession
from devices.idcard.sim import SimulatedReader
from devices.idcard.transport import open_transport

GROUP = "ID-card reader"
DECODE_P99_US = 1000.0


def read_reply() -> bytes:
    """The 30 01 reply for the resident specimen card, as the simulator sends it."""
    card = SAMPLES["resident"]
    data = encode_card_data(CardData(encode_text(card), card.photo_wlt))
    return Reply(0, 0, 0x90, data).encode()


def decode_once(wire: bytes) -> None:
    """Frame, reply, parts and card: everything between the bytes and the ``IdCard``."""
    (payload,) = FrameDecoder().feed(wire)
    if not isinstance(payload, bytes):
        raise payload
    parts = parse_card_data(decode_reply(payload).data)
    decode_text(parts.text, parts.photo)


def decode_times(samples: int) -> list[float]:
    """Microseconds per decode, ``samples`` times, after a short warm-up."""
    wire = read_reply()
    for _ in range(50):
        decode_once(wire)
    times = []
    for _ in range(samples):
        start = time.perf_counter_ns()
        decode_once(wire)
        times.append((time.perf_counter_ns() - start) / 1000)
    return times


def pty_read_times(samples: int) -> list[float]:
    """Milliseconds per full card read through the pty simulator and the serial transport."""
    with SimulatedReader([SAMPLES["resident"]]) as sim:
        session = ReaderSession(open_transport(sim.address))
        try:
            session.check_status()
            times = []
            for _ in range(samples):
                start = time.perf_counter()
                if session.read_presented() is None:
                    raise RuntimeError("the simulator offered no card")
                times.append((time.perf_counter() - start) * 1000)
        finally:
            session.close()
    return times


def run(quick: bool) -> list[Measure]:
    """The decode latency against its target, and the simulated end-to-end read time."""
    decode = decode_times(2_000 if quick else 20_000)
    reads = pty_read_times(20 if quick else 200)
    note = (
        f"{len(decode)} decodes of one 1,295-byte 30 01 reply in one thread; "
        f"{len(reads)} reads through the pty simulator (no card or wire time)"
    )
    target = Target(at_most=DECODE_P99_US)
    return [
        Measure(
            GROUP, "read reply decode p50", percentile(decode, 50), "µs", len(decode), note=note
        ),
        Measure(GROUP, "read reply decode p99", percentile(decode, 99), "µs", len(decode), target),
        Measure(GROUP, "simulated card read p50", percentile(reads, 50), "ms", len(reads)),
        Measure(GROUP, "simulated card read p99", percentile(reads, 99), "ms", len(reads)),
    ]
