"""`labelgate demo`: a demo organisation with one user per role."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.cli import run_service
from app.models import User
from app.services import users as user_service

DEMO_USERS = (
    ("admin@demo.labelgate", "Ada Admin", "admin"),
    ("author@demo.labelgate", "Rui Author", "rule_author"),
    ("qa@demo.labelgate", "Qiu QA-Lead", "qa_lead"),
    ("supervisor@demo.labelgate", "Sun Supervisor", "supervisor"),
    ("reviewer@demo.labelgate", "Ren Reviewer", "reviewer"),
    ("arbitrator@demo.labelgate", "Ai Arbitrator", "arbitrator"),
    ("annotator@demo.labelgate", "An Annotator", "annotator"),
    ("auditor@demo.labelgate", "Au Auditor", "auditor"),
)


def credentials_file() -> Path:
    """Where the demo passwords are kept (the instance folder, never the repository)."""
    return Path(current_app.instance_path) / "demo-credentials.txt"


def seed_demo(session) -> list[tuple[str, str, str]]:
    """Create the demo users that are missing; return (email, role, password) of new ones."""
    created = []
    for email, name, role in DEMO_USERS:
        if session.scalar(select(User.id).where(User.email == email)) is not None:
            continue
        password = secrets.token_urlsafe(9)
        user_service.create_user(session, email, name, password, [role])
        created.append((email, role, password))
    return created


def register(cli: AppGroup) -> None:
    """Add the `demo` group."""
    group = AppGroup("demo", help="Seed a demo organisation.")

    @group.command("seed")
    def seed() -> None:
        """Create one user per role (idempotent) and print their passwords."""
        created = run_service(seed_demo)
        path = credentials_file()
        if created:
            lines = [f"{email}\t{role}\t{password}" for email, role, password in created]
            with path.open("a", encoding="utf-8") as handle:
                handle.write("\n".join(lines) + "\n")
            path.chmod(0o600)
        click.echo("Demo users (e-mail, role, password):")
        if path.exists():
            click.echo(path.read_text(encoding="utf-8").rstrip())
        else:
            click.echo("(the demo users exist, but their passwords were not kept here)")

    cli.add_command(group)
