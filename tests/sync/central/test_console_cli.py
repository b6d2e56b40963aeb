"""``hall central account|region|set-hall-region`` and ``add-hall --region``, on both stores."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hall.cli import main
from sync.central.console.accounts import ConsoleAccounts, audit_entries
from sync.central.console.regions import region_tree
from sync.central.store import CentralStore
from tests.sync.central.conftest import db_args
from tests.sync.central.console_helpers import sign_in


def test_accounts_are_added_listed_given_a_new_password_and_disabled_from_the_command_line(
    central: CentralStore,
    client: TestClient,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    where = db_args(central, tmp_path)
    assert main(["central", "region", "add", *where, "--code", "441402", "--name", "梅江区",
                 "--level", "district"]) == 0  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO("first-pass-1\n"))
    assert main(["central", "account", "add", *where, "--user", "Li.Si", "--role", "supervisor",
                 "--region", "441402"]) == 0  # fmt: skip
    assert "account li.si added (supervisor, region 441402)" in capsys.readouterr().out
    assert sign_in(client, "li.si", "first-pass-1").status_code == 303
    assert main(["central", "account", "list", *where]) == 0
    assert capsys.readouterr().out == "li.si\tsupervisor\t441402\tenabled\n"

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["central", "account", "password", *where, "--user", "li.si"]) == 1
    assert "密码至少需要8个字符" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("second-pass-2\n"))
    assert main(["central", "account", "password", *where, "--user", "li.si"]) == 0
    assert client.get("/console/", follow_redirects=False).status_code == 303  # session ended
    assert sign_in(client, "li.si", "first-pass-1").status_code == 401
    assert sign_in(client, "li.si", "second-pass-2").status_code == 303

    assert main(["central", "account", "disable", *where, "--user", "li.si"]) == 0
    assert client.get("/console/", follow_redirects=False).status_code == 303
    assert sign_in(client, "li.si", "second-pass-2").status_code == 401
    actions = [e["action"] for e in audit_entries(central)]
    assert actions[:3] == ["account.disable", "account.sign_in", "account.password"]
    assert all(e["actor"] == "hall central (命令行)" for e in audit_entries(central)[:1])


def test_bad_account_input_is_named_and_stores_nothing(
    central: CentralStore,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    where = db_args(central, tmp_path)
    for args, message in (
        (["--user", "x", "--role", "admin"], "用户名须为2到32个字符"),
        (["--user", "zhao", "--role", "admin", "--region", "999"], "没有代码为“999”的区域"),
    ):
        monkeypatch.setattr("sys.stdin", io.StringIO("good-pass-1\n"))
        assert main(["central", "account", "add", *where, *args]) == 1
        assert message in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["central", "account", "add", *where, "--user", "zhao", "--role", "admin"]) == 2
    assert ConsoleAccounts(central).all() == []


def test_regions_form_a_tree_and_halls_are_put_in_them(
    central: CentralStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = db_args(central, tmp_path)
    region = ["central", "region", "add", *where]
    assert main([*region, "--code", "441400", "--name", "梅州市", "--level", "city"]) == 0
    assert main([*region, "--code", "441402", "--name", "梅江区", "--level", "district",
                 "--parent", "441400"]) == 0  # fmt: skip
    assert main([*region, "--code", "441402001", "--name", "西郊街道", "--level", "town",
                 "--parent", "441402"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main([*region, "--code", "44", "--name", "广东省", "--level", "province",
                 "--parent", "441402"]) == 1  # fmt: skip
    assert "省的上级区域须比省高" in capsys.readouterr().err
    assert "44" not in region_tree(central).by_code

    assert main(["central", "add-hall", *where, "--name", "西郊", "--region", "441402001"]) == 0
    hall = capsys.readouterr().out.split()[1]
    assert central.hall(hall).region == "441402001"
    assert main(["central", "add-hall", *where, "--name", "无处", "--region", "999"]) == 1
    assert "no region '999'" in capsys.readouterr().err
    assert [h.name for h in central.halls()] == ["西郊"]

    other, _ = central.add_hall("长沙镇")
    assert main(["central", "set-hall-region", *where, "--hall", other.id,
                 "--region", "441402"]) == 0  # fmt: skip
    assert central.hall(other.id).region == "441402"
    capsys.readouterr()
    assert main(["central", "region", "list", *where]) == 0
    assert capsys.readouterr().out == (
        "441400\t梅州市\tcity\t2 halls\n"
        "  441402\t梅江区\tdistrict\t2 halls\n"
        "    441402001\t西郊街道\ttown\t1 halls\n"
    )
