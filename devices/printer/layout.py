"""The one layout model of a printed slip, and the one wrapping function.

A ``Document`` is a tuple of blocks (text, separator, key-value row, QR code, feed, cut).
``lay_out(document, paper)`` turns it into ``Line``s that already fit the paper: text wrapped
to the columns its size leaves, key-value rows padded. ``escpos.render`` turns those lines into
printer bytes and ``preview.render`` into a PNG, so the preview shows what prints.

Column rule: font A is 12×24 dots; an ASCII character takes one column (12 dots), every other
character two (24 dots), because everything outside ASCII goes to the printer as a GB18030
double-byte (or four-byte) character in its Chinese mode, drawn from the 24×24 Chinese font.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, StrEnum

CELL_DOTS = 12
"""Width of one column (one ASCII character of font A) in printer dots."""
CHAR_DOTS = 24
"""Height of a character of font A (and width of a Chinese character) in dots."""
LINE_DOTS = 30
"""Paper advanced by one line of normal text at the default line spacing, in dots."""
DOTS_PER_MM = 8
"""203 dpi print heads: 8 dots per millimetre."""
QR_MAX_BYTES = 200
"""Longest QR payload (UTF-8 bytes): at error level M it fits version 10 (57 modules), which
stays inside the 58 mm print width at the 58 mm module size."""


class Size(Enum):
    """Character size as (width, height) multipliers, sent as ``GS ! n``."""

    NORMAL = (1, 1)
    TALL = (1, 2)  # double height
    WIDE = (2, 1)  # double width
    BIG = (2, 2)
    HUGE = (3, 3)  # the ticket number, readable from arm's length

    @property
    def width(self) -> int:
        return self.value[0]

    @property
    def height(self) -> int:
        return self.value[1]


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class Paper:
    """A paper width: its columns of ASCII at font A, its printable dots and QR module size."""

    width_mm: int
    columns: int
    dots: int
    qr_module: int  # dots per QR module


PAPER_58 = Paper(58, 32, 384, 6)
PAPER_80 = Paper(80, 48, 576, 8)


def paper(width_mm: int) -> Paper:
    """The paper for a roll width in millimetres (58 or 80); raises ValueError otherwise."""
    for known in (PAPER_58, PAPER_80):
        if known.width_mm == width_mm:
            return known
    raise ValueError(f"paper width {width_mm} mm is not supported; use 58 or 80")


# -- blocks: what a document is made of -------------------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str
    size: Size = Size.NORMAL
    bold: bool = False
    align: Align = Align.LEFT
    hang: int = 0  # continuation lines start this many columns in


@dataclass(frozen=True)
class Separator:
    char: str = "-"

    def __post_init__(self) -> None:
        if len(self.char) != 1 or char_columns(self.char) != 1 or self.char == " ":
            raise ValueError(
                f"a separator is drawn with one visible ASCII character, not {self.char!r}"
            )


@dataclass(frozen=True)
class KeyValue:
    """A row with the key at the left and the value at the right edge."""

    key: str
    value: str
    bold: bool = False


@dataclass(frozen=True)
class Qr:
    """A QR code printed natively (model 2, error level M), centred. ``module`` in dots,
    ``None`` for the paper's default."""

    data: str
    module: int | None = None

    def __post_init__(self) -> None:
        size = len(self.data.encode("utf-8", errors="replace"))
        if not 0 < size <= QR_MAX_BYTES:
            raise ValueError(f"a QR payload must be 1–{QR_MAX_BYTES} bytes of UTF-8, got {size}")
        if any(ch < " " and ch not in "\r\n\t" for ch in self.data):
            raise ValueError("a QR payload may not contain control characters")
        if self.module is not None and not 1 <= self.module <= 16:
            raise ValueError(f"QR module size must be 1–16 dots, got {self.module}")


@dataclass(frozen=True)
class Feed:
    lines: int = 1

    def __post_init__(self) -> None:
        if not 0 < self.lines <= 255:
            raise ValueError(f"feed takes 1–255 lines, got {self.lines}")


@dataclass(frozen=True)
class Cut:
    """Feed ``feed_lines`` so the last line clears the cutter, then cut partially."""

    feed_lines: int = 4

    def __post_init__(self) -> None:
        if not 0 <= self.feed_lines <= 255:
            raise ValueError(f"cut feed takes 0–255 lines, got {self.feed_lines}")


Block = Text | Separator | KeyValue | Qr | Feed | Cut


@dataclass(frozen=True)
class Document:
    blocks: tuple[Block, ...]


# -- lines: a document laid out for one paper width --------------------------------------------


@dataclass(frozen=True)
class Row:
    """One printed line of text; ``text`` fits ``paper.columns // size.width`` columns."""

    text: str
    size: Size = Size.NORMAL
    bold: bool = False
    align: Align = Align.LEFT


@dataclass(frozen=True)
class QrLine:
    data: str
    module: int


@dataclass(frozen=True)
class FeedLine:
    lines: int


