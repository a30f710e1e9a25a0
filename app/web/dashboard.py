"""The QA lead's dashboard (Article 8: supervising labeling personnel): overview with
compliance per requirement and alerts, a batch page, annotators with p-charts, agreement.
Every page takes the rule set / dataset / date filters; every table exports as CSV."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    render_template,
    request,
)
from flask_babel import gettext as _

from app.extensions import db
from app.models import User
from app.services import compliance
from app.services.dashboard import agreement, annotators, batch_page, filters, labels, overview
from app.services.dashboard.control_chart import p_chart
from app.services.isolation import readable_security_sets
from app.services.verification.decisions import reason_text
from app.web import charts
from app.web.access import ANONYMOUS, AUTHENTICATED, allow, required_roles
from app.web.dashboard_csv import TABLES, csv_response
from app.web.dashboard_figures import (
    annotator_table,
    limits,
    pace_policy,
    pair_matrix,
    peers,
    per_label,
    statuses,
)
from app.web.labels import STATE_NAMES
from app.web.oc_chart import oc_chart
from app.web.paging import Pager, page_arg

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

VIEWERS = ("qa_lead", "admin", "supervisor", "auditor")
HEATMAP_ANNOTATORS = 40  # more cells than 40 x 40 are no longer readable; the CSV has all
FILTER_KEYS = ("rule_set", "dataset", "from", "to")


def current_filter() -> filters.DashboardFilter:
    """Return the filter of the request; a filter that cannot be understood is dropped with
    a message saying why."""
    try:
        return filters.parse(db.session, request.args, readable=_readable())
    except ValueError as err:
        flash(_("Filter ignored: %(reason)s", reason=str(err)), "error")
        return filters.DashboardFilter(readable=_readable())


def _readable() -> frozenset[str] | None:
    allowed = readable_security_sets(g.user)
    return None if allowed is None else frozenset(allowed)


def filter_args() -> dict[str, str]:
    """Return the filter's query arguments, to carry over in links."""
    return {k: request.args[k] for k in FILTER_KEYS if request.args.get(k)}


def _page(template: str, **context) -> str:
    return render_template(
        template,
        filter_args=filter_args(),
        choices=filters.choices(db.session),
        args=request.args,
        may_open=may_open,
        **context,
    )


def may_open(endpoint: str) -> bool:
    """Tell whether the signed-in user may open `endpoint` (so evidence links never 403)."""
    roles = required_roles(endpoint)
    if roles is None:
        return False
    return bool(roles & {ANONYMOUS, AUTHENTICATED}) or g.user.has_role(*roles)


@bp.route("/")
@allow(*VIEWERS)
def overview_page():
    """Batches by state and their trend, compliance per requirement, alerts, the batches."""
    flt = current_filter()
    page, per_page = page_arg()
    counts = overview.state_counts(db.session, flt)
    trend = overview.trend(db.session, flt)
    rows, total = overview.batch_rows(db.session, flt, page=page, per_page=per_page)
    days = int(current_app.config.get("DASHBOARD_UNVERIFIED_DAYS", 14))
    return _page(
        "dashboard/overview.html",
        counts=counts,
        rows=rows,
        pager=Pager(page, per_page, total),
        trend=trend,
        unverified_days=days,
        alerts=overview.alerts(db.session, flt, unverified_days=days),
        statuses=statuses(flt),
        sections=compliance.SECTIONS,
        state_chart=charts.bar_chart([(str(STATE_NAMES[s]), n) for s, n in counts.items()]),
        trend_chart=charts.line_chart(
            [w.isoformat()[5:] for w in trend.weeks],
            {str(STATE_NAMES[k]): v for k, v in trend.series.items()},
        ),
    )


def _confusion_chart(matrix: labels.Confusion) -> charts.Heatmap | None:
    if not matrix.labels or matrix.n == 0:
        return None
    totals = matrix.counts.sum(axis=1)
    shares = [
        [(c / t if t else None) for c in row]
        for row, t in zip(matrix.counts.tolist(), totals.tolist(), strict=True)
    ]
    titles = [
        [
            _("final %(final)s, given %(given)s: %(n)d", final=f, given=g, n=c)
            for g, c in zip(matrix.labels, row, strict=True)
        ]
        for f, row in zip(matrix.labels, matrix.counts.tolist(), strict=True)
    ]
    return charts.heatmap(
        matrix.labels,
        matrix.labels,
        shares,
        [[str(c) for c in row] for row in matrix.counts.tolist()],
        titles,
        size=46,
        left=150,
        top=120,
    )


def _chosen(options: list[str], arg: str) -> str | None:
    wanted = request.args.get(arg)
    return wanted if wanted in options else (options[0] if options else None)


