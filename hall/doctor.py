"""``hall doctor``: everything this box depends on, its health, its last error and what to do.

A technician runs one command and reads, per line, what is wrong in Chinese and English and the
next step. The checks are: the configuration, this box's section of it, every device the box is
configured with (a live probe through the real driver, plus the last error its running service
recorded), the hub (reachable from a kiosk/counter/board box; store, disk and sync on the hub
box itself). Exit status 0 when everything is ok, 1 when something needs attention.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

from config import sample_hall
from config.errors import ConfigError
from config.loader import load_config
from config.schema import DeviceSettings, HallConfig
from devices.health import Health, HealthState, read_recorded
from devices.probe import probe as device_probe
from hall.appsetup import DEFAULT_DATA, TOKEN_NAME
from hall.cli_sync import read_status
from hall.explain import network
from hub.config_book import SOURCE_NAMES, plain
from hub.config_problems import problems_of
from hub.datadir import check_writable as check_folder_writable
from hub.server import DB_NAME
from sync.errors import StoreError

DEVICE_KINDS = ("idcard", "printer", "keypad", "sign", "speech")
DISK_WARN_BYTES = 1 << 30  # 1 GiB free: a hub writes every ticket; warn well before it is full
DISK_FAIL_BYTES = 200 << 20

Prober = Callable[[str, DeviceSettings, float], Health]


@dataclass
class Finding:
    """One line of the doctor's report."""

    subject: str  # "config", "box", "idcard", "printer", …, "hub", "store", "version", "data", "disk", "sync"
    target: str  # the address, file or URL checked
    state: str  # "ok", "warn" or "fail"
    problem: str = ""  # Chinese, for staff
    advice: str = ""  # Chinese: what to do
    detail: str = ""  # English: what was seen
    advice_en: str = ""  # English: what to do
    last_error: dict[str, Any] | None = field(default=None)

    @property
    def ok(self) -> bool:
        return self.state == "ok"


# What a technician does next, per device kind, when its probe is not ok.
NEXT_STEP_EN = {
    "idcard": "check the reader's cable and power, then: hall device read-id --port {target}",
    "printer": "check power, paper and cover, then: hall device test-print --printer {target}",
    "keypad": "check the keypad's USB cable, then: hall device keypad-test --device {target}",
    "sign": "check the RS-485 adapter, the A/B wires and the unit number in {target}",
    "speech": "apt install espeak-ng, then: hall device say --call A001 --window 1 --out /tmp/t.wav",
}


def _from_health(subject: str, target: str, health: Health) -> Finding:
    state = {
        HealthState.OK: "ok",
        HealthState.DEGRADED: "warn",
    }.get(health.state, "fail")
    advice_en = "" if state == "ok" else NEXT_STEP_EN.get(subject, "").format(target=target)
    return Finding(subject, target, state, health.problem, health.advice, health.detail, advice_en)


def check_config(path: str | None) -> tuple[HallConfig | None, Finding]:
    """Load the configuration (the built-in sample hall when ``path`` is None)."""
    if path is None:
        return sample_hall(), Finding(
            "config", "(built-in sample hall)", "warn",
            "未指定配置文件，使用内置示例大厅",
            "用 --config 指定本厅的配置文件（通常为 /etc/hallkit/hall.toml）",
            "no --config given: checked against the built-in sample hall",
            "pass --config /etc/hallkit/hall.toml",
        )  # fmt: skip
    try:
        config = load_config(path)
    except ConfigError as err:
        return None, Finding(
            "config", path, "fail", "配置文件有误", "按下方英文提示修改配置文件后重试",
            str(err), f"fix the file, then run: hall config check {path}",
        )  # fmt: skip
    return config, Finding("config", path, "ok", detail=f"hall {config.hall.id}")


def box_settings(config: HallConfig, box: str) -> tuple[DeviceSettings | None, Finding]:
    """This box's device section (``devices.<box>``)."""
    settings = config.devices.get(box)
    if settings is None:
        known = ", ".join(sorted(config.devices)) or "none"
        return None, Finding(
            "box", box, "fail", f"配置中没有本机（{box}）的设备设置",
            "运行 hall provision 生成本机设置，或用 --box 指定本机名称",
            f"no [devices.{box}] section (configured boxes: {known})",
            "run `hall provision`, or pass --box NAME",
        )  # fmt: skip
    return settings, Finding("box", box, "ok", detail=f"role {settings.role}")


def device_targets(settings: DeviceSettings) -> list[tuple[str, str]]:
    """(kind, address) of every device the box is configured with, in a fixed order."""
    targets: list[tuple[str, str]] = []
    for kind in ("idcard", "printer", "keypad", "sign"):
        address = getattr(settings, kind)
        if address:
            targets.append((kind, address))
    if settings.speech.enabled and settings.role in ("display", "kiosk", "ticket"):
        targets.append(("speech", settings.speech.voice))
    return targets


