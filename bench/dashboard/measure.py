"""Time dashboard pages in process with the Flask test client (server time: routing, SQL,
figures and template rendering), signed in as the QA lead."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """Cold (first, caches empty) and warm request times of one page, in seconds."""

    page: str
    cold: float
    warm: list[float]

    @property
    def p50(self) -> float:
        """Return the median warm time."""
        return statistics.median(self.warm)

    @property
    def p95(self) -> float:
        """Return the 95th percentile of the warm times (nearest rank)."""
        ordered = sorted(self.warm)
        return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def timed(client, url: str) -> float:
    """Return the seconds one GET took; fail loudly on anything but 200."""
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    response.close()
    return elapsed


def measure_page(client, page: str, urls: list[str], repeats: int) -> Timing:
    """Time the first URL cold, then `repeats` requests cycling through `urls`."""
    cold = timed(client, urls[0])
    warm = [timed(client, urls[(i + 1) % len(urls)]) for i in range(repeats)]
    return Timing(page, cold, warm)
