"""`labelgate demo`: a demo organisation with one user per role, and work waiting for them.

With Label Studio configured (as `make run` does), the demo batch is assigned and pushed, so
an annotator who signs in finds their tasks at once; the seed ends by printing, for each
person, the one address and the one password they need.
"""

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

# Where each role starts after signing in.
LANDING = {
    "admin": "/admin/users",
    "rule_author": "/rules/",
    "qa_lead": "/dashboard/",
    "supervisor": "/supervision/",
    "reviewer": "/my/reviews",
    "arbitrator": "/arbitration/",
    "annotator": "/my/work",
    "auditor": "/reports/",
}

DEMO_USERS = (
    ("admin@demo.labelgate", "Ada Admin", "admin"),
    ("author@demo.labelgate", "Rui Author", "rule_author"),
    ("qa@demo.labelgate", "Qiu QA-Lead", "qa_lead"),
    ("supervisor@demo.labelgate", "Sun Supervisor", "supervisor"),
    ("reviewer@demo.labelgate", "Ren Reviewer", "reviewer"),
    ("arbitrator@demo.labelgate", "Ai Arbitrator", "arbitrator"),
    ("annotator@demo.labelgate", "An Annotator", "annotator"),
    # Two more, so that overlapped items can get their three distinct annotators.
    ("annotator2@demo.labelgate", "Bo Annotator", "annotator"),
    ("annotator3@demo.labelgate", "Cai Annotator", "annotator"),
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


def seed_work(session) -> list[str]:
    """Publish and activate the shipped rule sets, register a dataset, import a batch and
    qualify the demo annotator, so every page has something to show. Idempotent."""
    from app.models import Batch, Dataset, RuleVersion, VersionStatus
    from app.services import batches, datasets, qualifications
    from app.services import rules as rules_service
    from labeling_rules import shipped_rule_set_paths

    notes = []
    author = user_service.user_by_email(session, "author@demo.labelgate")
    lead = user_service.user_by_email(session, "qa@demo.labelgate")
    for path in shipped_rule_set_paths():
        published = rules_service.publish(session, path, author=author)
        version = published.version
        if version.status == VersionStatus.DRAFT:
            rules_service.approve(session, version, lead)
        if version.status == VersionStatus.APPROVED:
            rules_service.activate(session, version, lead)
            notes.append(f"rule set {version.label} active")
    if session.scalar(select(Dataset.id).where(Dataset.name == "demo-prompts")) is None:
        datasets.register_dataset(
            session, name="demo-prompts", modality="text", source_type="synthetic",
            licence="CC0-1.0", collection_record="written for the Labelgate demo",
            notes="Instruction–response pairs for trying the workbench.")
        notes.append("dataset demo-prompts registered")
    version = session.scalar(select(RuleVersion).join(RuleVersion.rule_set).where(
        RuleVersion.status == VersionStatus.ACTIVE).where(
        RuleVersion.rule_set.has(key="response-quality")))
    for email, _name, role in DEMO_USERS:
        if role not in ("annotator", "reviewer"):
            continue
        person = user_service.user_by_email(session, email)
        if qualifications.current(session, person.id, version.rule_set_id,
                                  version.major) is None:
            qualifications.grant(session, person, version.rule_set, version.major,
                                 reason="demo seed: qualified without training, for a first look")
    if session.scalar(select(Batch.id).where(Batch.name == "demo-batch-1")) is None:
        raw = (Path(__file__).resolve().parent.parent / "demo" / "items.jsonl").read_bytes()
        batches.import_batch(session, raw, source="items.jsonl", dataset_name="demo-prompts",
                             rule_set_key="response-quality", batch_name="demo-batch-1",
                             created_by_id=lead.id)
        notes.append("batch demo-batch-1 imported (12 items)")
    return notes


def put_work_in_label_studio(session) -> list[str]:
    """Assign the demo batch and push it to Label Studio, if one is configured. Idempotent."""
    from app.models import Batch
    from app.services import assignment, label_studio, push
    from app.services.errors import ServiceError

    batch = session.scalar(select(Batch).where(Batch.name == "demo-batch-1"))
    if batch is None or not label_studio.has_server("default"):
        return []
    notes = []
    made = assignment.assign_batch(session, batch, seed=2026)
    if made:
        notes.append(f"demo-batch-1: {made} tasks assigned to the demo annotators")
    if batch.ls_project_id is None:
        try:
            pushed = push.push_batch(session, label_studio.gateway_for(batch), batch)
        except ServiceError as err:
            session.rollback()
            return [*notes, f"demo-batch-1 not pushed to Label Studio: {err.message}"]
        notes.append(f"demo-batch-1 pushed to Label Studio ({pushed} tasks)")
    return notes


def sign_in_table(rows: list[tuple[str, str, str]], base_url: str) -> list[str]:
    """Return one line per person: role, name, the address to open, e-mail, password."""
    names = {email: name for email, name, _role in DEMO_USERS}
    lines = []
    for email, role, password in rows:
        address = f"{base_url}/login?next={LANDING.get(role, '/')}"
        lines.append(f"  {role:<12} {names.get(email, email):<16} {address:<48} {email:<28} "
                     f"{password}")
    return lines


def register(cli: AppGroup) -> None:
    """Add the `demo` group."""
    group = AppGroup("demo", help="Seed a demo organisation.")

    @group.command("seed")
    def seed() -> None:
        """Create one user per role (idempotent) and print their passwords."""
        created = run_service(seed_demo)
        path = credentials_file()
        kept = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.count("\t") == 2:
                    email, role, password = line.split("\t")
                    kept[email] = (email, role, password)
        # A person made anew (an emptied database) has a new password: the old line goes.
        kept.update({email: (email, role, pw) for email, role, pw in created})
        if created:
            path.write_text("".join("\t".join(row) + "\n" for row in kept.values()),
                            encoding="utf-8")
            path.chmod(0o600)
        for note in run_service(seed_work) + run_service(put_work_in_label_studio):
            click.echo(note)
        if not kept:
            click.echo("(the demo users exist, but their passwords were not kept here)")
            return
        rows = list(kept.values())
        click.echo("\nSign in with one address and one password (annotators and reviewers "
                   "label right here, in the editor of the workbench):")
        for line in sign_in_table(rows, current_app.config["PUBLIC_URL"].rstrip("/")):
            click.echo(line)

    cli.add_command(group)
