"""``hall doctor``: one command tells a technician what is wrong, in Chinese and English."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomli_w

from config.sample import sample_hall_data
from devices.health import HealthState, HealthTracker
from hall.cli import main
from hall.doctor import DoctorRequest, run_doctor
from hub.server import DB_NAME, open_hub, open_store
from tests.hub.hubapp import served


def _config(tmp_path: Path, **box: object) -> str:
    data = sample_hall_data()
    data["devices"] = {"box-1": box}
    path = tmp_path / "hall.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return str(path)


def test_a_healthy_kiosk_box_is_all_ok_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with served(tmp_path / "hub") as (hub, url):
        config = _config(
            tmp_path, role="kiosk", hub=url, idcard="sim://idcard", printer="sim://printer"
        )
        token = tmp_path / "device.token"
        token.write_text(hub.registry.add("kiosk", "box-1")[1])
        status = main(
            ["doctor", "--config", config, "--box", "box-1", "--timeout", "3",
             "--token-file", str(token)]
        )  # fmt: skip
    out = capsys.readouterr().out
    assert status == 0, out
    assert "✓ idcard" in out and "✓ printer" in out and "✓ hub" in out and "✓ token" in out
    assert "一切正常 all ok" in out


def test_each_fault_says_what_is_wrong_and_what_to_do_in_both_languages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(
        tmp_path,
        role="kiosk",
        hub="http://127.0.0.1:1",
        printer="sim://printer?paper=out",
        keypad=str(tmp_path / "no-keypad"),
    )
    status = main(
        ["doctor", "--config", config, "--box", "box-1", "--timeout", "3",
         "--token-file", str(tmp_path / "none.token")]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert status == 1
    assert "✗ printer" in out and "打印机缺纸" in out and "hall device test-print" in out
    assert "✗ keypad" in out and "评价器未连接" in out and "keypad-test" in out
    assert "✗ hub" in out and "大厅主机 http://127.0.0.1:1 拒绝连接" in out
    assert "HTTPConnectionPool" not in out and "Errno" not in out  # a sentence, not Python's
    assert "✗ token" in out and "本机没有设备令牌" in out
    assert "hall token add --data /var/lib/hallkit --role kiosk --name box-1" in out
    assert "4 项需要处理 4 item(s) need attention" in out


@pytest.mark.parametrize(
    ("role", "window", "problem"),
    [
        ("counter", 2, "与本机角色不符"),
        ("counter", 3, "与本机角色不符"),
        (None, None, "无效或已被收回"),
    ],
)
def test_a_token_of_another_box_or_a_revoked_one_is_named_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], role: str | None, window: int | None,
    problem: str,
) -> None:  # fmt: skip
    with served(tmp_path / "hub") as (hub, url):
        config = _config(tmp_path, role="counter", window=3, hub=url)
        token = tmp_path / "device.token"
        if role is None:
            device, secret = hub.registry.add("counter", "box-1", 3)
            hub.registry.revoke(device.id)
        else:
            secret = hub.registry.add(role, f"{role}-{window}", window)[1]
        token.write_text(secret)
        status = main(["doctor", "--config", config, "--box", "box-1", "--token-file", str(token)])
    out = capsys.readouterr().out
    if (role, window) == ("counter", 3):  # the right token
        assert status == 0 and "✓ token" in out, out
        return
    assert status == 1 and "✗ token" in out and problem in out, out
    assert "--role counter --name box-1 --window 3" in out


def test_json_output_lists_every_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, role="ticket", hub="http://127.0.0.1:1", printer="sim://printer")
    main(["doctor", "--config", config, "--box", "box-1", "--json", "--timeout", "3"])
    findings = json.loads(capsys.readouterr().out)
    assert [f["subject"] for f in findings] == [
        "config",
        "box",
        "printer",
        "speech",
        "hub",
        "token",
    ]
    assert findings[2]["state"] == "ok" and findings[4]["state"] == "fail"


def test_a_box_missing_from_the_configuration_points_to_provision(tmp_path: Path) -> None:
    config = _config(tmp_path, role="kiosk")
    findings = run_doctor(DoctorRequest(config=config, box="other-box"))
    box = findings[1]
    assert box.state == "fail" and "hall provision" in box.advice and "box-1" in box.detail


def test_a_broken_configuration_stops_before_the_devices(tmp_path: Path) -> None:
    path = tmp_path / "hall.toml"
    path.write_text("[hall]\nid = 'Bad Id'\n", encoding="utf-8")
    findings = run_doctor(DoctorRequest(config=str(path), box="box-1"))
    assert [f.subject for f in findings] == ["config"]
    assert findings[0].state == "fail" and "hall config check" in findings[0].advice_en


def test_the_last_error_a_running_service_recorded_is_shown(tmp_path: Path) -> None:
    records = tmp_path / "records"
    tracker = HealthTracker("box-1/printer", record_dir=records)
    tracker.set(HealthState.ERROR, "打印机缺纸", "请装纸", "paper end")
    tracker.ok()
    config = _config(tmp_path, role="ticket", hub="http://127.0.0.1:1", printer="sim://printer")
    findings = run_doctor(DoctorRequest(config=config, box="box-1", record_dir=records))
    printer = next(f for f in findings if f.subject == "printer")
    assert printer.state == "ok"
    assert printer.last_error is not None and printer.last_error["problem"] == "打印机缺纸"


def test_on_the_hub_box_the_store_and_disk_are_checked(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    open_store(data).close()
    config = _config(tmp_path, role="hub")
    findings = run_doctor(DoctorRequest(config=config, box="box-1", data_dir=data))
    by_subject = {f.subject: f for f in findings}
    assert by_subject["store"].state == "ok" and by_subject["disk"].state in ("ok", "warn")
    assert by_subject["sync"].state == "warn" and "hall enroll" in by_subject["sync"].advice


def test_a_damaged_store_is_reported_not_touched(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    data.mkdir()
    (data / DB_NAME).write_bytes(b"this is not a database" * 100)
    config = _config(tmp_path, role="hub")
    findings = run_doctor(DoctorRequest(config=config, box="box-1", data_dir=data))
    store = next(f for f in findings if f.subject == "store")
    assert store.state == "fail" and "勿删除" in store.advice
    assert (data / DB_NAME).read_bytes().startswith(b"this is not")


def test_a_hub_whose_backlog_passed_the_alarm_says_to_check_the_wan(tmp_path: Path) -> None:
    from sync.credential import Credential

    data = tmp_path / "hub"
    hub = open_hub(data, always_open=True)
    for _ in range(3):
        hub.engine.issue_ticket(category="A")
    hub.store.close()
    Credential("http://127.0.0.1:1", "h-1", "示例", "k-1", "a2V5a2V5a2V5a2V5a2V5a2V5").save(data)
    config_data = sample_hall_data()
    config_data["devices"] = {"box-1": {"role": "hub"}}
    config_data["sync"] = {"backlog_alarm_events": 2}
    path = tmp_path / "hall.toml"
    path.write_text(tomli_w.dumps(config_data), encoding="utf-8")
    findings = run_doctor(DoctorRequest(config=str(path), box="box-1", data_dir=data))
    sync = next(f for f in findings if f.subject == "sync")
    assert sync.state == "fail" and "网络" in sync.advice and "backlog 3" in sync.detail
