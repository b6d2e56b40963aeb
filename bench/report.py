"""Benchmark results, their targets, and the ``docs/benchmarks.md`` page made from them."""

from __future__ import annotations

import math
import os
import platform
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Target:
    """A bound a measure must meet: ``at_most`` (latencies) or ``at_least`` (throughputs)."""

    at_most: float | None = None
    at_least: float | None = None

    def met_by(self, value: float) -> bool:
        if math.isnan(value):
            return False
        if self.at_most is not None and value > self.at_most:
            return False
        return not (self.at_least is not None and value < self.at_least)

    def describe(self, unit: str) -> str:
        if self.at_most is not None:
            return f"≤ {self.at_most:g} {unit}"
        if self.at_least is not None:
            return f"≥ {self.at_least:g} {unit}"
        return "—"


@dataclass(frozen=True)
class Measure:
    """One number a benchmark produced, with how many samples it rests on."""

    group: str
    name: str
    value: float
    unit: str
    samples: int
    target: Target | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "info"
        return "PASS" if self.target.met_by(self.value) else "FAIL"

    def shown(self) -> str:
        if math.isnan(self.value):
            return "n/a"
        digits = {"ms": 1, "tickets/s": 0, "events": 0}.get(self.unit, 2)
        return f"{self.value:.{digits}f} {self.unit}"


def _fs_type(path: Path) -> str:
    """The filesystem type holding ``path`` (from /proc/mounts): fsync costs differ a lot."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return "unknown"
    target = path.resolve()
    best, kind = "", "unknown"
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        if target.is_relative_to(point) and len(point) > len(best):
            best, kind = point, fields[2]
    return kind


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine(data_root: Path) -> dict[str, str]:
    """What the numbers were measured on."""
    return {
        "cpus (nproc)": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "data folder filesystem": _fs_type(data_root),
    }


def conditions(measures: list[Measure]) -> list[tuple[str, str]]:
    """Each distinct (group, note) pair, in order: sample sizes, errors, store size."""
    seen: list[tuple[str, str]] = []
    for m in measures:
        if m.note and (m.group, m.note) not in seen:
            seen.append((m.group, m.note))
    return seen


def print_measures(measures: list[Measure]) -> None:
    width = max(len(m.name) for m in measures)
    for m in measures:
        target = m.target.describe(m.unit) if m.target else ""
        print(f"  {m.name:<{width}}  {m.shown():>14}  {target:<16} {m.verdict:<5} n={m.samples}")
    for group, note in conditions(measures):
        print(f"  {group}: {note}")


def render(measures: list[Measure], facts: dict[str, str], mode: str, notes: list[str]) -> str:
    """The Markdown page: when, where, and each number against its target."""
    lines = [
        "# hallkit benchmarks",
        "",
        "Written by `python bench/run.py` (`make bench`); do not edit by hand. Each run starts its",
        "own hub (`hall hub --always-open`, sample hall), central and app processes on fresh",
        "temporary data folders, talks to them over loopback, and overwrites this page.",
        "",
        f"- date: {datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- mode: {mode}",
    ]
    lines += [f"- {key}: {value}" for key, value in facts.items()]
    lines += [
        "",
        "| group | measure | result | target | verdict | samples |",
        "|---|---|---|---|---|---|",
    ]
    for m in measures:
        target = m.target.describe(m.unit) if m.target else "—"
        lines.append(
            f"| {m.group} | {m.name} | {m.shown()} | {target} | {m.verdict} | {m.samples} |"
        )
    lines += ["", "## Run conditions", ""]
    lines += [f"- {group}: {note}" for group, note in conditions(measures)]
    lines += ["", "## How each number is measured", ""]
    lines += [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"
