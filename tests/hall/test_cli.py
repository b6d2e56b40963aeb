"""The ``hall`` command as a technician uses it: config check, sample, docs, tokens."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from config.docs import documented_keys, render_markdown
from hall.cli import main
from hall.interrupts import interruptible

ROOT = Path(__file__).resolve().parents[2]


def test_config_check_prints_ok_and_exits_0_for_the_sample_hall(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = tmp_path / "hall.toml"
    assert main(["config", "sample", "--out", str(sample)]) == 0
    capsys.readouterr()
    assert main(["config", "check", str(sample)]) == 0
    assert capsys.readouterr().out.strip() == "ok"


def test_config_check_lists_every_error_with_its_key_path_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[hall]\ndivision_code = "12345"\ncolour = "red"\n'
        '[[categories]]\ncode = "AA"\nname = "户籍"\n'
        "[[windows]]\nnumber = 0\ncategories = []\n",
        encoding="utf-8",
    )
    assert main(["config", "check", str(bad)]) == 1
    out = capsys.readouterr().out
    for path in (
        "hall.division_code",
        "hall.colour",
        "categories[0].code",
        "windows[0].number",
        "windows[0].categories",
    ):
        assert f"  {path}: " in out, out
    assert "ok" not in out.split()


def test_config_check_names_an_unreadable_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "check", str(tmp_path / "missing.toml")]) == 1
    assert "missing.toml" in capsys.readouterr().err


def test_the_configuration_reference_in_docs_is_up_to_date() -> None:
    committed = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), "run: hall config docs --out docs/configuration.md"


def test_every_documented_key_has_help_text() -> None:
    text = render_markdown()
    keys = documented_keys()
    assert "categories[].daily_cap" in keys
    assert "devices.NAME.keypad_keys" in keys
    for line in text.splitlines():
        if line.startswith("| `"):
            assert line.rstrip(" |").split("|")[-1].strip(), f"no help text: {line}"


def test_token_add_creates_a_working_window_bound_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hub.server import open_hub

    data = tmp_path / "hub"
    assert (
        main(
            [
                "token",
                "add",
                "--data",
                str(data),
                "--role",
                "counter",
                "--name",
                "c3",
                "--window",
                "3",
            ]
        )
        == 0
    )
    token = capsys.readouterr().out.strip().splitlines()[-1]
    hub = open_hub(data)
    device = hub.registry.authenticate(token)
    hub.store.close()
    assert (device.role, device.window) == ("counter", 3)


def test_token_add_refuses_a_counter_without_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", "add", "--data", str(tmp_path), "--role", "counter", "--name", "c"]) == 1
    assert "window" in capsys.readouterr().err


def test_hub_refuses_a_bad_bind_address_with_a_plain_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["hub", "--data", str(tmp_path), "--bind", "nonsense"]) == 1
    assert "HOST:PORT" in capsys.readouterr().err


def test_the_domain_packages_import_without_qt() -> None:
    code = (
        "import sys, config, sync, devices, hub.api, hub.server, hub.client, hall.cli, hall.demo; "
        "sys.exit(1 if any(m.startswith('PySide6') for m in sys.modules) else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr or "PySide6 was imported below the apps"


def test_sigterm_is_ctrl_c_only_inside_the_block_and_the_old_handlers_come_back() -> None:
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as inherited by a background job
    try:
        with pytest.raises(KeyboardInterrupt), interruptible(sigterm=True):
            signal.raise_signal(signal.SIGTERM)
        with pytest.raises(KeyboardInterrupt), interruptible():
            signal.raise_signal(signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) == before[signal.SIGTERM]
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
