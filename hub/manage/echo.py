"""What a settings form shows after a refused save: the values as typed, in the form that was
sent only; every other form on the page shows the values stored (the 窗口与业务 and 服务时间
pages, :mod:`hub.manage.hall_page`, :mod:`hub.manage.calendar_page`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def typed_of(form: dict[str, str]) -> dict[str, str]:
    """A submitted form's fields as typed, without its CSRF token."""
    return {key: value for key, value in form.items() if key != "csrf"}


@dataclass(frozen=True)
class FormEcho:
    """``section``: the form that came back refused ("" when none); ``typed``: what was sent.
    Templates call :meth:`value` and :meth:`checked` for each field."""

    section: str = ""
    typed: dict[str, str] | None = field(default=None)

    def _echoes(self, form: str) -> bool:
        return self.typed is not None and form == self.section

    def value(self, form: str, name: str, default: Any) -> Any:
        """What field ``name`` of ``form`` shows: as typed when that form came back refused."""
        return (
            self.typed.get(name, "") if self.typed is not None and self._echoes(form) else default
        )

    def checked(self, form: str, name: str, default: bool) -> bool:
        """Whether checkbox ``name`` of ``form`` is ticked: as sent when it came back refused."""
        return (
            self.typed.get(name) == "on"
            if self.typed is not None and self._echoes(form)
            else default
        )