@bp.route("/batches/<int:batch_id>")
@allow(*VIEWERS)
def batch(batch_id: int):
    """One batch: plan and OC curve, sampling progress, defects, decision with CI,
    agreement with CI, a confusion matrix per label, arbitration, corrections."""
    flt = current_filter()
    b = batch_page.batch(db.session, batch_id)
    if b is None:
        abort(404)
    plan = batch_page.latest_plan(db.session, b.id)
    controls = dict(labels.matrix_controls(db.session, [b.rule_version_id]))
    control = _chosen(list(controls), "control")
    matrix = (
        labels.confusion(db.session, flt, control, controls[control], batch_id=b.id)
        if control
        else None
    )
    return _page(
        "dashboard/batch.html",
        batch=b,
        plan=plan,
        chart=oc_chart(plan) if plan else None,
        progress=batch_page.progress(db.session, plan) if plan else None,
        decision=batch_page.latest_decision(db.session, b.id),
        reason_text=reason_text,
        reports=batch_page.agreement_reports(db.session, b.id),
        controls=list(controls),
        control=control,
        matrix=matrix,
        matrix_chart=_confusion_chart(matrix) if matrix else None,
        arbitrations=batch_page.arbitrations(db.session, b.id),
        corrections=batch_page.correction_counts(db.session, b.id),
    )


@bp.route("/annotators")
@allow(*VIEWERS)
def annotators_page():
    """Every annotator: qualification, throughput, pace, accuracy, agreement with peers."""
    flt = current_filter()
    return _page("dashboard/annotators.html", rows=annotator_table(flt), policy=pace_policy())


@bp.route("/annotators/<int:user_id>")
@allow(*VIEWERS)
def annotator(user_id: int):
    """One annotator: figures, p-chart of the error rate, confusion matrix, training."""
    flt = current_filter()
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    row = annotators.annotator_rows(
        db.session, flt, policy=pace_policy(), limits=limits(), peers=peers(flt), user_id=user.id
    )[0]
    periods = annotators.error_periods(db.session, flt, user.id)
    chart = p_chart([(p.week.isoformat(), p.n, p.defects) for p in periods])
    controls = dict(labels.user_controls(db.session, user.id))
    control = _chosen(list(controls), "control")
    matrix = (
        labels.confusion(db.session, flt, control, controls[control], user_id=user.id)
        if control
        else None
    )
    output = annotators.weekly_output(db.session, flt, user.id)
    return _page(
        "dashboard/annotator.html",
        person=user,
        row=row,
        errors=chart,
        errors_svg=charts.control_chart(chart) if chart else None,
        controls=list(controls),
        control=control,
        matrix=matrix,
        matrix_chart=_confusion_chart(matrix) if matrix else None,
        output_chart=charts.bar_chart([(w.isoformat()[5:], n) for w, n in output])
        if output
        else None,
        training=annotators.training_record(db.session, user.id),
        policy=pace_policy(),
        limits=limits(),
    )


@bp.route("/agreement")
@allow(*VIEWERS)
def agreement_page():
    """Agreement per batch and control with CIs, the annotator-pair heatmap, per-label
    coefficients with CIs."""
    flt = current_filter()
    controls = agreement.controls_of(db.session, flt)
    control = request.args.get("control") if request.args.get("control") in controls else None
    batches = agreement.report_batches(db.session, flt)
    chosen = request.args.get("batch", type=int)
    chosen = chosen if chosen in {b for b, _n in batches} else (batches[0][0] if batches else None)
    label_controls = agreement.controls_of(db.session, flt, chosen) if chosen else []
    label_control = _chosen(label_controls, "label_control")
    page, per_page = page_arg()
    pairs = pair_matrix(flt, control, limit=HEATMAP_ANNOTATORS)
    return _page(
        "dashboard/agreement.html",
        found=agreement.report_rows(db.session, flt, offset=(page - 1) * per_page, limit=per_page),
        pager=Pager(page, per_page, agreement.report_count(db.session, flt)),
        controls=controls,
        control=control,
        pairs=pairs,
        pair_chart=_pair_chart(pairs),
        batches=batches,
        chosen=chosen,
        label_controls=label_controls,
        label_control=label_control,
        per_label=per_label(chosen, label_control),
    )


def _pair_chart(pairs: agreement.PairMatrix) -> charts.Heatmap | None:
    if not pairs.annotators:
        return None
    names = [email.split("@")[0] for _id, email in pairs.annotators]
    texts = [["" if k is None else f"{k:.2f}" for k in row] for row in pairs.kappa]
    titles = [
        [
            _("%(a)s and %(b)s: kappa %(k)s over %(n)d items", a=a, b=b, k=t or "—", n=n)
            for b, t, n in zip(names, trow, nrow, strict=True)
        ]
        for a, trow, nrow in zip(names, texts, pairs.shared, strict=True)
    ]
    return charts.heatmap(names, names, pairs.kappa, texts, titles, size=40, left=140, top=110)


@bp.route("/export/<name>.csv")
@allow(*VIEWERS)
def export(name: str) -> Response:
    """Download one dashboard table as CSV, under the same filter as the page."""
    if name not in TABLES:
        abort(404)
    return csv_response(name, TABLES[name](current_filter()))
