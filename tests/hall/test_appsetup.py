"""The apps' shared start-up options: configuration, box section, hub, token, data folder."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import tomli_w

from appkit.startup import AppSetupError
from config.sample import sample_hall_data
from hall.appsetup import add_app_arguments, resolve


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_app_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HALLKIT_CONFIG", "HALLKIT_BOX", "HALLKIT_HUB", "HALLKIT_TOKEN", "HALLKIT_DATA"):
        monkeypatch.delenv(name, raising=False)


def _config(tmp_path: Path, **devices: dict[str, object]) -> Path:
    data = sample_hall_data()
    data["devices"] = devices
    path = tmp_path / "hall.toml"
    path.write_bytes(tomli_w.dumps(data).encode())
    return path


def test_the_box_section_gives_hub_and_role_and_the_token_comes_from_the_data_folder(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path, **{"kiosk-1": {"role": "ticket", "hub": "http://10.0.0.2:8700/"}})
    (tmp_path / "device.token").write_text("tok-123\n")
    setup = resolve(
        _args("--config", str(config), "--box", "kiosk-1", "--data", str(tmp_path)), "kiosk"
    )
    assert setup.configured and setup.settings.role == "ticket"
    assert setup.hub_url == "http://10.0.0.2:8700"
    assert setup.require_token() == "tok-123"


def test_options_beat_the_environment_which_beats_the_box_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path, **{"k": {"role": "kiosk", "hub": "http://10.0.0.2:8700"}})
    monkeypatch.setenv("HALLKIT_HUB", "http://env:1")
    monkeypatch.setenv("HALLKIT_TOKEN", "env-token")
    assert resolve(_args("--config", str(config), "--box", "k"), "kiosk").hub_url == "http://env:1"
    setup = resolve(_args("--config", str(config), "--box", "k", "--hub", "http://opt:2"), "kiosk")
    assert setup.hub_url == "http://opt:2" and setup.token == "env-token"


def test_a_box_of_another_role_is_refused_with_what_to_do(tmp_path: Path) -> None:
    config = _config(tmp_path, **{"c3": {"role": "counter", "window": 3}})
    with pytest.raises(AppSetupError, match=r"\[devices.c3\] is a counter box, not a kiosk"):
        resolve(_args("--config", str(config), "--box", "c3"), "kiosk")


def test_no_token_is_fine_until_one_is_needed_and_then_says_how_to_make_one(tmp_path: Path) -> None:
    setup = resolve(_args("--box", "kiosk-9", "--data", str(tmp_path)), "kiosk")
    assert not setup.configured and setup.token is None
    with pytest.raises(AppSetupError, match=r"hall token add .*--name kiosk-9"):
        setup.require_token()


def test_a_broken_configuration_lists_its_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[hall]\nid = "Bad Id"\n')
    with pytest.raises(AppSetupError, match=r"hall\.id"):
        resolve(_args("--config", str(bad)), "kiosk")
