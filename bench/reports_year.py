"""A year of a busy hall's hub store, made fast, for the reports benchmark.

The store is what a hub would hold after a year of the sample hall at ~2,000 tickets a working
day: ~500,000 tickets (rows in ``tickets``), ~3.5 million events written, the last
``sync.retention_days`` (30) of them still in the outbox (older ones purged after central
acknowledged them, as the uplink does), and the figures' rollups of the whole year.

How: each working day of the year before today is simulated as event payloads of the shapes the
engine writes (sign-ins at 08:55, two pauses per window, arrivals peaking in the morning, waits
and service times drawn from skewed distributions, skips some of which come back, transfers,
recalls, 65 % of services rated with 1.5 % 差评), and every event that carries a figure goes
through the real fold (:class:`sync.figures.FigureFold`) in one transaction per day, so the
rollup tables get exactly the rows and sizes a real year gives. ``window.status`` and
``rating.requested`` events, which the fold ignores, are counted and, for the last 30 days,
stored in the outbox like the rest. The result is cached (see :func:`year_store`).
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import sqlite3
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from config import HallCalendar, sample_hall
from config.schema import HallConfig
from hub.tables import ALL_MIGRATIONS
from sync.figures import FigureFold
from sync.figures.schema import FIGURES_SQL
from sync.store import Store

VERSION = "1"
TICKETS_PER_DAY = 1930
KEPT_DAYS = 30

Event = tuple[datetime, str, dict[str, Any]]


@dataclass(frozen=True)
class YearStore:
    path: Path
    first_day: date
    last_day: date
    tickets: int
    events: int
    seconds_to_build: float


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


class _Day:
    """One simulated service day: its events in time order, and its tickets' final rows."""

    def __init__(self, config: HallConfig, calendar: HallCalendar, day: date, rng: random.Random):
        self.config, self.calendar, self.day, self.rng = config, calendar, day, rng
        self.events: list[Event] = []
        self.tickets: list[dict[str, Any]] = []
        self.counters: dict[str, int] = {}
        self.clerks = {w.number: config.staff[i].number for i, w in enumerate(config.windows)}

    def at(self, hhmm: str, seconds: float = 0) -> datetime:
        hour, minute = (int(p) for p in hhmm.split(":"))
        start = datetime.combine(self.day, datetime.min.time(), tzinfo=self.calendar.zone)
        return start + timedelta(hours=hour, minutes=minute, seconds=seconds)

    def emit(self, when: datetime, type_: str, payload: dict[str, Any]) -> None:
        self.events.append((when, type_, payload))

    def staff(self) -> None:
        rng = self.rng
        for number, clerk in self.clerks.items():
            info = {"number": clerk, "name": "", "title": "", "photo": None}
            self.emit(self.at("08:55", number), "window.clerk", {"window": number, "clerk": info})
            for start in ("10:00", "14:00"):
                begin = self.at(start, rng.uniform(0, 5400))
                self.emit(
                    begin, "window.paused", {"window": number, "reason": "离开", "clerk_id": clerk}
                )
                self.emit(
                    begin + timedelta(seconds=rng.uniform(300, 1200)),
                    "window.resumed",
                    {"window": number},
                )
            self.emit(self.at("17:05", number), "window.clerk", {"window": number, "clerk": None})  # fmt: skip

    def ticket(self, index: int) -> None:
        rng, config = self.rng, self.config
        category = rng.choices(config.categories, weights=[30, 25, 15, 8, 5, 5, 4, 4, 4])[0]
        code = category.code
        choices = [i for i in config.items if i.category == code]
        item = rng.choice(choices).id if choices and rng.random() < 0.7 else None
        morning = rng.random() < 0.6
        issued = self.at(
            "09:00" if morning else "13:00", rng.uniform(0, 9000 if morning else 12600)
        )
        self.counters[code] = self.counters.get(code, 0) + 1
        ticket = {
            "id": str(uuid.uuid4()), "number": f"{code}{self.counters[code]:03d}",
            "service_day": self.day.isoformat(), "category": code, "item_id": item,
            "issued_at": _stamp(issued), "lane": "ordinary",
        }  # fmt: skip
        self.emit(issued, "ticket.issued", {"ticket": dict(ticket)})
        windows = [w.number for w in config.windows_serving(code)]
        window = rng.choice(windows)
        called = issued + timedelta(seconds=min(rng.expovariate(1 / 900), 5400))
        status = "finished"
        for attempt in range(3):
            ticket["called_at"] = _stamp(called)
            self.call(called, ticket, window)
            if rng.random() < 0.05:
                self.emit(called + timedelta(seconds=30), "ticket.recalled", self.at_window(ticket, window))  # fmt: skip
            if attempt == 0 and rng.random() < 0.03:  # 过号; half come back within minutes
                skipped = called + timedelta(seconds=90)
                self.emit(skipped, "ticket.skipped", self.at_window(ticket, window))
                self.emit(skipped, "window.status", {"number": window})
                if rng.random() < 0.5:
                    status = "missed"
                    break
                self.emit(
                    skipped + timedelta(seconds=300), "ticket.requeued", {"ticket": dict(ticket)}
                )
                called = skipped + timedelta(seconds=rng.uniform(400, 1500))
                continue
            if attempt == 0 and rng.random() < 0.02:  # 转移 to another category's window
                moved = called + timedelta(seconds=120)
                target = rng.choice([c for c in config.categories if c.code != code])
                payload = self.at_window(ticket, window) | {
                    "from_window": window,
                    "to_category": target.code,
                }
                self.emit(moved, "ticket.transferred", payload)
                self.emit(moved, "window.status", {"number": window})
                ticket["category"] = target.code
                window = rng.choice([w.number for w in config.windows_serving(target.code)])
                called = moved + timedelta(seconds=rng.uniform(300, 1800))
                continue
            break
        if status == "finished":
            self.finish(called, ticket, window)
        self.tickets.append(self.row(ticket, status))

    def at_window(self, ticket: dict[str, Any], window: int) -> dict[str, Any]:
        return {"ticket": dict(ticket), "window": window, "clerk_id": self.clerks[window]}

    def call(self, when: datetime, ticket: dict[str, Any], window: int) -> None:
        self.emit(when, "ticket.called", self.at_window(ticket, window))
        self.emit(when, "window.status", {"number": window})

    def finish(self, called: datetime, ticket: dict[str, Any], window: int) -> None:
        rng = self.rng
        seconds = round(min(rng.lognormvariate(6.2, 0.5), 3600), 3)
        done = called + timedelta(seconds=seconds)
        payload = self.at_window(ticket, window) | {"service_seconds": seconds}
        self.emit(done, "ticket.finished", payload)
        self.emit(done, "rating.requested", {"ticket_id": ticket["id"], "window": window})
        self.emit(done, "window.status", {"number": window})
        ticket["finished_at"], ticket["service_seconds"] = _stamp(done), seconds
        if rng.random() < 0.65:
            bad = rng.random() < 0.015
            level = rng.choice((4, 5)) if bad else rng.choices((1, 2, 3), weights=(80, 15, 5))[0]
            rating = {"ticket_id": ticket["id"], "level": level, "window": window,
                      "clerk_id": self.clerks[window], "service_day": ticket["service_day"],
                      "item_id": ticket["item_id"], "reason": "等候时间过长" if bad else None}  # fmt: skip
            self.emit(done + timedelta(seconds=8), "rating.recorded", rating)

    def row(self, ticket: dict[str, Any], status: str) -> dict[str, Any]:
        number = ticket["number"]
        return {
            "id": ticket["id"], "service_day": ticket["service_day"], "number": number,
            "issued_category": number[0], "seq_no": int(number[1:]), "category": ticket["category"],
            "item_id": ticket["item_id"], "lane": "ordinary", "status": status,
            "sort_key": datetime.fromisoformat(ticket["issued_at"]).timestamp(),
            "issued_at": ticket["issued_at"], "called_at": ticket.get("called_at"),
            "finished_at": ticket.get("finished_at"),
            "service_seconds": ticket.get("service_seconds"), "call_count": 1,
        }  # fmt: skip


