"""Benchmark qa against the reference packages, side by side in one run.

Run from the repository root with the reference virtualenv (it holds krippendorff,
statsmodels, irrCAC and crowd-kit next to qa's own dependencies):

    .venv-ref/bin/python -m bench.qa            # full workload, writes docs/benchmarks.md
    .venv-ref/bin/python -m bench.qa --items 20000 --no-write   # a quick look

Workload: 200,000 items x 5 annotators x 10 categories, 10 % of cells missing. Times are the
best of several runs; peak extra memory is measured with tracemalloc (numpy reports its
buffers to it) in a separate run of the same call.
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import warnings
from pathlib import Path

import numpy as np

from bench.qa.measure import Measurement, machine, measure
from bench.qa.report import write_section

ROOT = Path(__file__).resolve().parents[2]


def workload(n_items: int, n_ann: int = 5, k: int = 10, missing: float = 0.1, seed: int = 0):
    """Return (annotators x items ratings with NaN, long-table columns) of a noisy crowd."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n_items)
    skill = rng.uniform(0.5, 0.9, n_ann)
    right = rng.random((n_ann, n_items)) < skill[:, None]
    x = np.where(right, truth, rng.integers(0, k, (n_ann, n_items))).astype(np.float64)
    x[rng.random(x.shape) < missing] = np.nan
    ann, item = np.nonzero(~np.isnan(x))
    return x, (item, ann, x[ann, item].astype(np.int64))


def bench_alpha(x: np.ndarray) -> list[dict]:
    import krippendorff

    from qa.agreement import krippendorff_alpha

    rows = []
    for level in ("nominal", "ordinal", "interval", "ratio"):
        ours = measure(functools.partial(krippendorff_alpha, x, level_of_measurement=level))
        ref = measure(
            functools.partial(krippendorff.alpha, x, level_of_measurement=level), repeat=2
        )
        rows.append(_row(f"Krippendorff's alpha, {level}", ours, ref, "krippendorff.alpha"))
    return rows


def bench_continuous(n_items: int) -> dict:
    from qa.agreement import krippendorff_alpha

    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, n_items)) + rng.normal(size=n_items)
    distinct = np.unique(x).size
    ours = measure(functools.partial(krippendorff_alpha, x, level_of_measurement="interval"))
    tensor_gb = n_items * distinct * distinct * 8 / 1e9
    return {
        "what": f"interval alpha, {distinct:,} distinct continuous values ({n_items:,} items x 5)",
        "ours": ours.as_dict(),
        "reference": (
            f"krippendorff.alpha not run: its items x V x V tensor needs {tensor_gb:,.0f} GB"
        ),
        "targets": "< 1 s and < 200 MB",
        "met": ours.seconds < 1.0 and ours.peak_mb < 200.0,
    }


def bench_fleiss(long: tuple, complete: tuple) -> list[dict]:
    import pandas as pd
    from statsmodels.stats.inter_rater import aggregate_raters
    from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

    from qa.agreement import fleiss_kappa, rating_counts

    def ours(columns):
        item, _, label = columns
        return fleiss_kappa(rating_counts(item, label)[0])

    def statsmodels_pipeline(columns):
        item, ann, label = columns
        frame = pd.DataFrame({"item": item, "annotator": ann, "label": label})
        wide = frame.pivot(index="item", columns="annotator", values="label").to_numpy()
        return sm_fleiss(aggregate_raters(wide)[0])

    same = _row(
        "Fleiss' kappa from the long table (every item rated 5 times)",
        measure(functools.partial(ours, complete)),
        measure(functools.partial(statsmodels_pipeline, complete)),
        "pandas pivot + aggregate_raters + fleiss_kappa",
    )
    unequal = measure(functools.partial(ours, long))
    irr = _irrcac_fleiss(long)
    return [same, {
        "what": "Fleiss' kappa from the long table, unequal ratings per item (10 % missing)",
        "ours": unequal.as_dict(),
        "reference": irr,
        "targets": "statsmodels' fleiss_kappa asserts equal ratings per item; value vs irrCAC",
        "met": abs(unequal.value - irr["value"]) < 1e-9,
    }]  # fmt: skip


