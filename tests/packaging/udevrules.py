"""A small reader and evaluator of the udev rule subset hallkit's rules use.

Debian 12's udevadm (systemd 252) has no ``udevadm verify`` and ``udevadm test`` needs the real
device, so the tests check the syntax with this reader and run the rules on described devices
with this evaluator (add events only; ATTRS/SUBSYSTEMS match one device up the parent chain,
as udev does; ``ENV{X}=""`` removes X, as udev does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

MATCH_KEYS = {"ACTION", "SUBSYSTEM", "SUBSYSTEMS", "KERNEL", "ATTR", "ATTRS", "ENV"}
ASSIGN_KEYS = {"ENV", "SYMLINK", "GROUP", "MODE", "GOTO", "LABEL"}
KEYS_WITH_NAME = {"ATTR", "ATTRS", "ENV"}
TOKEN = re.compile(
    r'(?P<key>[A-Z]+)(?:\{(?P<name>[A-Za-z0-9_]+)\})?(?P<op>==|!=|\+=|-=|:=|=)"(?P<value>[^"]*)"'
)


@dataclass(frozen=True)
class Term:
    key: str
    name: str | None
    op: str
    value: str

    @property
    def is_match(self) -> bool:
        return self.op in ("==", "!=")


@dataclass(frozen=True)
class Rule:
    line_number: int
    terms: tuple[Term, ...]
    comment_above: str  # the comment lines right above the rule, joined


def parse_rules(path: Path) -> list[Rule]:
    """Every rule of ``path``; raises ValueError naming the line for anything malformed."""
    rules = []
    comments: list[str] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if line.startswith("#"):
            comments.append(line)
            continue
        if not line:
            comments = []
            continue
        terms = []
        for part in line.split(", "):
            found = TOKEN.fullmatch(part.strip())
            if found is None:
                raise ValueError(f"{path.name}:{number}: cannot read {part!r}")
            term = Term(found["key"], found["name"], found["op"], found["value"])
            _check(term, f"{path.name}:{number}")
            terms.append(term)
        rules.append(Rule(number, tuple(terms), " ".join(comments)))
        comments = []
    labels = [t.value for r in rules for t in r.terms if t.key == "LABEL"]
    for rule in rules:
        for term in rule.terms:
            if term.key == "GOTO" and term.value not in labels:
                raise ValueError(f"{path.name}:{rule.line_number}: GOTO to no LABEL {term.value}")
    return rules


def _check(term: Term, where: str) -> None:
    if term.is_match and term.key not in MATCH_KEYS:
        raise ValueError(f"{where}: {term.key} cannot be matched with {term.op}")
    if not term.is_match and term.key not in ASSIGN_KEYS:
        raise ValueError(f"{where}: {term.key} cannot be assigned with {term.op}")
    if (term.name is None) == (term.key in KEYS_WITH_NAME):
        raise ValueError(f"{where}: {term.key} {'needs' if term.name is None else 'takes no'} {{}}")
    if term.key == "MODE" and not re.fullmatch(r"0[0-7]{3}", term.value):
        raise ValueError(f"{where}: MODE {term.value!r} is not an octal mode")


@dataclass
class Device:
    """A device as udev sees it on an add event; ``parents`` from the nearest up."""

    subsystem: str
    kernel: str
    attrs: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    parents: list[Device] = field(default_factory=list)
    symlinks: list[str] = field(default_factory=list)
    group: str = "root"
    mode: str = "0600"


def _matches(pattern: str, value: str) -> bool:
    return any(fnmatchcase(value, alt) for alt in pattern.split("|"))


def _term_true(term: Term, device: Device) -> bool:
    if term.key == "ACTION":
        actual = "add"
    elif term.key == "SUBSYSTEM":
        actual = device.subsystem
    elif term.key == "KERNEL":
        actual = device.kernel
    elif term.key == "ATTR":
        actual = device.attrs.get(term.name or "", "")
    else:  # ENV
        actual = device.env.get(term.name or "", "")
    return _matches(term.value, actual) == (term.op == "==")


def _parent_terms_true(terms: list[Term], device: Device) -> bool:
    if not terms:
        return True
    for candidate in (device, *device.parents):
        if all(
            _matches(t.value, candidate.subsystem)
            if t.key == "SUBSYSTEMS"
            else _matches(t.value, candidate.attrs.get(t.name or "", ""))
            for t in terms
        ):
            return True
    return False


def apply_rules(rules: list[Rule], device: Device) -> Device:
    """Run ``rules`` on ``device`` in order (changing it in place) and return it."""
    skip_to: str | None = None
    for rule in rules:
        labels = [t.value for t in rule.terms if t.key == "LABEL"]
        if skip_to is not None:
            if skip_to in labels:
                skip_to = None
            continue
        matches = [t for t in rule.terms if t.is_match]
        parent_terms = [t for t in matches if t.key in ("SUBSYSTEMS", "ATTRS")]
        own_terms = [t for t in matches if t.key not in ("SUBSYSTEMS", "ATTRS")]
        if not all(_term_true(t, device) for t in own_terms):
            continue
        if not _parent_terms_true(parent_terms, device):
            continue
        for term in (t for t in rule.terms if not t.is_match):
            if term.key == "ENV":
                if term.value:
                    device.env[term.name or ""] = term.value
                else:
                    device.env.pop(term.name or "", None)
            elif term.key == "SYMLINK":
                device.symlinks.append(term.value)
            elif term.key == "GROUP":
                device.group = term.value
            elif term.key == "MODE":
                device.mode = term.value
            elif term.key == "GOTO":
                skip_to = term.value
    return device
