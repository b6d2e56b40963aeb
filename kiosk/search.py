"""Pinyin search over service items, fast enough to run on every keystroke.

A citizen types on the kiosk's own keyboard (no system IME): pinyin initials (``shbzk`` for
社会保障卡), full pinyin (``shehuibaozhang``), any mix of the two (``shehuibzk``), digits (an
item's number or platform code) or, from a hardware keyboard or handwriting pad, Chinese
characters, also mixed with letters (``社会bz``).

How matching works. Every indexed text becomes a *token string*, one token per character: a
marker (the Chinese character itself, or ``\\x01`` for an ASCII letter or digit) followed by the
character's readings joined by ``/``. 银行卡 becomes ``银yin行hang/xing卡ka``: the reading pypinyin
picks from the phrase comes first, and a short list of common heteronyms (行, 重, 长, 还, …) also
carry their other readings, so a citizen who guesses the "wrong" reading still finds the item.
A query compiles to one regular expression in which each letter either continues the reading it
is in or starts a reading of the next character, and a Chinese character matches itself.
Punctuation is dropped (it only marks where a word starts), so ``fhpt`` finds 分户-普通.

Ranking, best first: the whole name (exact initials, full pinyin or characters), then a match at
the start of the name, then at the start of a word inside it (after ``-``, ``（``, ``、``), then
the start of one of the item's keywords (category, department, topic, tag or a citizen's word
such as 户籍登记, so ``gaj`` lists 公安局's items), then anywhere in the name. A query with a
digit also matches an item's numbers and platform code from their start (exact, then prefix;
codes share long regional prefixes, so a match inside one would be noise). Ties go to the
earlier match, then popular items, then shorter names, then catalog order.

Speed. A query only tests the items the query minus its last character matched (results are
cached per query, so typing and backspacing narrow or reuse); the first character uses an index
built with the token strings. ``bench/kiosk_search.py`` measures it over a 5,000-item catalog.
"""

from __future__ import annotations

import bisect
import logging
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

from pypinyin import lazy_pinyin

log = logging.getLogger(__name__)

MAX_QUERY = 24
"""Characters of a query that count; the rest is ignored (bounds the matcher's work)."""

_LATIN = "\x01"  # token marker of an ASCII letter or digit

# Common heteronyms in service-item names, with every reading a citizen may type. The reading
# pypinyin picks from the phrase always comes first; these add the others.
HETERONYMS: dict[str, tuple[str, ...]] = {
    "行": ("xing", "hang"),
    "重": ("zhong", "chong"),
    "长": ("chang", "zhang"),
    "还": ("huan", "hai"),
    "便": ("bian", "pian"),
    "调": ("diao", "tiao"),
    "传": ("chuan", "zhuan"),
    "单": ("dan", "shan"),
    "参": ("can", "shen"),
    "藏": ("cang", "zang"),
    "曾": ("zeng", "ceng"),
    "省": ("sheng", "xing"),
    "乐": ("le", "yue"),
    "朝": ("chao", "zhao"),
    "解": ("jie", "xie"),
    "系": ("xi", "ji"),
    "会": ("hui", "kuai"),
    "率": ("lv", "shuai"),
    "属": ("shu", "zhu"),
    "给": ("gei", "ji"),
    "地": ("di", "de"),
    "差": ("cha", "chai"),
    "露": ("lu", "lou"),
    "血": ("xue", "xie"),
    "校": ("xiao", "jiao"),
}

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_TAIL = re.compile(r"[a-z0-9/]*")
_MARKER = re.compile(
    r"[^a-z0-9/]"
)  # a token's first character  # what may follow the last matched token of a whole-text match


class Tier(IntEnum):
    """How well a hit matched; lower is better."""

    EXACT = 0  # the whole name (or number)
    PREFIX = 1  # from the start of the name
    WORD = 2  # from the start of a word inside the name
    KEYWORD = 3  # from the start of a category, department, topic, tag or citizen's word
    SUBSTRING = 4  # anywhere in the name or number


class Field(IntEnum):
    NAME = 0
    NUMBER = 1
    KEYWORD = 2


@dataclass(frozen=True)
class SearchEntry:
    """One service item as the index sees it.

    ``numbers`` are matched by queries holding a digit (item number, platform code);
    ``keywords`` are other words that find the item, ranked after its own name.
    """

    item_id: str
    name: str
    numbers: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    popular: bool = False


@dataclass(frozen=True)
class SearchHit:
    """An item found: how well (``tier``), through which text (``matched``), where."""

    item_id: str
    name: str
    tier: Tier
    field: Field
    matched: str


