"""`labelgate rules`: lint, publish, approve, activate, retire, inspect and diff rule versions."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _

from app.cli import cli_locale, run_service
from app.models import User
from app.services import rules as rules_service
from app.services import users as user_service
from app.services.actor import current_actor
from app.services.errors import ServiceError
from labeling_rules import has_errors, lint_paths


def register(cli: AppGroup) -> None:
    """Add the `rules` group."""
    group = AppGroup("rules", help="Lint, publish, approve, activate and compare rule sets.")
    for command in (
        lint,
        publish,
        approve,
        activate,
        retire,
        list_sets,
        show,
        diff,
        compile_,
        impact,
    ):
        group.add_command(command)
    cli.add_command(group)


@click.command("lint")
@with_appcontext
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def lint(paths: tuple[Path, ...]) -> None:
    """Check rule files: exit 1 on any error, 0 when there are only warnings."""
    lang = cli_locale()
    findings = lint_paths(paths, lang=lang)
    for finding in findings:
        click.echo(finding.format(), err=finding.is_error)
    errors = sum(1 for f in findings if f.is_error)
    with force_locale(lang):
        summary = _(
            "%(errors)d error(s), %(warnings)d warning(s).",
            errors=errors,
            warnings=len(findings) - errors,
        )
    click.echo(summary)
    if has_errors(findings):
        raise SystemExit(1)


@click.command("publish")
@with_appcontext
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--author",
    "author_email",
    default=None,
    help="E-mail of the rule author (default: the CLI operator).",
)
def publish(path: Path, author_email: str | None) -> None:
    """Publish the rule file at PATH as a new draft version."""

    def action(session):
        author = user_service.user_by_email(session, author_email) if author_email else None
        return rules_service.publish(session, path, author=author, author_name=current_actor().name)

    outcome = run_service(action)
    with force_locale(cli_locale()):
        for finding in outcome.warnings:
            click.echo(finding.format())
        v = outcome.version
        if outcome.created:
            level = rules_service.level_name(v.change_level) if v.change_level else "—"
            click.echo(
                _(
                    "Published %(label)s as a draft (SHA-256 %(sha)s, change: %(level)s).",
                    label=v.label,
                    sha=v.content_sha256,
                    level=level,
                )
            )
        else:
            click.echo(
                _(
                    "%(label)s is already published with this content; nothing changed.",
                    label=v.label,
                )
            )


@click.command("approve")
@with_appcontext
@click.argument("ref")
@click.option(
    "--as",
    "approver_email",
    required=True,
    help="E-mail of the QA lead who approves (not the version's author).",
)
def approve(ref: str, approver_email: str) -> None:
    """Approve draft SET@VERSION as the QA lead named by --as."""
    version = run_service(
        lambda s: rules_service.approve(
            s, rules_service.get_version(s, ref), user_service.user_by_email(s, approver_email)
        )
    )
    with force_locale(cli_locale()):
        click.echo(_("%(label)s approved by %(email)s.", label=version.label, email=approver_email))


@click.command("activate")
@with_appcontext
@click.argument("ref")
def activate(ref: str) -> None:
    """Put approved SET@VERSION in force; the active version of the set retires."""
    outcome = run_service(lambda s: rules_service.activate(s, rules_service.get_version(s, ref)))
    with force_locale(cli_locale()):
        click.echo(_("%(label)s is active.", label=outcome.version.label))
        if outcome.replaced is not None:
            click.echo(_("%(label)s is retired.", label=outcome.replaced.label))
        if outcome.lapsed:
            click.echo(
                _(
                    "%(n)d qualification(s) on older major versions lapsed: those annotators "
                    "must retrain.",
                    n=outcome.lapsed,
                )
            )


@click.command("retire")
@with_appcontext
@click.argument("ref")
@click.option("--reason", default="", help="Why (kept in the audit trail).")
def retire(ref: str, reason: str) -> None:
    """Take active SET@VERSION out of force."""
    version = run_service(
        lambda s: rules_service.retire(s, rules_service.get_version(s, ref), reason=reason)
    )
    with force_locale(cli_locale()):
        click.echo(_("%(label)s is retired.", label=version.label))


@click.command("list")
@with_appcontext
def list_sets() -> None:
    """List rule sets with their active and newest versions."""
    rows = run_service(rules_service.list_rule_sets)
    with force_locale(cli_locale()):
        if not rows:
            click.echo(_("No rule set is published yet."))
        for row in rows:
            active = row.active.version if row.active else "—"
            newest = row.newest.version if row.newest else "—"
            click.echo(
                f"{row.record.key}\t{row.record.kind}\t{row.record.language}\t"
                + _("active: %(active)s, newest: %(newest)s", active=active, newest=newest)
            )


@click.command("show")
@with_appcontext
@click.argument("ref")
def show(ref: str) -> None:
    """Show SET's versions, or one version SET@VERSION with its hash, author and approval."""
    key, version = rules_service.split_ref(ref)

    def action(session):
        if version is None:
            record = rules_service.rule_set(session, key)
            return record, rules_service.versions(session, record)
        found = rules_service.get_version(session, key, version)
        approver = session.get(User, found.approved_by_id) if found.approved_by_id else None
        return found, approver

    first, second = run_service(action)
    with force_locale(cli_locale()):
        if version is None:
            click.echo(f"{first.key}: {first.title}")
            for v in second:
                click.echo(
                    f"{v.version}\t{rules_service.status_name(v.status)}\t"
                    f"{v.published_at:%Y-%m-%d %H:%M}\t{v.author_name}"
                )
        else:
            _show_version(first, second)


