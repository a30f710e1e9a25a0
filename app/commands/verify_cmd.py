"""`labelgate verify`, `release`, `arbitrate`, `supervise`: verification (V1–V7, P7, P8)."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select

from app.cli import fail, run_service
from app.models import Arbitration, Correction, SupervisionCheck
from app.services import batches, sync
from app.services import users as user_service
from app.services.label_studio import gateway_for
from app.services.verification import (
    agreement,
    corrections,
    coverage,
    decisions,
    plans,
    release,
    reviews,
    supervision,
    verdicts,
)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _plan_lines(plan) -> list[str]:
    lines = [
        _(
            "Plan round %(round)d (%(kind)s): %(reason)s",
            round=plan.round,
            kind=plan.kind,
            reason=plan.reason,
        ),
        _(
            "Lot %(lot)d, sample %(n)d, seed %(seed)d",
            lot=plan.lot_size,
            n=plan.sample_size,
            seed=plan.seed,
        ),
    ]
    if plan.accept_number is not None:
        lines.append(
            _(
                "Accept with at most %(ac)d defects, reject from %(re)d",
                ac=plan.accept_number,
                re=plan.reject_number,
            )
        )
    if plan.producer_risk is not None:
        aql, ltpd = format(plan.aql, "g"), format(plan.ltpd, "g")
        lines.append(
            _(
                "Producer's risk %(alpha).4f at %(aql)s %%, consumer's risk %(beta).2f "
                "at %(ltpd)s %%",
                alpha=plan.producer_risk,
                aql=aql,
                beta=plan.consumer_risk,
                ltpd=ltpd,
            )
        )
    return lines


def _decision_lines(decision) -> list[str]:
    lines = [
        _(
            "Decision: %(decision)s — %(n)d reviewed, %(defects)d defects, accuracy "
            "%(accuracy)s (%(confidence)s CI %(low)s – %(high)s)",
            decision=decision.decision,
            n=decision.reviewed,
            defects=decision.defects,
            accuracy=_pct(decision.accuracy),
            confidence=_pct(decision.confidence),
            low=_pct(decision.ci_low),
            high=_pct(decision.ci_high),
        )
    ]
    return lines + [decisions.reason_text(r) for r in decision.reasons]


def _user(session, email: str):
    user = user_service.user_by_email(session, email)
    return user


def register(cli: AppGroup) -> None:
    """Add the `verify`, `release`, `arbitrate` and `supervise` commands."""
    group = AppGroup("verify", help="Sampling verification of batches (V1–V7).")
    _register_sampling(group)
    _register_outcomes(group)
    cli.add_command(group)
    _register_release(cli)
    _register_arbitrate(cli)
    _register_supervise(cli)


def _register_sampling(group: AppGroup) -> None:
    """Add plan, assign, push and sync."""

    @group.command("plan")
    @click.argument("batch")
    @click.option("--seed", type=int, default=None, help="Random seed (default: drawn).")
    @click.option("--check", is_flag=True, help="Re-draw the latest plan from its stored seed.")
    def plan_cmd(batch: str, seed: int | None, check: bool) -> None:
        """Draw BATCH's verification plan and sample (or check it reproduces)."""

        def action(session):
            b = batches.batch_by_ref(session, batch)
            if check:
                plan = plans.latest_plan(session, b.id)
                if plan is None:
                    fail(
                        _(
                            "Batch %(batch)s has no verification plan yet. Draw one first.",
                            batch=b.name,
                        )
                    )
                return plan, plans.redraw_sample(session, plan) == plan.sample
            return plans.draw_plan(session, b, seed=seed), None

        plan, same = run_service(action)
        for line in _plan_lines(plan):
            click.echo(line)
        if check:
            if not same:
                fail(
                    _(
                        "The stored seed no longer reproduces the stored sample: the batch's "
                        "annotations changed after the plan was drawn."
                    )
                )
            click.echo(_("The stored seed reproduces the stored sample."))

    @group.command("assign")
    @click.argument("batch")
    def assign_cmd(batch: str) -> None:
        """Give sampled items (and corrections to re-review) to independent verifiers."""

        def action(session):
            b = batches.batch_by_ref(session, batch)
            return reviews.assign_reviews(session, b), corrections.collect(session, b)

        sampled, re_reviews = run_service(action)
        click.echo(
            _(
                "%(n)d review tasks assigned, %(m)d corrections sent to re-review.",
                n=sampled,
                m=re_reviews,
            )
        )

    @group.command("push")
    @click.argument("batch")
    def push_cmd(batch: str) -> None:
        """Put BATCH's review tasks into its Label Studio review project."""
        with click.progressbar(length=1, label=_("pushing")) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            def action(session):
                b = batches.batch_by_ref(session, batch)
                return reviews.push_reviews(session, gateway_for(b), b, progress=progress)

            n = run_service(action)
        click.echo(_("%(n)d review tasks imported.", n=n))

    @group.command("sync")
    @click.argument("batch", required=False)
    @click.option(
        "--every",
        type=click.IntRange(min=10),
        default=None,
        help="Repeat every N seconds until interrupted.",
    )
    def sync_cmd(batch: str | None, every: int | None) -> None:
        """Pull annotations and verdicts of BATCH (or of every batch under review)."""
        while True:

            def action(session):
                targets = (
                    [batches.batch_by_ref(session, batch)]
                    if batch
                    else verdicts.batches_to_sync(session)
                )
                done = []
                for b in targets:
                    if b.ls_project_id is not None:
                        sync.sync_batch(session, gateway_for(b), b)
                    collected = corrections.collect(session, b)
                    report = verdicts.sync_reviews(session, gateway_for(b), b)
                    done.append((b.name, report, collected))
                return done

            for name, report, collected in run_service(action):
                click.echo(
                    name
                    + ": "
                    + _(
                        "%(new)d new verdicts, %(updated)d updated, %(quarantined)d "
                        "quarantined; %(corrected)d corrections made.",
                        new=report.created,
                        updated=report.updated,
                        quarantined=report.quarantined,
                        corrected=collected,
                    )
                )
            if every is None:
                return
            time.sleep(every)


