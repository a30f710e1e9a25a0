"""The compliance evidence pack page: generate a pack, view its HTML, download it."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import DataRequired, Optional

from app.extensions import db
from app.services import datasets as dataset_service
from app.services.errors import ServiceError
from app.services.reports import PACK_FILES, ReportScope, store, write_pack
from app.web.access import allow

bp = Blueprint("reports", __name__, url_prefix="/reports")

ROLES = ("auditor", "qa_lead", "admin")
MIMETYPES = {
    "report.html": "text/html",
    "report.pdf": "application/pdf",
    "report.json": "application/json",
    "manifest.json": "application/json",
    "manifest.sha256": "text/plain",
}


class ReportForm(FlaskForm):
    """What the pack covers and its language."""

    dataset = SelectField(_l("Dataset"), choices=[], validate_choice=True)
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    language = SelectField(_l("Language"), choices=["zh_CN", "en"], validators=[DataRequired()])


def _form() -> ReportForm:
    form = ReportForm()
    names, _total = dataset_service.list_datasets(db.session, page=1, per_page=10_000)
    # Plain values (tuples are deprecated in WTForms); the template writes the labels.
    form.dataset.choices = ["", *(d.name for d in names)]
    return form


@bp.route("/", methods=["GET"])
@allow(*ROLES)
def index():
    """Show the form and the packs written so far."""
    return render_template("reports/index.html", form=_form(), packs=store.list_packs())


@bp.route("/", methods=["POST"])
@allow(*ROLES)
def generate():
    """Write a new pack from the form and show it."""
    form = _form()
    if not form.validate_on_submit():
        return render_template("reports/index.html", form=form, packs=store.list_packs()), 400
    scope_args = {
        "dataset": form.dataset.data or None,
        "start": form.start.data,
        "end": form.end.data,
    }
    try:
        pack = write_pack(
            db.session, ReportScope(**scope_args), store.new_pack_dir(), language=form.language.data
        )
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
        return render_template("reports/index.html", form=form, packs=store.list_packs()), 400
    db.session.commit()
    flash(_("Evidence pack written."), "info")
    return redirect(url_for("reports.show", pack_id=pack.out_dir.name))


def _load(pack_id: str) -> store.StoredPack:
    try:
        return store.load(str(pack_id))
    except ServiceError:
        abort(404)


@bp.route("/<pack_id>/")
@allow(*ROLES)
def show(pack_id: str):
    """Show one pack: its summary, integrity and files."""
    return render_template("reports/show.html", pack=_load(pack_id))


@bp.route("/<pack_id>/files/<filename>")
@allow(*ROLES)
def file(pack_id: str, filename: str):
    """Serve one file of a pack (the HTML and PDF open in the browser)."""
    pack = _load(pack_id)
    if filename not in PACK_FILES:
        abort(404)
    # Packs are small; reading them whole leaves no file open behind the response.
    response = Response((pack.path / filename).read_bytes(), mimetype=MIMETYPES[filename])
    if filename.startswith("manifest"):
        response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    if filename == "report.html":
        # The report is self-contained: it may load nothing at all.
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'"
        )
    return response


@bp.route("/<pack_id>/download")
@allow(*ROLES)
def download(pack_id: str):
    """Download the whole pack as a ZIP archive."""
    pack = _load(pack_id)
    return Response(
        store.zip_bytes(pack),
        mimetype="application/zip",
        headers={"Content-Disposition": f"attachment; filename=labelgate-evidence-{pack.id}.zip"},
    )
