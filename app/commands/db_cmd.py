"""`labelgate db`: schema migrations."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app import migrate


def register(cli: AppGroup) -> None:
    """Add the `db` group."""
    group = AppGroup("db", help="Create or migrate the database schema.")

    @group.command("upgrade")
    @click.option("--revision", default="head", show_default=True)
    def upgrade(revision: str) -> None:
        """Apply migrations up to REVISION (an empty database gets every table)."""
        migrate.upgrade(current_app.config["DATABASE_URL"], revision)
        click.echo(f"database at {migrate.current_revision(current_app.config['DATABASE_URL'])}")

    @group.command("downgrade")
    @click.argument("revision")
    def downgrade(revision: str) -> None:
        """Revert migrations down to REVISION."""
        migrate.downgrade(current_app.config["DATABASE_URL"], revision)

    @group.command("current")
    def current() -> None:
        """Print the database's revision and the code's newest."""
        url = current_app.config["DATABASE_URL"]
        click.echo(f"database: {migrate.current_revision(url) or '(empty)'}")
        click.echo(f"code:     {migrate.head_revision(url)}")

    cli.add_command(group)
