"""The auditor's view of the audit trail: filter, page, export, verify (L1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import gettext as _

from app.extensions import db
from app.services import audit
from app.web.access import allow
from app.web.paging import Pager, page_arg

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _date(name: str, *, end: bool = False) -> tuple[datetime | None, str | None]:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None, None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None, _("“%(value)s” is not a date (use YYYY-MM-DD); the filter was ignored.",
                       value=raw[:40])
    return (day + timedelta(days=1) if end else day), None


def _filter() -> tuple[audit.AuditFilter, list[str]]:
    since, err1 = _date("since")
    until, err2 = _date("until", end=True)
    flt = audit.AuditFilter(
        actor=request.args.get("actor", "").strip()[:160] or None,
        action=request.args.get("action", "").strip()[:80] or None,
        object_type=request.args.get("object_type", "").strip()[:60] or None,
        object_id=request.args.get("object_id", "").strip()[:80] or None,
        since=since,
        until=until,
    )
    return flt, [e for e in (err1, err2) if e]


@bp.route("/")
@allow("auditor", "admin")
def events():
    """List audit events, newest first, with filters and paging."""
    flt, errors = _filter()
    page, per_page = page_arg()
    rows, total = audit.list_events(db.session, flt, page=page, per_page=per_page)
    return render_template("audit/events.html", events=rows, errors=errors,
                           actions=audit.distinct_actions(db.session),
                           pager=Pager(page, per_page, total), args=request.args)


@bp.route("/export.csv")
@allow("auditor", "admin")
def export():
    """Download the filtered trail as CSV."""
    flt, _errors = _filter()
    body = stream_with_context(audit.export_csv(db.session, flt))
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=audit-events.csv"})


@bp.route("/verify")
@allow("auditor", "admin")
def verify():
    """Recompute the hash chain and show the result."""
    report = audit.verify_chain(db.session)
    return render_template("audit/verify.html", report=report)
