"""Time and peak memory of one call."""

from __future__ import annotations

import gc
import os
import platform
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Measurement:
    """Best wall time over the runs, peak extra memory of one run, and the value returned."""

    seconds: float
    peak_mb: float
    value: float

    def as_dict(self) -> dict[str, float]:
        """Return the fields as a dict for the JSON results."""
        return asdict(self)


def _as_float(result: Any) -> float:
    try:
        return float(result)
    except (TypeError, ValueError):
        return float("nan")


def measure(fn: Callable[[], Any], *, repeat: int = 3, memory: bool = True) -> Measurement:
    """Call `fn` `repeat` times for the best time, then once under tracemalloc for memory."""
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    peak = float("nan")
    if memory:
        gc.collect()
        tracemalloc.start()
        baseline = tracemalloc.get_traced_memory()[0]
        fn()
        peak = (tracemalloc.get_traced_memory()[1] - baseline) / 1e6
        tracemalloc.stop()
    return Measurement(best, peak, _as_float(result))


def machine() -> dict[str, str]:
    """Return what the numbers were measured on."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    import pandas
    import scipy

    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pandas.__version__,
        "os": platform.platform(),
    }
