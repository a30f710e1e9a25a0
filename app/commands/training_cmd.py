"""`labelgate training`: lint the modules, check suspensions, the assessor's report."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.cli import cli_locale, run_service
from app.services import qualification_review
from training_modules import lint_all, lint_modules


def register(cli: AppGroup) -> None:
    """Add the `training` group."""
    group = AppGroup("training", help="Training modules, qualifications and their records.")

    @group.command("lint")
    @click.argument("rule_sets", nargs=-1, type=click.Path(exists=True, dir_okay=False))
    def lint(rule_sets: tuple[str, ...]) -> None:
        """Check the modules of the shipped (or the given) rule sets; exit 1 on any error."""
        lang = cli_locale()
        findings = (sorted({f for path in rule_sets for f in lint_modules(path, lang=lang)})
                    if rule_sets else lint_all(lang))
        for finding in findings:
            click.echo(finding.format())
        errors = sum(f.is_error for f in findings)
        click.echo(f"{errors} error(s), {len(findings) - errors} warning(s)", err=True)
        sys.exit(1 if errors else 0)

    @group.command("check-suspensions")
    @click.option("--window", default=50, show_default=True, type=click.IntRange(min=5))
    def check_suspensions(window: int) -> None:
        """Suspend qualifications whose holders' verified accuracy is clearly below target."""
        run = run_service(lambda s: qualification_review.check_suspensions(s, window=window))
        for email, rule_set, reason in run.suspended:
            click.echo(f"suspended {email} for {rule_set}: {reason}")
        click.echo(f"{run.checked} qualification(s) checked, {len(run.suspended)} suspended")

    @group.command("assessor-report")
    def assessor_report() -> None:
        """Every annotator's counted annotations and how many lacked a valid pass (B §9.3)."""
        rows = run_service(qualification_review.assessor_report)
        flagged = 0
        for row in rows:
            click.echo(f"{row.email}\t{row.rule_set}\t{row.annotations}\t{row.without_pass}")
            flagged += row.without_pass
        click.echo(f"{flagged} annotation(s) made without a valid pass record", err=True)
        sys.exit(1 if flagged else 0)

    cli.add_command(group)