def _show_version(v, approver) -> None:
    rows = [
        (_("Version"), v.label),
        (_("Status"), rules_service.status_name(v.status)),
        (_("SHA-256"), v.content_sha256),
        (_("Change"), rules_service.level_name(v.change_level) if v.change_level else "—"),
        (_("Author"), v.author_name),
        (_("Published"), f"{v.published_at:%Y-%m-%d %H:%M:%S %Z}"),
        (_("Approved by"), approver.email if approver else "—"),
        (_("Approved"), f"{v.approved_at:%Y-%m-%d %H:%M:%S %Z}" if v.approved_at else "—"),
        (_("Activated"), f"{v.activated_at:%Y-%m-%d %H:%M:%S %Z}" if v.activated_at else "—"),
        (_("Retired"), f"{v.retired_at:%Y-%m-%d %H:%M:%S %Z}" if v.retired_at else "—"),
    ]
    for name, value in rows:
        click.echo(f"{name}: {value}")


@click.command("diff")
@with_appcontext
@click.argument("key")
@click.argument("from_version")
@click.argument("to_version")
def diff(key: str, from_version: str, to_version: str) -> None:
    """Print the semantic diff of SET from version FROM to TO, classified major/minor/patch."""
    result = run_service(lambda s: rules_service.diff(s, key, from_version, to_version))
    click.echo(result.render(cli_locale()))


@click.command("compile")
@with_appcontext
@click.argument("ref")
@click.option("--review", is_flag=True, help="The reviewers' config instead of the annotators'.")
def compile_(ref: str, review: bool) -> None:
    """Print the Label Studio config of SET@VERSION (SET alone: its active version)."""
    key, version = rules_service.split_ref(ref)

    def action(session):
        if version is not None:
            return rules_service.get_version(session, key, version)
        found = rules_service.active_version(session, rules_service.rule_set(session, key).key)
        if found is None:
            raise ServiceError(
                _("Rule set %(key)s has no active version; name one as %(key)s@VERSION.", key=key)
            )
        return found

    found = run_service(action)
    click.echo(found.review_config if review else found.label_config)


@click.command("impact")
@with_appcontext
@click.argument("key")
@click.argument("from_version")
@click.argument("to_version")
def impact(key: str, from_version: str, to_version: str) -> None:
    """Count, per batch, annotations made under FROM that used a label TO changes."""
    report = run_service(lambda s: rules_service.impact(s, key, from_version, to_version))
    with force_locale(cli_locale()):
        click.echo(report.diff.render(cli_locale()))
        if not report.batches:
            click.echo(_("No batch was labeled under %(label)s.", label=report.old.label))
        for row in report.batches:
            click.echo(
                _(
                    "%(batch)s: %(affected)d of %(total)d annotation(s) used a changed label.",
                    batch=row.batch_name,
                    affected=row.affected,
                    total=row.annotations,
                )
            )
        click.echo(_("In all: %(n)d annotation(s) affected.", n=report.affected))
