"""Batches: import, assign, push, sync, progress; the quarantine list; an annotator's work."""

from __future__ import annotations

import csv
import io
import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app import jobs
from app.extensions import db
from app.models import (
    Annotation,
    Assignment,
    Batch,
    Dataset,
    Item,
    Job,
    RuleSetRecord,
    RuleVersion,
    User,
)
from app.services import assignment, batches
from app.services.csv_export import csv_row
from app.services.errors import ServiceError
from app.services.isolation import readable_batches
from app.web.access import allow
from app.web.forms import EmptyForm
from app.web.paging import Pager, page_arg

bp = Blueprint("batches", __name__)

LEADS = ("qa_lead", "admin")
READERS = ("qa_lead", "admin", "supervisor", "auditor")


class ImportForm(FlaskForm):
    """A file of items and where they go."""

    file = FileField(_l("File (JSONL or CSV)"), validators=[FileRequired()])
    dataset = SelectField(_l("Dataset"), validators=[DataRequired()])
    rule_set = SelectField(_l("Rule set"), validators=[DataRequired()])
    name = StringField(_l("Batch name (optional)"), validators=[Optional(), Length(max=160)])


def _batch_or_404(batch_id: int) -> Batch:
    batch = db.session.get(Batch, batch_id)
    if batch is None:
        abort(404)
    return batch


@bp.route("/batches/")
@allow(*READERS)
def index():
    """List batches, newest first, filterable by state and dataset."""
    page, per_page = page_arg()
    stmt = readable_batches(select(Batch, Dataset.name).join(
        Dataset, Dataset.id == Batch.dataset_id), g.user)
    state = request.args.get("state", "")
    if state:
        stmt = stmt.where(Batch.state == state[:16])
    dataset = request.args.get("dataset", "")
    if dataset:
        stmt = stmt.where(Dataset.name == dataset[:120])
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.execute(stmt.order_by(Batch.id.desc())
                              .offset((page - 1) * per_page).limit(per_page)).all()
    return render_template("batches/index.html", rows=rows, pager=Pager(page, per_page, total),
                           args=request.args, can_import=g.user.has_role(*LEADS))


