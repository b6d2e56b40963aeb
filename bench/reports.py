"""j) Reports over a year of a busy hall, through the real hub, while tickets keep being issued.

A copy of the year's store (:mod:`bench.reports_year`, cached) is served by a ``hall hub``
process. While 4 kiosks issue tickets at 20/s (:func:`bench.issue.issue_latency`), one client
asks ``GET /api/v1/reports`` over and over: each month of the year by window, then single days
by window, in turn. Every answer is checked for the month's or day's served count being there.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import requests

from bench import issue
from bench.hubproc import HubProcess, percentile
from bench.report import Measure, Target
from bench.reports_year import YearStore, year_store
from config import HallCalendar, sample_hall
from sync.clock import SystemClock

MONTH_TARGET_S = 1.0
DAY_TARGET_MS = 50.0


def cache_dir() -> Path:
    """Where the generated year is kept between runs (``HALLKIT_BENCH_CACHE`` or ~/.cache)."""
    base = os.environ.get("HALLKIT_BENCH_CACHE") or os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "hallkit-bench" if base else Path.home() / ".cache" / "hallkit-bench"


def _months(first: date, last: date) -> list[tuple[date, date]]:
    months = []
    start = first.replace(day=1)
    while start <= last:
        following = (start + timedelta(days=32)).replace(day=1)
        months.append((start, following - timedelta(days=1)))
        start = following
    return months


def _sizes(path: Path) -> str:
    with sqlite3.connect(path.as_uri() + "?mode=ro", uri=True) as conn:
        counts = {
            t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # noqa: S608
            for t in ("figures_counts", "figures_hist", "figures_tickets", "tickets", "outbox")
        }
    shown = ", ".join(f"{t} {n:,}" for t, n in counts.items())
    return f"rows: {shown}; file {path.stat().st_size / 1e6:.0f} MB"


def run(quick: bool, work: Path) -> list[Measure]:
    calendar = HallCalendar(sample_hall())
    today = calendar.service_day(SystemClock().now())
    print("j) the year's store (generated once, then cached) …", flush=True)
    year = year_store(cache_dir(), today)
    folder = work / "hub-year"
    folder.mkdir(parents=True)
    shutil.copy(year.path, folder / "hub.db")
    seconds = 10 if quick else 30
    hub = HubProcess(folder)
    hub.spawn()
    if not hub.wait_ready(600):  # the integrity check of a year's store takes a while
        raise RuntimeError(f"the hub did not start on the year's store; see {hub.log_path}")
    try:
        return _measure(hub, year, seconds)
    finally:
        hub.stop()


def _measure(hub: HubProcess, year: YearStore, seconds: float) -> list[Measure]:
    months = _months(year.first_day, year.last_day)[1:-1]  # whole months only
    days = [year.last_day - timedelta(days=n) for n in range(0, 300, 7)]
    month_s: list[float] = []
    day_ms: list[float] = []
    errors: list[str] = []
    done = threading.Event()

    def ask(session: requests.Session, first: date, last: date) -> float:
        url = f"{hub.base_url}/api/v1/reports"
        params = {"from": first.isoformat(), "to": last.isoformat(), "by": "window"}
        began = time.perf_counter()
        answer = session.get(url, params=params, timeout=60)
        took = time.perf_counter() - began
        if answer.status_code != 200 or answer.json()["total"]["served"] <= 0:
            errors.append(f"{first}..{last}: {answer.status_code} {answer.text[:200]}")
        return took

    def reports() -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {hub.admin_token}"
        n = 0
        while not done.is_set():
            first, last = months[n % len(months)]
            month_s.append(ask(session, first, last))
            day = days[n % len(days)]
            day_ms.append(ask(session, day, day) * 1000)
            n += 1
        session.close()

    warm = hub.client()
    try:  # the day's first ticket closes yesterday (day.closed): the hall opens, then we measure
        kiosk = hub.client(warm.add_device("kiosk", "opening")["token"])
        kiosk.issue_ticket(category="A")
        kiosk.close()
    finally:
        warm.close()
    alone = issue.issue_latency(hub, seconds / 2)  # the same store, no reports: the reference
    reader = threading.Thread(target=reports)
    reader.start()
    try:
        issued = issue.issue_latency(hub, seconds)
    finally:
        done.set()
        reader.join()
    group = "j) reports, a year"
    note = (
        f"{year.tickets:,} tickets and {year.events:,} events over {year.first_day}..{year.last_day}"
        f" (built in {year.seconds_to_build:.0f} s, cached); {_sizes(year.path)};"
        f" {len(errors)} report errors"
    )
    return [
        Measure(group, "month × window, worst", max(month_s), "s", len(month_s),
                Target(at_most=MONTH_TARGET_S), note),
        Measure(group, "month × window, median", percentile(month_s, 50), "s", len(month_s)),
        Measure(group, "one day × window p99", percentile(day_ms, 99), "ms", len(day_ms),
                Target(at_most=DAY_TARGET_MS)),
        Measure(group, "one day × window, median", percentile(day_ms, 50), "ms", len(day_ms)),
        *[replace(m, group=group, name=f"{m.name} (reports running)") for m in issued],
        *[replace(m, group=group, name=f"{m.name} (no reports)", target=None, note="")
          for m in alone if "max" not in m.name],
    ]  # fmt: skip
