"""差评核实整改: the follow-up's states, its steps, their fields, and what is shown of one.

A 差评 (levels 4, 5) or a kiosk 办不成事反映 opens a follow-up::

    pending (待核实) ──verify──▶ rectifying (整改中) ──rectify──▶ revisiting (回访) ──revisit──▶ closed (办结)
        │
        └──invalid──▶ invalid (无效差评)

Its due date (``due_on``) is ``verify_due_on`` while pending and ``close_due_on`` while it is
being rectified or revisited, both in the hall's working days from the day it opened; once it
is closed or found invalid it has none. It is overdue when the hall's service day is after its
due date; one that ended after the due date then in force is ``closed_late``.

Nothing here touches the store: :mod:`hub.followups` runs the steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.cases import mask_phone
from hub.errors import Invalid
from hub.models import RATING_LEVELS
from hub.redact import redact
from sync.ratings import case_number

STATUS_NAMES = {
    "pending": "待核实",
    "invalid": "无效差评",
    "rectifying": "整改中",
    "revisiting": "回访",
    "closed": "办结",
}
OPEN_STATUSES = ("pending", "rectifying", "revisiting")
KIND_NAMES = {"rating": "差评", "unresolved": "办不成事反映"}

TEXT_LIMITS = {
    "assignee": 32,
    "note": 500,
    "reason": 500,
    "measures": 1000,
    "method": 32,
    "answer": 500,
}
"""Most characters of each text field of a step (after stripping blanks)."""

FIELD_NAMES = {
    "assignee": "整改责任人",
    "note": "核实情况",
    "reason": "无效理由",
    "measures": "整改措施",
    "method": "回访方式",
    "answer": "群众意见",
    "satisfied": "是否满意",
}


@dataclass(frozen=True)
class Step:
    """One step of the loop: from which state to which, who may take it, what it records.

    ``texts`` are its text fields, ``text`` the one that goes to central as the step's text,
    ``flag`` a yes/no field (``satisfied``) when it has one.
    """

    name: str
    label: str
    source: str
    target: str
    roles: tuple[str, ...]
    texts: tuple[str, ...]
    text: str
    flag: str | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        return (*self.texts, self.flag) if self.flag else self.texts


PEOPLE = ("manager", "supervisor")
STEPS = {
    step.name: step
    for step in (
        Step("verify", "核实", "pending", "rectifying", PEOPLE, ("assignee", "note"), "note"),
        Step("invalid", "认定无效", "pending", "invalid", ("supervisor",), ("reason",), "reason"),
        Step("rectify", "整改", "rectifying", "revisiting", PEOPLE, ("measures",), "measures"),
        Step(
            "revisit",
            "回访",
            "revisiting",
            "closed",
            PEOPLE,
            ("method", "answer"),
            "answer",
            flag="satisfied",
        ),
    )
}
ENDING_STEPS = frozenset({"invalid", "revisit"})


def clean_fields(step: Step, given: Mapping[str, Any]) -> dict[str, Any]:
    """The step's fields from ``given``: texts stripped, non-empty and within their limits,
    the flag a real bool. Raises Invalid (422) naming the first wrong, missing or unknown field.
    """
    unknown = sorted(set(given) - set(step.fields))
    if unknown:
        raise Invalid("unknown_field", f"{step.label}不接受字段：{'、'.join(unknown)}")
    cleaned: dict[str, Any] = {}
    for name in step.texts:
        value = given.get(name)
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            raise Invalid("field_required", f"请填写{FIELD_NAMES[name]}（{name}）")
        if len(text) > TEXT_LIMITS[name]:
            raise Invalid(
                "field_too_long", f"{FIELD_NAMES[name]}（{name}）不能超过{TEXT_LIMITS[name]}字"
            )
        cleaned[name] = redact(text)
    if step.flag is not None:
        flag = given.get(step.flag)
        if not isinstance(flag, bool):
            raise Invalid(
                "field_required", f"请选择{FIELD_NAMES[step.flag]}（{step.flag}：true或false）"
            )
        cleaned[step.flag] = flag
    return cleaned


def filter_clause(
    table: str,
    statuses: list[str] | None,
    known_statuses: Iterable[str],
    kind: str | None,
    known_kinds: Iterable[str],
) -> tuple[str, list[Any]]:
    """The ``AND …`` SQL (and its parameters) keeping the rows of ``table`` (an alias) of
    ``statuses`` and ``kind``; raises Invalid (422) naming an unknown status or kind."""
    allowed = list(known_statuses)
    unknown = [s for s in statuses or () if s not in allowed]
    if unknown:
        raise Invalid("bad_status", f"未知状态：{'、'.join(unknown)}（可选：{'、'.join(allowed)}）")
    kinds = list(known_kinds)
    if kind is not None and kind not in kinds:
        raise Invalid("bad_kind", f"未知类型：{kind}（可选：{'、'.join(kinds)}）")
    sql = ""
    params: list[Any] = []
    if statuses:
        sql += f" AND {table}.status IN ({','.join('?' for _ in statuses)})"
        params.extend(statuses)
    if kind is not None:
        sql += f" AND {table}.kind = ?"
        params.append(kind)
    return sql, params


def wrong_state(kind: str, status: str, step: Step) -> str:
    """The sentence a step that does not fit the follow-up's state is refused with."""
    return (
        f"该{KIND_NAMES.get(kind, '记录')}当前状态为“{STATUS_NAMES.get(status, status)}”，"
        f"不能{step.label}（{step.label}只适用于“{STATUS_NAMES[step.source]}”的记录）"
    )


