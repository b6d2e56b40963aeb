"""Every configuration key is documented: a non-empty help text on every field of every model."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel

from config import HallConfig


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


def _all_models() -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []
    pending: list[type[BaseModel]] = [HallConfig]
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.append(model)
        for field in model.model_fields.values():
            pending.extend(_models_in(field.annotation))
    return seen


def test_the_walk_reaches_every_nested_model() -> None:
    names = {model.__name__ for model in _all_models()}
    assert {
        "HallConfig",
        "HallInfo",
        "ServiceHours",
        "Category",
        "ServiceItem",
        "Window",
        "PriorityRules",
        "QueueRules",
        "RatingRules",
        "DeviceSettings",
        "SpeechSettings",
    } <= names


def test_every_configuration_key_has_a_help_text() -> None:
    undocumented = [
        f"{model.__name__}.{name}"
        for model in _all_models()
        for name, field in model.model_fields.items()
        if not (field.description or "").strip()
    ]
    assert undocumented == []


def test_every_model_forbids_unknown_keys() -> None:
    lax = [m.__name__ for m in _all_models() if m.model_config.get("extra") != "forbid"]
    assert lax == []


def test_union_annotations_are_walked() -> None:
    # Guards the walker itself: a model behind `X | None` must still be found.
    class Inner(BaseModel):
        a: int = 1

    assert _models_in(Inner | None) == [Inner]
    assert _models_in(types.NoneType) == []
