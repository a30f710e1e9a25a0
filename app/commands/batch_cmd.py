"""`labelgate batch`, `labelgate sync`, `labelgate qualifications`: work in Label Studio."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli import fail, run_service
from app.services import accounts, assignment, batches, push, sync
from app.services import qualifications as quals
from app.services import users as user_service
from app.services.label_studio import gateway_by_server, gateway_for
from app.services.rule_versions import active_version


def _sync_round(batch_ref: str | None) -> None:
    """Sync one batch, or every open one, each in its own transaction; then take the Label
    Studio accounts of people deactivated here out of Label Studio, if any remain."""
    refs = ([batch_ref] if batch_ref
            else run_service(lambda s: [b.id for b in sync.batches_to_sync(s)]))
    for ref in refs:
        name, report = run_service(lambda s, ref=ref: _sync_one(s, ref))
        click.echo(f"{name}: {report.created} new, {report.updated} updated, "
                   f"{report.deleted} deleted, {report.quarantined} quarantined")
    if batch_ref is None:
        done = run_service(lambda s: accounts.deactivate_pending(s, gateway_by_server()))
        if done:
            click.echo(f"{done} Label Studio accounts of deactivated people deactivated")


def _sync_one(session, ref):
    batch = batches.batch_by_ref(session, ref)
    return batch.name, sync.sync_batch(session, gateway_for(batch), batch)


def register(cli: AppGroup) -> None:
    """Add the `batch`, `sync` and `qualifications` commands."""
    group = AppGroup("batch", help="Import, assign and push batches of items.")

    @group.command("import")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--dataset", required=True, help="Registered dataset name.")
    @click.option("--rules", "rule_set", required=True, help="Rule set id (its active version).")
    @click.option("--name", default=None, help="Batch name (default: dataset-NNNN).")
    def import_cmd(file: Path, dataset: str, rule_set: str, name: str | None) -> None:
        """Import FILE (JSONL or CSV); a bad row rejects the whole file."""
        if not file.exists():
            fail(f"{file}: no such file")
        raw = file.read_bytes()
        batch = run_service(lambda s: batches.import_batch(
            s, raw, source=file.name, dataset_name=dataset, rule_set_key=rule_set,
            batch_name=name))
        click.echo(f"imported batch {batch.name} (id {batch.id}): {batch.item_count} items")

    @group.command("assign")
    @click.argument("batch")
    @click.option("--seed", type=int, default=None)
    def assign_cmd(batch: str, seed: int | None) -> None:
        """Assign qualified annotators to BATCH (k on overlapped items)."""
        def action(session):
            b = batches.batch_by_ref(session, batch)
            return assignment.assign_batch(session, b, seed=seed)

        click.echo(f"{run_service(action)} new assignments")

    @group.command("push")
    @click.argument("batch")
    def push_cmd(batch: str) -> None:
        """Create or reuse BATCH's Label Studio project and import its tasks (resumable)."""
        with click.progressbar(length=1, label="pushing") as bar:
            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            def action(session):
                b = batches.batch_by_ref(session, batch)
                return push.push_batch(session, gateway_for(b), b, progress=progress)

            n = run_service(action)
        click.echo(f"{n} tasks imported")

    @group.command("list")
    def list_cmd() -> None:
        """List batches with their state."""
        from sqlalchemy import select

        from app.models import Batch

        rows = run_service(lambda s: s.scalars(select(Batch).order_by(Batch.id)).all())
        for b in rows:
            click.echo(f"{b.id}\t{b.name}\t{b.state}\t{b.item_count} items\t"
                       f"project {b.ls_project_id or '-'}")

    cli.add_command(group)

    @cli.command("sync")
    @click.option("--batch", "batch_ref", default=None, help="Only this batch.")
    @click.option("--every", type=click.IntRange(min=10), default=None,
                  help="Repeat every N seconds until interrupted (a failed round is reported "
                       "and the next one runs).")
    def sync_cmd(batch_ref: str | None, every: int | None) -> None:
        """Pull annotations from Label Studio, fill gaps, record deletions, revive webhooks."""
        while True:
            try:
                _sync_round(batch_ref)
            except SystemExit:
                if every is None:
                    raise
            if every is None:
                return
            time.sleep(every)

    quals_group = AppGroup("qualifications",
                           help="Grant a qualification by hand (audited).")

    @quals_group.command("grant")
    @click.argument("email")
    @click.argument("rule_set")
    @click.option("--days", type=click.IntRange(min=1), default=quals.DEFAULT_VALID_DAYS,
                  show_default=True)
    @click.option("--reason", default="granted by an administrator")
    def grant_cmd(email: str, rule_set: str, days: int, reason: str) -> None:
        """Qualify EMAIL for RULE_SET's active major version."""
        def action(session):
            version = active_version(session, rule_set)
            return quals.grant(session, user_service.user_by_email(session, email),
                               version.rule_set, version.major, valid_days=days, reason=reason)

        q = run_service(action)
        click.echo(f"qualified {email} until {q.valid_until:%Y-%m-%d}")

    cli.add_command(quals_group)
