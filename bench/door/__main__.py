"""The annotator's door under load, and re-reading deliveries from Label Studio (issue 14).

    .venv/bin/python -m bench.door                   # writes docs/benchmarks.md
    .venv/bin/python -m bench.door --seconds 30 --no-write

The workbench runs as deployed: gunicorn over a fresh PostgreSQL database with Redis, one
`labelgate worker` draining the webhook inbox, and a Label Studio 1.23.2 of the run's own.

1. Twenty annotators at once, each signed in with a session of their own: first they only
   open tasks (the door's page, the unit opened and timed); then they open their next task
   and submit it (stored in Label Studio as them and in the workbench), thinking `--think`
   seconds in between. Server time is the app's `Server-Timing` (with the part spent
   waiting for Label Studio apart); client time includes loopback and queueing. The
   reference: Label Studio alone, the same number of writers with the same think time
   creating annotations through its API, in the same run.
2. `--reread` annotations made in Label Studio itself are announced by as many webhook
   deliveries; the time from the first delivery to the last annotation stored (deliveries
   -> inbox -> Label Studio read -> PostgreSQL) is compared with Label Studio's own export
   of the same annotations, timed in the same run.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.environment import (
    BenchError,
    free_port,
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

BOOT = re.compile(r'<script type="application/json" id="door-boot">(.*?)</script>', re.S)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def main(argv: list[str] | None = None) -> int:
    """Run both measurements and write them down."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotators", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=40, help="per annotator")
    parser.add_argument("--seconds", type=int, default=90)
    parser.add_argument("--read-seconds", type=int, default=20)
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--think", type=float, default=2.0)
    parser.add_argument("--reread", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - started:7.1f} s] {message}", flush=True)

    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        results = run(args, log)
    except BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(json.dumps(results, indent=2, default=str))
    print(render(results))
    if not args.no_write:
        write_section("door", render(results))
        log("wrote the door section of docs/benchmarks.md")
    return 0


def run(args: argparse.Namespace, log) -> dict:
    """Set everything up, run the two measurements, return the figures."""
    from app.extensions import db
    from bench import workbench

    results: dict = {"machine": machine(), "settings": vars(args)}
    with (
        tempfile.TemporaryDirectory(prefix="labelgate-door-") as tmp,
        postgres_database() as url,
        redis_queue() as (redis_url, queue),
        label_studio(Path(tmp)) as ls,
    ):
        work = Path(tmp)
        env = {
            "LABELGATE_DATABASE_URL": url,
            "LABELGATE_REDIS_URL": redis_url,
            "LABELGATE_JOBS_QUEUE": queue,
            "LABELGATE_LABEL_STUDIO_URL": ls.url,
            "LABELGATE_LABEL_STUDIO_API_KEY": ls.token,
        }
        app = workbench.bench_app(url, REDIS_URL=redis_url, JOBS_QUEUE=queue,
                                  LABEL_STUDIO_URL=ls.url, LABEL_STUDIO_API_KEY=ls.token)
        env["LABELGATE_SECRET_KEY"] = app.config["SECRET_KEY"]
        with db.new_session() as session:
            version = workbench.active_rules(session)
            session.expunge_all()
        port = free_port()  # known before the push: Label Studio's webhooks go there
        site = f"http://127.0.0.1:{port}"
        env["LABELGATE_PUBLIC_URL"] = site
        app.config["PUBLIC_URL"] = site
        people, batch_id = _door_world(app, version, args, log)
        with (
            worker(env, work / "worker.log"),
            gunicorn("app.wsgi:app", env, workers=args.workers, threads=args.threads,
                     log=work / "gunicorn.log", port=port) as site,
        ):
            log(f"serving {site}; {len(people)} annotators, {args.tasks} tasks each")
            results["reads"] = _annotate(site, people, batch_id, args, log, submit=False)
            results["door"] = _annotate(site, people, batch_id, args, log)
            results["label_studio_alone"] = _label_studio_alone(ls, version, args, log)
            if results["door"]["error_count"]:
                log((work / "gunicorn.log").read_text(errors="replace")[-3000:])
            wait_drained(app, redis_url, timeout=600)
            results["door"]["check"] = _check_door(app, batch_id)
            results["reread"] = _reread(app, ls, version, site, args, log, redis_url)
    return results