def check_devices(
    settings: DeviceSettings,
    probe: Prober,
    record_dir: Path | None,
    box: str,
    timeout: float,
) -> list[Finding]:
    """Probe each configured device; attach what its running service last recorded."""
    findings = []
    for kind, address in device_targets(settings):
        finding = _from_health(kind, address, probe(kind, settings, timeout))
        if record_dir is not None:
            recorded = read_recorded(record_dir, f"{box}/{kind}")
            last = recorded.get("last_error") if recorded else None
            if isinstance(last, dict):
                finding.last_error = last
        findings.append(finding)
    return findings


def check_disk(folder: Path) -> Finding:
    """Free space where the store lives."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError as err:
        return Finding(
            "disk", str(folder), "fail", "无法读取数据目录", "检查数据目录是否存在", str(err)
        )
    shown = f"{free / (1 << 30):.1f} GiB free"
    if free < DISK_FAIL_BYTES:
        return Finding(
            "disk", str(folder), "fail", "磁盘空间即将用尽", "清理磁盘或更换更大的存储", shown,
            "free disk space now: the hub stops taking tickets when the disk is full",
        )  # fmt: skip
    if free < DISK_WARN_BYTES:
        return Finding(
            "disk", str(folder), "warn", "磁盘空间不足 1 GB", "尽快清理磁盘", shown,
            "free disk space soon",
        )  # fmt: skip
    return Finding("disk", str(folder), "ok", detail=shown)


def check_writable(folder: Path) -> Finding:
    """The hub's data folder takes a new file (not mounted read-only, not full, right owner)."""
    try:
        check_folder_writable(folder)
    except StoreError as err:
        return Finding(
            "data", str(folder), "fail", "数据目录无法写入，大厅主机无法保存新的号",
            "检查磁盘是否已满或被挂载为只读、目录属主和权限是否正确", str(err.__cause__ or err),
            "remount the data folder read-write (or free the disk), give it to the hub's user",
        )  # fmt: skip
    return Finding("data", str(folder), "ok", detail="a new file can be written")


def check_store(data_dir: Path) -> Finding:
    """The hub store opens read-only and passes ``PRAGMA quick_check``."""
    path = data_dir / DB_NAME
    if not path.exists():
        return Finding(
            "store", str(path), "fail", "找不到大厅数据库", "确认 --data 指向大厅主机的数据目录",
            "no hub store in this folder", "pass the hub's data folder with --data",
        )  # fmt: skip
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as err:
        return Finding(
            "store", str(path), "fail", "大厅数据库无法读取", "联系技术支持，勿删除数据文件",
            str(err), "keep the file; restore from backup only with support",
        )  # fmt: skip
    if result != "ok":
        return Finding(
            "store", str(path), "fail", "大厅数据库已损坏", "联系技术支持，勿删除数据文件",
            f"quick_check: {result}", "stop the hub, copy the data folder, call support",
        )  # fmt: skip
    return Finding("store", str(path), "ok", detail="quick_check ok")