class SearchResult:
    """The hits of one query, best first; ``query`` is the query as normalized.

    Hits are built on demand (``page``), so a query that finds thousands of items costs only
    the page the screen shows.
    """

    def __init__(
        self,
        query: str,
        index: SearchIndex | None = None,
        ranked: Sequence[int] = (),
        via: dict[int, tuple[Field, str]] | None = None,
    ) -> None:
        self.query = query
        self._index = index
        self._ranked = ranked  # packed keys (tier, start, static rank), best first
        self._via = via or {}  # static rank -> (field, text), for hits not found by their name

    def __len__(self) -> int:
        return len(self._ranked)

    def page(self, start: int, count: int) -> tuple[SearchHit, ...]:
        """Hits ``start`` to ``start + count`` (fewer at the end, none past it)."""
        if self._index is None:
            return ()
        rows = self._ranked[max(0, start) : max(0, start) + max(0, count)]
        return tuple(self._index.hit(key, self._via) for key in rows)

    @property
    def hits(self) -> tuple[SearchHit, ...]:
        """Every hit, best first."""
        return self.page(0, len(self._ranked))

    @property
    def item_ids(self) -> list[str]:
        return [h.item_id for h in self.hits]


@dataclass(frozen=True)
class _Other:
    """A keyword text and the entries it finds (in static rank order)."""

    source: str
    items: tuple[int, ...]


@dataclass(frozen=True)
class _Matched:
    docs: list[int]  # every doc the query matched: the candidates of longer queries
    result: SearchResult


def normalize_query(text: str) -> str:
    """The query as the index reads it: NFKC, lower case, only Chinese characters, ASCII letters
    and digits kept (spaces, apostrophes and punctuation dropped), at most MAX_QUERY long."""
    text = unicodedata.normalize("NFKC", text).lower()
    kept = [c for c in text if ("a" <= c <= "z") or ("0" <= c <= "9") or _HAN.match(c)]
    return "".join(kept[:MAX_QUERY])


@lru_cache(maxsize=16384)
def run_readings(run: str) -> tuple[tuple[str, ...], ...]:
    """Readings of each character of a run of Chinese characters, phrase-aware reading first."""
    picked = lazy_pinyin(run, errors="ignore")
    if len(picked) != len(run):  # a character pypinyin does not know: go char by char
        picked = [(lazy_pinyin(c, errors="ignore") or [""])[0] for c in run]
    readings: list[tuple[str, ...]] = []
    for char, first in zip(run, picked, strict=True):
        options = [first] if first.isascii() and first.isalpha() else []
        options += [r for r in HETERONYMS.get(char, ()) if r not in options]
        # ü is typed as v on a pinyin keyboard, but many citizens type u: accept both.
        options += [o.replace("v", "u") for o in options if "v" in o]
        readings.append(tuple(dict.fromkeys(options)))
    return tuple(readings)


def tokenize(text: str) -> tuple[str, frozenset[int]]:
    """The token string of ``text`` and the offsets in it where a word starts (the marker of a
    word's first token and the start of each of its readings, where a match may begin).

    Characters other than Chinese, ASCII letters and digits are dropped and start a new word.
    """
    text = unicodedata.normalize("NFKC", text)
    parts: list[str] = []
    starts: set[int] = set()
    offset = 0
    new_word = True
    index = 0
    while index < len(text):
        char = text[index]
        if _HAN.match(char):
            end = index
            while end < len(text) and _HAN.match(text[end]):
                end += 1
            run = text[index:end]
            for han, options in zip(run, run_readings(run), strict=True):
                token = han + "/".join(options)
                if new_word:
                    starts.update(_reading_starts(offset, options))
                    new_word = False
                parts.append(token)
                offset += len(token)
            index = end
            continue
        lower = char.lower()
        if lower.isascii() and lower.isalnum():
            token = _LATIN + lower
            if new_word:
                starts.update(_reading_starts(offset, (lower,)))
                new_word = False
            parts.append(token)
            offset += len(token)
        else:
            new_word = True
        index += 1
    return "".join(parts), frozenset(starts)


def _reading_starts(offset: int, readings: Sequence[str]) -> list[int]:
    starts = [offset]
    at = offset + 1
    for reading in readings:
        starts.append(at)
        at += len(reading) + 1
    return starts