def _door_world(app, version, args, log) -> tuple[list[str], int]:
    """Annotators with passwords, a batch assigned to them and pushed to Label Studio."""
    from app.extensions import db
    from app.services import assignment, push, qualifications, users
    from app.services.label_studio import gateway_for
    from bench import workbench

    with db.new_session() as session, app.app_context():
        people = []
        for n in range(args.annotators):
            email = f"door{n}@bench.test"
            user = users.create_user(session, email, f"Annotator {n}", workbench.PASSWORD,
                                     ["annotator"])
            session.flush()
            qualifications.grant(session, user, version.rule_set, version.major)
            people.append(email)
        session.commit()
        batch = workbench.import_items(session, args.annotators * args.tasks, "door")
        assignment.assign_batch(session, batch, seed=1)
        session.commit()
        started = time.perf_counter()
        push.push_batch(session, gateway_for(batch), batch)
        session.commit()
        log(f"pushed {batch.item_count} tasks in {time.perf_counter() - started:.1f} s")
        return people, batch.id


def _timing(response: httpx.Response) -> dict[str, float]:
    """Return the app's Server-Timing spans (ms) by name."""
    header = response.headers.get("Server-Timing", "")
    return {name: float(ms) for name, ms in re.findall(r"(\w+);dur=([0-9.]+)", header)}


def _annotate(site: str, people: list[str], batch_id: int, args, log, *,
              submit: bool = True) -> dict:
    """Every annotator opens, thinks, submits (or, `submit` False, only opens: another task
    of their queue each time), until time is up; return the timings."""
    from bench import workbench

    lock = threading.Lock()
    figures = {"open": [], "open_client": [], "submit": [], "submit_client": [],
               "submit_ls": [], "submit_own": [], "errors": [], "submitted": 0}
    deadline = time.monotonic() + (args.seconds if submit else args.read_seconds)
    think = args.think
    result = None

    def one(email: str) -> None:
        try:
            work_through(email)
        except httpx.HTTPError as err:
            with lock:
                figures["errors"].append(f"{type(err).__name__}: {err}")

    def work_through(email: str) -> None:
        # Not kept alive across a think: gunicorn closes idle connections after 2 s.
        with httpx.Client(base_url=site, timeout=120,
                          limits=httpx.Limits(keepalive_expiry=1.0)) as client:
            token = CSRF.search(client.get("/login").text).group(1)
            client.post("/login", data={"email": email, "password": workbench.PASSWORD,
                                        "csrf_token": token})
            keys, turn = [], 0
            while time.monotonic() < deadline:
                t0 = time.perf_counter()
                path = f"/work/batches/{batch_id}"
                if not submit and keys:
                    turn += 1
                    path += f"?unit={keys[turn % len(keys)]}"
                page = client.get(path)
                opened = time.perf_counter() - t0
                boot = BOOT.search(page.text)
                if page.status_code != 200 or boot is None:
                    if "Every task in your queue is done" not in page.text:
                        with lock:
                            figures["errors"].append(f"open {page.status_code}")
                    return
                data = json.loads(boot.group(1))
                with lock:
                    figures["open"].append(_timing(page).get("app", float("nan")))
                    figures["open_client"].append(opened * 1000)
                if not submit:
                    keys = keys or re.findall(r'href="[^"]*\?unit=(item:\d+)"', page.text)
                    time.sleep(think)
                    continue
                time.sleep(think)
                t0 = time.perf_counter()
                answer = client.post(f"/door/annotate/{batch_id}/submit",
                                     json={"unit": data["unit"], "result": result},
                                     headers={"X-CSRFToken": data["csrf"]})
                sent = time.perf_counter() - t0
                with lock:
                    if answer.status_code == 200:
                        spans = _timing(answer)
                        figures["submit"].append(spans.get("app", float("nan")))
                        figures["submit_ls"].append(spans.get("ls", float("nan")))
                        figures["submit_own"].append(spans.get("app", float("nan"))
                                                     - spans.get("ls", 0.0))
                        figures["submit_client"].append(sent * 1000)
                        figures["submitted"] += 1
                    else:
                        figures["errors"].append(f"submit {answer.status_code}: "
                                                 f"{answer.text[:120]}")

    from app.extensions import db
    from app.models import RuleVersion

    with db.new_session() as session:
        version = session.query(RuleVersion).filter_by(status="active").first()
        result = workbench.ls_result(version)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        list(pool.map(one, people))
    elapsed = time.perf_counter() - started
    log(f"{figures['submitted']} submissions in {elapsed:.0f} s, {len(figures['errors'])} errors")
    out = {"annotators": len(people), "think_s": args.think, "elapsed_s": elapsed,
           "submitted": figures["submitted"], "errors": figures["errors"][:10],
           "error_count": len(figures["errors"])}
    for key in ("open", "open_client", "submit", "submit_client", "submit_ls", "submit_own"):
        out[key] = _percentiles(figures[key])
    return out


