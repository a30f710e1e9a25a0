"""Load: webhook ingestion and dashboard / batch page reads at the same time, for 5 minutes.

    .venv/bin/python -m bench.load                 # 300 s, writes docs/benchmarks.md
    .venv/bin/python -m bench.load --seconds 30 --no-write

The workbench runs as deployed at scale, on loopback: gunicorn (2 workers × 4 threads) over
a fresh PostgreSQL database with Redis, one `labelgate worker` draining the inbox, and a
Label Studio of the run's own holding the annotations the deliveries name. One wrk posts
Label Studio webhooks (a new notice each) while another reads the dashboard and the batch
pages as a signed-in QA lead. Afterwards the inbox is drained: every annotation Label
Studio holds for the batch must be stored and no notice set aside; any non-2xx answer or
socket error is a failure.
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
    label_studio,
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


def _prepare(session, version, ls):
    """Two batches with their annotations in Label Studio, an annotator and a QA lead; return
    the webhook bodies and page paths."""
    import httpx

    from app.services import users
    from bench import workbench
    from bench.ls import loadgen

    me = httpx.get(f"{ls.url}/api/current-user/whoami", timeout=30,
                   headers={"Authorization": f"Token {ls.token}"}).json()
    batches = [workbench.import_items(session, 1000, f"load-{n}") for n in (1, 2)]
    annotated = []
    for batch in batches:
        workbench.annotator_for_label_studio(session, version, int(me["id"]), me["email"],
                                             batch)
        annotated.append(loadgen.annotated_in_label_studio(session, ls, version, batch,
                                                           int(me["id"])))
    users.create_user(session, "reader@bench.test", "Reader", workbench.PASSWORD, ["qa_lead"])
    session.commit()
    bodies = loadgen.WebhookBodies(
        batches[0], annotated[0], workbench.ls_result(version), ls_user=int(me["id"])
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
        label_studio(Path(tmp)) as ls,
    ):
        work = Path(tmp)
        app = workbench.bench_app(url, REDIS_URL=redis_url, JOBS_QUEUE=queue,
                                  LABEL_STUDIO_URL=ls.url, LABEL_STUDIO_API_KEY=ls.token)
        with db.new_session() as session:
            version = workbench.active_rules(session)
            batch, bodies, paths = _prepare(session, version, ls)
            batch_id = batch.id
            held = len(bodies.items)

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
            "LABELGATE_LABEL_STUDIO_URL": ls.url,
            "LABELGATE_LABEL_STUDIO_API_KEY": ls.token,
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
        from app.models import DeadLetter

        with db.new_session() as fresh:
            dead = fresh.scalar(select(func.count(DeadLetter.id)))
        hooks, reads = figures["hooks"], figures["reads"]
        errors = sum(f["non_2xx"] + f["socket_errors"] for f in (hooks, reads))
        lost = max(0, held - count)
        results.update(
            hooks=hooks,
            reads=reads,
            drain_s=drain_s,
            stored=count,
            held=held,
            dead_letters=dead,
            errors=errors,
            lost=lost,
            paths=paths,
            passed=errors == 0 and lost == 0 and dead == 0,
        )
        log(
            f"stored {count} of the {held} Label Studio holds, for {hooks['ok']} accepted "
            f"notices; {dead} dead letters; {errors} errors; drained in {drain_s:.0f} s"
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
        ("webhook deliveries (POST, a new notice each)", h, s["hook_connections"]),
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
    verdict = ("no error, no lost annotation, no notice set aside" if r["passed"]
               else "**FAILED**")
    lines += [
        "",
        f"- Result: {verdict}. {h['ok']:,} notices accepted (202) and handled by re-reading "
        f"the tasks they name ({r['drain_s']:.0f} s after the load stopped the inbox was "
        f"empty); {r['stored']:,} annotations stored, every one of the {r['held']:,} Label "
        f"Studio holds for the batch; {r['dead_letters']} dead letters.",
        f"- Pages read in turn: {', '.join(f'`{p}`' for p in r['paths'])}.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
