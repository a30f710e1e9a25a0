"""Write the benchmark results as the "## qa" section of docs/benchmarks.md."""

from __future__ import annotations

import re
from pathlib import Path

COMMAND = ".venv-ref/bin/python -m bench.qa"


def _s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _mb(mb: float | None) -> str:
    return "-" if mb is None or mb != mb else f"{mb:.1f} MB"


def _compared(rows: list[dict]) -> list[str]:
    lines = [
        "| workload | qa time | reference | reference time | speed-up | qa peak memory "
        "| reference peak memory | memory ratio | max abs difference |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ref = r["reference"]
        ratio = r["memory_ratio"]
        lines.append(
            f"| {r['what']} | {_s(r['ours']['seconds'])} | {ref['name']} | "
            f"{_s(ref['seconds'])} | **{r['speedup']:.1f}x** | {_mb(r['ours']['peak_mb'])} | "
            f"{_mb(ref['peak_mb'])} | {'-' if ratio is None else f'{ratio:.3f}'} | "
            f"{r['max_abs_difference']:.1e} |"
        )
    return lines


def _alone(rows: list[dict]) -> list[str]:
    lines = [
        "| workload | qa time | qa peak memory | target | met | note |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        ref = r.get("reference", "")
        if isinstance(ref, dict):
            gap = abs(ref["value"] - r["ours"]["value"])
            note = f"{ref['name']}: {_s(ref['seconds'])}, value difference {gap:.1e}"
        else:
            note = ref
        lines.append(
            f"| {r['what']} | {_s(r['ours']['seconds'])} | {_mb(r['ours']['peak_mb'])} | "
            f"{r['targets']} | {'yes' if r['met'] else 'NO'} | {note} |"
        )
    return lines


def render(results: dict) -> str:
    """Return the markdown of the qa section."""
    m = results["machine"]
    compared = results["alpha"] + results["fleiss"][:1] + [results["dawid_skene"]]
    alone = [results["continuous"], results["fleiss"][1], *results["bootstrap"]]
    parts = [
        "## qa",
        "",
        f"Measured with `{COMMAND}` (one run, ours and the reference side by side, same "
        "interpreter and data). Times are the best of 2-3 runs; peak memory is the extra "
        "memory tracemalloc saw during one call.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}, numpy {m['numpy']}, "
        f"scipy {m['scipy']}, pandas {m['pandas']} ({m['os']}).",
        "",
        f"Workload: {results['workload']}.",
        "",
        "Targets: alpha at least 4x faster than `krippendorff` with at most a quarter of its "
        "memory; Fleiss at least 3x faster than statsmodels; Dawid-Skene at least 3x faster "
        "than crowd-kit with posteriors equal to 1e-6.",
        "",
        *_compared(compared),
        "",
        *_alone(alone),
        "",
    ]
    return "\n".join(parts)


def write_section(path: Path, results: dict) -> None:
    """Replace (or add) the "## qa" section of the benchmarks document."""
    section = render(results)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(r"^## qa\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")
