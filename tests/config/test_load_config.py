"""load_config: reading a hall file from disk, and what happens when it cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli_w

from config import ConfigError, load_config, sample_hall
from config.sample import sample_hall_data


def test_sample_hall_written_as_toml_loads_back_equal(tmp_path: Path) -> None:
    path = tmp_path / "hall.toml"
    path.write_text(tomli_w.dumps(sample_hall_data()), encoding="utf-8")
    assert load_config(path) == sample_hall()


def test_missing_file_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.source == str(path)
    assert len(caught.value.issues) == 1
    assert "cannot read the file" in caught.value.issues[0].message


def test_directory_instead_of_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_config(tmp_path)


def test_non_utf8_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "hall.toml"
    path.write_bytes('[hall]\nname = "示例镇便民服务中心"\n'.encode("gb18030"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert [issue.message for issue in caught.value.issues] == ["the file is not UTF-8 text"]


def test_invalid_file_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "hall.toml"
    path.write_text('[hall]\ndivision_code = "1"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(str(path))
