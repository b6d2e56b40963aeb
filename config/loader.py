"""Reading hall configurations: ``parse_config(text)`` apart from ``load_config(path)``."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from config.errors import ConfigError, ConfigIssue
from config.references import reference_problems
from config.schema import HallConfig, nested_model

_PATH_PREFIX = re.compile(
    r"^(?P<path>[A-Za-z_][\w.\-]*(\[\d+\])*(\.[\w\-]+(\[\d+\])*)*): (?P<msg>.*)$"
)


def _loc_to_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _description(loc: tuple[int | str, ...]) -> str:
    """The help text of the key at ``loc``, walking the schema; empty if not found."""
    model: type[BaseModel] | None = HallConfig
    text = ""
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        if field is None:
            return ""
        text = field.description or ""
        model = nested_model(field.annotation)
    return text


def _issues_from(error: ValidationError) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    for detail in error.errors():
        path = _loc_to_path(tuple(detail["loc"]))
        message = str(detail["msg"]).removeprefix("Value error, ")
        if detail["type"] == "extra_forbidden":
            message = "unknown key; check its spelling against docs/configuration.md"
        elif detail["type"] == "missing":
            message = f"required key is missing ({_description(tuple(detail['loc']))})"
        elif detail["type"] == "string_pattern_mismatch":
            message = (
                f"{detail['input']!r} is not valid; expected: {_description(tuple(detail['loc']))}"
            )
        for line in message.splitlines():
            match = _PATH_PREFIX.match(line)
            if match and not path:
                issues.append(ConfigIssue(match["path"], match["msg"]))
            elif match:
                issues.append(ConfigIssue(f"{path}.{match['path']}", match["msg"]))
            else:
                issues.append(ConfigIssue(path, line))
    return issues


def parse_config(text: str, source: str = "<text>") -> HallConfig:
    """Parse TOML text into a validated :class:`HallConfig`.

    Raises :class:`ConfigError` listing every problem with its key path.
    """
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(source, [ConfigIssue("", f"not valid TOML: {err}")]) from err
    return config_from_dict(data, source)


def config_from_dict(data: dict[str, Any], source: str = "<data>") -> HallConfig:
    """Validate already-parsed data; raises :class:`ConfigError` with every problem."""
    try:
        return HallConfig.model_validate(data)
    except ValidationError as err:
        issues = _issues_from(err)
        # Field errors stop pydantic before the cross-reference check; run it on the raw data
        # too, so one round of `hall config check` lists every problem.
        for line in reference_problems(data):
            path, _, message = line.partition(": ")
            issue = ConfigIssue(path, message)
            if issue not in issues:
                issues.append(issue)
        raise ConfigError(source, issues) from err


def load_config(path: str | Path) -> HallConfig:
    """Read and validate the TOML file at ``path``; raises :class:`ConfigError`."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(
            str(file), [ConfigIssue("", f"cannot read the file: {err.strerror}")]
        ) from err
    except UnicodeDecodeError as err:
        raise ConfigError(str(file), [ConfigIssue("", "the file is not UTF-8 text")]) from err
    return parse_config(text, str(file))


def check_text(text: str, source: str = "<text>") -> list[ConfigIssue]:
    """Every problem in the TOML text, or an empty list when it is a valid hall configuration."""
    try:
        parse_config(text, source)
    except ConfigError as err:
        return err.issues
    return []
