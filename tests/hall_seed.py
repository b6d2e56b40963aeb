"""A few days of a busy hall played through the real engine, for the console's tour and page
tests: clerks sign in, citizens take tickets, windows call, serve, skip, transfer, pause and
finish, citizens rate (now and then a 差评), kiosks send feedback and alerts.

Deterministic (a seeded random generator) and driven by a :class:`FixedClock` the caller owns;
every change goes through :class:`hub.engine.QueueEngine`, so the rollups, follow-ups and
events are what a real day leaves behind.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from config.sample import DEMO_STAFF_PIN
from hub.actors import Actor
from hub.engine import QueueEngine
from hub.errors import HubError
from sync.clock import FixedClock

WINDOWS = (1, 2, 3, 4, 5, 6)
CLERKS = {1: "1001", 2: "1002", 3: "1003", 4: "1004", 5: "1005", 6: "1006"}
CATEGORY_WEIGHTS = {"A": 5, "B": 4, "C": 3, "D": 1, "E": 1, "F": 1, "G": 1, "H": 1, "J": 1}
BAD_REASONS = ("等候时间过长", "办事效率低", "一次性告知不到位")


@dataclass
class _Desk:
    busy_until: datetime | None = None
    paused_until: datetime | None = None


@dataclass
class SeededDay:
    """What one played day left: the numbers it issued and its 差评 follow-ups."""

    day: date
    issued: int = 0
    bad_followups: list[str] = field(default_factory=list)


def _id_number(rng: random.Random, birth_year: int) -> str:
    from devices.idnumber import check_digit

    first17 = (
        f"320402{birth_year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(100, 999)}"
    )
    return first17 + check_digit(first17)


def play_day(
    engine: QueueEngine,
    clock: FixedClock,
    day: date,
    *,
    rng: random.Random,
    until: time = time(17, 0),
    per_hour: float = 40.0,
) -> SeededDay:
    """Play ``day`` from 09:00 to ``until`` (hall time) minute by minute; returns its summary.

    Windows keep serving whoever waits; a ticket in the afternoon may still be waiting when
    ``until`` comes (a day played to 10:30 leaves a live floor)."""
    zone = engine.calendar.zone
    seeded = SeededDay(day)
    desks = {n: _Desk() for n in WINDOWS}
    moment = datetime.combine(day, time(8, 55), zone)
    clock.set(moment)
    for window, clerk in CLERKS.items():
        engine.sign_in(window, clerk, DEMO_STAFF_PIN)
    end = datetime.combine(day, until, zone)
    categories = list(CATEGORY_WEIGHTS)
    weights = list(CATEGORY_WEIGHTS.values())
    items_by_category: dict[str, list[str]] = {}
    for item in engine.config.items:
        items_by_category.setdefault(item.category, []).append(item.id)
    while moment < end:
        moment += timedelta(minutes=1)
        clock.set(moment)
        lunch = time(12, 0) <= moment.time() < time(13, 0)
        if not lunch and moment.time() < time(16, 30):
            for _ in range(_arrivals(rng, per_hour / 60)):
                category = rng.choices(categories, weights)[0]
                item = rng.choice(items_by_category[category]) if rng.random() < 0.6 else None
                elder = rng.random() < 0.08
                try:
                    if elder:
                        engine.issue_ticket(
                            category=category, item_id=item, id_number=_id_number(rng, 1950)
                        )
                    else:
                        engine.issue_ticket(category=category, item_id=item)
                    seeded.issued += 1
                except HubError:
                    pass  # a cap or a closing time refused it, as at a real kiosk
        for window, desk in desks.items():
            _turn(engine, rng, window, desk, moment, seeded, lunch)
    return seeded


def _arrivals(rng: random.Random, mean: float) -> int:
    count, threshold, product = 0, pow(2.718281828, -mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _turn(
    engine: QueueEngine,
    rng: random.Random,
    window: int,
    desk: _Desk,
    moment: datetime,
    seeded: SeededDay,
    lunch: bool,
) -> None:
    if desk.paused_until is not None:
        if moment >= desk.paused_until:
            engine.resume(window)
            desk.paused_until = None
        return
    if desk.busy_until is not None:
        if moment < desk.busy_until:
            return
        desk.busy_until = None
        roll = rng.random()
        if roll < 0.05:
            engine.skip(window)
            return
        if roll < 0.08:
            targets = [w for w in WINDOWS if w != window]
            engine.transfer(window, to_window=rng.choice(targets), reason="需其他窗口办理")
            return
        engine.finish(window)
        level_roll = rng.random()
        if level_roll < 0.15:
            return  # the citizen pressed no key
        if level_roll < 0.16:
            rating = engine.rate(window, rng.choice((4, 5)), rng.choice(BAD_REASONS))
            seeded.bad_followups.append(rating.id)
            return
        engine.rate(window, rng.choices((1, 2, 3), (75, 15, 10))[0])
        return
    if lunch and rng.random() < 0.5:
        return
    if rng.random() < 0.004:
        engine.pause(window, rng.choice(("临时离岗", "业务咨询", "系统维护")))
        desk.paused_until = moment + timedelta(minutes=rng.randint(5, 35))
        return
    if engine.call_next(window) is not None:
        desk.busy_until = moment + timedelta(minutes=rng.randint(3, 14))


def _bad_rating(engine: QueueEngine, rng: random.Random) -> None:
    """A 差评 at window 7 (clerk 1007): one more follow-up for the console to show."""
    engine.sign_in(7, "1007", DEMO_STAFF_PIN)
    engine.issue_ticket(category="J")
    engine.call_next(7)
    engine.finish(7)
    engine.rate(7, 5, rng.choice(BAD_REASONS))


def working_days_before(engine: QueueEngine, today: date, count: int) -> list[date]:
    """The ``count`` working days of the hall before ``today``, oldest first."""
    days: list[date] = []
    current = today
    while len(days) < count:
        current -= timedelta(days=1)
        if engine.calendar.is_working_day(current):
            days.append(current)
    return sorted(days)


MANAGER = Actor("zhang.san", "manager", "session")
SUPERVISOR = Actor("li.si", "supervisor", "session")


def furnish_hall(engine: QueueEngine, clock: FixedClock, today: date, *, days: int = 10) -> None:
    """``days`` working days before ``today`` played whole, then ``today`` until 10:30 (a
    queue waiting, windows serving, one paused), 差评 follow-ups at every stage (one overdue),
    kiosk feedback and alerts: what a manager's console shows on a working morning."""
    rng = random.Random(20261207)
    for day in working_days_before(engine, today, days):
        play_day(engine, clock, day, rng=rng)
    play_day(engine, clock, today, rng=rng, until=time(10, 30), per_hour=70.0)
    zone = engine.calendar.zone
    clock.set(datetime.combine(today, time(10, 31), zone))
    while len(engine.followups(statuses=["pending"])) < 7:  # every stage below has one
        clock.advance(1)
        _bad_rating(engine, rng)
    pending = engine.followups(statuses=["pending"])
    steps = [
        ("verify", MANAGER, {"assignee": "王丽华", "note": "已电话联系群众核实，情况属实"}),
        ("rectify", MANAGER, {"measures": "窗口增派AB岗人员，高峰时段开放6号窗口"}),
        (
            "revisit",
            SUPERVISOR,
            {"method": "电话回访", "answer": "群众表示满意", "satisfied": True},
        ),
    ]
    for index, followup in enumerate(pending[2:6]):  # the two newest stay 待核实
        for name, actor, fields in steps[: index + 1]:
            engine.followup_step(actor, followup["id"], name, fields)
    if len(pending) > 6:
        engine.followup_step(
            SUPERVISOR, pending[6]["id"], "invalid", {"reason": "经核实为误按评价器，群众已确认"}
        )
    engine.add_feedback(kind="suggestion", reason="建议增加周六上午的服务时间", source="kiosk-1")
    engine.add_feedback(
        kind="unresolved",
        reason="社保转移接续材料不全，窗口未一次性告知",
        phone="13812345678",
        source="kiosk-1",
    )
    engine.alert(source="ticket-1", device="printer", problem="打印机缺纸，请更换纸卷")
    engine.alert(source="kiosk-1", device="help", problem="有群众在查询机呼叫工作人员", kind="help")
    engine.check_alerts()
