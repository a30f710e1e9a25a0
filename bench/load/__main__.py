"""Load: webhook ingestion and dashboard / batch page reads at the same time, for 5 minutes.

    .venv/bin/python -m bench.load                 # 300 s, writes docs/benchmarks.md
    .venv/bin/python -m bench.load --seconds 30 --no-write

The workbench runs as deployed at scale, on loopback: gunicorn (2 workers × 4 threads) over
a fresh PostgreSQL database with Redis, and one `labelgate worker` ingesting. One wrk posts
Label Studio webhooks (a new annotation each) while another reads the dashboard and the
batch pages as a signed-in QA lead. Afterwards the inbox is drained and every accepted
annotation must be in the database; any non-2xx answer or socket error is a failure.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.environment import (
    BenchError,
    gunicorn,
    machine,
    machine_lines,
    postgres_database,
    redis_queue,
    wait_drained,
    worker,
    write_section,
)


def main(argv: list[str] | None = None) -> int:
    """Run the load and write it down; return 0 when nothing failed and nothing was lost."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--hook-connections", type=int, default=4)
    parser.add_argument("--read-connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - started:7.1f} s] {message}", flush=True)

    try:
        results = run(args, log)
    except BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(json.dumps(results, indent=2, default=str))
    print(render(results))
    if not args.no_write:
        write_section("load", render(results))
        log("wrote the load section of docs/benchmarks.md")
    return 0 if results["passed"] else 1


def _prepare(session, version):
    """Two batches with an annotator and a QA lead; return the webhook bodies and page paths."""
    from app.services import users
    from bench import workbench
    from bench.ls import loadgen

    batches = [workbench.import_items(session, 1000, f"load-{n}") for n in (1, 2)]
    for batch in batches:
        workbench.annotator_for_label_studio(
            session, version, 9001 + batch.id, f"load{batch.id}@bench.test", batch
        )
    users.create_user(session, "reader@bench.test", "Reader", workbench.PASSWORD, ["qa_lead"])
    session.commit()
    items = loadgen.pushed_looking(session, batches[0])
    loadgen.pushed_looking(session, batches[1])
    bodies = loadgen.WebhookBodies(
        batches[0], items, workbench.ls_result(version), ls_user=9001 + batches[0].id
    )
    paths = [
        "/dashboard/",
        f"/dashboard/batches/{batches[0].id}",
        f"/batches/{batches[0].id}",
        "/batches/",
        f"/batches/{batches[1].id}",
    ]
    return batches[0], bodies, paths


