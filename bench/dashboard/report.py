"""Write the results as the "## dashboard" section of docs/benchmarks.md (others' sections
are left as they are)."""

from __future__ import annotations

import re
from pathlib import Path

COMMAND = ".venv/bin/python -m bench.dashboard"
TARGET = 0.300


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def render(results: dict) -> str:
    """Return the markdown of the dashboard section."""
    rows = [
        "| page | requests | p50 | p95 | max | cold (first, caches empty) | p95 < 300 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in results["timings"]:
        target = "yes" if t["p95"] < TARGET else "NO"
        if not t["target"]:
            target = f"({target}; not a target)"
        rows.append(
            f"| {t['page']} | {t['requests']} | {_ms(t['p50'])} | {_ms(t['p95'])} | "
            f"{_ms(t['max'])} | {_ms(t['cold'])} | {target} |"
        )
    counts = ", ".join(f"{table} {n:,}" for table, n in results["counts"].items())
    return "\n".join(
        [
            "## dashboard",
            "",
            f"Measured with `{COMMAND}`: a throwaway PostgreSQL {results['postgres']} database "
            "is created, migrated, bulk-loaded (COPY), analysed, measured and dropped. Server "
            "time is the time of one request through the Flask test client in process (routing, "
            "SQL, figures, template), signed in as a QA lead; warm requests cycle over different "
            "batches and annotators. The cold request is the first one after start, when the "
            "cached figures (compliance checks, lead-time percentiles, pair agreement; kept "
            f"{results['cache_seconds']} s) are computed.",
            "",
            f"Machine: {results['machine']}. Load: {_ms(results['load_seconds'])} to generate "
            f"and load; rows: {counts}.",
            "",
            *rows,
            "",
            "Each compliance check on its own (the overview caches all 26 for the cache's "
            "lifetime; together they are most of the cold overview): "
            + ", ".join(f"{k} {_ms(v)}" for k, v in _slowest(results["checks"]))
            + ".",
            "",
        ]
    )


def _slowest(checks: dict[str, float]) -> list[tuple[str, float]]:
    return sorted(checks.items(), key=lambda kv: -kv[1])


def write_section(path: Path, results: dict) -> None:
    """Replace (or add) the "## dashboard" section of the benchmarks document."""
    section = render(results)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(r"^## dashboard\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")
