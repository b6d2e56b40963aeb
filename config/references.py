"""Cross-references of a hall configuration: codes, numbers and which window serves what.

Checked on plain data (the parsed TOML), not on :class:`config.schema.HallConfig`, so that a file
with field errors still gets its reference errors reported in the same round
(:func:`config.loader.check_text`); the schema runs the same check on a valid hall.
"""

from __future__ import annotations

from typing import Any


def reference_problems(data: dict[str, Any]) -> list[str]:
    """Cross-references of a hall (codes, numbers, which window serves what) as ``path: problem``.

    Works on plain data, valid or not, so that a file with field errors still gets its reference
    errors reported in the same round; entries too malformed to read are skipped here (the field
    checks report them).
    """
    problems: list[str] = []
    categories = [c for c in _list(data.get("categories")) if isinstance(c, dict)]
    items = [i for i in _list(data.get("items")) if isinstance(i, dict)]
    windows = [w for w in _list(data.get("windows")) if isinstance(w, dict)]
    codes = [c.get("code") for c in categories]
    _duplicates(codes, "category code", "categories", problems)
    _duplicates([i.get("id") for i in items], "item id", "items", problems)
    _duplicates([w.get("number") for w in windows], "window number", "windows", problems)
    known = set(codes)
    listed = ", ".join(str(c) for c in codes)
    for index, item in enumerate(items):
        if "category" in item and item["category"] not in known:
            problems.append(
                f"items[{index}].category: unknown category {item['category']!r} "
                f"(item {item.get('id')}); expected one of {listed}"
            )
    served: set[str] = set()
    for index, window in enumerate(windows):
        for code in _list(window.get("categories")):
            if code not in known:
                problems.append(
                    f"windows[{index}].categories: unknown category {code!r} "
                    f"(window {window.get('number')}); expected one of {listed}"
                )
            served.add(str(code))
    for index, category in enumerate(categories if windows else []):
        if category.get("code") not in served:
            problems.append(
                f"categories[{index}]: no window serves category {category.get('code')} "
                f"({category.get('name')}); add it to some window's categories"
            )
    numbers = {w.get("number") for w in windows}
    staff = [m for m in _list(data.get("staff")) if isinstance(m, dict)]
    _duplicates([m.get("number") for m in staff], "staff number", "staff", problems)
    for index, member in enumerate(staff):
        for number in _list(member.get("windows")):
            if number not in numbers:
                problems.append(
                    f"staff[{index}].windows: no window number {number} "
                    f"(staff {member.get('number')})"
                )
    devices = data.get("devices")
    for box, settings in devices.items() if isinstance(devices, dict) else []:
        bound = settings.get("window") if isinstance(settings, dict) else None
        if bound is not None and bound not in numbers:
            problems.append(f"devices.{box}.window: no window number {bound}")
    return problems


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _duplicates(values: list[Any], what: str, where: str, problems: list[str]) -> None:
    seen: set[Any] = set()
    for value in values:
        if value is None or not isinstance(value, str | int):
            continue
        if value in seen:
            problems.append(f"{where}: duplicate {what} {value!r}")
        seen.add(value)
