"""What is wrong with an edited hall configuration, field by field, in Chinese.

The console edits the configuration through the same schema as the TOML file
(:class:`config.schema.HallConfig` and its cross-reference check); this module turns that
schema's findings into :class:`FieldProblem` rows a page can show beside the field: the key path
(``staff[2].name``) and a sentence for a hall manager. Unknown findings keep the schema's own
words after a Chinese lead-in, so nothing is ever hidden.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from config.references import reference_problems
from config.schema import HallConfig

_LINE = re.compile(r"^(?P<path>[A-Za-z_][\w.\-]*(\[\d+\])*(\.[\w\-]+(\[\d+\])*)*): (?P<msg>.*)$")

FIELD_NAMES = {
    "number": "编号",
    "name": "名称",
    "title": "岗位",
    "windows": "可登录窗口",
    "categories": "办理业务",
    "unit": "单位",
    "daily_cap": "每日限号",
    "last_ticket_time": "停止取号时间",
    "hours": "服务时段",
    "days": "服务日",
    "holidays": "节假日",
    "working_days": "调休上班日",
    "notice": "通知栏",
    "phone": "咨询电话",
    "supervision_phone": "监督电话",
    "pin_hash": "密码",
    "photo": "照片",
}

# The schema's own sentences (validators in config/schema.py and config/references.py) that a
# manager can meet through the console, as patterns → Chinese; {0}… are the pattern's groups.
_SENTENCES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), chinese)
    for pattern, chinese in (
        (r"unknown category '?([^' ]+)'?", "没有业务类别 {0}"),
        (r"no window serves category (\S+)", "没有窗口办理业务类别 {0}，请至少给一个窗口勾选它"),
        (r"duplicate staff number '?([^']+)'?", "工号 {0} 重复"),
        (r"duplicate window number '?([^']+)'?", "窗口号 {0} 重复"),
        (r"duplicate category code '?([^']+)'?", "业务类别代码 {0} 重复"),
        (r"no window number (\d+)", "没有 {0} 号窗口"),
        (r"overlaps or precedes", "时段重叠或顺序不对，请按时间先后填写且不要重叠"),
        (r"both as holiday and as working day", "同一天不能既是节假日又是调休上班日"),
        (r"HH:MM", "时间格式应为 时:分（例如 08:30 或 08:30-12:00）"),
        (r"weekday (\d) has no service period", "星期{0}没有服务时段"),
        (
            r"weekday_hours lists weekdays not in",
            "单独设置了时段的日子不在服务日之中，请先勾选它为服务日",
        ),
        (r"end .*before|not after", "结束时间应晚于开始时间"),
    )
)


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with an edit: the key ``path`` and a Chinese ``message``."""

    path: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _translate(english: str) -> str:
    for pattern, chinese in _SENTENCES:
        found = pattern.search(english)
        if found:
            text = chinese.format(*found.groups())
            for digit, name in zip("1234567", "一二三四五六日", strict=True):
                text = text.replace(f"星期{digit}", f"星期{name}")
            return text
    return f"填写有误（{english}）"


def _from_error(detail: Any) -> list[FieldProblem]:
    """One pydantic error as problems (a model validator's message may list several lines)."""
    path = _path(tuple(detail["loc"]))
    kind = str(detail["type"])
    ctx = detail.get("ctx") or {}
    simple = {
        "missing": "必须填写",
        "extra_forbidden": "不认识的设置项",
        "int_parsing": "应为整数",
        "int_type": "应为整数",
        "int_from_float": "应为整数",
        "float_parsing": "应为数字",
        "bool_parsing": "应为“是”或“否”",
        "date_from_datetime_parsing": "日期格式应为 年-月-日（例如 2027-01-01）",
        "date_parsing": "日期格式应为 年-月-日（例如 2027-01-01）",
        "string_pattern_mismatch": "格式不对",
        "string_type": "应为文字",
        "list_type": "应为列表",
    }
    if kind in simple:
        message = simple[kind]
        if path.endswith("number") and path.startswith("staff"):
            message = "工号应为 2–16 位字母或数字"
        return [FieldProblem(path, message)]
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        return [FieldProblem(path, "不能为空" if least == 1 else f"至少 {least} 个字")]
    if kind == "string_too_long":
        return [FieldProblem(path, f"最多 {ctx.get('max_length')} 个字")]
    if kind == "too_short":
        return [FieldProblem(path, f"至少要有 {ctx.get('min_length', 1)} 项")]
    if kind in ("greater_than_equal", "greater_than"):
        return [FieldProblem(path, f"不能小于 {ctx.get('ge', ctx.get('gt'))}")]
    if kind in ("less_than_equal", "less_than"):
        return [FieldProblem(path, f"不能大于 {ctx.get('le', ctx.get('lt'))}")]
    message = str(detail["msg"]).removeprefix("Value error, ")
    problems = []
    for line in message.splitlines():
        found = _LINE.match(line)
        if found:
            where = f"{path}.{found['path']}" if path else found["path"]
            problems.append(FieldProblem(where, _translate(found["msg"])))
        else:
            problems.append(FieldProblem(path, _translate(line)))
    return problems


def problems_of(data: dict[str, Any]) -> tuple[HallConfig | None, list[FieldProblem]]:
    """Validate ``data`` as a whole hall configuration: (the hall, []) or (None, problems)."""
    try:
        return HallConfig.model_validate(data), []
    except ValidationError as err:
        problems: list[FieldProblem] = []
        for detail in err.errors():
            for problem in _from_error(detail):
                if problem not in problems:
                    problems.append(problem)
        for line in reference_problems(data):  # cross-references, even beside field errors
            path, _, english = line.partition(": ")
            problem = FieldProblem(path, _translate(english))
            if problem not in problems:
                problems.append(problem)
        return None, problems


def field_name(path: str) -> str:
    """The Chinese name of the last key of ``path`` (``windows[1].categories`` → 办理业务)."""
    last = re.sub(r"\[\d+\]", "", path.rsplit(".", 1)[-1])
    return FIELD_NAMES.get(last, last)
