"""``hall account add|list|disable|enable|password`` as a technician runs them on the hub box,
the password on standard input; beside a running hub too."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import requests

from hall.cli import EXIT_FAIL, EXIT_OK, EXIT_USAGE, main
from hub.audit import entries
from hub.server import open_store
from tests.hub.hubapp import served


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "hub"
    open_store(folder).close()  # a hub that has run once
    return folder


def run(monkeypatch: pytest.MonkeyPatch, args: list[str], stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["account", *args])


def test_add_reads_the_password_from_stdin_and_prints_nothing_secret(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(
        monkeypatch,
        ["add", "--data", str(data), "--user", "Zhang.San", "--role", "manager"],
        "s3cret-password\n",
    )
    out, err = capsys.readouterr()
    assert code == EXIT_OK
    assert "已新增账号 zhang.san（负责人）" in out
    assert "s3cret-password" not in out + err and "scrypt" not in out + err
    store = open_store(data)
    try:
        row = (
            store.reader().execute("SELECT username, role, password_hash FROM accounts").fetchone()
        )
        assert (row[0], row[1]) == ("zhang.san", "manager") and row[2].startswith("scrypt$")
        (entry,) = entries(store.reader())
        assert (entry.actor, entry.action) == ("hall account (命令行)", "account.add")
    finally:
        store.close()


def test_list_shows_the_accounts_as_a_table_or_json(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for user, role in (("li.si", "supervisor"), ("wang.wu", "technician")):
        assert run(monkeypatch, ["add", "--data", str(data), "--user", user, "--role", role],
                   "long enough\n") == EXIT_OK  # fmt: skip
    capsys.readouterr()
    assert run(monkeypatch, ["list", "--data", str(data)]) == EXIT_OK
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["用户名", "角色", "状态", "创建时间", "密码修改时间"]
    assert table[1].split()[:3] == ["li.si", "督查", "正常"]
    assert table[2].split()[:3] == ["wang.wu", "技术人员", "正常"]
    assert run(monkeypatch, ["list", "--data", str(data), "--json"]) == EXIT_OK
    listed = json.loads(capsys.readouterr().out)
    assert [(a["username"], a["role"], a["disabled_at"]) for a in listed] == [
        ("li.si", "supervisor", None),
        ("wang.wu", "technician", None),
    ]
    assert all("password_hash" not in a for a in listed)


def test_disable_and_password_change_the_account(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--data", str(data), "--user", "li.si"]
    assert run(monkeypatch, ["add", *base, "--role", "supervisor"], "long enough\n") == EXIT_OK
    assert run(monkeypatch, ["password", *base], "a new password\n") == EXIT_OK
    assert "已修改账号 li.si 的密码" in capsys.readouterr().out
    assert run(monkeypatch, ["disable", *base]) == EXIT_OK
    assert "已停用账号 li.si" in capsys.readouterr().out
    assert run(monkeypatch, ["disable", *base]) == EXIT_OK
    assert "已经是停用状态" in capsys.readouterr().out
    assert run(monkeypatch, ["list", "--data", str(data), "--json"]) == EXIT_OK
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["disabled_at"] is not None
    assert listed["password_changed_at"] >= listed["created_at"]
    assert run(monkeypatch, ["enable", *base]) == EXIT_OK
    assert "可以登录" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "stdin", "status", "said"),
    [
        (["add", "--user", "li.si", "--role", "manager"], "short\n", EXIT_USAGE, "至少需要8个字符"),
        (["add", "--user", "li.si", "--role", "boss"], "long enough\n", EXIT_USAGE, "角色须为"),
        (["add", "--user", "李四", "--role", "manager"], "long enough\n", EXIT_USAGE, "用户名须为"),
        (["add", "--user", "li.si", "--role", "manager"], "", EXIT_USAGE, "标准输入"),
        (["disable", "--user", "nobody"], "", EXIT_FAIL, "没有用户名为“nobody”的账号"),
        (["password", "--user", "nobody"], "long enough\n", EXIT_FAIL, "没有用户名为"),
    ],
)
def test_mistakes_are_refused_with_a_chinese_sentence_and_change_nothing(
    data: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    stdin: str,
    status: int,
    said: str,
) -> None:
    assert run(monkeypatch, [args[0], "--data", str(data), *args[1:]], stdin) == status
    assert said in capsys.readouterr().err
    store = open_store(data)
    try:
        assert store.reader().execute("SELECT COUNT(*) FROM accounts").fetchone()[0] == 0
    finally:
        store.close()


def test_a_missing_data_folder_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere"
    code = run(monkeypatch, ["list", "--data", str(missing)])
    assert code == EXIT_FAIL
    err = capsys.readouterr().err
    assert str(missing) in err and "数据目录" in err
    assert not missing.exists()


def test_disabling_beside_a_running_hub_signs_that_person_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "hub"
    with served(data) as (_hub, url):
        base = ["--data", str(data), "--user", "li.si"]
        assert run(monkeypatch, ["add", *base, "--role", "supervisor"], "long enough\n") == 0
        browser = requests.Session()
        form = browser.get(f"{url}/manage/login", timeout=30)
        token = form.text.split('name="csrf" value="')[1].split('"')[0]
        signed = browser.post(
            f"{url}/manage/login",
            data={"user": "li.si", "password": "long enough", "csrf": token},
            allow_redirects=False,
            timeout=30,
        )
        assert signed.status_code == 303
        assert browser.get(f"{url}/manage/", allow_redirects=False, timeout=30).status_code == 200
        assert run(monkeypatch, ["disable", *base]) == EXIT_OK
        after = browser.get(f"{url}/manage/", allow_redirects=False, timeout=30)
        assert (after.status_code, after.headers["location"]) == (303, "/manage/login")
