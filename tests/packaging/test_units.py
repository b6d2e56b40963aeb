"""The systemd units: systemd-analyze verify and security, and the promises of issues 7 and 18."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hall.cli import _parser
from hub.connections import MAX_CONNECTIONS
from tests.packaging.unitfiles import (
    ALL_UNITS,
    GUI_ROLES,
    MAJOR_MODULES,
    ROLE_DEVICES,
    UNITS,
    UPDATE_TIMER,
    UPDATE_UNIT,
    exec_argv,
    read_env,
    unit_env,
    value,
    values,
    words,
)

UNIT_BY_ROLE = {p.stem.removeprefix("hallkit-"): p for p in ALL_UNITS if p != UPDATE_UNIT}
HUB = UNIT_BY_ROLE["hub"]
CENTRAL = UNIT_BY_ROLE["central"]
GUI_UNITS = [UNIT_BY_ROLE[r] for r in GUI_ROLES]
SYSTEM_UNITS = Path("/lib/systemd/system")
MAX_EXPOSURE = 3.0
MAX_EXPOSURE_UPDATE = 6.0
"""hallkit-update.service runs apt-get and dpkg as root: they write /usr, /etc, /var and /opt, run
maintainer scripts and restart units, so ProtectSystem, PrivateDevices, NoNewPrivileges, an empty
CapabilityBoundingSet and User= cannot apply (the unit file says so); it is held to what it
scores with everything else closed (5.6)."""


def test_there_is_a_unit_per_role() -> None:
    assert sorted(UNIT_BY_ROLE) == ["board", "central", "counter", "display", "hub", "kiosk"]


@pytest.fixture(scope="module")
def verify_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root with the host's system units, ours, and a stand-in for every command they run."""
    if shutil.which("systemd-analyze") is None or not SYSTEM_UNITS.is_dir():
        pytest.skip("systemd-analyze or /lib/systemd/system missing on this machine")
    root = tmp_path_factory.mktemp("root")
    shutil.copytree(SYSTEM_UNITS, root / "lib/systemd/system", symlinks=True)
    env = read_env()
    shutil.copy(UPDATE_TIMER, root / "lib/systemd/system" / UPDATE_TIMER.name)
    for unit in ALL_UNITS:
        shutil.copy(unit, root / "lib/systemd/system" / unit.name)
        argv = exec_argv(unit, env)
        for command in (argv[0], *(w for w in argv if w.startswith("/opt/"))):
            stand_in = root / command.lstrip("/")
            stand_in.parent.mkdir(parents=True, exist_ok=True)
            stand_in.write_text("#!/bin/sh\n")
            stand_in.chmod(0o755)
    return root


