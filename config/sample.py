"""The built-in sample hall: a town service centre built from the 180 "就近办" items.

The item list (names and departments) comes from the Changzhou Tianning plan's attachment 1,
copied into ``config/data/jiujinban-items.csv``. The guide texts are illustrative templates per
department so that kiosks have something realistic to show; a real hall gets its guides from the
central platform.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from typing import Any

from config.loader import config_from_dict
from config.schema import HallConfig

# Department → (category letter, category name, promised days, extra materials, daily cap).
# I and O are left out so that tickets are never misread as 1 and 0.
_DEPARTMENTS: dict[str, tuple[str, str, int, list[str], int | None]] = {
    "公安局": ("A", "户籍业务", 5, ["居民户口簿原件"], None),
    "人社局": ("B", "人社业务", 5, ["社会保障卡或银行卡"], None),
    "公积金": ("C", "公积金业务", 3, ["住房公积金联名卡"], None),
    "卫计委": ("D", "卫健业务", 10, ["结婚证原件"], 60),
    "总工会": ("E", "工会业务", 10, ["工会会员证明"], 60),
    "房管局": ("F", "住房保障", 20, ["家庭收入证明", "住房情况证明"], 30),
    "档案局": ("G", "档案查阅", 1, ["查阅事由说明"], 40),
    "残联": ("H", "残联业务", 15, ["中华人民共和国残疾人证"], 40),
    "民政局": ("J", "民政救助", 15, ["家庭经济状况核对授权书"], 40),
}

_WINDOWS: list[tuple[int, str, list[str]]] = [
    (1, "综合窗口", ["A", "B"]),
    (2, "综合窗口", ["A", "C"]),
    (3, "综合窗口", ["A", "D", "E"]),
    (4, "综合窗口", ["B", "C", "F"]),
    (5, "综合窗口", ["B", "E", "G"]),
    (6, "综合窗口", ["C", "D", "H"]),
    (7, "综合窗口", ["A", "G", "H", "J"]),
    (8, "综合窗口", ["B", "D", "F", "J"]),
]

# Demo PINs (documented in the README): every sample clerk signs in with 2580, the technician
# PIN is 8642. Only the hashes are here, as in a real configuration file.
DEMO_STAFF_PIN = "2580"
DEMO_TECHNICIAN_PIN = "8642"
_STAFF_PIN_HASH = (
    "pbkdf2_sha256$120000$aGFsbGtpdC1kZW1vLXN0Zg$eoHlhehr99NVCKwFAARxiTh_3EMSzK8FQeLLTloCp5Y"
)
_TECHNICIAN_PIN_HASH = (
    "pbkdf2_sha256$120000$aGFsbGtpdC1kZW1vLXRlYw$-4g_5h2p8tg1pMcEMZHU3tYOarFfpCJU1OjbW-1WfUo"
)
# (staff number, name, post); ten clerks for eight windows, so that AB cover can be shown.
_STAFF = [
    ("1001", "王丽华", "综合窗口受理员"),
    ("1002", "李建国", "综合窗口受理员"),
    ("1003", "张晓明", "综合窗口受理员"),
    ("1004", "刘芳", "综合窗口受理员"),
    ("1005", "陈志强", "综合窗口受理员"),
    ("1006", "杨秀英", "综合窗口受理员"),
    ("1007", "赵磊", "综合窗口受理员"),
    ("1008", "黄海燕", "综合窗口受理员"),
    ("1009", "周文", "AB岗（后备）"),
    ("1010", "吴静", "AB岗（后备）"),
]

_POPULAR = {"013", "085", "126", "140", "156", "157", "178"}


def _item(seq: str, department: str, name: str, note: str) -> dict[str, Any]:
    letter, _, promised, extra, _ = _DEPARTMENTS[department]
    item: dict[str, Any] = {
        "id": f"jjb-{int(seq):03d}",
        "name": name,
        "department": department,
        "category": letter,
        "applicants": "本辖区居民",
        "conditions": f"符合{department}相关规定、材料齐全的申请人均可申请。",
        "materials": ["申请人居民身份证原件", *extra, "申请表（窗口领取或现场填写）"],
        "process": "窗口受理 → 后台审核 → 审批办结 → 窗口出件",
        "basis": f"{department}相关法律法规及本市就近办实施方案",
        "statutory_days": promised * 2,
        "promised_days": promised,
        "fees": "不收费",
        "online": department in ("公积金", "人社局"),
        "tags": ["就近办"],
        "popular": f"{int(seq):03d}" in _POPULAR,
    }
    if note:
        item["location"] = f"{note}：部分站点可办，请先咨询导办人员"
    return item


def sample_hall_data() -> dict[str, Any]:
    """The sample hall as plain data, ready to be written as TOML or validated."""
    text = resources.files("config").joinpath("data/jiujinban-items.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    categories = [
        {
            "code": letter,
            "name": name,
            "last_ticket_time": "16:30",
            **({"daily_cap": cap} if cap else {}),
        }
        for letter, name, _, _, cap in _DEPARTMENTS.values()
    ]
    return {
        "hall": {
            "id": "sample-town",
            "name": "示例镇便民服务中心",
            "division_code": "320402100",
            "notice": "办事请取号，过号请到取号机重新排队；60岁以上老人请走绿色通道。",
            "technician_pin_hash": _TECHNICIAN_PIN_HASH,
        },
        # Every service and rating carries the clerk who served (the default, said here too).
        "service": {"require_sign_in": True},
        "categories": categories,
        "items": [_item(r["seq"], r["department"], r["name"], r["note"]) for r in rows],
        "windows": [
            {"number": n, "name": name, "categories": list(cats)} for n, name, cats in _WINDOWS
        ],
        "staff": [
            {"number": number, "name": name, "title": title, "pin_hash": _STAFF_PIN_HASH}
            for number, name, title in _STAFF
        ],
    }


@cache
def sample_hall() -> HallConfig:
    """The built-in sample hall, used when no configuration file is given."""
    return config_from_dict(sample_hall_data(), "<built-in sample hall>")
