"""Training and exams: what each annotator must take, attempts kept whole, qualification won.

P1–P3 and B §7.1: the modules a rule set requires are read in the workbench; each module ends
in an exam (questions and options shuffled per attempt, reproducible from the stored seed),
every answer, per-topic score and both times are kept; attempts are limited with a cool-down;
a pass on every module plus a passed practice set grants a qualification for the rule set's
major version.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    ExamAttempt,
    PracticeAttempt,
    RoleGrant,
    RuleSetRecord,
    RuleVersion,
    User,
    VersionStatus,
    utcnow,
)
from app.services import audit
from app.services import qualifications as quals
from app.services.errors import Conflict, Forbidden, NotFound, ServiceError
from app.services.locale import current_language
from app.services.rule_versions import rule_set_of
from training_modules import Exam, Module, TrainingError, build_exam, grade, modules_for


@dataclass(frozen=True)
class TrainingPolicy:
    """How often and how soon an exam may be retaken, and how long a pass lasts."""

    max_failures: int = 3
    failure_window_days: int = 30
    cooldown_minutes: int = 60
    valid_days: int = quals.DEFAULT_VALID_DAYS


def policy() -> TrainingPolicy:
    """Return the deployment's policy (LABELGATE_TRAINING_* settings)."""
    cfg = current_app.config
    return TrainingPolicy(
        max_failures=int(cfg.get("TRAINING_MAX_FAILURES", 3)),
        failure_window_days=int(cfg.get("TRAINING_FAILURE_WINDOW_DAYS", 30)),
        cooldown_minutes=int(cfg.get("TRAINING_COOLDOWN_MINUTES", 60)),
        valid_days=int(cfg.get("TRAINING_VALID_DAYS", quals.DEFAULT_VALID_DAYS)),
    )


@dataclass(frozen=True)
class ModuleStatus:
    """Where one annotator stands with one module."""

    module: Module
    passed: bool
    best_score: float | None
    failures: int
    next_attempt_at: datetime | None
    blocked: bool


@dataclass(frozen=True)
class RuleSetTraining:
    """Everything an annotator needs to know about one rule set's training."""

    rule_set: RuleSetRecord
    version: RuleVersion
    modules: list[ModuleStatus]
    practice: PracticeAttempt | None
    qualification: object | None


def training_rule_sets(session: Session, user: User) -> list[RuleVersion]:
    """Return the active versions of the rule sets the user's annotator grants cover."""
    grants = session.scalars(select(RoleGrant).where(
        RoleGrant.user_id == user.id, RoleGrant.role == "annotator",
        RoleGrant.revoked_at.is_(None))).all()
    if not grants:
        return []
    stmt = (select(RuleVersion).join(RuleSetRecord, RuleSetRecord.id == RuleVersion.rule_set_id)
            .where(RuleVersion.status == VersionStatus.ACTIVE).order_by(RuleSetRecord.key))
    scoped = {g.rule_set for g in grants}
    if None not in scoped:
        stmt = stmt.where(RuleSetRecord.key.in_(scoped))
    return list(session.scalars(stmt))


def _modules(version: RuleVersion) -> list[Module]:
    # A rule set is taught in its own language: its label values, examples and practice
    # gold are written in it (the Chinese sets' labels are Chinese words).
    rules = rule_set_of(version)
    return modules_for(rules, lang=rules.language)


def module_status(session: Session, user: User, version: RuleVersion, module: Module,
                  pol: TrainingPolicy, now: datetime | None = None) -> ModuleStatus:
    """Return whether the user passed `module` for this major version, and when they may retry."""
    now = now or utcnow()
    attempts = session.scalars(select(ExamAttempt).where(
        ExamAttempt.user_id == user.id, ExamAttempt.rule_set_id == version.rule_set_id,
        ExamAttempt.major_version == version.major, ExamAttempt.module == module.name,
        ExamAttempt.submitted_at.is_not(None)).order_by(ExamAttempt.submitted_at)).all()
    passed = any(a.passed for a in attempts)
    window_start = now - timedelta(days=pol.failure_window_days)
    failures = [a for a in attempts if not a.passed and a.submitted_at >= window_start]
    next_at = None
    if failures and not passed:
        next_at = failures[-1].submitted_at + timedelta(minutes=pol.cooldown_minutes)
        if next_at <= now:
            next_at = None
    blocked = not passed and len(failures) >= pol.max_failures
    best = max((a.score for a in attempts if a.score is not None), default=None)
    return ModuleStatus(module, passed, best, len(failures), next_at, blocked)


def overview(session: Session, user: User) -> list[RuleSetTraining]:
    """Return, per rule set the user may annotate, their modules, practice and qualification."""
    pol = policy()
    result = []
    for version in training_rule_sets(session, user):
        statuses = [module_status(session, user, version, m, pol) for m in _modules(version)]
        practice = session.scalar(select(PracticeAttempt).join(
            RuleVersion, RuleVersion.id == PracticeAttempt.rule_version_id).where(
            PracticeAttempt.user_id == user.id, RuleVersion.rule_set_id == version.rule_set_id,
            RuleVersion.major == version.major).order_by(PracticeAttempt.id.desc()).limit(1))
        qualification = quals.current(session, user.id, version.rule_set_id, version.major)
        result.append(RuleSetTraining(version.rule_set, version, statuses, practice,
                                      qualification))
    return result


def find_module(session: Session, user: User, rule_set_key: str,
                module_name: str) -> tuple[RuleVersion, Module]:
    """Return the active version and the module, if the user's training includes it."""
    for version in training_rule_sets(session, user):
        if version.rule_set.key == rule_set_key:
            for module in _modules(version):
                if module.name == module_name:
                    return version, module
    raise NotFound(_("Module %(module)s is not part of your training for %(set)s.",
                     module=module_name, set=rule_set_key))


