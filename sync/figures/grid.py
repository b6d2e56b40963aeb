"""The grid durations are counted on, and exact percentiles over it.

A wait or a service time is kept as a count in a histogram bucket, not as a raw value, so a
month's p90 is read from a few hundred rows instead of every ticket. To make the percentile
*exact* (not an estimate), it is defined on the quantised values:

- a duration of ``s`` seconds is quantised UP to the next point of a fixed grid: every 1 s up to
  60 s, every 5 s up to 10 min, every 15 s up to 30 min, every 60 s up to 2 h, every 5 min after
  (:func:`quantise`; 61.2 s → 65 s, 600 s → 600 s);
- the p-th percentile of ``n`` values is nearest-rank: the smallest quantised value ``v`` such
  that at least ``ceil(p / 100 × n)`` of the values are ≤ ``v`` (:func:`percentile`).

So a reported p50 of 65 s means "half the citizens were called within 65 s", rounded up to the
grid. Histograms of different days, windows or clerks add up bucket by bucket, and the merged
percentile is the same as if it had been computed over all the values at once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction

# (up to this many seconds, step in seconds); the last step continues without bound.
STEPS: tuple[tuple[int, int], ...] = ((60, 1), (600, 5), (1800, 15), (7200, 60))
LAST_STEP = 300


def quantise(seconds: float) -> int:
    """``seconds`` rounded up to the grid (whole seconds); negative values count as 0.

    The value is first rounded to the millisecond, so 30.0000001 s (float noise of a 30 s
    difference of timestamps) stays 30 s.
    """
    value = max(0.0, round(seconds, 3))
    for limit, step in STEPS:
        if value <= limit:
            return int(step * math.ceil(value / step))
    return int(LAST_STEP * math.ceil(value / LAST_STEP))


def percentile(buckets: Iterable[tuple[int, int]], pct: float) -> int | None:
    """The nearest-rank ``pct``-th percentile (0 < pct ≤ 100) of a histogram.

    ``buckets`` are (quantised value, count) pairs in any order, a value possibly repeated
    (histograms of several days may simply be concatenated). None when the counts sum to 0.
    Raises ValueError for a ``pct`` outside (0, 100].
    """
    if not 0 < pct <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {pct}")
    merged: dict[int, int] = {}
    for value, count in buckets:
        merged[value] = merged.get(value, 0) + count
    total = sum(merged.values())
    if total <= 0:
        return None
    # Exact arithmetic: 0.9 × 30 in floats is 27.000000000000004, whose ceiling is 28.
    exact = Fraction(pct) if isinstance(pct, int) else Fraction(str(pct))
    rank = max(1, math.ceil(exact * total / 100))
    seen = 0
    for value in sorted(merged):
        seen += merged[value]
        if seen >= rank:
            return value
    return max(merged)  # pragma: no cover - counts that went negative; never by the fold
