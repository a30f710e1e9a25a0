"""A short-lived, per-process cache of figures that cost a scan of the big tables
(compliance checks, lead-time percentiles, agreement pairs, per-label intervals).

Entries live `DASHBOARD_CACHE_SECONDS` (default 300; 0 turns caching off) in the app that
computed them, so each test's fresh app starts empty. Counts the pages show straight from
SQL are never cached.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")
_KEY = "labelgate.dashboard_cache"
MAX_ENTRIES = 256


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """Return the fresh cached value under `key`, else compute, keep and return it."""
    seconds = float(current_app.config.get("DASHBOARD_CACHE_SECONDS", 300))
    if seconds <= 0:
        return compute()
    lock, store = current_app.extensions.setdefault(_KEY, (threading.Lock(), {}))
    now = time.monotonic()
    with lock:
        hit = store.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
    value = compute()
    with lock:
        if len(store) >= MAX_ENTRIES:
            store.clear()  # crude but bounded: a full cache starts over
        store[key] = (now + seconds, value)
    return value


def clear() -> None:
    """Forget every cached figure of the current app."""
    entry = current_app.extensions.get(_KEY)
    if entry is not None:
        with entry[0]:
            entry[1].clear()
