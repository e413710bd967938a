"""Where a query's time goes, stage by stage, for the speed benchmark.

`HybridRetriever.retrieve` marks the end of each stage with `lap`; nothing is measured unless the caller runs
the query inside a `Stopwatch` (a context variable, so concurrent queries of other threads are not counted).
Without one, a lap costs a context-variable lookup.
"""

from __future__ import annotations

import time
from contextvars import ContextVar, Token

_running: ContextVar[Stopwatch | None] = ContextVar("stopwatch", default=None)


class Stopwatch:
    """Seconds per stage of the code run inside it (a stage lapped twice adds up)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = 0.0
        self._token: Token | None = None

    def __enter__(self) -> Stopwatch:
        self._token = _running.set(self)
        self._last = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        _running.reset(self._token)

    def _lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = self.laps.get(stage, 0.0) + now - self._last
        self._last = now


def lap(stage: str) -> None:
    """End `stage` here: the time since the previous lap (or since the stopwatch started) counts for it."""
    watch = _running.get()
    if watch is not None:
        watch._lap(stage)
