"""Give sampled annotations to independent verifiers and show them in Label Studio (V3, V6).

Verifiers are drawn at random (balanced, seeded, stored on each task) among active users
who hold the reviewer role for the rule set and a current qualification, and who have no
annotator assignment and no annotation in the batch. Review tasks live in one review
project per batch, built from the rule version's review config; each verifier gets a view
showing exactly their tasks.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections import Counter
from collections.abc import Callable, Iterable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.integrations.label_studio_gateway import (
    ITEM_ID_FIELD,
    LabelStudioError,
    LabelStudioGateway,
    tasks_to_import,
)
from app.models import (
    Annotation,
    Assignment,
    Batch,
    Item,
    ReviewProject,
    ReviewTask,
    RoleGrant,
    RuleSetRecord,
    User,
    VerificationPlan,
    utcnow,
)
from app.services import audit
from app.services import qualifications as quals
from app.services.accounts import link_accounts
from app.services.errors import Conflict, ServiceError
from app.services.verification.plans import latest_plan
from app.services.verification.units import annotator_ids, answers, rules_of
from labeling_rules import REVIEW_LABEL_KEY, render_review_label

REVIEWER = "reviewer"
TASK_PREFIX = "review-"
Progress = Callable[[int, int], None]


def review_webhook_secret(batch_id: int) -> str:
    """Return the secret of a batch's review webhook, distinct from the annotation one."""
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    message = f"label-studio-review-webhook:{batch_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def review_webhook_url(batch_id: int) -> str:
    """Return the address Label Studio posts a batch's review verdicts to."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return f"{base}/webhooks/label-studio/review/{batch_id}"


def eligible_verifiers(
    session: Session, batch: Batch, *, exclude: Iterable[int] = ()
) -> list[User]:
    """Return qualified, active reviewers of the rule set who did not work on the batch."""
    version, _rules = rules_of(session, batch)
    rule_set = session.get(RuleSetRecord, version.rule_set_id)
    qualified = quals.qualified_user_ids(session, rule_set.id, version.major)
    barred = annotator_ids(session, batch.id) | set(exclude)
    users = session.scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(
            User.id.in_(qualified),
            User.is_active_account.is_(True),
            RoleGrant.role == REVIEWER,
            RoleGrant.revoked_at.is_(None),
            or_(RoleGrant.rule_set.is_(None), RoleGrant.rule_set == rule_set.key),
        )
        .distinct()
        .order_by(User.id)
    )
    return [user for user in users if user.id not in barred]


class VerifierDraw:
    """Random choice among the least-loaded eligible verifiers, reproducible from a seed."""

    def __init__(
        self, session: Session, batch: Batch, seed: str, exclude: Iterable[int] = ()
    ) -> None:
        self.users = eligible_verifiers(session, batch, exclude=exclude)
        if not self.users:
            raise ServiceError(
                _(
                    "Nobody can verify batch %(batch)s: no active reviewer holds a "
                    "current qualification for its rule set without having "
                    "annotated in the batch (V3).",
                    batch=batch.name,
                )
            )
        self.load = Counter({u.id: 0 for u in self.users})
        self.load.update(
            uid
            for uid in session.scalars(
                select(ReviewTask.reviewer_id).where(ReviewTask.batch_id == batch.id)
            )
            if uid in self.load
        )
        self.rng = random.Random(seed)

    def pick(self, barred: Iterable[int] = ()) -> int:
        """Return a verifier id, never one in `barred`."""
        barred = set(barred)
        free = [uid for uid in self.load if uid not in barred]
        if not free:
            raise ServiceError(
                _(
                    "No independent verifier is left for this item: add "
                    "qualified reviewers who did not work on the batch."
                )
            )
        least = min(self.load[uid] for uid in free)
        uid = self.rng.choice(sorted(uid for uid in free if self.load[uid] == least))
        self.load[uid] += 1
        return uid


def reviewer_assignments(
    session: Session, batch_id: int, item_id: int | None = None
) -> set[tuple[int, int]]:
    """Return the (item, reviewer) pairs assigned in a batch (or for one item)."""
    stmt = select(Assignment.item_id, Assignment.user_id).where(
        Assignment.batch_id == batch_id, Assignment.role == REVIEWER
    )
    if item_id is not None:
        stmt = stmt.where(Assignment.item_id == item_id)
    return {(item, user) for item, user in session.execute(stmt)}


def new_task(
    session: Session,
    batch: Batch,
    *,
    item_id: int,
    annotation_id: int,
    reviewer_id: int,
    purpose: str,
    plan_id: int | None = None,
    position: int = 0,
    correction_id: int | None = None,
    check_id: int | None = None,
    held: set[tuple[int, int]] | None = None,
) -> ReviewTask:
    """Store one review task and the reviewer's assignment to the item (P4).

    `held` (item, reviewer) pairs already assigned, when the caller creates many tasks.
    """
    task = ReviewTask(
        batch_id=batch.id,
        plan_id=plan_id,
        item_id=item_id,
        annotation_id=annotation_id,
        reviewer_id=reviewer_id,
        purpose=purpose,
        position=position,
        correction_id=correction_id,
        check_id=check_id,
        rule_version_id=batch.rule_version_id,
    )
    session.add(task)
    if held is None:
        held = reviewer_assignments(session, batch.id, item_id)
    if (item_id, reviewer_id) not in held:
        held.add((item_id, reviewer_id))
        session.add(
            Assignment(
                item_id=item_id,
                batch_id=batch.id,
                user_id=reviewer_id,
                role=REVIEWER,
                rule_version_id=batch.rule_version_id,
            )
        )
    return task


def assign_reviews(session: Session, batch: Batch) -> int:
    """Give every sampled unit of the current plan a verifier; return the new tasks."""
    plan = latest_plan(session, batch.id)
    if plan is None:
        raise Conflict(
            _("Batch %(batch)s has no verification plan yet. Draw one first.", batch=batch.name)
        )
    done = {
        (t.item_id, t.annotation_id)
        for t in session.scalars(select(ReviewTask).where(ReviewTask.plan_id == plan.id))
    }
    wanted = [
        (pos, item, ann)
        for pos, (item, ann) in enumerate(plan.sample[: plan.sample_size])
        if (item, ann) not in done
    ]
    if not wanted:
        return 0
    draw = VerifierDraw(session, batch, f"{plan.seed}:{plan.round}:verifiers")
    per_reviewer: Counter = Counter()
    held = reviewer_assignments(session, batch.id)
    for position, item_id, annotation_id in wanted:
        uid = draw.pick()
        new_task(
            session,
            batch,
            item_id=item_id,
            annotation_id=annotation_id,
            reviewer_id=uid,
            purpose="sample",
            plan_id=plan.id,
            position=position,
            held=held,
        )
        per_reviewer[uid] += 1
    session.flush()
    audit.record(
        session,
        "verification.assign",
        "batch",
        batch.id,
        after={
            "plan": plan.id,
            "tasks": len(wanted),
            "per_verifier": {str(k): v for k, v in sorted(per_reviewer.items())},
        },
    )
    return len(wanted)


def task_data(task: ReviewTask, item: Item, annotation: Annotation, rules) -> dict:
    """Return a review task's data: the item and exactly the annotation under review."""
    blanks = {f.name: "" for f in rules.fields if item.data.get(f.name) is None}
    return {
        **item.data,
        **blanks,
        REVIEW_LABEL_KEY: render_review_label(rules, answers(rules, annotation.result)),
        ITEM_ID_FIELD: f"{TASK_PREFIX}{task.id}",
    }