def _label_studio_alone(ls, version, args, log) -> dict:
    """The reference: as many writers as annotators, the same think time, creating
    annotations straight through Label Studio's API (no workbench, no webhook)."""
    from bench import workbench
    from bench.ls.scenarios import _client

    n = args.annotators * max(4, int(args.seconds / max(args.think, 0.1)) + 2)
    result = workbench.ls_result(version)
    with _client(ls) as client:
        project = client.post("/api/projects", json={"title": "create reference",
                                                     "label_config": version.label_config})
        project = project.json()["id"]
        names = ("instruction", "response", "context")
        answer = client.post(f"/api/projects/{project}/import", params={"return_task_ids": "true"},
                             json=[{"data": {k: f"{k} {i}" for k in names}} for i in range(n)])
        tasks = answer.json()["task_ids"]
        me = client.get("/api/current-user/whoami").json()["id"]
    lock, latencies = threading.Lock(), []
    deadline = time.monotonic() + args.seconds

    def writer(k: int) -> None:
        with _client(ls) as own:
            for task in tasks[k::args.annotators]:
                if time.monotonic() >= deadline:
                    return
                t0 = time.perf_counter()
                own.post(f"/api/tasks/{task}/annotations/",
                         json={"result": result, "lead_time": 3.0, "completed_by": me})
                with lock:
                    latencies.append((time.perf_counter() - t0) * 1000)
                time.sleep(args.think)

    with ThreadPoolExecutor(max_workers=args.annotators) as pool:
        list(pool.map(writer, range(args.annotators)))
    with _client(ls) as client:
        client.delete(f"/api/projects/{project}/")
    figures = _percentiles(latencies)
    log(f"Label Studio alone: {figures['n']} creates, p95 {figures.get('p95', 0):.0f} ms")
    return figures


def _percentiles(values: list[float]) -> dict:
    values = sorted(v for v in values if v == v)
    if not values:
        return {"n": 0}
    def at(q: float) -> float:
        return values[min(len(values) - 1, int(q * len(values)))]
    return {"n": len(values), "p50": at(0.50), "p95": at(0.95), "p99": at(0.99),
            "max": values[-1], "mean": statistics.fmean(values)}


def _check_door(app, batch_id: int) -> dict:
    """Every submission is stored once, counted, bound to the rule version, as its author."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Annotation, DoorTask

    with db.new_session() as session:
        submitted = session.scalar(select(func.count(DoorTask.id)).where(
            DoorTask.batch_id == batch_id, DoorTask.ls_annotation_id.is_not(None)))
        stored = session.scalar(select(func.count(Annotation.id)).where(
            Annotation.batch_id == batch_id, Annotation.quarantined.is_(False)))
        quarantined = session.scalar(select(func.count(Annotation.id)).where(
            Annotation.batch_id == batch_id, Annotation.quarantined.is_(True)))
    return {"door_tasks_submitted": submitted, "stored": stored, "quarantined": quarantined}


def _reread(app, ls, version, site: str, args, log, redis_url: str) -> dict:
    """Announce `--reread` annotations made in Label Studio; time storing them; compare."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.integrations.label_studio import connect
    from app.models import Annotation
    from app.services.label_studio import webhook_secret
    from bench import workbench
    from bench.ls.scenarios import _annotated_project, _client

    n = args.reread
    gateway = connect(ls.url, ls.token, timeout=3600)
    with db.new_session() as session, app.app_context():
        batch = workbench.import_items(session, n, "reread")
        with _client(ls) as client:
            me = client.get("/api/current-user/whoami").json()
            workbench.annotator_for_label_studio(session, version, int(me["id"]), me["email"],
                                                 batch)
            log(f"making {n} annotations in Label Studio …")
            _annotated_project(session, gateway, client, batch, version, int(me["id"]))
        batch_id, project = batch.id, batch.ls_project_id
        tasks = [(a.id, a.task_id) for a in gateway.export_annotations(project)]
        secret = webhook_secret(batch_id, app)
    with _client(ls) as client:
        started = time.perf_counter()
        body = client.get(f"/api/projects/{project}/export", params={"exportType": "JSON"})
        export_s = time.perf_counter() - started
        exported = sum(len(t["annotations"]) for t in json.loads(body.content))
    log(f"Label Studio's export: {exported} annotations in {export_s:.1f} s")

    def deliver(pair: tuple[int, int]) -> int:
        annotation_id, task_id = pair
        payload = {"action": "ANNOTATION_UPDATED", "project": {"id": project},
                   "annotation": {"id": annotation_id, "task": task_id}}
        return client_pool.post(f"/webhooks/label-studio/{batch_id}", json=payload,
                                headers={"X-Labelgate-Secret": secret}).status_code

    with httpx.Client(base_url=site, timeout=60,
                      limits=httpx.Limits(max_connections=args.senders)) as client_pool:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.senders) as pool:
            statuses = list(pool.map(deliver, tasks))
        posted_s = time.perf_counter() - started
        wait_drained(app, redis_url, timeout=3600)
        total_s = time.perf_counter() - started
    with db.new_session() as session:
        stored = session.scalar(select(func.count(Annotation.id)).where(
            Annotation.batch_id == batch_id))
    gateway.delete_project(project)
    log(f"{stored} stored {total_s:.1f} s after the first of {len(tasks)} deliveries")
    return {"n": n, "senders": args.senders, "exported": exported, "export_s": export_s,
            "posted_s": posted_s,
            "accepted": sum(s == 202 for s in statuses), "total_s": total_s,
            "stored": stored, "rate": stored / total_s, "export_rate": exported / export_s,
            "ratio": total_s / export_s}


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


