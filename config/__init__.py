"""The hall's configuration: one typed TOML schema, its loader and checker, and the sample hall.

Everything a box needs to know about its hall (hours, calendar, queue categories, service items
and guides, windows, priority and rating rules, device settings) is declared once in
:mod:`config.schema` (device settings in :mod:`config.boxes`) with a default and a help text.
This package imports nothing else of ours.
"""

from config.calendar import HallCalendar
from config.errors import ConfigError, ConfigIssue
from config.loader import check_text, load_config, parse_config
from config.sample import sample_hall
from config.schema import (
    Category,
    DeviceSettings,
    HallConfig,
    PriorityRules,
    RatingRules,
    ServiceHours,
    ServiceItem,
    Window,
)

__all__ = [
    "Category",
    "ConfigError",
    "ConfigIssue",
    "DeviceSettings",
    "HallCalendar",
    "HallConfig",
    "PriorityRules",
    "RatingRules",
    "ServiceHours",
    "ServiceItem",
    "Window",
    "check_text",
    "load_config",
    "parse_config",
    "sample_hall",
]
