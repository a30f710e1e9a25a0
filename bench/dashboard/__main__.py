"""Benchmark the QA dashboard on PostgreSQL at a million annotations.

    .venv/bin/python -m bench.dashboard                 # full size, writes docs/benchmarks.md
    .venv/bin/python -m bench.dashboard --annotations 50000 --no-write   # a quick look

Creates a fresh database on the server of LABELGATE_TEST_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/postgres), migrates it, loads 1,000,000 annotations by
200 annotators in 500 batches, measures the overview, a batch page and an annotator page
(and, for information, the annotators table and the agreement page), then drops it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from bench.dashboard.generate import Size, load_bulk
from bench.dashboard.measure import measure_page
from bench.dashboard.people import PASSWORD, make_people
from bench.dashboard.report import write_section

ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get(
    "LABELGATE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _arguments(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.dashboard",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--annotations", type=int, default=1_000_000)
    parser.add_argument("--annotators", type=int, default=200)
    parser.add_argument("--batches", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=40, help="warm requests per page")
    parser.add_argument("--no-write", action="store_true", help="print, do not write docs")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args(argv)


def _app(url: str):
    os.environ.setdefault("LABELGATE_INSTANCE_PATH", tempfile.mkdtemp(prefix="lg-bench-"))
    from app import create_app

    return create_app(
        {"DATABASE_URL": url, "WTF_CSRF_ENABLED": False, "BABEL_DEFAULT_LOCALE": "en"}
    )


def _load(app, url: str, size: Size) -> dict[str, int]:
    from app.extensions import db

    with app.app_context():
        people = make_people(db.session, size)
        db.session.remove()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        counts = load_bulk(conn, size, people, _say)
        conn.autocommit = True
        _say("VACUUM ANALYZE")
        conn.execute("VACUUM ANALYZE")
    return counts


def _checks(app) -> dict[str, float]:
    """Return the seconds each compliance check takes on the loaded database."""
    from app.extensions import db
    from app.services import compliance

    seconds = {}
    with app.app_context():
        for requirement in compliance.REQUIREMENTS:
            start = time.perf_counter()
            compliance.check(db.session, requirement.id)
            seconds[requirement.id] = time.perf_counter() - start
        db.session.remove()
    slow = sorted(seconds.items(), key=lambda kv: -kv[1])[:6]
    _say("slowest compliance checks: " + ", ".join(f"{k} {v:.2f} s" for k, v in slow))
    return seconds


def _measure(app, repeats: int) -> list[dict]:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Batch, User

    with app.app_context():
        batches = db.session.scalars(
            select(Batch.id)
            .where(Batch.state != "annotating", Batch.kind == "functional")
            .order_by(Batch.id)
        ).all()
        people = db.session.scalars(
            select(User.id).where(User.email.like("annotator%")).order_by(User.id)
        ).all()
        db.session.remove()
    client = app.test_client()
    client.post("/login", data={"email": "lead@bench.test", "password": PASSWORD})
    step = max(1, len(batches) // repeats)
    pages = [
        ("overview", ["/dashboard/"], True),
        ("batch page", [f"/dashboard/batches/{b}" for b in batches[::step]], True),
        ("annotator page", [f"/dashboard/annotators/{u}" for u in people[::3]], True),
        ("annotators table", ["/dashboard/annotators"], False),
        ("agreement page", ["/dashboard/agreement"], False),
    ]
    results = []
    for name, urls, target in pages:
        t = measure_page(client, name, urls, repeats)
        _say(
            f"{name}: cold {t.cold * 1000:.0f} ms, p50 {t.p50 * 1000:.0f} ms, "
            f"p95 {t.p95 * 1000:.0f} ms"
        )
        results.append(
            {
                "page": name,
                "requests": len(t.warm),
                "cold": t.cold,
                "p50": t.p50,
                "p95": t.p95,
                "max": max(t.warm),
                "target": target,
            }
        )
    return results


def main(argv=None) -> int:
    """Create, load, measure, report, drop."""
    args = _arguments(argv)
    size = Size(annotations=args.annotations, annotators=args.annotators, batches=args.batches)
    name = f"labelgate_bench_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(ADMIN_URL, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rpartition("/")[0]
    url = "postgresql+psycopg://" + f"{base}/{name}".split("://", 1)[1]
    _say(f"database {name}")
    try:
        from app import migrate

        migrate.upgrade(url)
        app = _app(url)
        start = time.perf_counter()
        counts = _load(app, url, size)
        load_seconds = time.perf_counter() - start
        _say(f"loaded in {load_seconds:.0f} s: {counts}")
        timings = _measure(app, args.repeats)
        checks = _checks(app)
        version = admin.execute("SHOW server_version").fetchone()[0]
        results = {
            "timings": timings,
            "checks": checks,
            "counts": counts,
            "load_seconds": load_seconds,
            "postgres": version.split()[0],
            "cache_seconds": int(app.config.get("DASHBOARD_CACHE_SECONDS", 300)),
            "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.platform()}",
        }
        (ROOT / "bench" / "results").mkdir(exist_ok=True)
        (ROOT / "bench" / "results" / "dashboard.json").write_text(
            json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8"
        )
        if not args.no_write:
            write_section(ROOT / "docs" / "benchmarks.md", results)
            _say("docs/benchmarks.md updated")
        return 0 if all(t["p95"] < 0.3 for t in timings if t["target"]) else 1
    finally:
        from app.extensions import db

        if db.engine is not None:
            db.engine.dispose()
        if not args.keep:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _say(f"dropped {name}")
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
