"""`labelgate audit`: check the audit chain."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.extensions import db
from app.services import audit


def register(cli: AppGroup) -> None:
    """Add the `audit` group."""
    group = AppGroup("audit", help="Check the tamper-evident audit trail.")

    @group.command("verify")
    def verify() -> None:
        """Recompute the hash chain; name the first altered, inserted or removed event."""
        report = audit.verify_chain(db.session)
        if report.ok:
            click.echo(f"audit chain intact: {report.events} events, head {report.head_hash}")
            return
        click.secho(f"audit chain BROKEN after {report.events} intact events: {report.problem}",
                    fg="red", err=True)
        sys.exit(1)

    cli.add_command(group)
