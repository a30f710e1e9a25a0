"""`labelgate serve`: the production server (gunicorn, several workers)."""

from __future__ import annotations

import os
import sys

import click
from flask.cli import AppGroup


def register(cli: AppGroup) -> None:
    """Add the `serve` command."""

    @cli.command("serve")
    @click.option("--bind", default="127.0.0.1:5000", show_default=True)
    @click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
    @click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
    @click.option("--timeout", default=60, show_default=True, type=int)
    def serve(bind: str, workers: int, threads: int, timeout: int) -> None:
        """Serve the workbench with gunicorn."""
        # Run gunicorn from this interpreter: the virtualenv's bin need not be on PATH.
        args = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            str(timeout),
            "--access-logfile",
            "-",
            "app.wsgi:app",
        ]
        click.echo(f"serving on http://{bind} with {workers} workers")
        os.execv(sys.executable, args)