def _register_outcomes(group: AppGroup) -> None:
    """Add decide, status, correct, agreement and resume."""

    @group.command("decide")
    @click.argument("batch")
    def decide_cmd(batch: str) -> None:
        """Accept, reject or void BATCH by its plan, with the accuracy CI."""
        decision = run_service(lambda s: decisions.decide(s, batches.batch_by_ref(s, batch)))
        if decision is None:
            click.echo(
                _(
                    "The sequential test continues: more items were released for review. "
                    "Run “verify assign” and “verify push”."
                )
            )
            return
        for line in _decision_lines(decision):
            click.echo(line)

    @group.command("status")
    @click.argument("batch")
    def status_cmd(batch: str) -> None:
        """Show BATCH's plan, review progress, decision, corrections and warnings."""

        def action(session):
            b = batches.batch_by_ref(session, batch)
            plan = plans.latest_plan(session, b.id)
            lines = [_("Batch %(batch)s: %(state)s", batch=b.name, state=b.state)]
            if plan is not None:
                counts = decisions.tally(session, plan)
                lines += _plan_lines(plan) + [
                    _(
                        "Reviewed %(done)d, waiting %(pending)d",
                        done=len(counts.outcomes),
                        pending=counts.pending,
                    )
                ]
            decision = plans.latest_decision(session, b.id)
            if decision is not None:
                lines += _decision_lines(decision)
            open_c = session.scalars(
                select(Correction.status).where(Correction.batch_id == b.id)
            ).all()
            lines.append(
                _(
                    "Corrections: %(total)d, archived %(archived)d",
                    total=len(open_c),
                    archived=open_c.count("archived"),
                )
            )
            lines += coverage.dataset_coverage(session, b.dataset_id).warnings
            return lines

        for line in run_service(action):
            click.echo(line)

    @group.command("correct")
    @click.argument("batch")
    @click.option("--all", "all_items", is_flag=True, help="Re-annotate every item.")
    @click.option("--seed", type=int, default=None)
    def correct_cmd(batch: str, all_items: bool, seed: int | None) -> None:
        """Give BATCH's flagged items (or all) to other annotators to correct (V5)."""

        def action(session):
            b = batches.batch_by_ref(session, batch)
            made = corrections.start(session, b, scope="all" if all_items else "flagged", seed=seed)
            return len(made)

        click.echo(_("%(n)d corrections assigned.", n=run_service(action)))

    @group.command("agreement")
    @click.argument("batch")
    @click.option("--method", type=click.Choice(agreement.METHODS), default=None,
                  help="Consensus method (default: the rule set's quality.agreement.consensus).")
    def agreement_cmd(batch: str, method: str | None) -> None:
        """Measure agreement on overlapped items; open arbitrations; set consensus labels."""
        reports = run_service(
            lambda s: agreement.compute(s, batches.batch_by_ref(s, batch), method=method)
        )
        for r in reports:
            click.echo(
                _(
                    "%(control)s: %(coefficient)s %(value)s (CI %(low)s – %(high)s) on "
                    "%(n)d items, threshold %(threshold)s",
                    control=r.control,
                    coefficient=r.coefficient,
                    value=_num(r.estimate),
                    low=_num(r.ci_low),
                    high=_num(r.ci_high),
                    n=r.items,
                    threshold=_num(r.threshold),
                )
            )

    @group.command("resume")
    @click.argument("batch")
    @click.option("--note", required=True, help="The corrective action taken.")
    def resume_cmd(batch: str, note: str) -> None:
        """Resume discontinued ISO 2859-1 inspection (tightened) after corrective action."""
        row = run_service(
            lambda s: plans.resume_inspection(s, batches.batch_by_ref(s, batch), note)
        )
        click.echo(_("Inspection resumed: %(state)s.", state=row.state))


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _register_release(cli: AppGroup) -> None:
    @cli.command("release")
    @click.argument("batch_refs", nargs=-1, required=True)
    @click.option(
        "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path)
    )
    def release_cmd(batch_refs: tuple[str, ...], out_dir: Path) -> None:
        """Export accepted, final labels of BATCH... as JSONL with a manifest."""
        row = run_service(lambda s: release.release(s, list(batch_refs), out_dir))
        click.echo(
            _("Released %(n)d items to %(dir)s", n=row.manifest["counts"]["items"], dir=row.out_dir)
        )
        click.echo(f"labels.jsonl sha256 {row.labels_sha256}")
        click.echo(f"manifest.json sha256 {row.manifest_sha256}")


