"""The practice set, done through the door, kept in Label Studio, scored against gold (P2).

One practice project per rule version (on the server of its rule set's kind) holds the gold
items; every trainee labels all of them through the door, which stores each answer in Label
Studio as the trainee. Their answers are read back from Label Studio, normalised to the
rule's labels, and scored. A trainee sees only their own answers.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.integrations.label_studio_gateway import LabelStudioError, LabelStudioGateway
from app.models import PracticeAttempt, RuleVersion, User, utcnow
from app.services import audit
from app.services.accounts import link_account
from app.services.errors import Conflict, Forbidden, ServiceError
from app.services.label_studio import server_for_kind
from app.services.records import jsonable
from app.services.rule_versions import rule_set_of
from app.services.training import _modules, maybe_qualify
from labeling_rules import ResultError, normalise_result
from training_modules import practice_set, score_practice

PRACTICE_KEY = "lg_practice_key"
MAX_TRAINEES = 1000


def _items(version: RuleVersion):
    rules = rule_set_of(version)
    return rules, practice_set(rules, _modules(version))


def practice_items(version: RuleVersion):
    """Return a rule version's practice items, in the order trainees work them."""
    return _items(version)[1]


def ensure_practice_project(session: Session, gateway: LabelStudioGateway,
                            version: RuleVersion, server: str) -> tuple[int, dict[str, int]]:
    """Create (once per rule version and server) the project holding the gold items;
    return its id and each practice item's task id."""
    rules, items = _items(version)
    if not items:
        raise ServiceError(_("Rule set %(set)s ships no practice items.", set=rules.id))
    existing = session.scalar(select(PracticeAttempt.ls_project_id).where(
        PracticeAttempt.rule_version_id == version.id, PracticeAttempt.ls_server == server,
        PracticeAttempt.ls_project_id.is_not(None)).limit(1))
    try:
        project_id = gateway.ensure_project(
            title=f"Practice · {version.label}"[:50], label_config=version.label_config,
            instructions_html=version.instructions_html, max_annotations=MAX_TRAINEES,
            existing_id=existing)
        present = {t.data.get(PRACTICE_KEY): t.id for t in gateway.list_tasks(project_id)}
        names = [f.name for f in rules.fields]
        missing = [{**{n: "" for n in names}, **item.data, PRACTICE_KEY: item.key}
                   for item in items if item.key not in present]
        if missing:
            ids = gateway.import_tasks(project_id, missing)
            present.update((task[PRACTICE_KEY], task_id)
                           for task, task_id in zip(missing, ids, strict=True))
    except LabelStudioError as err:
        raise ServiceError(str(err)) from err
    return project_id, {key: present[key] for key in (item.key for item in items)}


def practice_server(version: RuleVersion) -> str:
    """Return the Label Studio server a rule version's practice set lives on."""
    return server_for_kind(rule_set_of(version).kind)


def start_practice(session: Session, gateway: LabelStudioGateway, user: User,
                   version: RuleVersion) -> PracticeAttempt:
    """Open (or return the open) practice attempt, ready to be labeled through the door.

    `gateway` is the gateway of `practice_server(version)`.
    """
    open_attempt = session.scalar(select(PracticeAttempt).where(
        PracticeAttempt.user_id == user.id, PracticeAttempt.rule_version_id == version.id,
        PracticeAttempt.state == "open"))
    if open_attempt is not None:
        return open_attempt
    server = practice_server(version)
    project_id, tasks = ensure_practice_project(session, gateway, version, server)
    try:
        link_account(session, gateway, user, server)
    except LabelStudioError as err:
        raise ServiceError(str(err)) from err
    rules = rule_set_of(version)
    attempt = PracticeAttempt(user_id=user.id, rule_version_id=version.id,
                              ls_project_id=project_id, ls_server=server,
                              answers={"tasks": tasks},
                              target=rules.quality.target_accuracy)
    session.add(attempt)
    session.flush()
    audit.record(session, "practice.start", "practice_attempt", attempt.id,
                 after={"user": user.email, "rule_version": version.label,
                        "ls_project_id": project_id})
    return attempt


def score_attempt(session: Session, gateway: LabelStudioGateway, user: User,
                  attempt: PracticeAttempt) -> PracticeAttempt:
    """Pull the user's answers from Label Studio and score them against gold."""
    if attempt.user_id != user.id:
        raise Forbidden(_("This practice attempt belongs to someone else."))
    if attempt.state != "open":
        raise Conflict(_("This practice attempt is already scored."))
    version = session.get(RuleVersion, attempt.rule_version_id)
    rules, items = _items(version)
    ls_user = link_account(session, gateway, user, attempt.ls_server)
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
        raise ServiceError(_("You have answered %(done)d of %(total)d practice items; finish "
                             "them, then ask for your score.",
                             done=len(answers), total=len(items)))
    result = score_practice(rules, items, answers)
    attempt.answers = {**(attempt.answers or {}), "normalised": jsonable(answers), "raw": raw}
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