@dataclass(frozen=True)
class CutLine:
    """A partial cut where the paper stands (the layout's ``Cut`` feeds first)."""


Line = Row | QrLine | FeedLine | CutLine


def char_columns(ch: str) -> int:
    """Columns one character takes at font A: 1 for printable ASCII, 2 for anything else."""
    return 1 if " " <= ch <= "~" else 2


def text_columns(text: str) -> int:
    """Columns ``text`` takes at font A (see ``char_columns``)."""
    return sum(char_columns(ch) for ch in text)


_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean(text: str) -> str:
    """``text`` safe to print: control characters become spaces (so text can never smuggle a
    printer command), lone surrogates become U+FFFD; newlines are kept."""
    return _SURROGATE.sub(
        "\ufffd", _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    )


# Characters that must not begin a line (Chinese typesetting rule 避头点): they are carried up
# with the character before them.
_NO_LINE_START = frozenset("，。、；：？！）》」』】〕…—·%,.;:?!)]}")
_TOKEN = re.compile(r"[!-~]+| +|.", re.DOTALL)


def wrap(text: str, columns: int, hang: int = 0) -> list[str]:
    """Break ``text`` into lines of at most ``columns`` columns (Chinese characters count 2).

    Breaks between any two Chinese characters, at spaces between ASCII words, and inside an
    ASCII word only when the word alone is wider than a line; keeps closing punctuation off the
    start of a line. Newlines in ``text`` start new lines; an empty text gives one empty line.
    ``hang`` indents the continuation lines of each paragraph by that many spaces (a hanging
    indent for numbered lists). Raises ValueError if fewer than 2 columns would remain for text.
    """
    if columns - max(hang, 0) < 2:
        raise ValueError(f"cannot wrap to {columns} columns with a hanging indent of {hang}")
    lines: list[str] = []
    for paragraph in clean(text).split("\n"):
        parts = _wrap_paragraph(paragraph, columns, columns - max(hang, 0))
        lines += [parts[0], *(" " * hang + part for part in parts[1:])]
    return lines


def _wrap_paragraph(paragraph: str, first: int, rest: int) -> list[str]:
    done: list[list[str]] = []
    line: list[str] = []
    used, columns = 0, first
    for token in _TOKEN.findall(paragraph):
        width = text_columns(token)
        if used + width <= columns:
            line.append(token)
            used += width
            continue
        if token.startswith(" "):
            done.append(line)  # the space becomes the line break
            line, used = [], 0
        elif width > rest:  # a word longer than a line: split it where it must
            for ch in token:
                if used + 1 > columns:
                    done.append(line)
                    line, used, columns = [], 0, rest
                line.append(ch)
                used += 1
        elif token in _NO_LINE_START and line and not line[-1].startswith(" "):
            carried = line.pop()
            if text_columns(carried) + width <= rest:
                done.append(line)
                line = [carried, token]
            else:
                done.append([*line, carried])
                line = [token]
            used = text_columns("".join(line))
        else:
            done.append(line)
            line, used = [token], width
        columns = rest
    done.append(line)
    return ["".join(parts).rstrip(" ") for parts in done]


def lay_out(document: Document, page: Paper) -> list[Line]:
    """The document's lines for ``page``: every text row fits its width at its size."""
    lines: list[Line] = []
    for block in document.blocks:
        if isinstance(block, Text):
            columns = page.columns // block.size.width
            lines.extend(
                Row(part, block.size, block.bold, block.align)
                for part in wrap(block.text, columns, block.hang)
            )
        elif isinstance(block, Separator):
            lines.append(Row(block.char * page.columns))
        elif isinstance(block, KeyValue):
            lines.extend(_key_value_rows(block, page.columns))
        elif isinstance(block, Qr):
            lines.append(QrLine(block.data, block.module or page.qr_module))
        elif isinstance(block, Feed):
            lines.append(FeedLine(block.lines))
        else:
            if block.feed_lines:
                lines.append(FeedLine(block.feed_lines))
            lines.append(CutLine())
    return lines


def _key_value_rows(block: KeyValue, columns: int) -> list[Row]:
    key, value = clean(block.key).replace("\n", " "), clean(block.value).replace("\n", " ")
    gap = columns - text_columns(key) - text_columns(value)
    if gap >= 1:
        return [Row(key + " " * gap + value, bold=block.bold)]
    # Too long for one row: the key on its own, the value indented below it.
    rows = [Row(part, bold=block.bold) for part in wrap(key, columns)]
    rows += [Row("  " + part, bold=block.bold) for part in wrap(value, columns - 2)]
    return rows


QR_GAP_DOTS = LINE_DOTS - CHAR_DOTS
"""Blank paper under a QR code before the next line."""


def row_height_dots(row: Row) -> int:
    """Paper one text row advances, in dots: its character height plus the line gap."""
    return CHAR_DOTS * row.size.height + (LINE_DOTS - CHAR_DOTS)
