"""The data register pages (E1)."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from app.extensions import db
from app.services import datasets as dataset_service
from app.services.csv_export import csv_row
from app.services.errors import ServiceError
from app.web.access import allow
from app.web.forms import DatasetForm
from app.web.paging import Pager, page_arg

bp = Blueprint("datasets", __name__, url_prefix="/datasets")

READERS = ("admin", "qa_lead", "auditor", "rule_author", "supervisor")
WRITERS = ("admin", "qa_lead")


@bp.route("/")
@allow(*READERS)
def index():
    """List registered datasets."""
    page, per_page = page_arg()
    rows, total = dataset_service.list_datasets(db.session, page=page, per_page=per_page)
    return render_template("datasets/index.html", datasets=rows,
                           pager=Pager(page, per_page, total),
                           can_write=g.user.has_role(*WRITERS))


@bp.route("/export.csv")
@allow(*READERS)
def export():
    """Download the register as CSV."""
    rows, _total = dataset_service.list_datasets(db.session, page=1, per_page=100_000)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    columns = ("name", "modality", "source_type", "licence", "collection_record",
               "contract_reference", "user_authorisation_reference",
               "contains_personal_information", "created_at")
    writer.writerow(columns)
    for ds in rows:
        writer.writerow(csv_row(*(getattr(ds, c) for c in columns)))
    return Response(buffer.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=datasets.csv"})


@bp.route("/new", methods=["GET", "POST"])
@allow(*WRITERS)
def new():
    """Register a dataset."""
    form = DatasetForm()
    if form.validate_on_submit():
        try:
            ds = dataset_service.register_dataset(
                db.session, created_by_id=g.user.id,
                **{k: v for k, v in form.data.items() if k != "csrf_token"},
            )
        except ServiceError as err:
            db.session.rollback()
            field = getattr(form, err.field or "", None)
            if field is not None:
                field.errors = [*field.errors, err.message]
            else:
                flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("Dataset %(name)s registered.", name=ds.name), "info")
            return redirect(url_for("datasets.index"))
    status = 400 if form.errors else 200
    return render_template("datasets/new.html", form=form), status
