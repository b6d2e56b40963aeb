"""docs/install.md: the commands the technician types are the ones these tests check.

Every line of a block fenced as ```sh test is a command. `hall` commands (also as
`runuser -u hallkit -- hall ...`) must parse with the real `hall` parser, and the token and
config commands run for real in a temporary folder; other commands must be among the system
tools the guide means to use, and what they name (units, doc files, packages) must exist.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from hall.cli import _parser
from tests.packaging.unitfiles import (
    ENV_FILE,
    PACKAGING,
    UNITS,
    UPDATE_TIMER,
    UPDATE_UNIT,
    read_env,
)

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "install.md"
SYSTEM_TOOLS = {
    "apt", "chgrp", "chmod", "chown", "cp", "dpkg-query", "echo", "hostnamectl", "journalctl",
    "mkdir", "nano", "rm", "scp", "sysctl", "systemctl", "udevadm",
}  # fmt: skip
DOC_FILES = {  # what the package puts in /usr/share/doc/hallkit (scripts/package.sh)
    "69-hallkit-local.rules.example": PACKAGING / "udev" / "69-hallkit-local.rules.example",
    "install.md": GUIDE,
    "fleet-updates.md": GUIDE.parent / "fleet-updates.md",
}


def commands() -> list[list[str]]:
    text = GUIDE.read_text(encoding="utf-8")
    blocks = re.findall(r"^```sh test\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    return [shlex.split(line) for block in blocks for line in block.splitlines() if line.strip()]


def hall_argv(argv: list[str]) -> list[str] | None:
    """The arguments after `hall`, or None when the command is not a hall command."""
    if argv[:4] == ["runuser", "-u", "hallkit", "--"]:
        argv = argv[4:]
    return argv[1:] if argv and argv[0] == "hall" else None


ALL = commands()
HALL = [a for a in (hall_argv(c) for c in ALL) if a is not None]


def test_the_guide_has_tested_blocks_for_every_step() -> None:
    assert len(ALL) >= 40
    used = {a[0] for a in HALL}
    assert {"config", "token", "enroll", "sync", "doctor", "provision"} <= used


@pytest.mark.parametrize("argv", HALL, ids=lambda a: " ".join(a)[:60])
def test_every_hall_command_in_the_guide_parses(argv: list[str]) -> None:
    parser = _parser()
    if argv == ["--help"]:
        with pytest.raises(SystemExit) as stop:
            parser.parse_args(argv)
        assert stop.value.code == 0
        return
    args = parser.parse_args(argv)
    assert args.handler is not None


@pytest.mark.parametrize("argv", [c for c in ALL if hall_argv(c) is None], ids=lambda a: a[0])
def test_other_commands_are_the_system_tools_the_guide_means(argv: list[str]) -> None:
    if argv[:2] == ["runuser", "-u"]:
        pytest.fail(f"runuser for something other than hall: {argv}")
    assert argv[0] in SYSTEM_TOOLS


def test_units_the_guide_starts_are_the_packaged_ones() -> None:
    packaged = {u.stem for u in UNITS}
    packaged |= {UPDATE_UNIT.stem, UPDATE_TIMER.name}  # every box's update from central
    named = {w.removesuffix(".service") for c in ALL for w in c if w.startswith("hallkit-")}
    named = {n for n in named if not n.startswith("hallkit-before")}  # a backup folder
    assert named
    assert named <= packaged
    text = GUIDE.read_text(encoding="utf-8")
    assert all(f"`{unit}`" in text for unit in packaged), "every role's unit is explained"


def test_files_the_guide_copies_from_the_package_exist() -> None:
    for argv in ALL:
        for word in argv:
            if word.startswith("/usr/share/doc/hallkit/"):
                assert DOC_FILES[word.rsplit("/", 1)[1]].is_file(), word
            if word.startswith("/var/cache/hallkit/hallkit_"):
                assert re.fullmatch(r"/var/cache/hallkit/hallkit_[0-9.]+_amd64\.deb", word)


def test_settings_the_guide_names_are_in_the_env_file() -> None:
    named = set(re.findall(r"`(HALLKIT_[A-Z_]+)", GUIDE.read_text(encoding="utf-8")))
    assert named
    assert named <= set(read_env(ENV_FILE))


def test_the_guides_token_and_config_commands_run(tmp_path: Path) -> None:
    config = tmp_path / "hall.toml"
    data = tmp_path / "data"
    hall = [sys.executable, "-m", "hall"]
    subprocess.run([*hall, "config", "sample", "--out", str(config)], check=True)
    ran = 0
    for argv in HALL:
        if argv[:2] == ["token", "add"] or argv[:2] == ["config", "check"]:
            real = [
                str(data) if w == "/var/lib/hallkit" else str(config) if w.endswith(".toml") else w
                for w in argv
            ]
            done = subprocess.run([*hall, *real], capture_output=True, text=True, check=False)
            assert done.returncode == 0, (real, done.stderr)
            ran += 1
    assert ran >= 5
