"""Training: lessons, exams and the practice set for annotators; qualifications and training
records for QA leads and assessors (P1–P3, B §9.3)."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import ExamAttempt, PracticeAttempt, Qualification, RuleSetRecord, User
from app.services import practice, qualification_review, training
from app.services.csv_export import csv_row
from app.services.errors import ServiceError
from app.services.label_studio import gateway, gateway_for
from app.services.rule_versions import active_version
from app.web.access import allow
from app.web.forms import EmptyForm, ReasonForm
from training_modules import TOPICS, load_module, render_lesson

bp = Blueprint("training", __name__)
RECORD_READERS = ("qa_lead", "admin", "auditor", "supervisor")


@bp.route("/training/")
@allow("annotator")
def index():
    """The annotator's training: modules per rule set, practice, qualification."""
    return render_template("training/index.html", sets=training.overview(db.session, g.user),
                           form=EmptyForm())


@bp.route("/training/<rule_set>/<module>")
@allow("annotator")
def lesson(rule_set: str, module: str):
    """Read a module's lesson; the exam starts from here."""
    try:
        version, mod = training.find_module(db.session, g.user, rule_set, module)
    except ServiceError:
        abort(404)
    status = training.module_status(db.session, g.user, version, mod, training.policy())
    return render_template("training/lesson.html", version=version, module=mod, status=status,
                           lesson_html=render_lesson(mod.lesson_markdown), form=EmptyForm())


@bp.route("/training/<rule_set>/<module>/exam", methods=["POST"])
@allow("annotator")
def start_exam(rule_set: str, module: str):
    """Open an exam attempt with a freshly shuffled paper."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        attempt = training.start_exam(db.session, g.user, rule_set, module)
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("training.lesson", rule_set=rule_set, module=module))
    db.session.commit()
    return redirect(url_for("training.exam", attempt_id=attempt.id))


def _own_attempt(attempt_id: int) -> ExamAttempt:
    attempt = db.session.get(ExamAttempt, attempt_id)
    if attempt is None or attempt.user_id != g.user.id:
        abort(404)
    return attempt


@bp.route("/training/exam/<int:attempt_id>", methods=["GET", "POST"])
@allow("annotator")
def exam(attempt_id: int):
    """Take the exam (GET shows the paper, POST submits it); afterwards show the result."""
    attempt = _own_attempt(attempt_id)
    paper = training.paper(db.session, attempt)
    form = EmptyForm()
    if request.method == "POST" and attempt.submitted_at is None:
        if not form.validate_on_submit():
            abort(400)
        answers = {q.id: request.form.getlist(f"q:{q.id}") for q in paper.questions}
        try:
            training.submit_exam(db.session, g.user, attempt, answers)
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            db.session.commit()
            return redirect(url_for("training.exam", attempt_id=attempt.id))
    title = load_module(attempt.module, lang=attempt.language).title
    return render_template("training/exam.html", attempt=attempt, paper=paper, form=form,
                           topics=TOPICS, title=title)


@bp.route("/training/<rule_set>/practice", methods=["POST"])
@allow("annotator")
def start_practice(rule_set: str):
    """Open the practice set in the door."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        version = active_version(db.session, rule_set)
        server = practice.practice_server(version)
        attempt = practice.start_practice(db.session, gateway(server=server), g.user, version)
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("training.index"))
    db.session.commit()
    return redirect(url_for("door.practice", attempt_id=attempt.id))


@bp.route("/training/practice/<int:attempt_id>/score", methods=["POST"])
@allow("annotator")
def score_practice(attempt_id: int):
    """Score the practice set from the answers Label Studio holds."""
    attempt = db.session.get(PracticeAttempt, attempt_id)
    if attempt is None or attempt.user_id != g.user.id or not EmptyForm().validate_on_submit():
        abort(404)
    try:
        practice.score_attempt(db.session, gateway_for(attempt), g.user, attempt)
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(_("Practice scored: %(correct)d of %(n)d right.", correct=attempt.correct,
                n=attempt.n), "info")
    return redirect(url_for("training.index"))


@bp.route("/qualifications/")
@allow(*RECORD_READERS)
def qualifications():
    """Every qualification with its state, expiry and reason."""
    rows = db.session.execute(
        select(Qualification, User.email, RuleSetRecord.key)
        .join(User, User.id == Qualification.user_id)
        .join(RuleSetRecord, RuleSetRecord.id == Qualification.rule_set_id)
        .order_by(Qualification.granted_at.desc()).limit(1000)).all()
    return render_template("training/qualifications.html", rows=rows, form=ReasonForm(),
                           can_reinstate=g.user.has_role("qa_lead"))


@bp.route("/qualifications/<int:qualification_id>/reinstate", methods=["POST"])
@allow("qa_lead")
def reinstate(qualification_id: int):
    """Reinstate a suspended qualification with a note."""
    record = db.session.get(Qualification, qualification_id)
    form = ReasonForm()
    if record is None or not form.validate_on_submit():
        abort(404)
    try:
        qualification_review.reinstate(db.session, record, g.user, form.reason.data or "")
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(_("Qualification reinstated."), "info")
    return redirect(url_for("training.qualifications"))


@bp.route("/training/records")
@allow(*RECORD_READERS)
def records():
    """Training coverage per annotator and topic, and the assessor's pass-record check."""
    coverage = _coverage()
    report = qualification_review.assessor_report(db.session)
    return render_template("training/records.html", coverage=coverage, report=report,
                           topics=TOPICS)


@bp.route("/training/records.csv")
@allow(*RECORD_READERS)
def records_csv():
    """The assessor's check as CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("annotator", "rule_set", "annotations", "without_valid_pass"))
    for row in qualification_review.assessor_report(db.session):
        writer.writerow(csv_row(row.email, row.rule_set, row.annotations, row.without_pass))
    return Response(buffer.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=assessor-report.csv"})


def _coverage() -> dict[str, dict[str, tuple[int, int]]]:
    """Per annotator e-mail: topic -> (questions right, questions asked) over passed exams."""
    result: dict[str, dict[str, tuple[int, int]]] = {}
    for attempt, email in db.session.execute(
            select(ExamAttempt, User.email).join(User, User.id == ExamAttempt.user_id)
            .where(ExamAttempt.submitted_at.is_not(None)).order_by(User.email)):
        per = result.setdefault(email, {})
        for topic_id, score in (attempt.topic_scores or {}).items():
            right, asked = per.get(topic_id, (0, 0))
            per[topic_id] = (right + score["correct"], asked + score["total"])
    return result