def render(r: dict) -> str:
    """Return the door section of docs/benchmarks.md."""
    reads, d, alone, x = r["reads"], r["door"], r["label_studio_alone"], r["reread"]
    settings = r["settings"]
    lines = [
        "## door",
        "",
        "Measured with `.venv/bin/python -m bench.door` (part of `make bench`): gunicorn "
        f"({settings['workers']} workers × {settings['threads']} threads) over a fresh "
        "PostgreSQL database with Redis and one `labelgate worker`, a Label Studio 1.23.2 of "
        "the run's own (one process, SQLite, as `tools/label_studio_server.py` starts it), "
        "the load generator too: every process on this machine's two cores.",
        "",
        *machine_lines(r["machine"]),
        "",
        f"{d['annotators']} annotators at once, each with a session of their own. First "
        f"{settings['read_seconds']} s of opening tasks only, then "
        f"{d['elapsed_s']:.0f} s of opening the next task and submitting it, "
        f"{d['think_s']:g} s of thought in between: {d['submitted']} submissions, "
        f"{d['error_count']} errors. Server time is the app's `Server-Timing`; the submit's "
        "wait for Label Studio is its `ls` span. Label Studio alone is the reference: "
        f"{d['annotators']} writers, the same think time, creating annotations through its "
        "API with no workbench and no webhook, in the same run.",
        "",
        "| step | requests | server p50 | server p95 | server p99 | client p95 | target | |",
        "|---|---|---|---|---|---|---|---|",
    ]

    def row(name, s, c, target=None):
        met = "" if target is None else ("met" if s.get("p95", 1e9) < target else "not met")
        goal = "" if target is None else f"p95 < {target} ms"
        return (f"| {name} | {s['n']} | {_ms(s.get('p50'))} | {_ms(s.get('p95'))} | "
                f"{_ms(s.get('p99'))} | {_ms(c.get('p95')) if c else '—'} | {goal} | {met} |")

    lines += [
        row("open a task, while others only open", reads["open"], reads["open_client"], 150),
        row("open the next task, while others submit", d["open"], d["open_client"], 150),
        row("submit: stored in Label Studio and the workbench", d["submit"],
            d["submit_client"], 300),
        row("… of which waiting for Label Studio", d["submit_ls"], None),
        row("… of which the workbench's own work", d["submit_own"], None),
        row("Label Studio alone: create an annotation", alone, None),
    ]
    check = d["check"]
    ratio = d["submit"].get("p95", 0) / max(alone.get("p95", 1), 1)
    lines += [
        "",
        f"- Stored: {check['stored']} counted annotations for "
        f"{check['door_tasks_submitted']} submitted door tasks ({check['quarantined']} "
        "quarantined).",
        f"- The submit's p95 is {ratio:.2f}× Label Studio's own create p95 at the same "
        "concurrency: Label Studio's write is the floor, and on this machine it is above the "
        "300 ms target by itself. The workbench's own part of a submit (claim, checks, the "
        f"record store) stays at p95 {_ms(d['submit_own'].get('p95'))}.",
        "",
        f"Re-reading: {x['n']} annotations made in Label Studio itself, announced by "
        f"{x['accepted']} webhook deliveries ({x['senders']} senders, all posted in "
        f"{x['posted_s']:.1f} s): all stored {x['total_s']:.1f} s after the first delivery. "
        f"Label Studio's own export of the same {x['exported']} annotations took "
        f"{x['export_s']:.1f} s.",
        "",
        "| measurement | workbench | Label Studio's export | ratio of times | target | |",
        "|---|---|---|---|---|---|",
        f"| annotations/s, deliveries → inbox → Label Studio read → PostgreSQL | "
        f"{x['rate']:.0f}/s | {x['export_rate']:.0f}/s | {x['ratio']:.2f}× | ≥ 1,000/s | "
        f"{'met' if x['rate'] >= 1000 else 'not met'} |",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