def ensure_review_project(
    session: Session, gateway: LabelStudioGateway, batch: Batch
) -> ReviewProject:
    """Create or update the batch's review project from the rule version's review config."""
    version, _rules = rules_of(session, batch)
    project = session.scalar(select(ReviewProject).where(ReviewProject.batch_id == batch.id))
    project_id = gateway.ensure_project(
        title=f"{batch.name} · review"[:50],
        label_config=version.review_config,
        instructions_html=version.instructions_html,
        max_annotations=1,
        existing_id=project.ls_project_id if project else None,
    )
    if project is None:
        project = ReviewProject(batch_id=batch.id, ls_project_id=project_id)
        session.add(project)
        session.commit()  # Remember the project at once: a retry must reuse it.
    return project


def push_reviews(
    session: Session, gateway: LabelStudioGateway, batch: Batch, *, progress: Progress | None = None
) -> int:
    """Put the batch's review tasks into its review project; return how many were new."""
    tasks = session.scalars(
        select(ReviewTask).where(ReviewTask.batch_id == batch.id).order_by(ReviewTask.id)
    ).all()
    if not tasks:
        raise Conflict(
            _("Batch %(batch)s has no review tasks. Assign verifiers first.", batch=batch.name)
        )
    _version, rules = rules_of(session, batch)
    try:
        project = ensure_review_project(session, gateway, batch)
        pid = project.ls_project_id
        data = [
            task_data(
                t, session.get(Item, t.item_id), session.get(Annotation, t.annotation_id), rules
            )
            for t in tasks
        ]
        missing = tasks_to_import(gateway.list_tasks(pid), data)
        if progress:
            progress(0, len(missing))
        for start in range(0, len(missing), 1000):
            gateway.import_tasks(pid, missing[start : start + 1000])
            if progress:
                progress(min(len(missing), start + 1000), len(missing))
        by_key = {t.item_id: t.id for t in gateway.list_tasks(pid)}
        for task in tasks:
            task.ls_task_id = by_key.get(f"{TASK_PREFIX}{task.id}", task.ls_task_id)
        project.ls_webhook_id = gateway.ensure_webhook(
            pid, review_webhook_url(batch.id), review_webhook_secret(batch.id)
        )
        verifiers = [session.get(User, uid) for uid in sorted({t.reviewer_id for t in tasks})]
        link_accounts(session, gateway, verifiers, batch.ls_server)
    except LabelStudioError as err:
        session.rollback()
        raise ServiceError(str(err)) from err
    project.pushed_at = utcnow()
    audit.record(
        session,
        "verification.push",
        "batch",
        batch.id,
        after={
            "ls_project_id": pid,
            "tasks_imported": len(missing),
            "tasks_total": len(tasks),
            "label_studio": gateway.base_url,
        },
    )
    return len(missing)


def sample_tasks(session: Session, plan: VerificationPlan) -> list[ReviewTask]:
    """Return a plan's sample tasks in sample order."""
    return list(
        session.scalars(
            select(ReviewTask)
            .where(ReviewTask.plan_id == plan.id, ReviewTask.purpose == "sample")
            .order_by(ReviewTask.position)
        )
    )