def compile_query(query: str) -> re.Pattern[str]:
    """The regular expression for a normalized, non-empty query (see the module docstring).

    A letter first is written as the literal letter plus a look-behind (it starts a reading),
    so that the regex engine scans for that letter alone: about three times faster than
    starting from the token's marker. Readings are skipped possessively (they hold no ``/``).
    """
    pieces: list[str] = []
    previous: str | None = None  # "han" or "letter"
    for char in query:
        if _HAN.match(char):
            pieces.append(re.escape(char) if previous is None else "[a-z0-9/]*+" + re.escape(char))
            previous = "han"
            continue
        start_next = "[a-z0-9/]*+[^a-z0-9/](?:[a-z0-9]++/)*"
        if previous is None:
            pieces.append(f"{char}(?<![a-z0-9]{char})")
        elif previous == "han":
            pieces.append(start_next + char)
        else:  # continue this reading, or start one of the next character
            pieces.append(f"(?:{start_next})?" + char)
        previous = "letter"
    return re.compile("".join(pieces))


_RANK_BITS = 20  # static ranks: up to about a million entries
_START_BITS = 12  # token-string offsets beyond 4095 rank alike
_TIER_SHIFT = _RANK_BITS + _START_BITS
_RANK_MASK = (1 << _RANK_BITS) - 1
_TIERS = list(Tier)


