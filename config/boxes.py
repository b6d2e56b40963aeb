"""Per-box device settings (``[devices.NAME]``): the box's role, its hub, and its hardware.

Device addresses are plain strings here; the drivers in the ``devices`` package parse them when
a box opens its hardware. Part of the schema of :mod:`config.schema`, which re-exports these.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from config.base import StrictModel


class SpeechSettings(StrictModel):
    enabled: bool = Field(True, description="Speak calls on this box.")
    voice: str = Field("cmn-latn-pinyin", description="espeak-ng voice for Mandarin.")
    volume: int = Field(100, ge=0, le=200, description="espeak-ng amplitude (0–200).")
    rate: int = Field(150, ge=80, le=450, description="Speaking rate in words per minute.")
    repeat: int = Field(2, ge=1, le=3, description="How many times each call is said.")


def _default_keypad_keys() -> dict[str, int]:
    keys = {f"KEY_{n}": n for n in range(1, 6)}
    keys.update({f"KEY_KP{n}": n for n in range(1, 6)})
    keys.update({f"KEY_F{n}": n for n in range(1, 6)})
    return keys


CounterAction = Literal[
    "call_next",
    "call_number",
    "recall",
    "skip",
    "transfer",
    "pause",
    "resume",
    "finish",
    "receipt",
    "progress",
    "deliver",
    "correction",
    "reject",
]


def _default_counter_keys() -> dict[CounterAction, list[str]]:
    return {
        "call_next": ["F1", "Num+Enter"],
        "recall": ["F2", "Num+."],
        "skip": ["F3", "Num+-"],
        "finish": ["F4", "Num++"],
        "transfer": ["F5"],
        "pause": ["F6"],
        "resume": ["F7"],
        "call_number": ["F8", "Num+*"],
        "receipt": ["F9"],
        "progress": ["Ctrl+F9"],  # 办理进度: 办理中 / 已办结待领取
        "deliver": ["F10"],  # 出件/领取
        "correction": ["F11"],  # 补正通知
        "reject": ["F12"],  # 不予受理
    }


class KioskScreenSettings(StrictModel):
    """How a kiosk or ticket machine behaves (``[devices.NAME.screen]``)."""

    page_size: int = Field(
        9, ge=1, le=24, description="Tiles or list rows per page (a 3×3 grid by default)."
    )
    elder_page_size: int = Field(4, ge=1, le=12, description="The same in 长辈模式 (bigger).")
    popular_count: int = Field(6, ge=0, le=20, description="Popular items shown on the first page.")
    idle_seconds: float = Field(
        60.0, ge=10, le=900, description="An untouched screen goes back home after this."
    )
    elder_idle_seconds: float = Field(
        180.0, ge=10, le=1800, description="The same in 长辈模式 (no time pressure)."
    )
    done_seconds: float = Field(
        30.0, ge=5, le=300, description="A finished screen (the ticket shown) goes home after this."
    )
    warn_seconds: float = Field(
        10.0, ge=0, le=60, description="A countdown is shown this long before going home."
    )


class DeviceSettings(StrictModel):
    role: Literal["hub", "kiosk", "ticket", "counter", "board", "display"] = Field(
        "kiosk", description="What this box is in the hall."
    )
    window: int | None = Field(
        None, ge=1, description="Window number, for counter and board boxes."
    )
    hub: str = Field(
        "http://127.0.0.1:8700",
        pattern=r"^https?://",
        description="The hall hub's address as this box reaches it.",
    )
    idcard: str | None = Field(
        None,
        description="ID-card reader address, e.g. serial:///dev/hall-idcard or usb://0400:c35a.",
    )
    printer: str | None = Field(
        None,
        description="Printer address, e.g. usb://0416:5011, serial:///dev/hall-printer, tcp://HOST:9100.",
    )
    printer_width: Literal[58, 80] = Field(80, description="Paper width of the printer in mm.")
    keypad: str | None = Field(
        None, description="Rating keypad input device, e.g. /dev/input/hall-keypad."
    )
    keypad_keys: dict[str, Annotated[int, Field(ge=1, le=5)]] = Field(
        default_factory=_default_keypad_keys,
        description="Key name (evdev) to rating level 1 非常满意 … 5 非常不满意.",
    )
    sign: str | None = Field(
        None, description="Window sign address, e.g. modbus:///dev/ttyUSB0?unit=1 or board."
    )
    counter_keys: dict[CounterAction, list[str]] = Field(
        default_factory=_default_counter_keys,
        description=(
            "Counter app shortcuts: action to key sequences in Qt's portable text "
            "(F1, Ctrl+R, Num+Enter for the number pad's Enter). A USB number pad works as a "
            "hardware caller with the Num+ defaults."
        ),
    )
    speech: SpeechSettings = Field(
        default_factory=SpeechSettings, description="Voice calls spoken on this box."
    )
    screen: KioskScreenSettings = Field(
        default_factory=KioskScreenSettings,
        description="A kiosk's or ticket machine's pages and idle times.",
    )