def check_effective(data_dir: Path, file_config: HallConfig, file: str | None) -> Finding:
    """The configuration the hub runs on: the latest version in its store (console edits
    included), whether it validates, and whether the configuration file still gives it."""
    path = data_dir / DB_NAME
    target = f"{path} (config_versions)"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute(
                "SELECT version, created_at, author, source, note, data FROM config_versions"
                " ORDER BY version DESC LIMIT 1"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error as err:
        if "no such table" in str(err):
            row = None
        else:
            return Finding("version", target, "fail", "无法读取生效的配置", "检查大厅数据库",
                           str(err), "check the store (see the store line)")  # fmt: skip
    if row is None:
        return Finding(
            "version", target, "warn", "大厅主机还没有保存过配置版本",
            "启动一次大厅主机：它会导入配置文件", "no configuration version stored yet",
            "start the hub once: it imports the configuration file",
        )  # fmt: skip
    number, created, author, source, note, data = row
    config, problems = problems_of(json.loads(data))
    if config is None:
        shown = "; ".join(f"{p.path}: {p.message}" for p in problems[:3])
        return Finding(
            "version", target, "fail", f"生效的第 {number} 版配置无法使用：{shown}",
            "在管理后台“配置版本”回滚到可用的版本", f"version {number} does not validate",
            "roll back to a good version in the console (/manage/history)",
        )  # fmt: skip
    said = f"第 {number} 版（{SOURCE_NAMES.get(source, source)}，{author}，{created[:16]}）"
    if file is not None and plain(config) != plain(file_config):
        return Finding(
            "version", target, "ok",
            detail=f"version {number} ({source}, {author}); differs from {file}"
            f" (console edits, or the file changed and the hub has not restarted): {said}"
            f"{'，' + note if note else ''}; see `hall config export --data {data_dir}`",
        )  # fmt: skip
    return Finding("version", target, "ok", detail=f"version {number} ({source}, {author}): {said}")


def check_hub(url: str, timeout: float) -> Finding:
    """The hub answers ``GET /api/v1/health`` from this box."""
    target = url.rstrip("/") + "/api/v1/health"
    try:
        answer = requests.get(target, timeout=timeout)
        answer.raise_for_status()
        data = answer.json()
    except requests.RequestException as err:
        why = network(err, url, "大厅主机")
        return Finding(
            "hub", url, "fail", why.what, why.todo + "；取号请引导到人工窗口", why.what_en,
            why.todo_en + " (`systemctl status hallkit-hub` on the hub box)",
        )  # fmt: skip
    except ValueError:
        return Finding(
            "hub", url, "fail", "这个地址上的服务不是大厅主机", "核对配置中 hub 的地址和端口",
            "the answer is not the hub's health", "check the hub address in [devices.BOX]",
        )  # fmt: skip
    return Finding(
        "hub", url, "ok", detail=f"hall {data.get('hall')} last seq {data.get('last_seq')}"
    )


# Which hub token role each box role needs (a ticket machine is a kiosk to the hub).
TOKEN_ROLES = {"kiosk": "kiosk", "ticket": "kiosk", "counter": "counter", "board": "board",
               "display": "display"}  # fmt: skip


def check_token(settings: DeviceSettings, box: str, token_path: Path, timeout: float) -> Finding:
    """This box's device token: there, accepted by the hub, and of the box's role and window.

    A hub that cannot be reached gives a warning (the hub finding says why), not a failure."""
    make = (
        f"hall token add --data /var/lib/hallkit --role {TOKEN_ROLES[settings.role]} --name {box}"
    )
    if settings.window is not None and settings.role in ("counter", "board"):
        make += f" --window {settings.window}"
    target = str(token_path)
    token = os.environ.get("HALLKIT_TOKEN", "")
    if not token:
        try:
            token = token_path.read_text(encoding="utf-8").strip()
        except OSError as err:
            return Finding(
                "token", target, "fail", "本机没有设备令牌", f"在大厅主机上执行 {make}，把令牌写入 {target}",
                f"{type(err).__name__}: {err.strerror or err}", f"on the hub box: {make}; put it in {target}",
            )  # fmt: skip
    try:
        answer = requests.get(
            settings.hub.rstrip("/") + "/api/v1/whoami",
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )
    except requests.RequestException as err:
        return Finding(
            "token", target, "warn", "无法向大厅主机核对设备令牌", "先排除大厅主机的连接问题",
            network(err, settings.hub, "大厅主机").what_en,
            "fix the hub connection first (see the hub line)",
        )  # fmt: skip
    if answer.status_code in (401, 403):
        return Finding(
            "token", target, "fail", "设备令牌无效或已被收回", f"在大厅主机上执行 {make}，替换 {target}",
            f"the hub answered {answer.status_code}", f"on the hub box: {make}; replace {target}",
        )  # fmt: skip
    try:
        answer.raise_for_status()
        device = answer.json()
    except (requests.RequestException, ValueError) as err:
        return Finding("token", target, "warn", "大厅主机的回答无法识别", "升级大厅主机或本机软件",
                       str(err)[:160], "update the hub or this box")  # fmt: skip
    role, window = device.get("role"), device.get("window")
    if role != "admin" and (
        role != TOKEN_ROLES[settings.role]
        or (settings.role in ("counter", "board") and window != settings.window)
    ):
        return Finding(
            "token", target, "fail", f"设备令牌属于{role}（窗口{window}），与本机角色不符",
            f"在大厅主机上执行 {make}，替换 {target}",
            f"token of {role} window {window}; this box is {settings.role} window {settings.window}",
            f"on the hub box: {make}; replace {target}",
        )  # fmt: skip
    return Finding("token", target, "ok", detail=f"{role} {device.get('name')} window {window}")


def check_sync(data_dir: Path, alarm_threshold: int) -> Finding:
    """The uplink as the hub's store records it: enrolled, backlog, rejections, last contact."""
    target = str(data_dir)
    try:
        status = read_status(str(data_dir), alarm_threshold)
    except (OSError, sqlite3.Error) as err:
        return Finding("sync", target, "fail", "无法读取同步状态", "检查数据目录", str(err))
    if status["credential_problem"]:
        return Finding(
            "sync", target, "fail", "与省级平台的凭据无法读取", "重新运行 hall enroll",
            status["credential_problem"], "run `hall enroll` again with a new code from central",
        )  # fmt: skip
    if not status["enrolled"]:
        return Finding(
            "sync", target, "warn", "大厅主机尚未注册到中心平台，数据只保存在本地",
            "向中心平台申请注册码，运行 hall enroll",
            f"not enrolled; {status['backlog']} events kept locally",
            "hall enroll --data DIR --central URL --code CODE",
        )  # fmt: skip
    seen = (
        f"backlog {status['backlog']} events, acked {status['acked_seq']}/{status['last_seq']}, "
        f"last contact {status.get('last_contact') or 'never'}"
    )
    if status["rejected"]:
        return Finding(
            "sync", target, "warn", f"中心平台拒收了 {status['rejected']} 条数据",
            "联系中心平台核对被拒收的数据", seen + f", {status['rejected']} rejected",
            "hall sync status --data DIR lists them; send them to central's integrator",
        )  # fmt: skip
    if status["alarm"]:
        return Finding(
            "sync", target, "fail", "待上传数据积压过多", "检查大厅主机到中心平台的网络",
            seen + f" (alarm above {status['alarm_threshold']})",
            "check the WAN link; `hall sync now --data DIR` shows the drain",
        )  # fmt: skip
    return Finding("sync", target, "ok", detail=seen)


def worst_exit(findings: Iterable[Finding]) -> int:
    """0 when every finding is ok, 1 otherwise (warnings too: a technician should look)."""
    return 0 if all(f.ok for f in findings) else 1


MARK = {"ok": "✓", "warn": "!", "fail": "✗"}


def render_text(findings: list[Finding]) -> str:
    """The report for a terminal: one block per finding, Chinese then English."""
    lines = []
    for f in findings:
        head = f"{MARK[f.state]} {f.subject:<8} {f.state.upper():<4} {f.target}"
        lines.append(head)
        if f.problem:
            lines.append(f"    问题: {f.problem}")
        if f.advice:
            lines.append(f"    处理: {f.advice}")
        if f.detail:
            lines.append(f"    seen: {f.detail}")
        if f.advice_en:
            lines.append(f"    do:   {f.advice_en}")
        if f.last_error:
            lines.append(
                "    最近故障 last error: "
                + f"{f.last_error.get('problem') or ''} {f.last_error.get('detail') or ''}".strip()
            )
    bad = sum(1 for f in findings if not f.ok)
    lines.append("")
    lines.append("一切正常 all ok" if not bad else f"{bad} 项需要处理 {bad} item(s) need attention")
    return "\n".join(lines)


def render_json(findings: list[Finding]) -> str:
    return json.dumps([asdict(f) for f in findings], ensure_ascii=False, indent=2)


def default_box_name() -> str:
    """This machine's host name, the usual box name in ``devices.<box>``."""
    return socket.gethostname().split(".")[0]


@dataclass
class DoctorRequest:
    """What ``hall doctor`` was asked to check."""

    config: str | None
    box: str
    data_dir: Path | None = None  # the hub's data folder (hub boxes)
    token_path: Path | None = None  # an app box's device token (default: as the apps find it)
    record_dir: Path | None = None  # where device services record their health
    timeout: float = 5.0
    hub_data: Path | None = None  # the data folder a hub box uses when --data is not given


def run_doctor(request: DoctorRequest, probe: Prober | None = None) -> list[Finding]:
    """Every check for this box, in the order a technician would walk them."""
    probe = probe or device_probe
    config, found = check_config(request.config)
    findings = [found]
    if config is None:
        return findings
    settings, found = box_settings(config, request.box)
    findings.append(found)
    if settings is not None:
        findings += check_devices(settings, probe, request.record_dir, request.box, request.timeout)
    hub_box = settings is not None and settings.role == "hub"
    data_dir = request.data_dir or (request.hub_data if hub_box else None)
    if (hub_box or request.data_dir is not None) and data_dir is not None:
        findings.append(check_store(data_dir))
        findings.append(check_effective(data_dir, config, request.config))
        findings.append(check_writable(data_dir))
        findings.append(check_disk(data_dir))
        findings.append(check_sync(data_dir, config.sync.backlog_alarm_events))
    elif settings is not None:
        findings.append(check_hub(settings.hub, request.timeout))
        if settings.role in TOKEN_ROLES:
            token_path = request.token_path or _app_token_path()
            findings.append(check_token(settings, request.box, token_path, request.timeout))
    return findings


def _app_token_path() -> Path:
    """Where the apps look for the device token (hall/appsetup.py): DATA/device.token."""
    data = os.environ.get("HALLKIT_DATA")
    return (Path(data) if data else DEFAULT_DATA) / TOKEN_NAME