@bp.route("/batches/export.csv")
@allow(*READERS)
def export():
    """Download the batch list as CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("id", "name", "dataset", "state", "kind", "items", "ls_project",
                     "created_at", "pushed_at", "last_synced_at"))
    for batch, dataset in db.session.execute(readable_batches(
            select(Batch, Dataset.name).join(Dataset, Dataset.id == Batch.dataset_id)
            .order_by(Batch.id), g.user)):
        writer.writerow(csv_row(batch.id, batch.name, dataset, batch.state, batch.kind,
                                batch.item_count, batch.ls_project_id or "", batch.created_at,
                                batch.pushed_at or "", batch.last_synced_at or ""))
    return Response(buffer.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=batches.csv"})


@bp.route("/batches/import", methods=["GET", "POST"])
@allow(*LEADS)
def import_batch():
    """Upload a file of items; a bad row rejects the file, with every bad line named."""
    form = ImportForm()
    form.dataset.choices = list(db.session.scalars(select(Dataset.name).order_by(Dataset.name)))
    form.rule_set.choices = list(db.session.scalars(select(RuleSetRecord.key)
                                                    .order_by(RuleSetRecord.key)))
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            batch = batches.import_batch(
                db.session, upload.read(), source=upload.filename or "upload.jsonl",
                dataset_name=form.dataset.data, rule_set_key=form.rule_set.data,
                batch_name=form.name.data, created_by_id=g.user.id)
        except ServiceError as err:
            db.session.rollback()
            report = err.message
        else:
            db.session.commit()
            flash(_("Batch %(name)s imported: %(n)d items.", name=batch.name,
                    n=batch.item_count), "info")
            return redirect(url_for("batches.show", batch_id=batch.id))
    status = 400 if (form.errors or report) else 200
    return render_template("batches/import.html", form=form, report=report), status


@bp.route("/batches/<int:batch_id>")
@allow(*READERS)
def show(batch_id: int):
    """One batch: its rules, items, assignments, annotations and background jobs."""
    batch = _batch_or_404(batch_id)
    version = db.session.get(RuleVersion, batch.rule_version_id)
    per_annotator = db.session.execute(
        select(User.display_name, User.email, func.count(Assignment.id))
        .join(Assignment, Assignment.user_id == User.id)
        .where(Assignment.batch_id == batch.id, Assignment.role == "annotator")
        .group_by(User.id, User.display_name, User.email).order_by(User.email)).all()
    done = dict(db.session.execute(
        select(Annotation.user_id, func.count(Annotation.id)).where(
            Annotation.batch_id == batch.id, Annotation.deleted_at.is_(None),
            Annotation.quarantined.is_(False)).group_by(Annotation.user_id)).all())
    users = {u.email: u.id for u in db.session.scalars(select(User).where(
        User.email.in_([row.email for row in per_annotator])))}
    counts = {
        "items": batch.item_count,
        "pushed": db.session.scalar(select(func.count(Item.id)).where(
            Item.batch_id == batch.id, Item.ls_task_id.is_not(None))),
        "annotations": sum(done.values()),
        "quarantined": db.session.scalar(select(func.count(Annotation.id)).where(
            Annotation.batch_id == batch.id, Annotation.quarantined.is_(True))),
    }
    recent_jobs = db.session.scalars(select(Job).where(Job.dedupe_key == f"batch:{batch.id}")
                                     .order_by(Job.id.desc()).limit(5)).all()
    return render_template("batches/show.html", batch=batch, version=version, counts=counts,
                           per_annotator=per_annotator, done=done, users=users,
                           jobs=recent_jobs, form=EmptyForm(), can_act=g.user.has_role(*LEADS))


ANNOTATION_COLUMNS = ("ls_server", "ls_annotation_id", "ls_task_id", "item", "annotator",
                      "rule_version", "lead_time", "was_cancelled", "created_at", "updated_at",
                      "source", "quarantined", "quarantine_reason", "deleted_at", "result")


@bp.route("/batches/<int:batch_id>/annotations.csv")
@allow(*READERS)
def annotations_csv(batch_id: int):
    """Download every annotation of a batch as Label Studio holds it, with who, under which
    rule version, how it was received and whether it counts (streamed, any size)."""
    batch = _batch_or_404(batch_id)
    version = db.session.get(RuleVersion, batch.rule_version_id).label
    stmt = (select(Annotation, Item.external_id, User.email)
            .join(Item, Item.id == Annotation.item_id)
            .outerjoin(User, User.id == Annotation.user_id)
            .where(Annotation.batch_id == batch.id).order_by(Annotation.ls_annotation_id))

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(ANNOTATION_COLUMNS)
        for ann, item, email in db.session.execute(stmt.execution_options(yield_per=1000)):
            writer.writerow(csv_row(
                ann.ls_server, ann.ls_annotation_id, ann.ls_task_id, item, email or "",
                version, ann.lead_time, ann.was_cancelled, ann.ls_created_at or "",
                ann.ls_updated_at or "", ann.source, ann.quarantined,
                ann.quarantine_reason or "", ann.deleted_at or "",
                json.dumps(ann.result_raw, ensure_ascii=False, sort_keys=True)))
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    return Response(stream_with_context(rows()), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=batch-{batch.id}-annotations.csv"})


def _act(batch_id: int, action) -> Response:
    batch = _batch_or_404(batch_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        message = action(batch)
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(message, "info")
    return redirect(url_for("batches.show", batch_id=batch_id))


@bp.route("/batches/<int:batch_id>/assign", methods=["POST"])
@allow(*LEADS)
def assign(batch_id: int):
    """Assign qualified annotators (their queues in the door show the new work at once)."""
    def action(batch: Batch) -> str:
        n = assignment.assign_batch(db.session, batch)
        return _("%(n)d new assignments.", n=n)

    return _act(batch_id, action)


@bp.route("/batches/<int:batch_id>/push", methods=["POST"])
@allow(*LEADS)
def push(batch_id: int):
    """Start pushing the batch to Label Studio in the background."""
    return _act(batch_id, lambda batch: _start(batch, "push"))


@bp.route("/batches/<int:batch_id>/sync", methods=["POST"])
@allow(*LEADS)
def sync(batch_id: int):
    """Start reconciling the batch with Label Studio in the background."""
    return _act(batch_id, lambda batch: _start(batch, "sync"))


def _start(batch: Batch, kind: str) -> str:
    job = jobs.enqueue(db.session, kind, {"batch_id": batch.id}, key=f"batch:{batch.id}")
    return _("Job %(id)d started; its progress shows below.", id=job.id)


@bp.route("/jobs/<int:job_id>")
@allow(*READERS)
def job_status(job_id: int):
    """Return a job's progress as JSON (the batch page polls it)."""
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    return jsonify(id=job.id, kind=job.kind, state=job.state, done=job.done, total=job.total,
                   message=job.message, result=job.result)


@bp.route("/quarantine/")
@allow("qa_lead", "admin", "supervisor")
def quarantine():
    """List quarantined annotations with their reasons."""
    page, per_page = page_arg()
    stmt = (select(Annotation, Batch.name, Item.external_id)
            .join(Batch, Batch.id == Annotation.batch_id)
            .join(Item, Item.id == Annotation.item_id)
            .where(Annotation.quarantined.is_(True)))
    stmt = readable_batches(stmt, g.user)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.execute(stmt.order_by(Annotation.id.desc())
                              .offset((page - 1) * per_page).limit(per_page)).all()
    return render_template("batches/quarantine.html", rows=rows,
                           pager=Pager(page, per_page, total))


@bp.route("/my/work")
@allow("annotator")
def my_work():
    """An annotator's batches, how much is done, and the way into each queue (the door)."""
    rows = db.session.execute(
        select(Batch, func.count(Assignment.id))
        .join(Assignment, Assignment.batch_id == Batch.id)
        .where(Assignment.user_id == g.user.id, Assignment.role == "annotator",
               Assignment.revoked_at.is_(None))
        .group_by(Batch.id).order_by(Batch.id.desc())).all()
    done = dict(db.session.execute(
        select(Annotation.batch_id, func.count(Annotation.id)).where(
            Annotation.user_id == g.user.id, Annotation.deleted_at.is_(None))
        .group_by(Annotation.batch_id)).all())
    return render_template("batches/my_work.html", rows=rows, done=done)
