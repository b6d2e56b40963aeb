"""The base of every table of the configuration schema."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A configuration table: an unknown key is an error (a typo must not be ignored silently)
    and a loaded value cannot be changed afterwards."""

    model_config = ConfigDict(extra="forbid", frozen=True)
