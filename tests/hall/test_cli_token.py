"""``hall token list|revoke`` show what the console's 设备 page shows: type, name, window, last
use, state and reported health, in Chinese first, as JSON with ``--json``; adds and revokes on
the command line are audited like the console's."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hall.cli import CLI_DEVICE_ACTOR, main
from hub import audit
from hub.server import open_hub


def _token(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["token", "add", *args]) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_token_list_shows_last_use_health_and_state_like_the_console(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "hub"
    kiosk = _token(capsys, "--data", str(data), "--role", "kiosk", "--name", "取号机-1")
    counter = _token(capsys, "--data", str(data), "--role", "counter", "--name", "窗口-3",
                     "--window", "3")  # fmt: skip
    hub = open_hub(data)
    try:
        device = hub.registry.authenticate(kiosk)
        hub.engine.alert(
            source="取号机-1", device="printer", problem="打印机缺纸", sent_by="取号机-1"
        )
        hub.registry.write_seen(everything=True)  # as the running hub does within a minute
    finally:
        hub.store.close()

    assert main(["token", "list", "--data", str(data)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["类型", "名称", "窗口", "最近使用", "状态", "设备状况", "编号"]
    rows = {line.split()[1]: line for line in lines[1:]}
    assert rows["取号机-1"].split()[:6] == ["取号机/查询机", "取号机-1", "-", "刚刚", "有效",
                                            "(active)"]  # fmt: skip
    assert "打印机缺纸" in rows["取号机-1"] and device.id in rows["取号机-1"]
    assert rows["窗口-3"].split()[2:4] == ["3号", "从未使用"]

    assert main(["token", "revoke", "--data", str(data), "--name", "窗口-3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("已吊销“窗口-3”，3号窗口的令牌")

    assert main(["token", "list", "--data", str(data), "--json"]) == 0
    listed = {d["name"]: d for d in json.loads(capsys.readouterr().out)}
    assert set(listed) == {"admin", "取号机-1", "窗口-3"}
    seen = datetime.fromisoformat(listed["取号机-1"]["last_seen"])
    assert abs(datetime.now(UTC) - seen) < timedelta(minutes=5)
    assert listed["取号机-1"]["health"]["problem"] == "打印机缺纸"
    assert listed["窗口-3"]["revoked_at"] is not None and listed["窗口-3"]["window"] == 3
    assert listed["窗口-3"]["last_seen"] is None
    assert counter not in json.dumps(listed)

    hub = open_hub(data)
    try:
        rows_audited = [(e.action, e.actor) for e in audit.entries(hub.store.reader())]
        revoked_token = hub.registry.overview()
    finally:
        hub.store.close()
    assert ("device.revoke", CLI_DEVICE_ACTOR) in rows_audited
    assert rows_audited.count(("device.add", CLI_DEVICE_ACTOR)) == 2
    assert [i.active for i in revoked_token if i.device.name == "窗口-3"] == [False]


def test_token_commands_say_what_is_wrong_in_chinese_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "hub")
    assert main(["token", "add", "--data", data, "--role", "counter", "--name", "c"]) == 1
    err = capsys.readouterr().err
    assert (
        err.startswith("hall token add: 窗口和窗口屏的令牌必须绑定一个窗口")
        and "Traceback" not in err
    )
    assert main(["token", "revoke", "--data", data, "--id", "no-such-id"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("hall token revoke: 没有编号为 no-such-id 的有效令牌")
