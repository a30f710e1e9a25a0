"""Where a request's time goes, for the `Server-Timing` header: spans of named work (e.g.
"ls", the time spent waiting for Label Studio) summed per request."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar

_SPANS: ContextVar[dict[str, float] | None] = ContextVar("labelgate_spans", default=None)


def begin() -> None:
    """Start collecting spans for the current request."""
    _SPANS.set({})


def collected() -> dict[str, float]:
    """Return the milliseconds spent per span name in the current request."""
    return dict(_SPANS.get() or {})


@contextlib.contextmanager
def spent(name: str) -> Iterator[None]:
    """Add the time the block takes to the span `name` (outside a request: nothing)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        spans = _SPANS.get()
        if spans is not None:
            spans[name] = spans.get(name, 0.0) + (time.perf_counter() - started) * 1000