class SearchIndex:
    """A search index over service items; build once per catalog, query on every keystroke.

    Building tokenizes every name and keyword (pypinyin, cached per run of characters), sorts
    the numbers, and ranks every one-letter and one-digit query ahead of time. Not thread-safe:
    query it from one thread.
    """

    def __init__(self, entries: Sequence[SearchEntry], cache_size: int = 64) -> None:
        self._entries = list(entries)
        count = len(self._entries)
        if count > _RANK_MASK:
            raise ValueError(f"too many items for one search index: {count}")
        # Static order among equal matches: popular first, then shorter names, catalog order.
        self._item_at = sorted(
            range(count),
            key=lambda i: (not self._entries[i].popular, len(self._entries[i].name), i),
        )
        self._rank_of = [0] * count
        for rank, item in enumerate(self._item_at):
            self._rank_of[item] = rank
        # Docs 0..count-1 are the names (doc i is entry i); keywords follow.
        self._texts: list[str] = []
        self._word_starts: list[frozenset[int]] = []
        self._first_end: list[int] = []  # where each doc's second token starts
        self._keywords: list[_Other] = []
        self._numbers: list[tuple[str, int, str]] = []  # (lower-case number, entry, as given)
        self._number_keys: list[str] = []
        self._first: dict[str, list[int]] = {}
        self._pinned: dict[str, _Matched] = {}
        self._cache: OrderedDict[str, _Matched] = OrderedDict()
        self._cache_size = cache_size
        self._build()

    def __len__(self) -> int:
        return len(self._entries)

    def _build(self) -> None:
        for entry in self._entries:
            self._add_doc(entry.name)
        keyword_items: dict[str, list[int]] = {}
        numbers: set[tuple[str, int, str]] = set()
        for index, entry in enumerate(self._entries):
            for number in entry.numbers:
                key = normalize_query(number)
                if key:
                    numbers.add((key, index, number))
            for word in entry.keywords:
                if word and word != entry.name:
                    keyword_items.setdefault(word, []).append(index)
        self._numbers = sorted(numbers)
        self._number_keys = [n[0] for n in self._numbers]
        for word, items in keyword_items.items():
            if self._add_doc(word):
                ordered = sorted(set(items), key=self._rank_of.__getitem__)
                self._keywords.append(_Other(word, tuple(ordered)))
        first: dict[str, list[int]] = {}
        for doc, text in enumerate(self._texts):
            for key in _first_keys(text):
                first.setdefault(key, []).append(doc)
        self._first = first
        # One letter or digit matches most of a big catalog: rank those once, here.
        for key in [*first, *"0123456789"]:
            if key.isascii() and key not in self._pinned:
                self._pinned[key] = self._match(key, first.get(key, []))

    def _add_doc(self, source: str) -> bool:
        text, starts = tokenize(source)
        if not text and len(self._texts) >= len(self._entries):
            return False  # a keyword with nothing to match
        self._texts.append(text)
        self._word_starts.append(starts)
        second = _MARKER.search(text, 1)
        self._first_end.append(second.start() if second else len(text))
        return True

    def hit(self, key: int, via: dict[int, tuple[Field, str]]) -> SearchHit:
        """The hit a packed result key stands for (used by SearchResult.page)."""
        rank = key & _RANK_MASK
        entry = self._entries[self._item_at[rank]]
        field, source = via.get(rank, (Field.NAME, entry.name))
        return SearchHit(entry.item_id, entry.name, _TIERS[key >> _TIER_SHIFT], field, source)

    def search(self, text: str) -> SearchResult:
        """The items ``text`` finds, best first (see the module docstring for the ranking).

        An empty query (after normalization) finds nothing. Never raises for any input.
        """
        query = normalize_query(text)
        if not query:
            return SearchResult(query)
        known = self._pinned.get(query)
        if known is not None:
            return known.result
        known = self._cache.get(query)
        if known is not None:
            self._cache.move_to_end(query)
            return known.result
        matched = self._match(query, self._candidates(query))
        self._cache[query] = matched
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return matched.result

    def forget(self) -> None:
        """Drop the cached results of earlier queries (one-character results stay: they are
        part of the index). The next citizen's typing starts cold; benchmarks use this."""
        self._cache.clear()

    def _candidates(self, query: str) -> list[int]:
        # A doc that matches a query matches every prefix of it, so the longest known prefix's
        # docs are a superset of this query's.
        for cut in range(len(query) - 1, 0, -1):
            known = self._cache.get(query[:cut]) or self._pinned.get(query[:cut])
            if known is not None:
                return known.docs
        return self._first.get(query[0], [])

    def _match(self, query: str, candidates: list[int]) -> _Matched:
        """Test each candidate doc and rank what matched. The hot loop of every keystroke:
        plain locals and packed integer keys on purpose."""
        search = compile_query(query).search
        whole = _TAIL.fullmatch
        texts, word_starts, first_end = self._texts, self._word_starts, self._first_end
        rank_of = self._rank_of
        names_end = len(self._entries)
        docs: list[int] = []
        keys: list[int] = []
        keywords: list[int] = []
        for doc in candidates:
            found = search(texts[doc])
            if found is None:
                continue
            docs.append(doc)
            start = found.start()
            if doc >= names_end:
                if start < first_end[doc]:  # inside a keyword (j in 公安局) is only noise
                    keywords.append(doc)
            elif start < first_end[doc]:
                tier = Tier.EXACT if whole(texts[doc], found.end()) else Tier.PREFIX
                keys.append(tier << _TIER_SHIFT | rank_of[doc])
            else:
                tier = Tier.WORD if start in word_starts[doc] else Tier.SUBSTRING
                keys.append((tier << _START_BITS | min(start, 4095)) << _RANK_BITS | rank_of[doc])
        via: dict[int, tuple[Field, str]] = {}
        numbers = self._number_hits(query)
        if keywords or numbers:
            best = {key & _RANK_MASK: key for key in keys}
            for doc in keywords:
                other = self._keywords[doc - names_end]
                for item in other.items:
                    _better(best, via, Tier.KEYWORD << _TIER_SHIFT | rank_of[item], other.source)
            for key, source in numbers:
                _better(best, via, key, source)
            keys = list(best.values())
        keys.sort()
        return _Matched(docs, SearchResult(query, self, keys, via))

    def _number_hits(self, query: str) -> list[tuple[int, str]]:
        """Numbers and codes that start with a query holding a digit: (packed key, number)."""
        if not any(c.isdigit() for c in query) or not query.isascii():
            return []
        hits = []
        at = bisect.bisect_left(self._number_keys, query)
        while at < len(self._numbers) and self._number_keys[at].startswith(query):
            key, item, source = self._numbers[at]
            tier = Tier.EXACT if key == query else Tier.PREFIX
            hits.append((tier << _TIER_SHIFT | self._rank_of[item], source))
            at += 1
        return hits


def _better(best: dict[int, int], via: dict[int, tuple[Field, str]], key: int, source: str) -> None:
    """Keep ``key`` for its entry if it ranks better than what the entry has (found through a
    keyword or a number: remember which)."""
    rank = key & _RANK_MASK
    old = best.get(rank)
    if old is None or key < old:
        best[rank] = key
        via[rank] = (Field.NUMBER if (key >> _TIER_SHIFT) < Tier.KEYWORD else Field.KEYWORD, source)


def _first_keys(text: str) -> Iterable[str]:
    """Characters a query may start with to match this token string: every Chinese marker and
    the first letter of every reading."""
    keys: set[str] = set()
    at_start = True
    for char in text:
        if char == "/":
            at_start = True
        elif "a" <= char <= "z" or "0" <= char <= "9":
            if at_start:
                keys.add(char)
            at_start = False
        else:
            if char != _LATIN:
                keys.add(char)
            at_start = True
    return keys
