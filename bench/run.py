"""Measure the hub against its performance targets and write ``docs/benchmarks.md``.

    python bench/run.py            full run (about two minutes)
    python bench/run.py --quick    short run, for a smoke test of the benchmark itself

Every scenario starts its own hub process (``hall hub --always-open``) on a fresh folder under
the system's temporary directory (``--data-root`` to pick another disk: the store fsyncs every
commit, so the disk matters). Exits 1 if any target is missed, 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make hallkit and bench importable
    sys.path.insert(0, str(ROOT))

from bench import (  # noqa: E402
    boards,
    calls,
    central_intake,
    central_pg,
    central_rollup,
    idcard,
    issue,
    kiosk_app,
    kiosk_search,
    phones,
    printer,
    replay,
    reports,
    sync_drain,
)
from bench.hubproc import HubProcess  # noqa: E402
from bench.report import Measure, machine, print_measures, render  # noqa: E402

NOTES = [
    "a) 4 kiosk threads, each with its own token and keep-alive connection, offer 5 tickets/s"
    " each (20/s in all, evenly staggered, open loop) for the run's duration; a latency runs"
    " from the instant the request was due to the instant its 201 answer was read.",
    "b) HTTP throughput: several client processes issue tickets back to back (closed loop) over"
    " keep-alive connections; answers are counted after a 1 s warm-up; a full run does this"
    " three times on fresh hubs and reports the median run. The hub process's CPU"
    " time comes from /proc/PID/stat; on a 2-core machine the clients compete with the hub for"
    " the second core. The engine-alone rows call QueueEngine.issue_ticket in one thread on a"
    " fresh temp-file store (same migrations, WAL, synchronous=FULL) with no HTTP, over the"
    " same ticket numbers of the day as the HTTP run's measured span: issuing gets slower as"
    " the day's tickets pile up, so both see a store of the same size. The last engine row is"
    " the first 1000 tickets of a day, what a hall sees at opening.",
    "c) a 40-window hall (the sample hall's categories without daily caps, each window serving"
    " three categories) is preloaded with waiting tickets; 40 counter threads each call-next"
    " once a second (staggered by 25 ms) and finish half a second later, while one SSE client"
    " in its own process stamps each ticket.called event on arrival; latency = arrival − the"
    " instant just before the call-next request was sent, matched by ticket id.",
    "d) a hub store is filled with a backlog of real engine events (250,000 in a full run,"
    " a busy hall's three days; 20,000 with --quick), then a real `hall central` process and"
    " the `hall hub` process start on loopback; the drain is timed from the hub's spawn until"
    " central acknowledges the last seq, while a client issues tickets at 20/s over HTTP.",
    "e) central intake in process through the whole app (signature, nonce, gzip, validation,"
    " store) with 1000-event ticket.issued batches on a temp store.",
    "f) ID-card: frame + card decode of a 1295-byte 30 01 reply, and a full read through the"
    " pty simulator; printer: layout of a queue ticket to ESC/POS bytes, bytes and length per"
    " ticket, and the physical print time at 130 mm/s for comparison.",
    "g) the kiosk's pinyin index over 5,000 items (the sample hall's 180 names with variations);"
    " each keystroke of realistic typed queries (initials, full pinyin, digits) is one query.",
    "h) the 40-window hall of c) with 40 Qt board models (boards.board_model fed by"
    " boards.feed, as `hall board` runs them) in one process, and the web board"
    " (/board/N) in headless chromium for the first windows; each counter calls every second;"
    " latency = the number shown on a board − the instant before call-next was sent.",
    "i) `hall kiosk` in a fresh process (offscreen) until its first screen takes touches,"
    " median of 5; memory: RSS and Python heap growth while simulated citizens take tickets,"
    " search guides, open items and check progress through the Qt window (an hour's worth,"
    " accelerated), after a warm-up.",
    "j) a year of the sample hall's hub store (~500,000 tickets, ~3.5 million events; built"
    " by simulating each working day's events and folding them through the real figures fold,"
    " one transaction per day, then cached; see bench/reports_year.py) served by `hall hub`;"
    " while 4 kiosks issue at 20/s as in a), one client asks GET /api/v1/reports by window for"
    " each whole month of the year and for single days, in turn; latency = request to answer.",
    "k) a hub store holds a backlog of real engine events (31,000 in a full run, 5,000 with"
    " --quick; not enrolled, so it stays); 100 SSE clients in 4 processes, each with its own"
    " display token, open GET /api/v1/events?since=0 together, read until the backlog's last"
    " event (checking every seq once and in order), and start again from 0 until the issue run"
    " ends (replays then under way are read to their end, and count); 4 kiosks issue at 20/s"
    " as in a) from 0.5 s after every client has started. The hub sends replays at most"
    " 50,000 events/s in all (hub/replay.py), so events/s is that budget as the clients saw it.",
    "l) central on PostgreSQL (bench/central_pg.py): a throwaway durable cluster (fsync and"
    " synchronous_commit on) and `hall central serve --db URL --workers 2` per scenario; the"
    " halls are light clients in the bench process (asyncio, raw HTTP/1.1 keep-alive, every"
    " batch built and gzip-compressed before the clock starts, one SHA-256 and one HMAC per"
    " request), honouring Retry-After with jitter and resending a batch after a lost"
    " connection as the uplink does. Intake: 1,000 halls with 3,000-event backlogs upload at"
    " once for 60 s in 1,000-event batches; events/s counts acknowledged events after the first"
    " 5 s. Storm: 5,000 halls (500 with --quick) connect at the same instant, each with an"
    " hour's 1,500 events, until all are acknowledged. Faults: 1,000 halls × 2,000 events; at a"
    " third one worker is SIGKILLed, at two thirds PostgreSQL is stopped `immediate` and"
    " started. Every scenario counts in PostgreSQL at the end that each hall holds seqs 1..n"
    " exactly once (acked_seq, held, max_seq agree). CPU is /proc time of the central workers,"
    " the PostgreSQL processes and the bench process over the run.",
    "m) central's month roll-up (bench/central_rollup.py): 8 hall-months of the sample hall"
    " simulated as in j) at ~450 events a working day and folded by the hubs' fold, each"
    " working day's figures snapshot (sync.figures.snapshot) given to 1,000 halls (100 with"
    " --quick; ~10 million events in all) and loaded into a durable cluster with COPY as"
    " store_day stores them, then refresh_months and ANALYZE; central_report for the whole"
    " month over every hall, by hall, by a grouping of halls (20 towns), by category and by"
    " day: median of 3 after a warm-up.",
    "n) the 40-window hall of c) with 500 citizens' phone pages (bench/phones.py: one asyncio"
    " process, raw HTTP/1.1, each page following every other ticket of the first 1,000 and"
    " renewing its stream as sync/phone_page/static/phone.js does) and the SSE board of c); 40"
    " counters call every second; phone latency = the page's first view with status called −"
    " the instant before call-next was sent; memory = the hub process's VmRSS with the phones"
    " connected at the end of the run − before they connected; then 100 phones vanish (the"
    " request sent, the socket never read nor closed) and the hub's phone_pages count (GET"
    " /api/v1/health) is watched until it is back to 0.",
    "Percentiles are nearest-rank over all samples; times are time.perf_counter"
    " (CLOCK_MONOTONIC on Linux, shared by all processes).",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (seconds, not minutes)")
    parser.add_argument(
        "--data-root",
        type=Path,
        default=Path(tempfile.gettempdir()),
        help="where the temporary hub folders go (default: the temp dir)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="the Markdown page to (over)write (default: docs/benchmarks.md for a full set;"
        " a run with --only writes no page unless --out is given)",
    )
    parser.add_argument(
        "--clients", type=int, default=4, help="client processes for the saturation run (default 4)"
    )
    parser.add_argument(
        "--only",
        default="abcdefghijklmn",
        help="run only these scenarios, by letter (e.g. --only ch); the page lists only them",
    )
    args = parser.parse_args(argv)
    only = set(args.only)
    out: Path | None = args.out
    if out is None and only >= set("abcdefghijklmn"):
        out = ROOT / "docs" / "benchmarks.md"
    latency_s, saturation_s, repeats, calls_s = (5, 4, 1, 8) if args.quick else (30, 10, 3, 30)

    measures: list[Measure] = []
    with tempfile.TemporaryDirectory(prefix="hallkit-bench-", dir=args.data_root) as folder:
        work = Path(folder)
        if "a" in only:
            print(f"a) issue latency at 20 tickets/s for {latency_s} s …", flush=True)
            with HubProcess(work / "hub-latency") as hub:
                measures += issue.issue_latency(hub, latency_s)
        if "b" in only:
            print(f"b) saturation over HTTP, {repeats} × {saturation_s} s …", flush=True)
            saturated = issue.median_saturation(work, saturation_s, args.clients, repeats)
            measures += saturated.measures
            print("b) the engine alone on as many tickets …", flush=True)
            measures += issue.engine_alone(saturated.issued_before, saturated.issued_in_span, work)
        if "c" in only:
            print(f"c) call-next → event with {calls.WINDOWS} windows for {calls_s} s …")
            measures += calls.call_to_event(work, calls_s)
        if "d" in only:
            print("d) sync: catch-up of a backlog to a real central while tickets are issued …")
            measures += sync_drain.run(args.quick, work)
        if "e" in only:
            print("e) central: intake of 1000-event batches …", flush=True)
            measures += central_intake.run(args.quick)
        if "f" in only:
            print("f) devices: ID-card reply decode, ticket to printer bytes …", flush=True)
            measures += idcard.run(args.quick)
            measures += printer.run(args.quick)
        if "g" in only:
            print("g) kiosk: pinyin search per keystroke over 5,000 items …", flush=True)
            measures += kiosk_search.run(args.quick)
        if "i" in only:
            print("i) kiosk app: start to first screen, memory over simulated use …", flush=True)
            measures += kiosk_app.run(args.quick)
        if "h" in only:
            print(f"h) call-next → Qt and web boards, 40 windows, {calls_s} s …", flush=True)
            measures += boards.call_to_board(work, calls_s)
        if "j" in only:
            print("j) reports over a year of a busy hall while tickets are issued …", flush=True)
            measures += reports.run(args.quick, work)
        if "k" in only:
            print("k) replay storm: 100 clients replay the outbox while tickets are issued …")
            measures += replay.run(args.quick, work)
        if "l" in only:
            print("l) central on PostgreSQL: intake, reconnect storm, kill -9 and restart …")
            measures += central_pg.run(args.quick, work)
        if "m" in only:
            print("m) central: a month's roll-up report over 1,000 halls …", flush=True)
            measures += central_rollup.run(args.quick, work)
        if "n" in only:
            print("n) phones: 500 phone pages follow their tickets while 40 windows call …")
            measures += phones.run(args.quick, work)
        facts = machine(work)
        facts["hub store (sync.store.Store)"] = issue.store_settings(work)

    print()
    print_measures(measures)
    mode = "quick (--quick)" if args.quick else "full"
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render(measures, facts, mode, NOTES), encoding="utf-8")
        print(f"\nwrote {out}")
    failed = [m.name for m in measures if m.verdict == "FAIL"]
    if failed:
        print(f"targets missed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