def start_exam(session: Session, user: User, rule_set_key: str,
               module_name: str) -> ExamAttempt:
    """Open an exam attempt (a fresh shuffled paper) if attempts and cool-down allow it."""
    version, module = find_module(session, user, rule_set_key, module_name)
    pol = policy()
    status = module_status(session, user, version, module, pol)
    if status.blocked:
        raise Forbidden(_("You failed this exam %(n)d times in %(days)d days; you can take it "
                          "again when the oldest of those failures is %(days)d days old.",
                          n=status.failures, days=pol.failure_window_days))
    if status.next_attempt_at is not None:
        raise Conflict(_("You can retake this exam after %(time)s UTC (a cool-down of "
                         "%(minutes)d minutes follows a failed attempt).",
                         time=status.next_attempt_at.strftime("%Y-%m-%d %H:%M"),
                         minutes=pol.cooldown_minutes))
    open_attempt = session.scalar(select(ExamAttempt).where(
        ExamAttempt.user_id == user.id, ExamAttempt.module == module.name,
        ExamAttempt.rule_set_id == version.rule_set_id, ExamAttempt.submitted_at.is_(None)))
    if open_attempt is not None:
        return open_attempt
    attempt = ExamAttempt(user_id=user.id, rule_set_id=version.rule_set_id,
                          major_version=version.major, module=module.name, language=module.lang,
                          seed=secrets.randbelow(2**31), pass_mark=module.pass_mark)
    session.add(attempt)
    session.flush()
    # Keep the paper as it was set (questions, option order, module content hashes): the
    # record shows what was asked even if the module's files change later.
    attempt.answers = {"paper": paper(session, attempt).paper(), "given": None}
    audit.record(session, "exam.start", "exam_attempt", attempt.id,
                 after={"user": user.email, "rule_set": version.rule_set.key,
                        "major": version.major, "module": module.name, "seed": attempt.seed})
    return attempt


def paper(session: Session, attempt: ExamAttempt) -> Exam:
    """Return the attempt's paper, rebuilt exactly from its stored seed."""
    from training_modules import load_module

    record = session.get(RuleSetRecord, attempt.rule_set_id)
    version = session.scalar(select(RuleVersion).where(
        RuleVersion.rule_set_id == record.id, RuleVersion.major == attempt.major_version)
        .order_by(RuleVersion.id.desc()).limit(1))
    module = load_module(attempt.module, lang=attempt.language, rule_set=rule_set_of(version))
    return build_exam(module, seed=attempt.seed, pass_mark=attempt.pass_mark)


def submit_exam(session: Session, user: User, attempt: ExamAttempt,
                answers: dict[str, list[str]]) -> ExamAttempt:
    """Grade and keep the attempt: every answer, per-topic scores, times; maybe qualify."""
    if attempt.user_id != user.id:
        raise Forbidden(_("This exam belongs to someone else."))
    if attempt.submitted_at is not None:
        raise Conflict(_("This exam was already submitted."))
    exam = paper(session, attempt)
    set_paper = (attempt.answers or {}).get("paper") or {}
    if set_paper and set_paper.get("modules") != exam.paper()["modules"]:
        raise Conflict(_("The module changed after this exam was set; start the exam again."))
    try:
        result = grade(exam, answers)
    except TrainingError as err:
        raise ServiceError(err.message(current_language())) from err
    now = utcnow()
    attempt.submitted_at = now
    attempt.duration_seconds = (now - attempt.started_at).total_seconds()
    attempt.answers = {"paper": set_paper or exam.paper(),
                       "given": {qid: list(v) for qid, v in answers.items()}}
    attempt.score = result.score
    attempt.topic_scores = {t: {"correct": s.correct, "total": s.total}
                            for t, s in result.per_topic.items()}
    attempt.passed = result.passed
    audit.record(session, "exam.submit", "exam_attempt", attempt.id,
                 after={"user": user.email, "module": attempt.module, "score": result.score,
                        "passed": result.passed,
                        "duration_seconds": round(attempt.duration_seconds, 1)})
    maybe_qualify(session, user, attempt.rule_set_id, attempt.major_version)
    return attempt


def maybe_qualify(session: Session, user: User, rule_set_id: int, major: int):
    """Grant the qualification once every module is passed and the practice set too."""
    if quals.current(session, user.id, rule_set_id, major) is not None:
        return None
    version = session.scalar(select(RuleVersion).where(
        RuleVersion.rule_set_id == rule_set_id, RuleVersion.major == major,
        RuleVersion.status == VersionStatus.ACTIVE))
    if version is None:
        return None
    pol = policy()
    modules = _modules(version)
    if not all(module_status(session, user, version, m, pol).passed for m in modules):
        return None
    practice_passed = session.scalar(select(func.count(PracticeAttempt.id)).join(
        RuleVersion, RuleVersion.id == PracticeAttempt.rule_version_id).where(
        PracticeAttempt.user_id == user.id, PracticeAttempt.passed.is_(True),
        RuleVersion.rule_set_id == rule_set_id, RuleVersion.major == major))
    if not practice_passed:
        return None
    return quals.grant(session, user, version.rule_set, major, source="exam",
                       valid_days=pol.valid_days,
                       reason="passed every module's exam and the practice set")


def exam_attempts(session: Session, *, user_id: int | None = None, limit: int = 500):
    """Return recent exam attempts, newest first (for records and the annotator's page)."""
    stmt = select(ExamAttempt).where(ExamAttempt.submitted_at.is_not(None))
    if user_id is not None:
        stmt = stmt.where(ExamAttempt.user_id == user_id)
    return session.scalars(stmt.order_by(ExamAttempt.submitted_at.desc()).limit(limit)).all()
