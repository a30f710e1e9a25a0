"""The practice set, done in Label Studio and scored against gold labels (P2).

One qualification project per rule version holds the gold items; every trainee labels all of
them there (the project admits as many annotations per task as there are trainees). Their
answers are pulled from Label Studio, normalised to the rule's labels, and scored.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.integrations.label_studio_gateway import LabelStudioError, LabelStudioGateway
from app.models import PracticeAttempt, RuleVersion, User, utcnow
from app.services import audit
from app.services.assignment import link_account
from app.services.errors import Conflict, Forbidden, ServiceError
from app.services.ingestion import jsonable
from app.services.rule_versions import rule_set_of
from app.services.training import _modules, maybe_qualify
from labeling_rules import ResultError, normalise_result
from training_modules import practice_set, score_practice

PRACTICE_KEY = "lg_practice_key"
MAX_TRAINEES = 1000


def _items(version: RuleVersion):
    rules = rule_set_of(version)
    return rules, practice_set(rules, _modules(version))


def ensure_practice_project(session: Session, gateway: LabelStudioGateway,
                            version: RuleVersion) -> int:
    """Create (once per rule version) the Label Studio project holding the gold items."""
    rules, items = _items(version)
    if not items:
        raise ServiceError(_("Rule set %(set)s ships no practice items.", set=rules.id))
    existing = session.scalar(select(PracticeAttempt.ls_project_id).where(
        PracticeAttempt.rule_version_id == version.id, PracticeAttempt.ls_project_id.is_not(None)
    ).limit(1))
    try:
        project_id = gateway.ensure_project(
            title=f"Practice · {version.label}"[:50], label_config=version.label_config,
            instructions_html=version.instructions_html, max_annotations=MAX_TRAINEES,
            existing_id=existing)
        present = {t.data.get(PRACTICE_KEY) for t in gateway.list_tasks(project_id)}
        names = [f.name for f in rules.fields]
        missing = [{**{n: "" for n in names}, **item.data, PRACTICE_KEY: item.key}
                   for item in items if item.key not in present]
        if missing:
            gateway.import_tasks(project_id, missing)
    except LabelStudioError as err:
        raise ServiceError(str(err)) from err
    return project_id


def start_practice(session: Session, gateway: LabelStudioGateway, user: User,
                   version: RuleVersion) -> PracticeAttempt:
    """Open (or return the open) practice attempt and make sure the user can label it."""
    open_attempt = session.scalar(select(PracticeAttempt).where(
        PracticeAttempt.user_id == user.id, PracticeAttempt.rule_version_id == version.id,
        PracticeAttempt.state == "open"))
    if open_attempt is not None:
        return open_attempt
    project_id = ensure_practice_project(session, gateway, version)
    try:
        link_account(session, gateway, user)
    except LabelStudioError as err:
        raise ServiceError(str(err)) from err
    rules = rule_set_of(version)
    attempt = PracticeAttempt(user_id=user.id, rule_version_id=version.id,
                              ls_project_id=project_id,
                              target=rules.quality.target_accuracy)
    session.add(attempt)
    session.flush()
    audit.record(session, "practice.start", "practice_attempt", attempt.id,
                 after={"user": user.email, "rule_version": version.label,
                        "ls_project_id": project_id})
    return attempt


def practice_url(gateway: LabelStudioGateway, attempt: PracticeAttempt) -> str:
    """Return the address that opens the practice project's labeling stream."""
    return f"{gateway.base_url}/projects/{attempt.ls_project_id}/data?labeling=1"


def score_attempt(session: Session, gateway: LabelStudioGateway, user: User,
                  attempt: PracticeAttempt) -> PracticeAttempt:
    """Pull the user's answers from Label Studio and score them against gold."""
    if attempt.user_id != user.id:
        raise Forbidden(_("This practice attempt belongs to someone else."))
    if attempt.state != "open":
        raise Conflict(_("This practice attempt is already scored."))
    version = session.get(RuleVersion, attempt.rule_version_id)
    rules, items = _items(version)
    ls_user = link_account(session, gateway, user)
    try:
        tasks = {t.id: t.data.get(PRACTICE_KEY) for t in gateway.list_tasks(attempt.ls_project_id)}
        exported = gateway.export_annotations(attempt.ls_project_id)
    except LabelStudioError as err:
        raise ServiceError(str(err)) from err
    answers, raw = {}, {}
    for ann in sorted(exported, key=lambda a: a.updated_at):
        key = tasks.get(ann.task_id)
        if ann.completed_by_id != ls_user or key is None or ann.was_cancelled:
            continue
        if ann.created_at < attempt.started_at:
            continue  # answers from an earlier attempt do not count again
        try:
            answers[key] = normalise_result(rules, ann.result)
        except ResultError:
            answers[key] = {}
        raw[key] = ann.result
    if len(answers) < len(items):
        raise ServiceError(_("You have answered %(done)d of %(total)d practice items in Label "
                             "Studio; finish them, then ask for your score.",
                             done=len(answers), total=len(items)))
    result = score_practice(rules, items, answers)
    attempt.answers = {"normalised": jsonable(answers), "raw": raw}
    attempt.n, attempt.correct = result.n, result.correct
    attempt.accuracy, attempt.ci_low, attempt.ci_high = (result.accuracy, result.ci_low,
                                                         result.ci_high)
    attempt.passed, attempt.state, attempt.finished_at = result.passed, "scored", utcnow()
    audit.record(session, "practice.score", "practice_attempt", attempt.id,
                 after={"user": user.email, "n": result.n, "correct": result.correct,
                        "accuracy": round(result.accuracy, 4),
                        "ci": [round(result.ci_low, 4), round(result.ci_high, 4)],
                        "target": result.target, "passed": result.passed})
    maybe_qualify(session, user, version.rule_set_id, version.major)
    return attempt
