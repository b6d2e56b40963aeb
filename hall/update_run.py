"""``hall update run``: a box takes the newest hallkit packages from central's repository, in
the maintenance window only, checks itself afterwards and rolls itself back when the check fails.

One run (a systemd timer would start it every quarter of an hour):

1. **Window.** Nothing happens while the hall is open, nor when it opens within ``margin``
   (``config.calendar.HallCalendar`` on the box's own configuration), nor while the box's clock
   is not synchronised (:func:`clock_synchronised`: a box just booted without NTP could think
   it is night in the middle of the morning).
2. ``apt-get update``; the update is, for each hallkit package installed here, the **release**
   (the version central names for the hall, or on the hall's other boxes the one the hub box
   runs: ``release``) when it is newer than the installed one, else (no release) the newest
   candidate. None: nothing to do. A ``hold`` (the hub box has not updated yet, or rolled back)
   makes the box wait. A release that rolled back here is not tried again.
3. **A way back first.** A .deb of every installed version is kept in ``STATE/kept/`` (found
   there, in apt's cache or in ``/var/cache/hallkit``). Without one, the box does not update:
   central's repository keeps only the newest version, so apt cannot fetch the old one again.
4. ``apt-get install PKG=NEW …`` (keeping local configuration), then the **check**: by default
   ``hall doctor --json`` of the new version compared with its report before the update
   (:class:`DoctorCheck`: healthy when no finding got worse); or any command (exit 0 healthy).
5. A failed install or check installs the kept previous .deb files again
   (``--allow-downgrades``), runs the check again and reports ``rolled-back``. A healthy update
   keeps the new .deb files for the next time.

Every run writes ``STATE/update.json`` (state, versions, release, reason, time), what the box
reports to its hub for the rollout and the consoles (docs/fleet-updates.md); a ``waiting`` run
does not replace the last real outcome (an ``updated`` or a ``rolled-back`` stays visible all
day).
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from config.calendar import HallCalendar

PACKAGES = ("hallkit", "hallkit-screen", "hallkit-central")
STATE_FILE = "update.json"
KEPT = "kept"
APT_GET = "/usr/bin/apt-get"
APT_CACHE = "/usr/bin/apt-cache"
DPKG = "/usr/bin/dpkg"
DPKG_DEB = "/usr/bin/dpkg-deb"
DPKG_QUERY = "/usr/bin/dpkg-query"
APT_SECONDS = 900.0
CHECK_SECONDS = 300.0


@dataclass
class Outcome:
    """What a run did: ``state`` is waiting, current, updated, rolled-back or failed."""

    state: str
    message: str
    installed: dict[str, str] = field(default_factory=dict)
    previous: dict[str, str] = field(default_factory=dict)
    at: str = ""
    release: str | None = None
    tried: dict[str, str] = field(default_factory=dict)

    @property
    def exit_status(self) -> int:
        return 0 if self.state in ("waiting", "current", "updated") else 1


_TIME_ERROR = 5  # adjtimex(2): the clock is not synchronised
_STA_UNSYNC = 0x0040
_STATUS_OFFSET = 40  # struct timex: modes (int, padded), offset, freq, maxerror, esterror, status


def clock_synchronised() -> bool:
    """Whether the kernel says the system clock is synchronised (NTP), as ``timedatectl``'s
    ``NTPSynchronized`` does: ``adjtimex(2)`` read-only, not TIME_ERROR and no STA_UNSYNC."""
    if not hasattr(ctypes, "CDLL") or os.uname().machine not in ("x86_64", "aarch64"):
        return True  # no adjtimex layout known here: the timer's After=time-sync.target only
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        timex = ctypes.create_string_buffer(512)  # modes = 0: read only
        state = libc.adjtimex(timex)
    except (OSError, AttributeError):
        return True
    status = int.from_bytes(timex.raw[_STATUS_OFFSET : _STATUS_OFFSET + 4], "little", signed=True)
    return state not in (-1, _TIME_ERROR) and not status & _STA_UNSYNC


def in_window(calendar: HallCalendar, now: datetime, margin: timedelta) -> tuple[bool, str]:
    """Whether ``now`` is in the maintenance window; and why not."""
    if calendar.is_open(now):
        return False, "大厅正在办公"
    opening = calendar.next_open(now)
    if opening is not None and opening - now < margin:
        return False, f"大厅{calendar.local(opening):%H:%M}开始办公"
    return True, ""


@dataclass(frozen=True)
class Apt:
    """apt and dpkg on ``root`` (``/`` on a box; a temp root in the tests)."""

    root: Path = Path("/")

    def options(self) -> list[str]:
        if self.root == Path("/"):
            return []
        root = str(self.root)
        return [
            "-o",
            f"Dir={root}/",
            "-o",
            f"Dir::State::status={root}/var/lib/dpkg/status",
            "-o",
            "Dir::Bin::Methods=/usr/lib/apt/methods",
            "-o",
            "Debug::NoLocking=1",
            "-o",
            "APT::Sandbox::User=root",
            "-o",
            f"DPkg::Options::=--root={root}",
            "-o",
            "Acquire::http::Proxy=DIRECT",
        ]

    def run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}
        return subprocess.run(  # noqa: S603 - apt's own tools, arguments are names and paths
            [tool, *self.options(), *args],
            capture_output=True,
            text=True,
            timeout=APT_SECONDS,
            check=False,
            env=env,
        )

    def installed(self, packages: Sequence[str]) -> dict[str, str]:
        """The version of each of ``packages`` installed (fully) here."""
        done = subprocess.run(  # noqa: S603 - fixed tool
            [
                DPKG_QUERY,
                f"--root={self.root}",
                "-W",
                "-f=${db:Status-Abbrev}|${Package}|${Version}\\n",
                *packages,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        found = {}
        for line in done.stdout.splitlines():
            status, _, rest = line.partition("|")
            name, _, version = rest.partition("|")
            if status.strip() == "ii":
                found[name] = version
        return found

    def available(self, name: str) -> set[str]:
        """Every version of ``name`` apt knows (its policy's version table)."""
        policy = self.run(APT_CACHE, "policy", name).stdout
        found: set[str] = set()
        in_table = False
        for line in policy.splitlines():
            if line.strip() == "Version table:":
                in_table = True
            elif in_table and line.startswith("     ") and not line.startswith("        "):
                found.add(line.replace("***", "").split()[0])
        return found

    def candidates(self, packages: Sequence[str]) -> dict[str, str]:
        """The version apt would install of each of ``packages`` (those it knows)."""
        found = {}
        for name in packages:
            policy = self.run(APT_CACHE, "policy", name).stdout
            for line in policy.splitlines():
                key, _, value = line.strip().partition(": ")
                if key == "Candidate" and value and value != "(none)":
                    found[name] = value
        return found


def newer(candidate: str, installed: str) -> bool:
    """Whether Debian orders ``candidate`` after ``installed``."""
    done = subprocess.run(  # noqa: S603 - fixed tool
        [DPKG, "--compare-versions", candidate, "gt", installed], check=False, timeout=30
    )
    return done.returncode == 0


def _deb_fields(deb: Path) -> tuple[str, str]:
    done = subprocess.run(  # noqa: S603 - fixed tool, a path
        [DPKG_DEB, "--show", "--showformat=${Package}|${Version}", str(deb)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    name, _, version = done.stdout.partition("|")
    return name, version


def find_deb(name: str, version: str, folders: Sequence[Path]) -> Path | None:
    """A .deb of ``name`` ``version`` in ``folders`` (checked by its control fields)."""
    for folder in folders:
        for deb in sorted(folder.glob(f"{name}_*.deb")) if folder.is_dir() else []:
            if _deb_fields(deb) == (name, version):
                return deb
    return None


Check = Callable[[], tuple[bool, str]]


def command_check(argv: Sequence[str]) -> Check:
    """A check that runs ``argv``: healthy when it exits 0; its output's tail as the reason."""

    def check() -> tuple[bool, str]:
        try:
            done = subprocess.run(  # noqa: S603 - the technician's own check command
                list(argv), capture_output=True, text=True, timeout=CHECK_SECONDS, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            return False, f"{argv[0]}: {err}"
        said = (done.stdout + done.stderr).strip().splitlines()
        return done.returncode == 0, " / ".join(said[-3:])

    return check


_RANK = {"ok": 0, "warn": 1, "fail": 2}


class DoctorCheck:
    """``hall doctor --json`` before and after the update: healthy when no finding is worse
    after than before. A printer out of paper before the update is no reason to roll back; a hub
    that stopped answering, a device the new version cannot open, or a doctor that cannot run
    at all, is."""

    def __init__(self, argv: Sequence[str]) -> None:
        self.argv = list(argv)
        self.before: dict[str, int] = {}

    def _findings(self) -> tuple[dict[str, int] | None, str]:
        try:
            done = subprocess.run(  # noqa: S603 - hall's own doctor
                self.argv, capture_output=True, text=True, timeout=CHECK_SECONDS, check=False
            )
            found = json.loads(done.stdout)
            return {
                f"{f['subject']} {f['target']}".strip(): _RANK.get(f["state"], 2) for f in found
            }, ""
        except (OSError, subprocess.TimeoutExpired) as err:
            return None, str(err)
        except (ValueError, TypeError, KeyError):
            lines = (done.stderr or done.stdout).strip().splitlines()
            return None, " / ".join(lines[-2:])

    def baseline(self) -> None:
        """Note the findings before the update."""
        found, _ = self._findings()
        self.before = found or {}

    def __call__(self) -> tuple[bool, str]:
        found, said = self._findings()
        if found is None:
            return False, f"hall doctor 无法运行：{said}"
        worse = [name for name, rank in found.items() if rank > self.before.get(name, 0)]
        if worse:
            return False, "比更新前差：" + "、".join(worse)
        return True, f"没有比更新前差的项目（共{len(found)}项）"


def _tail(done: subprocess.CompletedProcess[str]) -> str:
    lines = [ln for ln in (done.stderr or done.stdout).strip().splitlines() if ln.strip()]
    return " / ".join(lines[-2:])


@dataclass
class Updater:
    """One box's update run: ``apt`` on its root, ``state_dir`` for kept .deb files and the
    state file, the hall's ``calendar``, the ``check`` to run after an update."""

    apt: Apt
    state_dir: Path
    calendar: HallCalendar
    check: Check
    packages: Sequence[str] = PACKAGES
    margin: timedelta = timedelta(hours=1)
    extra_debs: Sequence[Path] = (Path("/var/cache/hallkit"),)
    clock_ok: Callable[[], bool] = lambda: True  # the CLI passes clock_synchronised
    release: str | None = None
    hold: str | None = None
    retry: bool = False  # try again a version that rolled back here

    def last(self) -> dict[str, Any] | None:
        """The state file of the last run, or None."""
        try:
            loaded = json.loads((self.state_dir / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return loaded if isinstance(loaded, dict) else None

    def run(self, now: datetime) -> Outcome:
        last = self.last()
        outcome, write = self._run(now, last)
        if outcome.release is None:
            outcome.release = self.release
        if outcome.state == "waiting" and last is not None and last.get("state") != "waiting":
            write = False  # the last real outcome stays what the box reports
        if not write:
            return outcome
        outcome.at = now.isoformat(timespec="seconds")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        temp = self.state_dir / (STATE_FILE + ".tmp")
        temp.write_text(json.dumps(asdict(outcome), ensure_ascii=False, indent=2) + "\n")
        os.chmod(temp, 0o644)  # the hub (its own user) reads the hub box's
        os.replace(temp, self.state_dir / STATE_FILE)
        return outcome

    def _run(self, now: datetime, last: dict[str, Any] | None) -> tuple[Outcome, bool]:
        allowed, why = in_window(self.calendar, now, self.margin)
        if not self.clock_ok():
            allowed, why = False, "本机时间尚未同步（NTP）"
        installed = self.apt.installed(self.packages)
        if not allowed:
            return Outcome("waiting", f"不在维护时段：{why}", installed), True
        if self.hold:
            return Outcome("waiting", self.hold, installed), True
        wanted, outcome = self._wanted(installed)
        if outcome is not None:
            return outcome, True
        rolled_back = last is not None and last.get("state") == "rolled-back"
        if rolled_back and last is not None and last.get("tried") == wanted and not self.retry:
            versions = ", ".join(f"{n} {v}" for n, v in wanted.items())
            message = f"不再尝试 {versions}：本机 {last.get('at')} 更新后已回退；等待新的发布版本"
            return Outcome("rolled-back", message, installed, tried=wanted), False
        return self._update(installed, wanted), True

    def _wanted(self, installed: dict[str, str]) -> tuple[dict[str, str], Outcome | None]:
        """The versions to install, or the outcome that ends the run before any is."""
        if not installed:
            return {}, Outcome("failed", f"本机没有安装 {'、'.join(self.packages)}")
        refreshed = self.apt.run(APT_GET, "-q", "update")
        if refreshed.returncode != 0 or "\nW: " in "\n" + refreshed.stderr:
            return {}, Outcome("failed", f"apt-get update 失败：{_tail(refreshed)}", installed)
        if self.release is None:
            candidates = self.apt.candidates(list(installed))
            wanted = {
                name: version
                for name, version in candidates.items()
                if name in installed and newer(version, installed[name])
            }
            said = "已是最新版本"
        else:
            wanted = {}
            for name, version in installed.items():
                if version == self.release or not newer(self.release, version):
                    continue
                if self.release not in self.apt.available(name):
                    return {}, Outcome(
                        "waiting",
                        f"中心的软件源中还没有 {name} 的发布版本 {self.release}",
                        installed,
                    )
                wanted[name] = self.release
            said = f"已是发布版本 {self.release}"
            ahead = [f"{n} {v}" for n, v in installed.items() if v != self.release]
            if ahead:  # never downgraded: central names an older release than the box runs
                said = f"{'、'.join(ahead)} 比发布版本 {self.release} 新：保持不变"
        if not wanted:
            return {}, Outcome("current", said, installed)
        return wanted, None

    def _update(self, installed: dict[str, str], wanted: dict[str, str]) -> Outcome:
        kept = self.state_dir / KEPT
        kept.mkdir(parents=True, exist_ok=True)
        archives = self.apt.root / "var/cache/apt/archives"
        previous_debs = []
        for name, version in installed.items():
            deb = find_deb(name, version, [kept, archives, *self.extra_debs])
            if deb is None:
                return Outcome(
                    "failed",
                    f"找不到 {name} {version} 的安装包，无法回退，因此不更新（请放到 {kept}）",
                    installed,
                )
            if deb.parent != kept:
                deb = Path(shutil.copy2(deb, kept / deb.name))
            previous_debs.append(deb)
        baseline = getattr(self.check, "baseline", None)
        if baseline is not None:
            baseline()
        targets = [f"{name}={version}" for name, version in wanted.items()]
        done = self.apt.run(
            APT_GET,
            "-y",
            "-q",
            "-o",
            "Dpkg::Options::=--force-confold",
            # the new .debs stay in apt's cache whatever the box's apt says (apt's own front end
            # deletes them): they are kept next as this version's way back (_keep)
            "-o",
            "APT::Keep-Downloaded-Packages=true",
            "install",
            *targets,
        )
        now_installed = self.apt.installed(self.packages)
        if done.returncode == 0 and all(now_installed.get(n) == v for n, v in wanted.items()):
            healthy, said = self.check()
            if healthy:
                self._keep(now_installed, [kept, archives])
                changes = ", ".join(f"{n} {installed[n]} → {v}" for n, v in wanted.items())
                return Outcome("updated", changes, now_installed, installed)
            reason = f"更新后自检未通过：{said}"
        else:
            reason = f"apt-get install 失败：{_tail(done)}"
        outcome = self._roll_back(reason, previous_debs, installed)
        outcome.tried = wanted
        return outcome

    def _roll_back(self, reason: str, debs: list[Path], previous: dict[str, str]) -> Outcome:
        done = self.apt.run(
            APT_GET,
            "-y",
            "-q",
            "--allow-downgrades",
            "-o",
            "Dpkg::Options::=--force-confold",
            "install",
            *(str(d) for d in debs),
        )
        back = self.apt.installed(self.packages)
        if done.returncode != 0 or back != previous:
            return Outcome("failed", f"{reason}；回退失败：{_tail(done)}", back, previous)
        healthy, said = self.check()
        after = "自检正常" if healthy else f"自检仍未通过：{said}"
        versions = ", ".join(f"{n} {v}" for n, v in back.items())
        return Outcome("rolled-back", f"{reason}；已回退到 {versions}，{after}", back, previous)

    def _keep(self, installed: dict[str, str], folders: list[Path]) -> None:
        """Keep a .deb of each installed version (the next update's way back), drop older ones."""
        kept = self.state_dir / KEPT
        wanted = []
        for name, version in installed.items():
            deb = find_deb(name, version, folders)
            if deb is not None:
                if deb.parent != kept:
                    deb = Path(shutil.copy2(deb, kept / deb.name))
                wanted.append(deb)
        for deb in kept.glob("*.deb"):
            if deb not in wanted:
                deb.unlink()
