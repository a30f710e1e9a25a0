"""The JSON API for automation; bearer tokens only (401 without, 403 without the role)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _

from app.extensions import csrf, db
from app.services import datasets as dataset_service
from app.services.errors import ServiceError
from app.web.access import allow, api_view
from app.web.paging import page_arg

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # Token-authenticated: no cookie, so no cross-site request to forge.


def _error(err: ServiceError):
    body = {"error": err.message, "status": err.status}
    if err.field:
        body["field"] = err.field
    return jsonify(body), err.status


@bp.route("/me")
@api_view
@allow()
def me():
    """Return the token's user and roles."""
    return jsonify(email=g.user.email, display_name=g.user.display_name,
                   roles=sorted(g.user.active_roles()))


@bp.route("/datasets", methods=["GET"])
@api_view
@allow("admin", "qa_lead", "auditor", "rule_author", "supervisor")
def datasets():
    """List datasets, paged."""
    page, per_page = page_arg()
    rows, total = dataset_service.list_datasets(db.session, page=page, per_page=per_page)
    return jsonify(total=total, page=page, per_page=per_page, items=[
        {"name": d.name, "modality": d.modality, "source_type": d.source_type,
         "licence": d.licence, "contains_personal_information": d.contains_personal_information}
        for d in rows
    ])


@bp.route("/datasets", methods=["POST"])
@api_view
@allow("admin", "qa_lead")
def create_dataset():
    """Register a dataset from a JSON body."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error=_("Send a JSON object."), status=400), 400
    allowed = {"name", "modality", "source_type", "licence", "collection_record",
               "contract_reference", "user_authorisation_reference",
               "contains_personal_information", "notes"}
    unknown = sorted(set(body) - allowed)
    if unknown:
        return jsonify(error=_("Unknown fields: %(fields)s.", fields=", ".join(unknown)),
                       status=400), 400
    for key, value in body.items():
        expected = bool if key == "contains_personal_information" else str
        if value is not None and not isinstance(value, expected):
            return jsonify(error=_("%(field)s has the wrong type.", field=key), field=key,
                           status=400), 400
    try:
        ds = dataset_service.register_dataset(db.session, created_by_id=g.user.id, **body)
    except TypeError:
        db.session.rollback()
        return jsonify(error=_("name, modality and source_type are required."),
                       status=400), 400
    except ServiceError as err:
        db.session.rollback()
        return _error(err)
    db.session.commit()
    return jsonify(name=ds.name, id=ds.id), 201
