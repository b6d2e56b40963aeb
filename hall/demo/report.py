"""The evidence of a scripted demo day: screenshots, printed slips as PNG, and the summary.

Screenshots are ``widget.grab()`` of each app's own window. A printed slip is drawn from the
bytes the printer simulator RECEIVED: the job is decoded (``devices.printer.decode``) and the
decoded lines are drawn at the printer's dot width (``devices.printer.preview``), so the PNG
shows what the paper would show, not what the app meant to print. The figures come from the
hub's store (read-only) and the sync check compares central with the hub event by event.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QApplication, QWidget

from devices.errors import DecodeError
from devices.printer.decode import decode_job
from devices.printer.layout import PAPER_80
from devices.printer.preview import render_lines, save
from devices.printer.sim import PrinterSimulator
from hall.demo.site import SyncCheck

LEVELS = {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}
_NUMBER = re.compile(r"\b([A-Z]\d{3})\b")
_RECEIPT = re.compile(r"\b(SJ\d+)\b")


@dataclass
class Evidence:
    """Files written into ``out`` as the day goes, by kind."""

    out: Path
    zone: ZoneInfo  # the hall's: notes carry the hall's time, as its screens and tickets do
    screens: list[Path] = field(default_factory=list)
    slips: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what happened, in order, for summary.md

    def __post_init__(self) -> None:
        for sub in ("screens", "printed", "wav"):
            (self.out / sub).mkdir(parents=True, exist_ok=True)

    def note(self, line: str) -> None:
        stamp = datetime.now(self.zone).strftime("%H:%M:%S")
        self.notes.append(f"{stamp} {line}")
        print(f"  {stamp} {line}", flush=True)

    def grab(self, moment: str, windows: dict[str, QWidget]) -> None:
        """One PNG per window: ``screens/NN-moment-box.png``. Raises OSError if one fails."""
        index = len({p.name.split("-", 1)[0] for p in self.screens}) + 1
        for _ in range(3):  # let pending relayouts (a label that grew a line) finish first
            QApplication.sendPostedEvents()
            QApplication.processEvents()
        for name, widget in windows.items():
            path = self.out / "screens" / f"{index:02d}-{moment}-{name}.png"
            if not widget.grab().save(str(path), "PNG"):
                raise OSError(f"cannot write {path}")
            self.screens.append(path)

    def print_slips(self, printers: dict[str, PrinterSimulator]) -> None:
        """Every job each printer simulator received, drawn as it would print."""
        for box, sim in printers.items():
            for job in sim.printer.jobs:
                try:
                    decoded = decode_job(job.data)
                except DecodeError as err:
                    self.note(f"{box} job {job.number} could not be decoded: {err}")
                    continue
                text = decoded.text
                found = _RECEIPT.search(text) or _NUMBER.search(text)
                kind = "receipt" if "回执" in text else "ticket" if box == "ticket-1" else "slip"
                label = f"-{found.group(1)}" if found else ""
                path = self.out / "printed" / f"{box}-{job.number:02d}-{kind}{label}.png"
                save(render_lines(decoded.lines, PAPER_80), path)
                self.slips.append(path)


def hub_figures(hub_db: Path) -> dict[str, Any]:
    """Tickets, waits, ratings and follow-ups of the hub's store (read-only)."""
    db = sqlite3.connect(f"file:{hub_db}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        tickets = db.execute(
            "SELECT number, lane, status, issued_at, called_at FROM tickets ORDER BY issued_at"
        ).fetchall()
        ratings = db.execute("SELECT level, reason FROM ratings").fetchall()
        followups = db.execute(
            "SELECT f.window, f.level, f.reason, f.close_due_on AS due_date, t.number FROM followups f "
            "JOIN tickets t ON t.id = f.ticket_id"
        ).fetchall()
        outbox = db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    finally:
        db.close()
    waits = [
        (datetime.fromisoformat(t["called_at"]) - datetime.fromisoformat(t["issued_at"]))
        for t in tickets
        if t["called_at"]
    ]
    seconds = [w.total_seconds() for w in waits]
    by_level = {name: 0 for name in LEVELS.values()}
    for rating in ratings:
        by_level[LEVELS[int(rating["level"])]] += 1
    return {
        "tickets_issued": len(tickets),
        "tickets_served": sum(1 for t in tickets if t["status"] == "finished"),
        "tickets_missed": sum(1 for t in tickets if t["status"] == "missed"),
        "lanes": {
            lane: sum(1 for t in tickets if t["lane"] == lane)
            for lane in ("ordinary", "green", "appointment")
        },
        "wait_seconds_average": round(sum(seconds) / len(seconds), 1) if seconds else None,
        "wait_seconds_longest": round(max(seconds), 1) if seconds else None,
        "ratings": by_level,
        "bad_ratings": [dict(row) for row in followups],
        "events_written": int(outbox),
    }


def write_summary(
    out: Path,
    figures: dict[str, Any],
    check: SyncCheck,
    evidence: Evidence,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """``summary.json`` and ``summary.md`` in ``out``; returns the JSON's content."""
    files = sorted(
        str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and p.parent != out
    )
    summary = {
        **figures,
        **extra,
        "events_synced": check.central_events,
        "sync": check.to_dict(),
        "nothing_lost": check.nothing_lost,
        "files": [*files, "summary.md", "summary.json"],
    }
    (out / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out / "summary.md").write_text(_markdown(summary, evidence), encoding="utf-8")
    return summary


def _markdown(s: dict[str, Any], evidence: Evidence) -> str:
    lanes = s["lanes"]
    lines = [
        "# hallkit demo day / 演示日小结",
        "",
        f"- service day / 营业日: {s.get('service_day', '')} (times below in the hall's time "
        f"zone {s.get('time_zone', '')})",
        f"- tickets issued / 取号: {s['tickets_issued']} (ordinary {lanes['ordinary']}, "
        f"green lane {lanes['green']}, appointment {lanes['appointment']})",
        f"- tickets served / 办结: {s['tickets_served']}; missed / 过号: {s['tickets_missed']}",
        f"- wait until called / 等候: average {s['wait_seconds_average']} s, "
        f"longest {s['wait_seconds_longest']} s",
        "- ratings / 评价: "
        + ", ".join(f"{name} {count}" for name, count in s["ratings"].items())
        + f"; not rated (timeout) / 未评价: {s.get('not_rated', 0)}",
    ]
    for bad in s["bad_ratings"]:
        lines.append(
            f"- 差评: {bad['number']} at window {bad['window']} ({LEVELS[bad['level']]}, "
            f"{bad['reason']}), follow-up due / 整改回访期限 {bad['due_date']}"
        )
    sync = s["sync"]
    lines += [
        f"- appointment / 预约: {s.get('appointment_route', '')}",
        f"- WAN down / 断网: {s.get('wan_down_seconds', 0)} s while the hall kept working",
        f"- events written / 写入事件: {s['events_written']}; synced to central / 已同步: "
        f"{s['events_synced']} (missing {sync['missing']}, mismatched {sync['mismatched']}, "
        f"extra {sync['extra']})",
        f"- nothing lost / 无丢失: {'yes' if s['nothing_lost'] else 'no'}",
        f"- took / 用时: {s.get('seconds', 0)} s",
        "",
        "## What happened / 过程",
        "",
        *(f"- {note}" for note in evidence.notes),
        "",
        "## Files / 文件",
        "",
        *(f"- {name}" for name in s["files"]),
        "",
    ]
    return "\n".join(lines)
