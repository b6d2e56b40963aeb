"""Where every ``hall`` command finds the hall configuration and the data folder.

One resolver for all commands (and the apps, through :mod:`hall.appsetup`):

- configuration: ``--config FILE``, else ``$HALLKIT_CONFIG``, else ``/etc/hallkit/hall.toml``
  when it exists (an installed box), else the built-in sample hall (a developer's machine, the
  demo);
- data folder: ``--data DIR``, else ``$HALLKIT_DATA``, else ``/var/lib/hallkit`` when it exists,
  else the command's own default (``./`` for none: such commands then ask for ``--data``).

``--help`` of each command says which file and folder this box would use (:func:`config_help`,
:func:`data_help`), so a technician sees it before running anything.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from config import HallConfig

INSTALLED_CONFIG = Path("/etc/hallkit/hall.toml")
INSTALLED_DATA = Path("/var/lib/hallkit")
SAMPLE_NAME = "内置示例大厅 (the built-in sample hall)"


class NoDataFolder(Exception):
    """No ``--data``, no ``$HALLKIT_DATA`` and no installed data folder; ``str()`` says what to
    do."""


def config_path(given: str | os.PathLike[str] | None = None) -> Path | None:
    """The configuration file to use, or None for the built-in sample hall."""
    if given:
        return Path(given)
    env = os.environ.get("HALLKIT_CONFIG")
    if env:
        return Path(env)
    if INSTALLED_CONFIG.is_file():
        return INSTALLED_CONFIG
    return None


def load(given: str | os.PathLike[str] | None = None) -> HallConfig:
    """The hall configuration :func:`config_path` finds (the sample hall when none).

    Raises config.errors.ConfigError naming the file and every problem."""
    from config import load_config, sample_hall  # noqa: PLC0415 (keeps `hall --help` fast)

    path = config_path(given)
    return load_config(path) if path is not None else sample_hall()


def data_dir(
    given: str | os.PathLike[str] | None = None, fallback: str | os.PathLike[str] | None = None
) -> Path | None:
    """The data folder to use: ``given``, ``$HALLKIT_DATA``, the installed folder when it exists,
    else ``fallback`` (None: there is none)."""
    if given:
        return Path(given)
    env = os.environ.get("HALLKIT_DATA")
    if env:
        return Path(env)
    if INSTALLED_DATA.is_dir():
        return INSTALLED_DATA
    return Path(fallback) if fallback is not None else None


def require_data_dir(given: str | os.PathLike[str] | None, command: str) -> Path:
    """:func:`data_dir` or NoDataFolder saying how to name one."""
    found = data_dir(given)
    if found is None:
        raise NoDataFolder(
            f"{command}：请用 --data 指定大厅主机的数据目录（本机没有 {INSTALLED_DATA}，"
            f"也没有设置 HALLKIT_DATA） (no data folder: pass --data DIR)"
        )
    return found


def describe_config() -> str:
    """Which configuration this box uses now, for help texts."""
    path = config_path()
    if path is None:
        return SAMPLE_NAME
    origin = "HALLKIT_CONFIG" if os.environ.get("HALLKIT_CONFIG") else "installed"
    return f"{path} ({origin})"


def describe_data(fallback: str | None = None) -> str:
    """Which data folder this box uses now, for help texts."""
    path = data_dir()
    if path is None:
        return f"{fallback} (--data)" if fallback else "无，须用 --data 指定 (none: pass --data)"
    origin = "HALLKIT_DATA" if os.environ.get("HALLKIT_DATA") else "installed"
    return f"{path} ({origin})"


def config_help(what: str = "") -> str:
    """The ``--config`` help: the order, and the file this box would use now."""
    lead = f"大厅配置文件{what}" if what else "大厅配置文件"
    return (
        f"{lead}。默认依次为 $HALLKIT_CONFIG、{INSTALLED_CONFIG}（存在时）、内置示例大厅；"
        f"本机现在用：{describe_config()} (hall configuration TOML; default: $HALLKIT_CONFIG,"
        f" else {INSTALLED_CONFIG} when present, else the built-in sample hall)"
    )


def data_help(what: str = "大厅主机的数据目录", fallback: str | None = None) -> str:
    """The ``--data`` help: the order, and the folder this box would use now."""
    return (
        f"{what}。默认依次为 $HALLKIT_DATA、{INSTALLED_DATA}（存在时）；"
        f"本机现在用：{describe_data(fallback)} (data folder; default: $HALLKIT_DATA, else"
        f" {INSTALLED_DATA} when present)"
    )


def add_hub_options(parser: argparse.ArgumentParser, *, config: bool = True) -> None:
    """``--data`` (the hub's data folder) and ``--config`` for a command that works on the hub's
    store; ``hall.cli.main`` fills both in by :func:`resolve_hub_options` before the command
    runs, so ``args.data`` is a folder and ``args.config`` a file or None (the sample hall)."""
    parser.add_argument("--data", help=data_help())
    if config:
        parser.add_argument("--config", help=config_help("，用于窗口号、时区等"))
    parser.set_defaults(hub_paths=True)


def resolve_hub_options(args: argparse.Namespace, command: str) -> None:
    """Fill in ``args.data`` and ``args.config`` as :func:`add_hub_options` promises; raises
    NoDataFolder when there is no data folder."""
    args.data = str(require_data_dir(args.data, command))
    if hasattr(args, "config"):
        found = config_path(args.config)
        args.config = str(found) if found is not None else None