@pytest.mark.parametrize("unit", [*ALL_UNITS, UPDATE_TIMER], ids=lambda p: p.name)
def test_systemd_analyze_verify_passes_without_a_word(verify_root: Path, unit: Path) -> None:
    done = subprocess.run(
        ["systemd-analyze", "verify", f"--root={verify_root}", unit.name],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # verify exits 0 on unknown keys and bad values too; it only warns, so any output fails.
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_verify_would_catch_a_misspelt_key(verify_root: Path) -> None:
    bad = verify_root / "lib/systemd/system/hallkit-typo.service"
    bad.write_text(HUB.read_text().replace("ProtectSystem=", "ProtectSytem="))
    done = subprocess.run(
        ["systemd-analyze", "verify", f"--root={verify_root}", bad.name],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Unknown key 'ProtectSytem'" in done.stderr


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_every_box_unit_is_a_watched_always_restarted_service_of_the_hallkit_user(
    unit: Path,
) -> None:
    assert value(unit, "Type") == "notify"
    assert int(value(unit, "WatchdogSec")) >= 10
    assert value(unit, "Restart") == "always"
    assert value(unit, "StartLimitIntervalSec", "Unit") == "0"  # never give up restarting
    assert (value(unit, "User"), value(unit, "Group")) == ("hallkit", "hallkit")
    assert value(unit, "EnvironmentFile") == "/etc/hallkit/hallkit.env"
    assert value(unit, "StandardOutput") == value(unit, "StandardError") == "journal"
    assert value(unit, "SyslogIdentifier") == unit.stem
    assert value(unit, "NoNewPrivileges") == "yes"
    assert value(unit, "CapabilityBoundingSet") == ""
    assert value(unit, "StateDirectory") == "hallkit"


def test_the_hub_gets_the_strict_sandbox() -> None:
    assert value(HUB, "ProtectSystem") == "strict"
    assert value(HUB, "ReadWritePaths") == "/var/lib/hallkit"
    for key in ("PrivateTmp", "PrivateDevices", "ProtectHome", "RestrictNamespaces"):
        assert value(HUB, key) == "yes", key
    assert words(HUB, "RestrictAddressFamilies") == {"AF_UNIX", "AF_INET", "AF_INET6"}
    assert value(HUB, "NotifyAccess") == "main"


def test_the_hub_may_open_files_for_many_more_connections_than_it_keeps() -> None:
    # Connections past the cap are still accepted (then pushed out or refused): each is a file.
    assert int(value(HUB, "LimitNOFILE")) >= 8 * MAX_CONNECTIONS


def _syscalls(names: str) -> set[str]:
    """System calls named by ``names`` (calls and @groups), as systemd expands them."""
    found: set[str] = set()
    for name in names.split():
        if not name.startswith("@"):
            found.add(name)
            continue
        listing = subprocess.run(
            ["systemd-analyze", "syscall-filter", name], capture_output=True, text=True, check=True
        ).stdout
        found |= {w.strip() for w in listing.splitlines()[1:] if w.strip() and "#" not in w}
    return found


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_the_hubs_threads_may_lower_their_priority_and_a_refused_call_never_kills_it() -> None:
    # The report and replay threads call setpriority (nice 10) so the queue's requests come
    # first; @resources alone would deny it, and a denied call would SIGSYS the whole hub.
    allowed: set[str] = set()
    for line in values(HUB, "SystemCallFilter"):
        if line.startswith("~"):
            allowed -= _syscalls(line[1:])
        else:
            allowed |= _syscalls(line)
    assert "setpriority" in allowed
    assert "setrlimit" not in allowed  # the rest of @resources stays refused
    assert value(HUB, "SystemCallErrorNumber") == "EPERM"


@pytest.mark.parametrize("unit", GUI_UNITS, ids=lambda p: p.name)
def test_screen_units_are_a_cage_session_on_tty1_with_the_device_groups(unit: Path) -> None:
    argv = exec_argv(unit, read_env())
    assert argv[0] == "/usr/bin/cage"
    cage_options = argv[1 : argv.index("--")]
    assert "-s" not in cage_options  # -s would let a citizen switch to a text console
    assert argv[argv.index("--") + 1 :][:3] == ["/usr/bin/env", "-u", "WATCHDOG_PID"]
    assert value(unit, "NotifyAccess") == "all"  # the app is cage's child, not the main pid
    assert value(unit, "PAMName") == "hallkit-session"
    assert value(unit, "TTYPath") == "/dev/tty1"
    assert {"dialout", "input", "lp", "audio", "video"} <= words(unit, "SupplementaryGroups")
    assert value(unit, "PrivateTmp") == "yes"
    others = {f"hallkit-{r}.service" for r in GUI_ROLES} - {unit.name}
    assert words(unit, "Conflicts", "Unit") == {"getty@tty1.service", *others}


@pytest.mark.parametrize("unit", ALL_UNITS, ids=lambda p: p.name)
def test_every_variable_a_unit_uses_is_set_in_the_env_file_or_the_unit(unit: Path) -> None:
    used = set(re.findall(r"\$\{?([A-Z_]+)\}?", " ".join(values(unit, "ExecStart"))))
    assert used <= set(read_env()) | set(unit_env(unit))


def _hall_commands() -> set[str]:
    parser = _parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


@pytest.mark.parametrize("unit", ALL_UNITS, ids=lambda p: p.name)
def test_each_unit_starts_a_hall_command_that_parses(unit: Path) -> None:
    argv = exec_argv(unit, read_env())
    hall_args = argv[argv.index("/opt/hallkit/venv/bin/hall") + 1 :]
    if hall_args[0] not in _hall_commands():
        pytest.skip(f"`hall {hall_args[0]}` is not written yet")
    args = _parser().parse_args(hall_args)
    assert args.command == hall_args[0]


def _exposure(unit: Path) -> float:
    """The overall exposure `systemd-analyze security --offline=true` gives the unit file."""
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--no-pager", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d)", done.stdout)
    assert found, done.stdout + done.stderr
    return float(found.group(1))


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze (package systemd) is not installed: no offline security review",
)
@pytest.mark.parametrize("unit", ALL_UNITS, ids=lambda p: p.name)
def test_every_unit_scores_at_most_3_in_systemd_analyze_security(unit: Path) -> None:
    assert _exposure(unit) <= (MAX_EXPOSURE_UPDATE if unit == UPDATE_UNIT else MAX_EXPOSURE)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_the_security_review_would_catch_a_loosened_screen_unit(tmp_path: Path) -> None:
    loose = tmp_path / "hallkit-loose.service"
    kept = []
    for line in UNIT_BY_ROLE["kiosk"].read_text().splitlines():
        if not line.startswith(("SystemCallFilter=", "DeviceAllow=", "DevicePolicy=", "Protect")):
            kept.append(line)
    loose.write_text("\n".join(kept) + "\n")
    assert _exposure(loose) > MAX_EXPOSURE


@pytest.mark.parametrize("role", GUI_ROLES)
def test_each_screen_unit_may_open_exactly_the_devices_of_its_role(role: str) -> None:
    unit = UNIT_BY_ROLE[role]
    assert value(unit, "DevicePolicy") == "closed"
    allowed = [line.split() for line in values(unit, "DeviceAllow")]
    assert all(access == "rw" for _, access in allowed)
    assert sorted(name for name, _ in allowed) == sorted(ROLE_DEVICES[role])