def _cache_key() -> str:
    # Bump VERSION when the simulation changes; a new figures schema changes the key by itself.
    text = VERSION + FIGURES_SQL + str(TICKETS_PER_DAY)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def year_store(cache: Path, today: date, log: Any = print) -> YearStore:
    """The store of a year of working days before ``today``, from ``cache`` (a year built on an
    earlier day is reused as it is) or built there (about a quarter of an hour)."""
    folder = cache / f"reports-year-{_cache_key()}"
    meta = folder / "year.json"
    if meta.is_file():
        facts = json.loads(meta.read_text())
        return YearStore(
            folder / "hub.db",
            date.fromisoformat(facts["first_day"]),
            date.fromisoformat(facts["last_day"]),
            facts["tickets"],
            facts["events"],
            facts["seconds_to_build"],
        )
    for old in cache.glob("reports-year-*"):
        shutil.rmtree(old, ignore_errors=True)  # one cached year at a time (~0.5 GB)
    folder.mkdir(parents=True, exist_ok=True)
    built = _build(folder / "hub.db", today, log)
    meta.write_text(
        json.dumps(
            {
                "first_day": built.first_day.isoformat(),
                "last_day": built.last_day.isoformat(),
                "tickets": built.tickets,
                "events": built.events,
                "seconds_to_build": built.seconds_to_build,
            }
        )
    )
    return built


