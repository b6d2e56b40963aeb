"""The typed schema of a hall configuration file.

Every key is declared here once, with its default and its help text (the ``description``);
``docs/configuration.md`` is generated from these declarations (``hall config docs``). The
per-box device settings live in :mod:`config.boxes` (importable from here too), the
cross-reference checks in :mod:`config.references`.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator, model_validator

from config.base import StrictModel
from config.boxes import DeviceSettings, SpeechSettings
from config.hours import ServiceHours, parse_hhmm, parse_period
from config.phone import PhoneSettings
from config.pins import hash_problem
from config.references import reference_problems
from config.sms import SmsSettings

# DeviceSettings, SpeechSettings, ServiceHours and the time parsers are re-exported: many modules
# import them from here.
__all__ = [
    "Category",
    "DeviceSettings",
    "HallConfig",
    "HallInfo",
    "LinkTemplates",
    "ManageSettings",
    "PriorityRules",
    "QueueRules",
    "RatingRules",
    "ServiceHours",
    "ServiceItem",
    "SpeechSettings",
    "StaffMember",
    "SyncSettings",
    "Window",
    "nested_model",
    "parse_hhmm",
    "parse_period",
]


def nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model class inside a field's annotation (``X``, ``list[X]``, ``dict[str, X]``, …)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = nested_model(arg)
        if found is not None:
            return found
    return None


class HallInfo(StrictModel):
    id: str = Field(
        "sample-town",
        pattern=r"^[a-z0-9][a-z0-9-]{1,62}$",
        description="Short machine name of the hall (lowercase letters, digits, hyphens).",
    )
    name: str = Field(
        "示例镇便民服务中心", min_length=1, description="The hall's name as citizens see it."
    )
    division_code: str = Field(
        "320411100",
        pattern=r"^\d{9}$",
        description="9-digit administrative division code (统计用区划代码) of the hall's town or street.",
    )
    timezone: str = Field("Asia/Shanghai", description="IANA time zone of the hall.")
    secret_file: str = Field(
        "hall.secret",
        description=(
            "File holding the hall secret used to hash ID numbers (HMAC). A relative path is "
            "taken inside the hub's data folder; the hub creates it (mode 0600) if missing."
        ),
    )
    notice: str = Field(
        "请保管好您的号票，过号请到取号机重新排队。",
        description="Scrolling notice line on the hall display.",
    )
    technician_pin_hash: str | None = Field(
        None,
        description=(
            "Hash of the technician PIN that opens the maintenance screen of kiosks and "
            "counters (make it with `hall config hash-pin`). None: no maintenance screen."
        ),
    )
    phone: str = Field(
        "",
        max_length=32,
        pattern=r"^[0-9０-９()（）+\- ]*$",
        description=(
            "The hall's own phone number (咨询电话), e.g. 0519-88001234: shown on the kiosk and "
            "printed on tickets, checklists and receipts. Empty: not shown or printed."
        ),
    )
    supervision_phone: str = Field(
        "12345",
        max_length=32,
        pattern=r"^[0-9０-９()（）+\- ]*$",
        description=(
            "The supervision and complaint line (监督电话) printed on tickets and receipts and "
            "shown on the window boards: the 12345 government service hotline unless the hall "
            "has its own. Empty: not shown or printed."
        ),
    )
    emblem: str = Field(
        "",
        description=(
            "Image file (PNG, JPEG or SVG) shown beside the hall's name at the top of the "
            "kiosk's screens, e.g. the hall's or the government's emblem; a relative path is "
            "taken beside the configuration file. Empty: the built-in emblem."
        ),
    )

    @field_validator("technician_pin_hash")
    @classmethod
    def _pin_hash_form(cls, value: str | None) -> str | None:
        problem = hash_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        # Checked here so that a typo is a config error, not a crash when the hub starts.
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(
                f"unknown time zone {value!r}; expected an IANA name such as Asia/Shanghai"
            ) from err
        return value


class Category(StrictModel):
    code: str = Field(
        pattern=r"^[A-Z]$",
        description="Ticket letter of the queue category (A, B, …); numbers read A001, A002, ….",
    )
    name: str = Field(min_length=1, description="Name of the category shown on kiosks and boards.")
    daily_cap: int | None = Field(
        None, ge=1, description="Most tickets issued per service day (放号上限); empty for no cap."
    )
    last_ticket_time: str | None = Field(
        None,
        description="No tickets after this local time (HH:MM); empty for the end of service hours.",
    )
    average_service_minutes: float = Field(
        8.0,
        gt=0,
        description="Service time assumed for wait estimates until real ones are measured.",
    )

    @field_validator("last_ticket_time")
    @classmethod
    def _last_ticket_is_time(cls, value: str | None) -> str | None:
        if value is not None:
            parse_hhmm(value)
        return value


class ServiceItem(StrictModel):
    id: str = Field(min_length=1, max_length=64, description="Stable id of the service item.")
    name: str = Field(min_length=1, description="Name of the item (事项名称).")
    department: str = Field(
        min_length=1, description="Department that approves it in the back office."
    )
    category: str = Field(description="Code of the queue category a ticket for this item joins.")
    code: str = Field(
        "", description="Item code from the provincial platform (GB/T 39554), if any."
    )
    applicants: str = Field("", description="Who may apply (申请对象).")
    conditions: str = Field("", description="Conditions for applying (受理条件).")
    materials: list[str] = Field([], description="Required materials, one entry each (申请材料).")
    process: str = Field("", description="How it is handled, step by step (办理流程).")
    basis: str = Field("", description="Legal basis (设定依据).")
    statutory_days: int | None = Field(
        None, ge=0, description="Statutory time limit in working days."
    )
    promised_days: int | None = Field(
        None, ge=0, description="Promised time limit in working days."
    )
    fees: str = Field("不收费", description="Fees, as text (收费标准).")
    online: bool = Field(False, description="Whether it can also be done online (网上可办).")
    location: str = Field("", description="Where in the hall it is handled, if not every window.")
    tags: list[str] = Field([], description="Tags such as 告知承诺 or 容缺受理.")
    popular: bool = Field(False, description="Show on the kiosk's popular-items row.")


class Window(StrictModel):
    number: int = Field(ge=1, le=999, description="Window number shown above it and called out.")
    name: str = Field("综合窗口", description="Name of the window (综合窗口, 企业服务, …).")
    unit: str = Field("", description="Accepting unit shown on the window board, if not the hall.")
    categories: list[str] = Field(
        min_length=1, description="Codes of the categories it calls from."
    )


class StaffMember(StrictModel):
    number: str = Field(
        pattern=r"^[A-Za-z0-9]{2,16}$",
        description="Staff number (工号) the clerk signs in with; shown on the window board.",
    )
    name: str = Field(min_length=1, max_length=32, description="Full name, as on the staff card.")
    title: str = Field("窗口工作人员", description="Post shown on the window board (岗位).")
    photo: str = Field(
        "",
        description=(
            "Photo file for the window board (JPEG or PNG); a relative path is taken beside the "
            "configuration file. Empty: the board shows no photo."
        ),
    )
    pin_hash: str = Field(
        description="Hash of the clerk's PIN (make it with `hall config hash-pin`); never the PIN."
    )
    windows: list[int] = Field(
        [], description="Windows this clerk may sign in at; empty means any window (AB cover)."
    )
    active: bool = Field(
        True,
        description=(
            "False: the clerk left or is suspended; cannot sign in at a counter nor confirm a "
            "green lane, but stays in reports and history (disable rather than delete)."
        ),
    )
    id_card_hash: str | None = Field(
        None,
        description=(
            "Hash of the staff member's own ID-card number (make it with "
            "`python -m config.pins --id-card`): swiping that card on a kiosk confirms a "
            "citizen's green lane (绿色通道) as their PIN does. None: PIN only."
        ),
    )

    @field_validator("pin_hash")
    @classmethod
    def _pin_hash_form(cls, value: str) -> str:
        problem = hash_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("id_card_hash")
    @classmethod
    def _card_hash_form(cls, value: str | None) -> str | None:
        problem = hash_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value


class PriorityRules(StrictModel):
    green_groups: list[str] = Field(
        ["老年人", "残疾人", "军人及退役军人", "孕妇"],
        description="Groups a guide may send to the green channel (绿色通道), with staff confirmation.",
    )
    elderly_age: int = Field(
        60,
        ge=50,
        le=100,
        description="Citizens this old or older (from the ID card) get the green lane.",
    )
    priority_per_ordinary: int = Field(
        3,
        ge=1,
        description=(
            "How many appointment or green-lane calls a window may make in a row before it must "
            "call a waiting ordinary ticket (anti-starvation)."
        ),
    )
    appointment_early_minutes: int = Field(
        60, ge=0, description="How early before the booked slot an appointment may check in."
    )
    appointment_late_minutes: int = Field(
        30, ge=0, description="How late after the slot starts an appointment may still check in."
    )


class QueueRules(StrictModel):
    requeue_minutes: int = Field(
        30,
        ge=0,
        description="Minutes after being skipped (过号) within which a ticket may re-queue.",
    )
    requeue_behind: int = Field(
        3, ge=0, description="A re-queued ticket goes in behind this many waiting people."
    )
    max_requeues: int = Field(1, ge=0, description="How often one ticket may be re-queued.")
    one_open_ticket_per_person: bool = Field(
        True, description="Refuse a second open ticket for the same ID number in the same category."
    )
    estimate_window: int = Field(
        20, ge=1, description="How many recent services of a category the wait estimate averages."
    )


class RatingRules(StrictModel):
    keypad_timeout_seconds: int = Field(
        30,
        ge=5,
        le=600,
        description="How long a rating request waits for a key before 'no rating'.",
    )
    bad_reasons: list[str] = Field(
        [
            "等候时间过长",
            "服务态度不好",
            "办事效率低",
            "一次性告知不到位",
            "办理结果不满意",
            "其他",
        ],
        min_length=1,
        description="Reasons offered for a 差评 (levels 4 and 5).",
    )
    verify_working_days: int = Field(
        5,
        ge=1,
        le=60,
        description=(
            "Working days within which a 差评 or a kiosk 办不成事反映 must be verified "
            "(核实: found invalid, or taken on for rectification)."
        ),
    )
    followup_working_days: int = Field(
        15,
        ge=1,
        le=90,
        description=(
            "Working days within which a 差评 or a kiosk 办不成事反映 must be closed "
            "(整改 and 回访 done), counted from the day it was opened."
        ),
    )

    @model_validator(mode="after")
    def _verify_before_close(self) -> RatingRules:
        if self.verify_working_days > self.followup_working_days:
            raise ValueError(
                "verify_working_days must not be more than followup_working_days "
                f"({self.verify_working_days} > {self.followup_working_days})"
            )
        return self


class ManageSettings(StrictModel):
    session_idle_minutes: int = Field(
        30,
        ge=5,
        le=720,
        description="A console (/manage/) session ends after this many minutes without a request.",
    )
    wait_alert_minutes: int = Field(
        30,
        ge=1,
        le=600,
        description="Raise an alert on the console when a ticket has waited longer than this.",
    )
    pause_alert_minutes: int = Field(
        20,
        ge=1,
        le=600,
        description="Raise an alert on the console when a window has been paused longer than this.",
    )


class SyncSettings(StrictModel):
    batch_max_events: int = Field(
        1000, ge=1, le=10000, description="Most events the uplink sends in one batch."
    )
    batch_max_bytes: int = Field(
        1_048_576,
        ge=16_384,
        le=8_388_608,
        description="Most bytes of (uncompressed) JSON in one uplink batch.",
    )
    retention_days: int = Field(
        30,
        ge=1,
        le=3650,
        description="Days an event central has acknowledged stays in the hub's outbox before it is purged. Unacknowledged events are never purged.",
    )
    backlog_alarm_events: int = Field(
        50_000,
        ge=1,
        description="Raise an alarm (hub log, `hall sync status`, `hall doctor`) when more events than this wait to be sent.",
    )
    heartbeat_seconds: int = Field(
        60,
        ge=5,
        le=3600,
        description="How often the hub checks in with central when it has nothing to send.",
    )
    catalog_seconds: int = Field(
        300, ge=10, le=86400, description="How often the hub asks central for a new catalog."
    )
    appointments_seconds: int = Field(
        120, ge=10, le=86400, description="How often the hub pulls the day's appointments."
    )
    backoff_cap_seconds: int = Field(
        300,
        ge=1,
        le=3600,
        description="Longest wait between retries when central cannot be reached.",
    )
    request_timeout_seconds: float = Field(
        30.0, gt=0, le=600, description="Time limit of one request to central, in seconds."
    )


_LINK_FIELDS = {
    "ticket_qr": ("number", "day", "hall", "hall_id", "id", "category"),
    "guide_qr": ("id", "code", "name", "hall", "hall_id"),
    "receipt_qr": ("receipt", "hall", "hall_id"),
}


class LinkTemplates(StrictModel):
    """What the printed QR codes carry: ``str.format`` templates, ideally web addresses (the
    printed caption promises a phone page only when the payload starts with http:// or
    https://)."""

    ticket_qr: str = Field(
        "{hall} {day} {number}号",
        min_length=1,
        description=(
            "QR payload on a queue ticket, e.g. the hall's progress page "
            "https://zwfw.example.gov.cn/queue?hall={hall_id}&no={number}&day={day}. "
            "Placeholders: {number} {day} {hall} {hall_id} {id} {category}."
        ),
    )
    guide_qr: str = Field(
        "{name}",
        min_length=1,
        description=(
            "QR payload on a guide's material checklist, e.g. the province's guide page for "
            "the item's code https://zwfw.example.gov.cn/guide/{code}. "
            "Placeholders: {id} {code} {name} {hall} {hall_id}."
        ),
    )
    receipt_qr: str = Field(
        "{receipt}",
        min_length=1,
        description=(
            "QR payload on a 收件回执, e.g. the province's progress page for the case "
            "https://zwfw.example.gov.cn/progress/{receipt}; the plain receipt number is what "
            "the kiosk's 进度查询 takes. Placeholders: {receipt} {hall} {hall_id}."
        ),
    )

    @model_validator(mode="after")
    def _known_placeholders(self) -> LinkTemplates:
        for name, allowed in _LINK_FIELDS.items():
            template = getattr(self, name)
            try:
                template.format(**dict.fromkeys(allowed, "x"))
            except (KeyError, IndexError, ValueError) as err:
                raise ValueError(
                    f"{name} {template!r} cannot be filled in ({err!r}); "
                    f"its placeholders are {', '.join('{' + a + '}' for a in allowed)}"
                ) from err
        return self


class HallConfig(StrictModel):
    """A whole hall: who it is, when it opens, what it serves and how its boxes are set up."""

    hall: HallInfo = Field(default_factory=HallInfo, description="Who the hall is.")
    service: ServiceHours = Field(
        default_factory=ServiceHours, description="Service days, hours and calendar."
    )
    categories: list[Category] = Field(min_length=1, description="Queue categories.")
    items: list[ServiceItem] = Field([], description="Service items and their guides.")
    windows: list[Window] = Field(min_length=1, description="The hall's windows.")
    priority: PriorityRules = Field(
        default_factory=PriorityRules, description="Priority lanes and anti-starvation."
    )
    queue: QueueRules = Field(
        default_factory=QueueRules, description="Missed tickets and estimates."
    )
    rating: RatingRules = Field(default_factory=RatingRules, description="好差评 rating rules.")
    links: LinkTemplates = Field(
        default_factory=LinkTemplates,
        description="What the QR codes on tickets, checklists and receipts carry.",
    )
    phone: PhoneSettings = Field(
        default_factory=PhoneSettings, description="The citizen's phone page for tickets and cases."
    )
    manage: ManageSettings = Field(
        default_factory=ManageSettings,
        description="The manager's console (/manage/): sessions and the alert thresholds.",
    )
    sync: SyncSettings = Field(
        default_factory=SyncSettings,
        description="The link to the central platform (where to is in the hub's data folder, set by `hall enroll`).",
    )
    sms: SmsSettings = Field(
        default_factory=SmsSettings, description="Text messages to citizens (docs/sms.md)."
    )
    staff: list[StaffMember] = Field(
        [], description="Clerks who may sign in at the counters (工号, name, photo, PIN hash)."
    )
    devices: dict[str, DeviceSettings] = Field(
        {}, description="Per-box device settings, keyed by box name (e.g. devices.kiosk-1)."
    )

    @model_validator(mode="after")
    def _references_resolve(self) -> HallConfig:
        problems = reference_problems(self.model_dump())
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def category(self, code: str) -> Category | None:
        """The category with this code, or None."""
        return next((c for c in self.categories if c.code == code), None)

    def item(self, item_id: str) -> ServiceItem | None:
        """The service item with this id, or None."""
        return next((i for i in self.items if i.id == item_id), None)

    def window(self, number: int) -> Window | None:
        """The window with this number, or None."""
        return next((w for w in self.windows if w.number == number), None)

    def staff_member(self, number: str) -> StaffMember | None:
        """The staff member with this staff number, or None."""
        return next((m for m in self.staff if m.number == number), None)

    def windows_serving(self, code: str) -> list[Window]:
        """Windows that call from category ``code``."""
        return [w for w in self.windows if code in w.categories]
