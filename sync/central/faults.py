"""Injected faults for tests and benchmarks: central that refuses or loses answers, seeded.

Off by default (both rates 0). ``fail_rate`` answers ``503`` with ``Retry-After`` before doing
anything; ``lose_answer_rate`` commits an upload and then breaks the connection in the middle of
the answer, so the hub must resend a batch central already holds.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field


@dataclass
class Faults:
    """Fault probabilities (0–1) and the RNG seed that makes a run repeatable."""

    fail_rate: float = 0.0
    lose_answer_rate: float = 0.0
    seed: int | None = None
    retry_after_seconds: int = 1
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("fail_rate", "lose_answer_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        self._rng = random.Random(self.seed)  # noqa: S311 - fault injection, not security

    @property
    def active(self) -> bool:
        return self.fail_rate > 0 or self.lose_answer_rate > 0

    def _draw(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def refuse_now(self) -> bool:
        """Whether this request is answered 503 before central looks at it."""
        return self._draw(self.fail_rate)

    def lose_this_answer(self) -> bool:
        """Whether this committed upload's answer is dropped on the way back."""
        return self._draw(self.lose_answer_rate)
