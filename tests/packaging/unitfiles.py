"""Readers for the packaging files the tests check: systemd units and the env file."""

from __future__ import annotations

import shlex
from pathlib import Path

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
UNITS = sorted((PACKAGING / "systemd").glob("*.service"))
ENV_FILE = PACKAGING / "etc" / "hallkit.env"
GUI_ROLES = ("kiosk", "counter", "board", "display")


def read_unit(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) in file order; systemd allows a key more than once."""
    entries: list[tuple[str, str, str]] = []
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"{path.name}: not KEY=VALUE: {raw!r}")
        entries.append((section, key.strip(), value.strip()))
    return entries


def values(path: Path, key: str, section: str = "Service") -> list[str]:
    return [v for s, k, v in read_unit(path) if s == section and k == key]


def value(path: Path, key: str, section: str = "Service") -> str:
    found = values(path, key, section)
    if len(found) != 1:
        raise KeyError(f"{path.name}: [{section}] {key} set {len(found)} times")
    return found[0]


def words(path: Path, key: str, section: str = "Service") -> set[str]:
    return {w for v in values(path, key, section) for w in v.split()}


def read_env(path: Path = ENV_FILE) -> dict[str, str]:
    env = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            key, _, val = line.partition("=")
            env[key] = val
    return env


def exec_argv(path: Path, env: dict[str, str]) -> list[str]:
    """ExecStart as systemd splits it: ${VAR} is one word, a bare $VAR is zero or more words."""
    argv: list[str] = []
    for word in shlex.split(value(path, "ExecStart")):
        if word.startswith("${") and word.endswith("}"):
            argv.append(env[word[2:-1]])
        elif word.startswith("$"):
            argv.extend(env[word[1:]].split())
        else:
            argv.append(word)
    return argv