def run(args: argparse.Namespace, log) -> dict:
    """Serve, load from two wrk processes at once, drain, and count."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Annotation
    from bench import workbench
    from bench.ls import loadgen

    results: dict = {"machine": machine(), "settings": vars(args)}
    with (
        tempfile.TemporaryDirectory(prefix="labelgate-load-") as tmp,
        postgres_database() as url,
        redis_queue() as (redis_url, queue),
    ):
        work = Path(tmp)
        app = workbench.bench_app(url, REDIS_URL=redis_url, JOBS_QUEUE=queue)
        with db.new_session() as session:
            version = workbench.active_rules(session)
            batch, bodies, paths = _prepare(session, version)
            batch_id = batch.id

        def stored() -> int:
            with db.new_session() as fresh:
                return fresh.scalar(
                    select(func.count(Annotation.id)).where(Annotation.batch_id == batch_id)
                )

        env = {
            "LABELGATE_DATABASE_URL": url,
            "LABELGATE_REDIS_URL": redis_url,
            "LABELGATE_JOBS_QUEUE": queue,
            "LABELGATE_SECRET_KEY": app.config["SECRET_KEY"],
        }
        with (
            worker(env, work / "worker.log"),
            gunicorn(
                "app.wsgi:app",
                env,
                workers=args.workers,
                threads=args.threads,
                log=work / "gunicorn.log",
            ) as site,
        ):
            cookie = loadgen.login_cookie(site, "reader@bench.test", workbench.PASSWORD)
            _check_pages(site, paths, cookie)
            log(f"serving {site}; {args.seconds} s of webhooks and page reads at once …")
            figures = _load(
                site,
                args,
                loadgen.post_script(bodies, bodies.secret(app), base=1_000_000_000),
                loadgen.get_script(paths, cookie),
            )
            log(
                f"webhooks {figures['hooks']['rps']:.0f}/s, reads {figures['reads']['rps']:.0f}/s;"
                " draining …"
            )
            drain_s = wait_drained(app, redis_url, timeout=3600)
        count = stored()
        hooks, reads = figures["hooks"], figures["reads"]
        errors = sum(f["non_2xx"] + f["socket_errors"] for f in (hooks, reads))
        lost = max(0, hooks["ok"] - count)
        results.update(
            hooks=hooks,
            reads=reads,
            drain_s=drain_s,
            stored=count,
            errors=errors,
            lost=lost,
            extra=count - hooks["ok"],
            paths=paths,
            passed=errors == 0 and lost == 0,
        )
        log(
            f"stored {count} for {hooks['ok']} accepted; {errors} errors; drained in "
            f"{drain_s:.0f} s"
        )
    return results


def _check_pages(site: str, paths: list[str], cookie: str) -> None:
    import httpx

    for path in paths:
        answer = httpx.get(site + path, headers={"Cookie": cookie}, timeout=60)
        if answer.status_code != 200:
            raise BenchError(f"{path} answered {answer.status_code} to the signed-in reader")


def _load(site: str, args, post_script: str, get_script: str) -> dict:
    """Run the webhook wrk and the reading wrk side by side."""
    from bench.ls.loadgen import run_wrk

    figures: dict = {}
    failures: list[BaseException] = []

    def one(name: str, script: str, connections: int) -> None:
        try:
            figures[name] = run_wrk(site, script, seconds=args.seconds, connections=connections)
        except BaseException as err:  # noqa: BLE001 - reported after both end
            failures.append(err)

    threads = [
        threading.Thread(target=one, args=("hooks", post_script, args.hook_connections)),
        threading.Thread(target=one, args=("reads", get_script, args.read_connections)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise BenchError(f"wrk failed: {failures[0]}")
    return figures


def render(r: dict) -> str:
    """Return the markdown of the load section."""
    s, h, rd = r["settings"], r["hooks"], r["reads"]
    rows = [
        ("webhook deliveries (POST, a new annotation each)", h, s["hook_connections"]),
        ("dashboard and batch pages (GET, signed in)", rd, s["read_connections"]),
    ]
    lines = [
        "## load",
        "",
        f"Webhook ingestion and page reads at the same time for {s['seconds']} s on "
        "loopback, measured by `.venv/bin/python -m bench.load` (part of `make bench`): "
        f"gunicorn {s['workers']} workers × {s['threads']} threads over PostgreSQL, Redis, "
        "one `labelgate worker` ingesting; two wrk processes (2 threads each).",
        "",
        *machine_lines(r["machine"]),
        "",
        "| traffic | connections | requests | throughput | p50 | p95 | p99 | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, f, conns in rows:
        lines.append(
            f"| {name} | {conns} | {f['requests']:,} | {f['rps']:.0f}/s | "
            f"{f['p50_ms']:.1f} ms | {f['p95_ms']:.1f} ms | {f['p99_ms']:.1f} ms | "
            f"{f['non_2xx'] + f['socket_errors']} |"
        )
    verdict = "no error and no lost annotation" if r["passed"] else "**FAILED**"
    lines += [
        "",
        f"- Result: {verdict}. {h['ok']:,} deliveries accepted (202), "
        f"{r['stored']:,} annotations stored after the inbox drained "
        f"({r['drain_s']:.0f} s after the load stopped); {r['extra']} more than "
        "counted, the requests still in flight when wrk stopped.",
        f"- Pages read in turn: {', '.join(f'`{p}`' for p in r['paths'])}.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
