"""`labelgate report compliance|verify` and `labelgate retention purge` (Art. 8, 19; L1)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.cli import cli_locale, fail, run_service
from app.extensions import db
from app.models import AuditEvent
from app.services import retention
from app.services.reports import ReportScope, parse_day, verify_pack, write_pack


def _problem(code: str) -> str:
    names = {
        "changed": _("changed"),
        "missing": _("missing"),
        "extra": _("extra (not in the manifest)"),
        "unreadable": _("unreadable"),
    }
    return names.get(code, code)


def _recorded(manifest_sha256: str) -> bool | None:
    """Tell whether this workbench's audit trail recorded writing a pack with this manifest."""
    try:
        events = db.session.scalars(
            select(AuditEvent.summary).where(AuditEvent.action == "report.generate")
        ).all()
    except SQLAlchemyError:  # no database here: this check is optional
        return None
    return any(e.get("manifest_sha256") == manifest_sha256 for e in events)


def _echo_pack(pack) -> None:
    report = pack.report
    counts = report["summary"]
    click.echo(_("Evidence pack written to %(path)s", path=str(pack.out_dir)))
    click.echo(
        _(
            "Met: %(met)d · not met: %(not_met)d · not applicable: %(na)d",
            met=counts["met"],
            not_met=counts["not_met"],
            na=counts["not_applicable"],
        )
    )
    for section in report["requirements"]:
        if section["status"] != "not_met":
            continue
        click.secho(f"{section['id']} {section['name']}", fg="red")
        for gap in section["gaps"]:
            click.echo(f"  - {gap['text']}")
        click.echo("    " + _("What to do: %(todo)s", todo=section["what_to_do"]))
    click.echo(_("Manifest SHA-256: %(sha)s", sha=pack.manifest_sha256))


def register(cli: AppGroup) -> None:
    """Add the `report` and `retention` groups."""
    group = AppGroup("report", help="Compliance evidence packs (Articles 8 and 19).")

    @group.command("compliance")
    @click.option("--dataset", default=None, help="Only this dataset (default: all).")
    @click.option("--from", "start", default=None, help="First day covered, YYYY-MM-DD.")
    @click.option("--to", "end", default=None, help="Last day covered, YYYY-MM-DD.")
    @click.option(
        "--out",
        "out_dir",
        required=True,
        type=click.Path(path_type=Path),
        help="A new folder for the pack.",
    )
    @click.option(
        "--lang",
        type=click.Choice(["zh_CN", "en"]),
        default=None,
        help="Language of the report (default: the CLI's).",
    )
    def compliance_cmd(dataset, start, end, out_dir, lang) -> None:
        """Write the evidence pack: report.html, report.pdf, report.json and the manifest."""

        def action(session):
            scope = ReportScope(
                dataset=dataset, start=parse_day(start, "--from"), end=parse_day(end, "--to")
            )
            return write_pack(session, scope, out_dir, language=lang or cli_locale())

        pack = run_service(action)
        with force_locale(cli_locale()):
            _echo_pack(pack)

    @group.command("verify")
    @click.argument("pack_dir", type=click.Path(path_type=Path))
    def verify_cmd(pack_dir: Path) -> None:
        """Check every file of a pack against its manifest; exit 1 when anything differs."""
        with force_locale(cli_locale()):
            if not pack_dir.is_dir():
                fail(_("%(path)s is not a folder.", path=str(pack_dir)))
            check = verify_pack(pack_dir)
            for finding in check.findings:
                click.secho(f"{finding.name}: {_problem(finding.problem)}", fg="red")
            if check.manifest:
                click.echo(
                    _(
                        "Audit chain head at generation: %(head)s",
                        head=check.manifest.get("audit_chain_head"),
                    )
                )
            if check.manifest_sha256 and _recorded(check.manifest_sha256):
                click.echo(_("This workbench's audit trail recorded writing this pack."))
            if not check.ok:
                fail(_("The pack differs from its manifest in %(n)d files.", n=len(check.findings)))
            click.echo(
                _(
                    "The pack is intact: %(n)d files match the manifest.",
                    n=len(check.manifest["files"]),
                )
            )

    cli.add_command(group)
    _register_retention(cli)


def _register_retention(cli: AppGroup) -> None:
    group = AppGroup("retention", help="Keep the audit trail at least six months (L1).")

    @group.command("purge")
    @click.option(
        "--before",
        required=True,
        help="Purge audit events before this day, "
        "YYYY-MM-DD; refused unless it is at least the retention period ago.",
    )
    @click.option("--dry-run", is_flag=True, help="Count what would be purged; change nothing.")
    def purge_cmd(before: str, dry_run: bool) -> None:
        """Purge audit events older than the retention period; refuse anything younger."""
        result = run_service(
            lambda session: retention.purge(session, parse_day(before, "--before"), dry_run=dry_run)
        )
        if result.refused:
            fail(result.message)
        click.echo(result.message)

    cli.add_command(group)
