"""Benchmark the workbench against Label Studio itself (issue 5's speed targets).

    .venv/bin/python -m bench.ls                      # 100,000 tasks and annotations
    .venv/bin/python -m bench.ls --tasks 5000 --annotations 5000 --seconds 10 --no-write

Runs on a fresh PostgreSQL database and a Label Studio of its own (or the one named by
LABELGATE_BENCH_LABEL_STUDIO_URL / _TOKEN), measures, in the same run:

- pushing N tasks vs Label Studio's bulk import of the same tasks in one request;
- reconciling N annotations vs Label Studio's export of them;
- the webhook endpoint's requests per second vs a bare Flask endpoint answering 200, both
  under gunicorn with the same workers and threads, loaded by wrk on loopback;

and writes the "## Label Studio" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.environment import (
    BenchError,
    label_studio,
    machine,
    machine_lines,
    postgres_database,
    write_section,
)

TARGET = 1.5
WEBHOOK_TARGET = 0.5


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and write them down; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--annotations", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=20, help="wrk run per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--only", choices=["push", "reconcile", "webhook"], action="append")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--save", type=Path, default=None, help="also write the results here")
    parser.add_argument(
        "--merge",
        type=Path,
        default=None,
        help="start from a saved run's results (measurements not re-run keep "
        "their figures; each is still measured against its reference in "
        "one run)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - started:7.1f} s] {message}", flush=True)

    try:
        results = run(args, log)
    except BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.merge:
        earlier = json.loads(args.merge.read_text(encoding="utf-8"))
        results = {**earlier, **{k: v for k, v in results.items() if k != "settings"}}
        results["note"] = (
            f"Measured in two runs: {', '.join(sorted(wanted_of(args)))} in the "
            "later one; each measurement against its reference in one run."
        )
    if args.save:
        args.save.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(json.dumps(results, indent=2, default=str))
    print(render(results))
    if not args.no_write:
        write_section("Label Studio", render(results))
        log("wrote the Label Studio section of docs/benchmarks.md")
    return 0


def wanted_of(args: argparse.Namespace) -> set[str]:
    """Return the measurements the command line asks for."""
    return set(args.only or ["push", "reconcile", "webhook"])


def run(args: argparse.Namespace, log) -> dict:
    """Set up PostgreSQL and Label Studio, then run the chosen measurements."""
    from bench import workbench
    from bench.ls import scenarios

    wanted = wanted_of(args)
    results: dict = {"machine": machine(), "settings": vars(args)}
    with tempfile.TemporaryDirectory(prefix="labelgate-bench-") as tmp:
        work = Path(tmp)
        with postgres_database() as url, label_studio(work) as ls:
            app = workbench.bench_app(url, LABEL_STUDIO_URL=ls.url, LABEL_STUDIO_API_KEY=ls.token)
            from app.extensions import db

            with db.new_session() as session:
                version = workbench.active_rules(session)
                session.expunge_all()
            log(f"PostgreSQL {url.rsplit('/', 1)[-1]}, Label Studio {ls.url}")
            if "push" in wanted:
                results["push"] = scenarios.push_vs_bulk_import(app, ls, version, args.tasks, log)
            if "reconcile" in wanted:
                results["reconcile"] = scenarios.reconcile_vs_export(
                    app, ls, version, args.annotations, log
                )
            if "webhook" in wanted:
                results["webhook"] = scenarios.webhook_vs_bare(
                    app,
                    url,
                    version,
                    ls,
                    seconds=args.seconds,
                    connections=args.connections,
                    workers=args.workers,
                    threads=args.threads,
                    work=work,
                    log=log,
                )
    return results


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def render(r: dict) -> str:
    """Return the markdown of the Label Studio section."""
    lines = [
        "## Label Studio",
        "",
        "Issue 5's targets, measured by `.venv/bin/python -m bench.ls` (part of "
        "`make bench`) against a Label Studio 1.23.2 of its own (SQLite) and a fresh "
        "PostgreSQL database; each measurement and its reference in the same run.",
        "",
        *machine_lines(r["machine"]),
        "",
        "| measurement | workbench | Label Studio / reference | ratio | target | |",
        "|---|---|---|---|---|---|",
    ]
    if "push" in r:
        p = r["push"]
        lines.append(
            f"| push {p['n']:,} tasks vs bulk import of the same tasks in one request | "
            f"{p['push_s']:.1f} s | {p['bulk_import_s']:.1f} s | {p['ratio']:.2f}× | "
            f"≤ {TARGET}× | {_met(p['ratio'] <= TARGET)} |"
        )
    if "reconcile" in r:
        c = r["reconcile"]
        lines.append(
            f"| reconcile {c['n']:,} annotations vs export of them (JSON) | "
            f"{c['reconcile_s']:.1f} s | {c['export_s']:.1f} s | {c['ratio']:.2f}× | "
            f"≤ {TARGET}× | {_met(c['ratio'] <= TARGET)} |"
        )
    if "webhook" in r:
        w = r["webhook"]
        lines.append(
            f"| webhook requests/s vs bare Flask 200 (gunicorn {w['workers']} workers × "
            f"{w['threads']} threads, wrk {w['connections']} connections, "
            f"{w['seconds']} s each) | {w['webhook']['rps']:.0f}/s | "
            f"{w['bare']['rps']:.0f}/s | {w['ratio']:.0%} | ≥ 50 % | "
            f"{_met(w['ratio'] >= WEBHOOK_TARGET)} |"
        )
    lines += ["", *_details(r)]
    if r.get("note"):
        lines += ["", r["note"]]
    return "\n".join(lines)


def _details(r: dict) -> list[str]:
    out = []
    if "push" in r:
        p = r["push"]
        out.append(
            f"- Push: {p['imported']:,} tasks imported in chunks of 1,000 to 10,000 with their ids "
            f"returned; {p['recorded']:,} items got their task id."
        )
    if "reconcile" in r:
        c = r["reconcile"]
        again = (
            ""
            if c["second_s"] is None
            else f"; a second reconcile with nothing new took {c['second_s']:.1f} s and "
            f"changed {c['second_changed']}"
        )
        out.append(
            f"- Reconcile: {c['created']:,} annotations stored ({c['quarantined']:,} "
            f"quarantined), {c['stored']:,} rows in the database{again}."
        )
    if "webhook" in r:
        out += _webhook_details(r["webhook"])
    return out


def _webhook_details(w: dict) -> list[str]:
    out = []
    for name in ("webhook", "bare"):
        f = w[name]
        rps = ", ".join(f"{x['rps']:.0f}" for x in w["rounds"][name])
        out.append(
            f"- {name} (best of rounds at {rps} requests/s): {f['requests']:,} "
            f"requests, {f['ok']:,} answered 2xx, {f['non_2xx']} other, "
            f"{f['socket_errors']} socket errors; latency p50 {f['p50_ms']:.1f} ms, "
            f"p95 {f['p95_ms']:.1f} ms, p99 {f['p99_ms']:.1f} ms."
        )
    medians = {k: statistics.median(x["rps"] for x in w["rounds"][k]) for k in ("webhook", "bare")}
    out.append(
        f"- The rounds vary with the other work on the machine: compared by their medians "
        f"({medians['webhook']:.0f}/s against {medians['bare']:.0f}/s) the webhook reaches "
        f"{medians['webhook'] / medians['bare']:.0%} of bare Flask, compared by their best "
        f"{w['ratio']:.0%}."
    )
    c = w["concurrent"]
    out.append(
        f"- The webhook answers 202 once the notice is in Redis; a `labelgate worker` then "
        f"handled the {w['accepted']:,} accepted notices, re-reading the tasks they name "
        f"from Label Studio, in {w['drain_s']:.0f} s "
        f"({w['accepted'] / max(w['drain_s'], 0.001):.0f} notices per second): "
        f"{w['drained']:,} annotations stored, every one of the {w['held']:,} Label Studio "
        f"holds for the batch, {w['dead_letters']} dead letters."
    )
    out.append(
        f"- With that worker draining on the same two cores during the run: "
        f"{c['rps']:.0f} requests/s ({w['concurrent_ratio']:.0%} of bare Flask), "
        f"p99 {c['p99_ms']:.1f} ms."
    )
    return out


if __name__ == "__main__":
    sys.exit(main())