@pytest.mark.parametrize("role", GUI_ROLES)
def test_the_drivers_of_the_allowed_device_classes_are_loaded_before_the_unit(role: str) -> None:
    # char-NAME is looked up in /proc/devices when the unit starts: a class whose driver is not
    # loaded yet (a reader plugged in after boot) would be refused until the next restart.
    unit = UNIT_BY_ROLE[role]
    needed = {
        f"modprobe@{MAJOR_MODULES[d]}.service" for d in ROLE_DEVICES[role] if d in MAJOR_MODULES
    }
    assert words(unit, "Wants", "Unit") >= needed
    assert words(unit, "After", "Unit") >= needed


@pytest.mark.parametrize("unit", GUI_UNITS, ids=lambda p: p.name)
def test_screen_units_filter_system_calls_and_hide_other_processes(unit: Path) -> None:
    assert values(unit, "SystemCallFilter") == ["@system-service", "~@privileged @resources"]
    assert value(unit, "SystemCallErrorNumber") == "EPERM"  # refused, never SIGSYS
    assert value(unit, "ProtectProc") == "invisible"
    for key in ("RestrictRealtime", "RestrictNamespaces", "RestrictSUIDSGID", "PrivateMounts"):
        assert value(unit, key) == "yes", key


def test_central_is_an_always_restarted_service_of_the_hallkit_user_in_its_own_folder() -> None:
    assert value(CENTRAL, "Type") == "exec"  # central does not speak sd_notify
    assert value(CENTRAL, "Restart") == "always"
    assert value(CENTRAL, "StartLimitIntervalSec", "Unit") == "0"
    assert (value(CENTRAL, "User"), value(CENTRAL, "Group")) == ("hallkit", "hallkit")
    assert value(CENTRAL, "StateDirectory") == "hallkit-central"
    assert value(CENTRAL, "StateDirectoryMode") == "0700"  # the repository's signing key
    argv = exec_argv(CENTRAL, read_env())
    assert argv[argv.index("--data") + 1] == "/var/lib/hallkit-central"
    assert "--apt-repo" in argv  # the boxes' package repository, made on the first start
    assert value(CENTRAL, "SyslogIdentifier") == CENTRAL.stem


def test_central_gets_the_hubs_strict_sandbox() -> None:
    assert value(CENTRAL, "ProtectSystem") == "strict"
    assert value(CENTRAL, "ReadWritePaths") == "/var/lib/hallkit-central"
    for key in ("PrivateTmp", "PrivateDevices", "ProtectHome", "NoNewPrivileges"):
        assert value(CENTRAL, key) == "yes", key
    assert value(CENTRAL, "CapabilityBoundingSet") == ""
    assert values(CENTRAL, "SystemCallFilter")[0] == "@system-service"
    assert words(CENTRAL, "RestrictAddressFamilies") == {"AF_UNIX", "AF_INET", "AF_INET6"}


def test_the_update_unit_is_a_root_oneshot_running_hall_update_run_after_the_clock_is_set() -> None:
    assert value(UPDATE_UNIT, "Type") == "oneshot"
    assert values(UPDATE_UNIT, "User") == []  # root: it runs apt-get and dpkg
    argv = exec_argv(UPDATE_UNIT, read_env())
    assert argv[argv.index("/opt/hallkit/venv/bin/hall") + 1 :][:2] == ["update", "run"]
    assert argv[argv.index("--data") + 1] == read_env()["HALLKIT_DATA"]
    assert argv[argv.index("--config") + 1] == read_env()["HALLKIT_CONFIG"]
    assert "time-sync.target" in words(UPDATE_UNIT, "After", "Unit")
    assert value(UPDATE_UNIT, "ConditionPathExists", "Unit") == (
        "/etc/apt/sources.list.d/hallkit.sources"  # what hall update enroll writes
    )
    assert value(UPDATE_UNIT, "SyslogIdentifier") == UPDATE_UNIT.stem
    assert values(UPDATE_UNIT, "Restart") == []  # the timer starts the next run
    for key in ("PrivateTmp", "ProtectHome", "RestrictRealtime", "RestrictNamespaces"):
        assert value(UPDATE_UNIT, key) == "yes", key
    assert values(UPDATE_UNIT, "SystemCallFilter") == ["@system-service"]


def test_the_update_timer_runs_every_quarter_hour_spread_over_ten_minutes() -> None:
    assert value(UPDATE_TIMER, "OnCalendar", "Timer") == "*:0/15"
    assert value(UPDATE_TIMER, "RandomizedDelaySec", "Timer") == "10min"
    assert value(UPDATE_TIMER, "Persistent", "Timer") == "true"
    assert values(UPDATE_TIMER, "Unit", "Timer") in ([], ["hallkit-update.service"])
    assert value(UPDATE_TIMER, "WantedBy", "Install") == "timers.target"
    assert values(UPDATE_UNIT, "WantedBy", "Install") == []  # only the timer starts it


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_the_update_timers_calendar_is_every_quarter_of_an_hour() -> None:
    done = subprocess.run(
        ["systemd-analyze", "calendar", "--iterations=3", "*:0/15"],
        capture_output=True,
        text=True,
        check=True,
        env={"TZ": "UTC", "LC_ALL": "C"},
    )
    assert "Normalized form: *-*-* *:00/15:00" in done.stdout
