"""A hall configuration as commented TOML: ``hall config sample`` and ``hall config export``.

Every section (``[hall]``, ``[[windows]]``, ``[devices.NAME]``, ``[service.weekday_hours]`` …)
gets a comment line before it: its Chinese name where one is known, then the schema's own
description (the text ``hall config docs`` prints). Values are written as they are in the data;
``None`` (a key left out) is left out. The result reads back (``config.loader``) to the same
configuration.
"""

from __future__ import annotations

from typing import Any

import tomlkit
from pydantic import BaseModel
from tomlkit.items import AoT, Table

from config.schema import HallConfig, nested_model

SECTION_NAMES = {
    "hall": "大厅信息",
    "service": "服务时间：每周开放日、每日时段、节假日和调休上班日",
    "categories": "排队类别（每类一节 [[categories]]）",
    "items": "办事事项及办事指南（每项一节 [[items]]）",
    "windows": "窗口及其办理的类别（每个窗口一节 [[windows]]）",
    "priority": "优先规则",
    "queue": "排队规则",
    "rating": "好差评",
    "links": "链接模板",
    "manage": "管理后台（/manage/）",
    "sync": "与中心平台的同步",
    "staff": "工作人员（每人一节 [[staff]]；PIN 只存哈希，用 hall config hash-pin 生成）",
    "devices": "各台设备的设置，每台一节 [devices.名称]（用 hall provision 生成）",
}


def _description(model: type[BaseModel] | None, key: str) -> tuple[str, type[BaseModel] | None]:
    """The schema's description of ``key`` in ``model`` and the model of its value."""
    if model is None:
        return "", None
    field = model.model_fields.get(key)
    if field is None:
        return "", None
    return (field.description or ""), nested_model(field.annotation)


def _is_table(value: Any) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
    )


def _clean(value: Any) -> Any:
    """``value`` without None anywhere (TOML has no null: such a key is left out)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value if v is not None]
    return value


def _fill(
    container: Any, data: dict[str, Any], model: type[BaseModel] | None, path: str, named: bool
) -> None:
    """Add ``data``'s keys to ``container``: plain values first (TOML needs them before any
    sub-table), then sub-tables each after a comment. ``named``: ``data`` is a dict of named
    entries (``devices``), each a ``model``."""
    plain_keys = [k for k, v in data.items() if not _is_table(v) and v != {}]
    table_keys = [k for k, v in data.items() if _is_table(v) and v != {}]
    for key in plain_keys:
        container.add(key, tomlkit.item(data[key]))
    for key in table_keys:
        value = data[key]
        if named:
            text, inner = f"{SECTION_NAMES.get(path, path)}：{key}", model
        else:
            text, inner = _description(model, key)
            full = f"{path}.{key}" if path else key
            title = SECTION_NAMES.get(full, "")
            text = " — ".join(t for t in (title, text) if t)
        if text:
            container.add(tomlkit.comment(text))
        if isinstance(value, list):
            aot = AoT([])
            for entry in value:
                table = tomlkit.table()
                _fill(table, entry, inner, key, named=False)
                aot.append(table)
            container.add(key, aot)
            continue
        is_named = not named and _named_section(model, key)
        table = tomlkit.table(is_super_table=is_named)
        _fill(table, value, inner, key if is_named else "", named=is_named)
        container.add(key, table)


def _named_section(model: type[BaseModel] | None, key: str) -> bool:
    """Whether ``key`` of ``model`` is a ``dict[str, Model]`` (``[devices.NAME]``)."""
    if model is None or key not in model.model_fields:
        return False
    annotation = model.model_fields[key].annotation
    return getattr(annotation, "__origin__", None) is dict and nested_model(annotation) is not None


def commented_toml(data: dict[str, Any], header: list[str] | None = None) -> str:
    """``data`` (a hall configuration as plain data) as TOML with a comment on every section;
    ``header``: comment lines for the top of the file."""
    doc = tomlkit.document()
    for line in header or []:
        doc.add(tomlkit.comment(line))
    if header:
        doc.add(tomlkit.nl())
    _fill(doc, _clean(data), HallConfig, "", named=False)
    return _comments_on_headers(tomlkit.dumps(doc))


def _comments_on_headers(text: str) -> str:
    """Each section's comment directly above its header, the blank line before the comment."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if (
            line.startswith("#")
            and i + 2 < len(lines)
            and lines[i + 1] == ""
            and lines[i + 2].startswith("[")
        ):
            if out and out[-1] != "":
                out.append("")
            out += [line, lines[i + 2]]
            i += 3
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


__all__ = ["SECTION_NAMES", "Table", "commented_toml"]