def _register_arbitrate(cli: AppGroup) -> None:
    group = AppGroup("arbitrate", help="Decide annotators' disagreements (P7).")

    @group.command("list")
    @click.argument("batch")
    def list_cmd(batch: str) -> None:
        """List BATCH's open disagreements."""

        def action(session):
            b = batches.batch_by_ref(session, batch)
            return session.scalars(
                select(Arbitration)
                .where(Arbitration.batch_id == b.id, Arbitration.status == "open")
                .order_by(Arbitration.id)
            ).all()

        for a in run_service(action):
            labels = ", ".join(f"{e['annotator']}: {e['label']}" for e in a.labels_considered)
            click.echo(f"{a.id}\titem {a.item_id}\t{a.control}\t{labels}")

    @group.command("decide")
    @click.argument("arbitration_id", type=int)
    @click.option("--as", "email", required=True, help="The arbitrator's e-mail.")
    @click.option("--outcome", type=click.Choice(agreement.OUTCOMES), required=True)
    @click.option(
        "--label", default=None, help="The label to submit (comma-separated for several)."
    )
    @click.option("--note", default="")
    def decide_cmd(
        arbitration_id: int, email: str, outcome: str, label: str | None, note: str
    ) -> None:
        """Record an arbitrator's decision on one disagreement."""

        def action(session):
            row = session.get(Arbitration, arbitration_id)
            if row is None:
                fail(_("No disagreement has the number %(id)d.", id=arbitration_id))
            return agreement.decide(
                session, row, _user(session, email), outcome=outcome, label=label, note=note
            )

        row = run_service(action)
        click.echo(_("Disagreement %(id)d decided: %(outcome)s.", id=row.id, outcome=row.outcome))

    cli.add_command(group)


def _register_supervise(cli: AppGroup) -> None:
    group = AppGroup("supervise", help="Spot-check reviewers' and arbitrators' work (P8).")

    @group.command("draw")
    @click.argument("batch")
    @click.option("--as", "email", required=True, help="The supervisor's e-mail.")
    @click.option("--role", type=click.Choice(supervision.ROLES), default="reviewer")
    @click.option("--subject", default=None, help="Only this person's work (e-mail).")
    @click.option("--size", type=click.IntRange(min=1), default=5)
    @click.option("--seed", type=int, default=None)
    def draw_cmd(
        batch: str, email: str, role: str, subject: str | None, size: int, seed: int | None
    ) -> None:
        """Draw a spot-check of BATCH's reviews or arbitrations."""

        def action(session):
            return supervision.draw(
                session,
                batches.batch_by_ref(session, batch),
                _user(session, email),
                role=role,
                subject=_user(session, subject) if subject else None,
                size=size,
                seed=seed,
            )

        check = run_service(action)
        click.echo(
            _("Spot-check %(id)d drew %(n)d pieces of work.", id=check.id, n=len(check.sample))
        )

    @group.command("judge")
    @click.argument("check_id", type=int)
    @click.argument("arbitration_id", type=int)
    @click.option("--as", "email", required=True, help="The supervisor's e-mail.")
    @click.option("--upheld/--overturned", required=True)
    @click.option("--note", default="")
    def judge_cmd(check_id: int, arbitration_id: int, email: str, upheld: bool, note: str) -> None:
        """Uphold or overturn one arbitration sampled by spot-check CHECK_ID."""

        def action(session):
            check = session.get(SupervisionCheck, check_id)
            if check is None:
                fail(_("No spot-check has the number %(id)d.", id=check_id))
            supervision.judge_arbitration(
                session, check, _user(session, email), arbitration_id, upheld=upheld, note=note
            )
            return supervision.summary(check)

        facts = run_service(action)
        click.echo(
            _(
                "%(judged)d of %(sampled)d judged.",
                judged=facts["judged"],
                sampled=facts["sampled"],
            )
        )

    @group.command("close")
    @click.argument("check_id", type=int)
    @click.option("--as", "email", required=True, help="The supervisor's e-mail.")
    @click.option("--risks", required=True, help="Risks found (or “none”).")
    @click.option("--handling", required=True, help="How they were handled.")
    def close_cmd(check_id: int, email: str, risks: str, handling: str) -> None:
        """Record the risks found and their handling; close the spot-check."""

        def action(session):
            check = session.get(SupervisionCheck, check_id)
            if check is None:
                fail(_("No spot-check has the number %(id)d.", id=check_id))
            return supervision.close(
                session, check, _user(session, email), risks=risks, handling=handling
            )

        check = run_service(action)
        facts = supervision.summary(check)
        click.echo(
            _(
                "Spot-check %(id)d closed: %(agreed)d of %(judged)d held up.",
                id=check.id,
                agreed=facts["agreed"],
                judged=facts["judged"],
            )
        )

    cli.add_command(group)
