"""The base of every JSON body the hub's API takes: unknown fields are refused, and cheaply.

Pydantic reports each unknown field of a body as its own error; a 64 KB body of tiny keys has
about 8,000 of them, and building 8,000 error objects on the server's event loop costs tens of
milliseconds per request. A body with more than :data:`MAX_LISTED_PROBLEMS` unknown fields is
refused with a single error that names the first few and counts them all.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

MAX_LISTED_PROBLEMS = 10
"""A 422 lists at most this many problems (or unknown field names) and counts the rest."""


class StrictBody(BaseModel):
    """A request body: no field beyond those declared (``extra="forbid"``)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _refuse_many_unknown_fields(cls, data: Any) -> Any:
        fields = cls.model_fields
        if not isinstance(data, dict) or len(data) <= len(fields) + MAX_LISTED_PROBLEMS:
            return data  # few keys: pydantic names each unknown one itself
        unknown = [str(key) for key in data if key not in fields]
        if len(unknown) <= MAX_LISTED_PROBLEMS:
            return data
        names = ", ".join(name[:40] for name in unknown[:MAX_LISTED_PROBLEMS])
        raise PydanticCustomError(
            "extra_forbidden",
            "Extra inputs are not permitted: {names} … ({count} unknown fields)",
            {"names": names, "count": len(unknown)},
        )