def _irrcac_fleiss(long: tuple) -> dict:
    import pandas as pd
    from irrCAC.raw import CAC

    item, ann, label = long
    wide = pd.DataFrame({"item": item, "annotator": ann, "label": label}).pivot(
        index="item", columns="annotator", values="label"
    )
    result = measure(
        lambda: CAC(wide, digits=15).fleiss()["est"]["coefficient_value"], memory=False
    )
    return {"name": "irrCAC CAC.fleiss", **result.as_dict()}


def bench_bootstrap(x: np.ndarray) -> list[dict]:
    from qa.agreement import bootstrap_ci, krippendorff_alpha

    rows = []
    for level in ("nominal", "ordinal", "interval", "ratio"):
        stat = functools.partial(krippendorff_alpha, level_of_measurement=level)
        result = measure(
            lambda stat=stat: bootstrap_ci(stat, x, n_resamples=1000, seed=0).ci_low, repeat=2
        )
        rows.append({
            "what": f"bootstrap_ci of {level} alpha, 1,000 resamples",
            "ours": result.as_dict(),
            "targets": "< 3 s",
            "met": result.seconds < 3.0,
        })  # fmt: skip
    return rows


def bench_dawid_skene(long: tuple) -> dict:
    import pandas as pd
    from crowdkit.aggregation import DawidSkene

    from qa.consensus import dawid_skene

    item, ann, label = long
    frame = pd.DataFrame({"task": item, "worker": ann, "label": label})
    ours_fit = functools.partial(dawid_skene, item, ann, label, n_iter=20, tol=None)
    ref_fit = functools.partial(DawidSkene(n_iter=20, tol=-np.inf).fit, frame)
    ours, ref = measure(ours_fit, repeat=2), measure(ref_fit, repeat=1)
    mine, theirs = ours_fit(), ref_fit()
    expected = theirs.probas_.loc[mine.items, mine.classes].to_numpy()
    diff = float(np.abs(mine.posteriors - expected).max())
    return _row("Dawid-Skene, 20 EM iterations", ours, ref, "crowd-kit DawidSkene", diff=diff)


def _row(what: str, ours: Measurement, ref: Measurement, name: str, diff=None) -> dict:
    if diff is None:
        diff = abs(ours.value - ref.value)
    return {
        "what": what,
        "ours": ours.as_dict(),
        "reference": {"name": name, **ref.as_dict()},
        "speedup": ref.seconds / ours.seconds,
        "memory_ratio": ours.peak_mb / ref.peak_mb if ref.peak_mb else None,
        "max_abs_difference": diff,
    }


def main() -> None:
    """Run the benchmark and print (and by default write) the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--continuous-items", type=int, default=10_000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # single-rated items are reported as warnings
    x, long = workload(args.items)
    _, complete = workload(args.items, missing=0.0, seed=1)
    results = {
        "machine": machine(),
        "workload": f"{args.items:,} items x 5 annotators x 10 categories, 10 % cells missing",
        "alpha": bench_alpha(x),
        "continuous": bench_continuous(args.continuous_items),
        "fleiss": bench_fleiss(long, complete),
        "bootstrap": bench_bootstrap(x),
        "dawid_skene": bench_dawid_skene(long),
    }
    print(json.dumps(results, indent=2, default=float))
    if not args.no_write:
        out = ROOT / "bench" / "results"
        out.mkdir(parents=True, exist_ok=True)
        (out / "qa.json").write_text(json.dumps(results, indent=2, default=float))
        write_section(ROOT / "docs" / "benchmarks.md", results)
    print(f"python {platform.python_version()}, numpy {np.__version__}")


if __name__ == "__main__":
    main()