def due_on(row: Mapping[str, Any]) -> str | None:
    """The due date in force: verify_due_on while pending, close_due_on while rectifying or
    revisiting, None once closed or invalid."""
    status = row["status"]
    if status == "pending":
        return str(row["verify_due_on"])
    if status in OPEN_STATUSES:
        return str(row["close_due_on"])
    return None


def is_overdue(row: Mapping[str, Any], today: str) -> bool:
    """Whether the follow-up is still open and the hall's service day ``today`` is after its
    due date (ISO dates compare as text)."""
    due = due_on(row)
    return due is not None and today > due


def clerk_of(row: Mapping[str, Any], staff_name: str | None) -> dict[str, str] | None:
    """``{"number", "name"}`` of the clerk who served, or None (no clerk was signed in)."""
    number = row.get("clerk_id")
    if not number:
        return None
    return {"number": str(number), "name": row.get("clerk_name") or staff_name or ""}


def step_record(row: Mapping[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """One stored step as the API shows it."""
    step = STEPS.get(row["step"])
    return {
        "step": row["step"],
        "step_name": step.label if step else "升级前备注",
        "at": row["at"],
        "actor": row["actor"],
        "actor_role": row["actor_role"],
        "from_status": row["from_status"],
        "to_status": row["to_status"],
        "fields": fields,
    }


def followup_view(
    row: Mapping[str, Any],
    steps: list[dict[str, Any]],
    today: str,
    clerk: dict[str, str] | None,
) -> dict[str, Any]:
    """A follow-up as the API answers it, the phone masked. ``row`` is the stored row joined
    with its ticket's ``number`` (``ticket_number``)."""
    level = row["level"]
    number = row.get("ticket_number")
    phone = row.get("phone")
    assignee = next(
        (s["fields"].get("assignee") for s in reversed(steps) if s["step"] == "verify"), None
    )
    return {
        "id": row["id"],
        "kind": row["kind"],
        "kind_name": KIND_NAMES[row["kind"]],
        "status": row["status"],
        "status_name": STATUS_NAMES[row["status"]],
        "rating_id": row["rating_id"],
        "case_no": case_number({"service_day": row["service_day"], "number": number})
        if number
        else None,
        "feedback_id": row["feedback_id"],
        "ticket_id": row["ticket_id"],
        "ticket": number,
        "service_day": row["service_day"],
        "window": row["window"],
        "clerk": clerk,
        "level": level,
        "level_name": RATING_LEVELS.get(level) if level is not None else None,
        "reason": row["reason"],
        "phone": mask_phone(phone) if phone else None,
        "opened_at": row["opened_at"],
        "verify_due_on": row["verify_due_on"],
        "close_due_on": row["close_due_on"],
        "due_on": due_on(row),
        "overdue": is_overdue(row, today),
        "closed_at": row["closed_at"],
        "closed_late": bool(row["closed_late"]),
        "assignee": assignee,
        "steps": steps,
    }


REFERENCE_KEYS = (
    "kind",
    "level",
    "level_name",
    "reason",
    "rating_id",
    "case_no",
    "ticket",
    "ticket_id",
    "feedback_id",
    "service_day",
    "window",
    "clerk",
    "phone",
    "status",
    "opened_at",
    "verify_due_on",
    "close_due_on",
    "due_on",
    "closed_at",
    "closed_late",
)


def reference(view: Mapping[str, Any], division_code: str) -> dict[str, Any]:
    """What a provincial 好差评 system needs to know which rating a follow-up is about, and
    its times: the ``followup.opened`` payload and the common part of ``followup.step``."""
    return {
        "followup_id": view["id"],
        **{key: view[key] for key in REFERENCE_KEYS},
        "division_code": division_code,
    }
