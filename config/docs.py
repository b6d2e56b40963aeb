"""Reference documentation of every configuration key, generated from the schema."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from config.schema import HallConfig, nested_model

_HEADER = """# Hall configuration reference

Generated from `config/schema.py` by `hall config docs`; do not edit by hand.
A hall is one TOML file; check it with `hall config check FILE`. `hall config sample` prints the
built-in sample hall as a starting point. Lists of tables (`[[categories]]`, `[[items]]`,
`[[windows]]`) repeat once per entry; `[devices.NAME]` once per box.

"""


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        value: Any = field.default_factory()  # type: ignore[call-arg]
    elif field.default is PydanticUndefined:
        return "required"
    else:
        value = field.default
    if isinstance(value, BaseModel):
        return "(table)"
    text = repr(value).replace("|", "\\|")  # a pipe would end the table cell
    return f"`{text}`" if len(text) < 60 else f"`{text[:57]}...`"


def _rows(model: type[BaseModel], prefix: str, out: list[str]) -> None:
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        inner = nested_model(field.annotation)
        out.append(f"| `{key}` | {_default(field)} | {field.description or ''} |")
        if inner is not None:
            origin = getattr(field.annotation, "__origin__", None)
            suffix = "[]." if origin is list else (".NAME." if origin is dict else ".")
            _rows(inner, f"{key}{suffix}", out)


def documented_keys() -> list[str]:
    """Every key path the reference lists (``hall.name``, ``categories[].code``, …)."""
    lines: list[str] = []
    _rows(HallConfig, "", lines)
    return [line.split("`")[1] for line in lines]


def render_markdown() -> str:
    """The whole reference as Markdown."""
    lines = ["| key | default | meaning |", "|---|---|---|"]
    _rows(HallConfig, "", lines)
    return _HEADER + "\n".join(lines) + "\n"
