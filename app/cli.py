"""The `labelgate` command: a Flask CLI group over `create_app`."""

from __future__ import annotations

import getpass
import os
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_babel import force_locale

from app.extensions import db
from app.services.actor import Actor, acting_as
from app.services.errors import ServiceError


def cli_locale() -> str:
    """Return the CLI's language: --lang, else LANG/LC_ALL, else the deployment default."""
    chosen = os.environ.get("LABELGATE_CLI_LANG")
    if chosen:
        return chosen
    env = os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    if env.lower().startswith("zh"):
        return "zh_CN"
    if env and not env.startswith(("C", "POSIX")):
        return "en"
    return os.environ.get("LABELGATE_DEFAULT_LOCALE", "en")


def _create_app() -> Flask:
    from app import create_app

    return create_app()


class LabelgateGroup(FlaskGroup):
    """FlaskGroup that runs every command as the CLI operator, in the chosen language."""

    def invoke(self, ctx: click.Context):
        with acting_as(Actor(name=f"cli:{getpass.getuser()}")):
            return super().invoke(ctx)


@click.group(
    cls=LabelgateGroup, create_app=_create_app, add_version_option=False, load_dotenv=False
)
@click.option(
    "--lang",
    type=click.Choice(["zh_CN", "en"]),
    default=None,
    help="Language of messages (default: from LANG).",
)
def main(lang: str | None) -> None:
    """Labelgate: labeling rules, training, assignment and verification for Article 8."""
    if lang:
        os.environ["LABELGATE_CLI_LANG"] = lang


def fail(message: str, code: int = 1) -> None:
    """Print an error for a person and exit non-zero."""
    click.secho(message, fg="red", err=True)
    sys.exit(code)


def run_service(action):
    """Run `action(session)` in one transaction in the CLI locale; turn service errors into
    messages."""
    with force_locale(cli_locale()):
        session = db.session
        try:
            result = action(session)
            session.commit()
            return result
        except ServiceError as err:
            session.rollback()
            fail(err.message)


def init_app(app: Flask) -> None:
    """Attach every command group to the app's CLI."""
    from app.commands import (
        audit_cmd,
        batch_cmd,
        datasets_cmd,
        db_cmd,
        demo_cmd,
        report_cmd,
        rules_cmd,
        serve_cmd,
        training_cmd,
        users_cmd,
        verify_cmd,
        worker_cmd,
    )

    for module in (
        db_cmd,
        users_cmd,
        audit_cmd,
        datasets_cmd,
        demo_cmd,
        serve_cmd,
        batch_cmd,
        rules_cmd,
        worker_cmd,
        verify_cmd,
        training_cmd,
        report_cmd,
    ):
        module.register(app.cli)


__all__ = ["current_app", "fail", "main", "run_service", "with_appcontext"]
