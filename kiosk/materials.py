"""A guide's material (申请材料) as a checklist line: the document, original or copy, how many.

Guides write materials as free text ("申请人居民身份证原件", "结婚证原件及复印件（2份）",
"申请表（窗口领取或现场填写）"). :func:`read_material` takes what the text says and assumes one
original where it says nothing, as halls do; the screen's checklist and the printed one read
materials the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ORIGINAL = "原件"
COPY = "复印件"
BOTH = "原件及复印件"

_COUNT = re.compile(r"[（(]?\s*(?:各)?\s*(\d{1,2})\s*份\s*[)）]?")
_FORMS = (("原件及复印件", BOTH), ("原件和复印件", BOTH), ("复印件", COPY), ("原件", ORIGINAL))


@dataclass(frozen=True)
class MaterialLine:
    """One material: the document's name (without the form words), its form and count."""

    name: str
    form: str
    count: int

    def describe(self) -> str:
        """``原件1份``, ``复印件2份``, ``原件及复印件各1份``."""
        each = "各" if self.form == BOTH else ""
        return f"{self.form}{each}{self.count}份"


def read_material(text: str) -> MaterialLine:
    """The material ``text`` as a checklist line (see the module docstring)."""
    name = text.strip()
    count = 1
    found = _COUNT.search(name)
    if found is not None:
        count = max(1, int(found.group(1)))
        name = (name[: found.start()] + name[found.end() :]).strip()
    form = ORIGINAL
    for words, kind in _FORMS:
        if words in name:
            form = kind
            if name.endswith(words):
                name = name[: -len(words)].strip()
            break
    return MaterialLine(name or text.strip(), form, count)