def _build(path: Path, today: date, log: Any) -> YearStore:
    began = time.perf_counter()
    config = sample_hall()
    calendar = HallCalendar(config)
    fold = FigureFold(calendar)
    rng = random.Random(2025)  # noqa: S311 - a reproducible simulation
    store = Store(path, ALL_MIGRATIONS)
    days = [today - timedelta(days=n) for n in range(365, 0, -1)]
    days = [d for d in days if calendar.is_working_day(d)]
    tickets = events = 0
    conn = store.db.conn
    conn.execute("PRAGMA synchronous = OFF")  # building a benchmark fixture, not serving a hall
    for number, day in enumerate(days):
        simulated = _Day(config, calendar, day, rng)
        simulated.staff()
        for index in range(int(TICKETS_PER_DAY * rng.uniform(0.85, 1.15))):
            simulated.ticket(index)
        simulated.events.sort(key=lambda e: e[0])
        with store.write() as db:
            for when, type_, payload in simulated.events:
                fold.apply(conn, type_, payload, when)
            _keep(db.conn, simulated, (today - day).days <= KEPT_DAYS)
            if number + 1 < len(days):  # the next day opens as the hub would open it
                closing = simulated.at("23:59")
                fold.apply(conn, "day.closed", {"service_day": day.isoformat()}, closing)
        tickets += len(simulated.tickets)
        events += len(simulated.events) + 1
        if number % 20 == 0:
            log(f"   year store: {day} ({number + 1}/{len(days)} days, {tickets} tickets)")
    with store.write() as db:
        db.execute(
            "INSERT OR REPLACE INTO hall_meta (key, value) VALUES ('service_day', ?)",
            (days[-1].isoformat(),),
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return YearStore(path, days[0], days[-1], tickets, events, time.perf_counter() - began)


def _keep(conn: sqlite3.Connection, day: _Day, in_outbox: bool) -> None:
    """The day's tickets (final rows) and counters; its events too when still kept."""
    columns = list(day.tickets[0])
    conn.executemany(
        f"INSERT INTO tickets ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",  # noqa: S608
        [tuple(t[c] for c in columns) for t in day.tickets],
    )
    conn.executemany(
        "INSERT INTO number_counters (service_day, category, last_no) VALUES (?, ?, ?)",
        [(day.day.isoformat(), code, n) for code, n in day.counters.items()],
    )
    if in_outbox:
        conn.executemany(
            "INSERT INTO outbox (event_id, type, schema_version, payload, wall_time, mono_ns,"
            " boot_id, clock_trusted) VALUES (?, ?, 1, ?, ?, 0, 'bench-year', 1)",
            [
                (
                    str(uuid.uuid4()),
                    type_,
                    json.dumps(payload, ensure_ascii=False),
                    when.isoformat(),
                )
                for when, type_, payload in day.events
            ],
        )
