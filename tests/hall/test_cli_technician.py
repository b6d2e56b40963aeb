"""The technician's command line (issue 14): where commands find the hall, --version, --json,
completion, exit codes, sentences instead of tracebacks, provision keeping the file's comments and
asking for a key press, commented sample and export, check of the effective configuration, and
log lines the journal can sort by priority."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest

from config import load_config
from config.sample import sample_hall
from devices.keypad.sim import SimKeypad
from hall import exits, paths
from hall.cli import main
from tests.timing import PATIENCE

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine where hallkit is not installed (no /etc/hallkit, no /var/lib/hallkit)."""
    monkeypatch.setattr(paths, "INSTALLED_CONFIG", tmp_path / "etc" / "hall.toml")
    monkeypatch.setattr(paths, "INSTALLED_DATA", tmp_path / "var" / "hallkit")
    monkeypatch.delenv("HALLKIT_CONFIG", raising=False)
    monkeypatch.delenv("HALLKIT_DATA", raising=False)
    return tmp_path


def _hub_store(data: Path) -> None:
    from hub.server import open_hub

    hub = open_hub(data)
    hub.store.close()


# -- where the commands look ------------------------------------------------------------------


def test_an_installed_box_is_used_without_options_and_help_names_it(
    no_install: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # help lines unwrapped
    etc, var = paths.INSTALLED_CONFIG, paths.INSTALLED_DATA
    assert main(["token", "list"]) == exits.USAGE  # nothing installed: say so, do nothing
    assert "请用 --data 指定大厅主机的数据目录" in capsys.readouterr().err
    etc.parent.mkdir(parents=True)
    assert main(["config", "sample", "--out", str(etc)]) == 0
    _hub_store(var)
    capsys.readouterr()
    assert main(["token", "add", "--role", "kiosk", "--name", "kiosk-1"]) == 0
    assert main(["token", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out.split("\n", 2)[2])
    assert "kiosk-1" in [d["name"] for d in listed]
    assert main(["config", "check"]) == 0  # the installed file, no argument needed
    assert capsys.readouterr().out.strip() == "ok"
    with pytest.raises(SystemExit):
        main(["token", "list", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert f"本机现在用：{var} (installed)" in shown
    assert f"本机现在用：{etc} (installed)" in shown


def test_the_environment_comes_before_the_installed_files(
    no_install: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = no_install / "env.toml"
    bad.write_text('[hall]\nname = ""\n', encoding="utf-8")
    monkeypatch.setenv("HALLKIT_CONFIG", str(bad))
    assert paths.config_path() == bad
    assert main(["config", "check"]) == exits.FAIL
    assert str(bad) in capsys.readouterr().out
    monkeypatch.delenv("HALLKIT_CONFIG")
    assert paths.config_path() is None  # a developer's machine: the sample hall
    assert paths.load() is sample_hall()


# -- version, json, completion ----------------------------------------------------------------


def test_version_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert capsys.readouterr().out.strip() == f"hall {version}"


def test_config_check_json_lists_each_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[hall]\ndivision_code = "12345"\n', encoding="utf-8")
    assert main(["config", "check", str(bad), "--json"]) == exits.FAIL
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["file"] == str(bad)
    assert "hall.division_code" in [p["path"] for p in report["problems"]]


def test_device_list_and_test_print_answer_in_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "hall.toml"
    main(["config", "sample", "--out", str(config)])
    with config.open("a", encoding="utf-8") as f:
        f.write('\n[devices.kiosk-1]\nrole = "kiosk"\nprinter = "sim://printer"\n')
    capsys.readouterr()
    assert main(["device", "list", "--config", str(config), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {
            "box": "kiosk-1",
            "role": "kiosk",
            "window": None,
            "hub": "http://127.0.0.1:8700",
            "devices": {"printer": "sim://printer"},
        }
    ]
    assert main(["device", "test-print", "--printer", "sim://printer?paper=out", "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["printed"] is False and result["health"]["problem"] == "打印机缺纸"


def test_bash_completion_completes_subcommands_options_and_choices(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["completion", "bash"]) == 0
    script = capsys.readouterr().out

    def complete(*words: str) -> set[str]:
        line = " ".join(f"'{w}'" for w in words)
        probe = f'{script}\nCOMP_WORDS=(hall {line}); COMP_CWORD={len(words)}; _hall\nprintf "%s\\n" "${{COMPREPLY[@]}}"'
        done = subprocess.run(
            ["bash", "-c", probe], capture_output=True, text=True, check=True, timeout=PATIENCE
        )
        return set(done.stdout.split())

    assert {"config", "token", "doctor", "provision"} <= complete("")
    assert complete("config", "ex") == {"export"}
    assert complete("token", "list", "--j") == {"--json"}
    assert complete("provision", "--role", "cou") == {"counter"}


# -- sentences, not tracebacks; exit codes ----------------------------------------------------


@pytest.mark.parametrize("given", ["12ab\n", "\n", ""])
def test_hash_pin_with_bad_input_says_so_in_a_sentence(
    given: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(given))
    assert main(["config", "hash-pin", "--stdin"]) == exits.USAGE
    err = capsys.readouterr().err
    assert "PIN" in err and ("4 至 12 位数字" in err or "没有 PIN" in err)
    assert "Traceback" not in err and "pbkdf2" not in err


def test_hash_pin_hashes_a_good_pin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    from config.pins import verify_pin

    monkeypatch.setattr(sys, "stdin", io.StringIO("2580\n"))
    assert main(["config", "hash-pin", "--stdin"]) == 0
    assert verify_pin("2580", capsys.readouterr().out.strip())


def test_enroll_against_nothing_says_what_to_do_without_python_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        ["enroll", "--data", str(tmp_path), "--central", "http://127.0.0.1:1",
         "--code", "ABCD-EFGH-JKMN"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert status == exits.FAIL
    assert "中心平台 http://127.0.0.1:1 拒绝连接" in err and "确认中心平台上的服务已启动" in err
    assert "HTTPConnectionPool" not in err and "Errno" not in err


# -- provision ---------------------------------------------------------------------------------


def test_provision_keeps_the_files_comments_and_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "hall.toml"
    main(["config", "sample", "--out", str(config)])
    text = config.read_text(encoding="utf-8").replace(
        "[hall]\n", "[hall]\n# 本厅于 2026 年启用，电话见 notice\n", 1
    )
    text += '\n# 大厅屏\n[devices.display-1]\nrole = "display"\n'
    config.write_text(text, encoding="utf-8")
    status = main(
        ["provision", "--config", str(config), "--box", "ticket-1", "--role", "ticket",
         "--printer", "sim://printer", "--no-detect", "--yes", "--timeout", "3"]
    )  # fmt: skip
    assert status == 0, capsys.readouterr().out
    after = config.read_text(encoding="utf-8")
    assert after.startswith(text)  # every line before, untouched, in its order
    assert load_config(config).devices["ticket-1"].printer == "sim://printer"
    assert load_config(config).devices["display-1"].role == "display"


def _pressed_keypad(monkeypatch: pytest.MonkeyPatch, press: bool) -> None:
    """The keypad provisioning opens for its key press test: a simulator that a technician
    presses (or not) once provisioning has grabbed it."""
    import hall.provision

    def opened(address: str, keys: object) -> SimKeypad:
        keypad = SimKeypad()
        if press:

            def technician() -> None:
                waited = threading.Event()
                while not keypad.grabbed and not waited.wait(0.02):
                    pass
                keypad.press("KEY_1")

            threading.Thread(target=technician, daemon=True).start()
        return keypad

    monkeypatch.setattr(hall.provision, "open_keypad_source", opened)


@pytest.mark.parametrize("press", [True, False])
def test_provision_asks_for_a_keypad_press_and_fails_without_one(
    press: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "hall.toml"
    main(["config", "sample", "--out", str(config)])
    _pressed_keypad(monkeypatch, press)
    status = main(
        ["provision", "--config", str(config), "--box", "counter-3", "--role", "counter",
         "--window", "3", "--keypad", "sim://keypad", "--no-detect", "--yes", "--timeout", "3",
         "--press-seconds", str(PATIENCE if press else 0.5)]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert "请在评价器上按任意一个评价键" in out
    if press:
        assert status == exits.OK, out
        assert "评价器 keypad: ok" in out
    else:
        assert status == exits.FAIL
        assert "评价器没有收到按键" in out and "需要处理：评价器测试未通过" in out


# -- sample, export, check --data --------------------------------------------------------------


def _sections_without_comment(text: str) -> list[str]:
    lines = text.splitlines()
    seen: set[str] = set()
    bare = []
    for n, line in enumerate(lines):
        if line.startswith("[") and line not in seen:
            seen.add(line)
            if not lines[n - 1].startswith("#"):
                bare.append(line)
    return bare


def test_the_sample_carries_a_comment_on_every_section(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["config", "sample"]) == 0
    text = capsys.readouterr().out
    assert _sections_without_comment(text) == []
    assert "# 窗口及其办理的类别" in text and "[[windows]]" in text
    assert load_config_text(text) == sample_hall()


def load_config_text(text: str) -> object:
    from config.loader import config_from_dict

    return config_from_dict(tomllib.loads(text), "<test>")


def test_export_writes_the_effective_configuration_and_check_names_its_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hub.actors import Actor
    from hub.config_book import plain
    from hub.server import open_hub

    data, file = tmp_path / "hub", tmp_path / "hall.toml"
    main(["config", "sample", "--out", str(file)])
    hub = open_hub(data, file)
    try:

        def change(config: dict) -> None:  # type: ignore[type-arg]
            config["hall"]["notice"] = "今天下午 3 点后暂停办理公积金业务"
            config["service"]["holidays"] = ["2026-10-01"]

        version = hub.book.edit(Actor("wang", "manager", "session"), change, "修改公告")
        assert version is not None
        effective = plain(hub.book.current())
    finally:
        hub.store.close()
    capsys.readouterr()

    assert main(["config", "check", str(file), "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert f"大厅主机生效的配置是第 {version.number} 版" in out and "修改公告" in out
    assert "与配置文件" in out and "不同" in out

    exported = tmp_path / "effective.toml"
    assert main(["config", "export", "--data", str(data), "--out", str(exported)]) == 0
    text = exported.read_text(encoding="utf-8")
    assert _sections_without_comment(text) == []
    assert main(["config", "check", str(exported)]) == 0
    assert plain(load_config(exported)) == effective

    capsys.readouterr()
    assert main(["config", "check", str(exported), "--data", str(data), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["effective"]["version"]["version"] == version.number
    assert report["effective"]["file_matches"] is True

    other = open_hub(tmp_path / "other", exported)  # the export as a hub's file: the same hall
    try:
        assert plain(other.book.current()) == effective
    finally:
        other.store.close()


def test_check_and_export_refuse_a_folder_without_a_hub(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "export", "--data", str(tmp_path)]) == exits.FAIL
    err = capsys.readouterr().err
    assert "没有大厅主机的数据库" in err
    assert not (tmp_path / "hub.db").exists()  # nothing made on the way


# -- logs under systemd ------------------------------------------------------------------------


@pytest.mark.parametrize("journal", [True, False])
def test_log_lines_carry_priorities_and_no_time_under_the_journal(journal: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k != "JOURNAL_STREAM"}
    if journal:
        env["JOURNAL_STREAM"] = "8:12345"
    code = (
        "import logging; from hall.logsetup import configure_logging; configure_logging();"
        "log = logging.getLogger('hub.engine'); log.info('叫号 A001'); log.warning('缺纸');"
        "log.error('断开')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
        check=True, timeout=PATIENCE,
    )  # fmt: skip
    lines = done.stderr.splitlines()
    if journal:
        assert lines == ["<6>hub.engine: 叫号 A001", "<4>hub.engine: 缺纸", "<3>hub.engine: 断开"]
    else:
        assert len(lines) == 3 and lines[1].endswith(" WARNING hub.engine: 缺纸")
        assert lines[1][:4].isdigit()  # the time, as on a terminal


def test_doctor_on_the_hub_box_names_the_version_in_force_and_relative_folders_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hub.actors import Actor
    from hub.server import open_hub

    monkeypatch.chdir(tmp_path)
    main(["config", "sample", "--out", "hall.toml"])
    hub = open_hub(Path("hub"), Path("hall.toml"))
    try:
        hub.book.edit(
            Actor("wang", "manager", "session"),
            lambda d: d["hall"].update(notice="午间不休息"),
            "修改公告",
        )
    finally:
        hub.store.close()
    capsys.readouterr()
    main(["doctor", "--config", "hall.toml", "--data", "hub", "--box", "hub-1", "--json"])
    found = {f["subject"]: f for f in json.loads(capsys.readouterr().out)}
    assert found["version"]["state"] == "ok"
    assert found["version"]["detail"].startswith(
        "version 2 (console, wang); differs from hall.toml"
    )
    assert found["sync"]["state"] == "warn"  # read through a relative folder, no traceback
    assert main(["sync", "status", "--data", "hub"]) == 0
