"""CSV exports of every dashboard table, computed by the same services as the pages."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable

from flask import Response, abort, current_app, g, request

from app.extensions import db
from app.models import Batch
from app.services.csv_export import csv_row
from app.services.dashboard import agreement, annotators, batch_page, labels, overview
from app.services.dashboard.control_chart import p_chart
from app.services.dashboard.filters import DashboardFilter
from app.services.isolation import may_read_batch
from app.web.dashboard_figures import annotator_table, pair_matrix, statuses

Table = tuple[tuple[str, ...], Iterable[Iterable[object]]]


def csv_response(name: str, table: Table) -> Response:
    """Return the table as a CSV download, cells made safe for spreadsheets."""
    header, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(csv_row(*row))
    return Response(
        buffer.getvalue(),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=dashboard-{name}.csv"},
    )


def _arg(name: str) -> int:
    value = request.args.get(name, type=int)
    if value is None:
        abort(404)
    return value


def _batch_arg() -> int:
    """Return the `batch` argument, refusing a security batch the reader may not see (L2)."""
    batch = db.session.get(Batch, _arg("batch"))
    if batch is None:
        abort(404)
    if not may_read_batch(db.session, g.user, batch):
        abort(403)
    return batch.id


def _states(flt: DashboardFilter) -> Table:
    return ("state", "batches"), overview.state_counts(db.session, flt).items()


def _trend(flt: DashboardFilter) -> Table:
    t = overview.trend(db.session, flt)
    names = tuple(t.series)
    return ("week", *names), (
        [w.isoformat(), *(t.series[k][i] for k in names)] for i, w in enumerate(t.weeks)
    )


def _batches(flt: DashboardFilter) -> Table:
    rows, _total = overview.batch_rows(db.session, flt, page=1, per_page=10**9)
    return (
        (
            "id",
            "name",
            "dataset",
            "kind",
            "state",
            "items",
            "created_at",
            "decision",
            "accuracy",
            "ci_low",
            "ci_high",
        ),
        (
            [
                r.id,
                r.name,
                r.dataset,
                r.kind,
                r.state,
                r.items,
                r.created_at,
                r.decision or "",
                r.accuracy,
                r.ci_low,
                r.ci_high,
            ]
            for r in rows
        ),
    )


def _alerts(flt: DashboardFilter) -> Table:
    days = int(current_app.config.get("DASHBOARD_UNVERIFIED_DAYS", 14))
    return ("alert", "count", "examples"), (
        [a.kind, a.count, "; ".join(text for text, _e in a.examples)]
        for a in overview.alerts(db.session, flt, unverified_days=days)
    )


def _compliance(flt: DashboardFilter) -> Table:
    return ("requirement", "name", "status", "summary", "evidence", "clauses"), (
        [
            s.id,
            str(s.requirement.name),
            str(s.status),
            str(s.summary),
            s.evidence.endpoint,
            s.requirement.clauses,
        ]
        for s in statuses(flt)
    )


def _batch_agreement(flt: DashboardFilter) -> Table:
    return (
        ("control", "coefficient", "estimate", "ci_low", "ci_high", "threshold", "items"),
        (
            [r.control, r.coefficient, r.estimate, r.ci_low, r.ci_high, r.threshold, r.items]
            for r in batch_page.agreement_reports(db.session, _batch_arg())
        ),
    )


def _confusion_rows(matrix: labels.Confusion) -> Table:
    return ("control", "final_label", "given_label", "count"), (
        [matrix.control, f, g, int(matrix.counts[i, j])]
        for i, f in enumerate(matrix.labels)
        for j, g in enumerate(matrix.labels)
    )


def _matrix(flt: DashboardFilter, controls: dict[str, list[str]], **who) -> Table:
    control = request.args.get("control")
    if control not in controls:
        abort(404)
    return _confusion_rows(labels.confusion(db.session, flt, control, controls[control], **who))


def _batch_confusion(flt: DashboardFilter) -> Table:
    b = batch_page.batch(db.session, _batch_arg()) or abort(404)
    controls = dict(labels.matrix_controls(db.session, [b.rule_version_id]))
    return _matrix(flt, controls, batch_id=b.id)


def _batch_arbitrations(flt: DashboardFilter) -> Table:
    return (
        (
            "id",
            "item",
            "control",
            "labels_considered",
            "status",
            "outcome",
            "decision",
            "arbitrator",
            "decided_at",
        ),
        (
            [
                a.id,
                a.item,
                a.control,
                a.labels,
                a.status,
                a.outcome or "",
                a.decision,
                a.arbitrator or "",
                a.decided_at or "",
            ]
            for a in batch_page.arbitrations(db.session, _batch_arg(), limit=10**9)
        ),
    )


def _annotators(flt: DashboardFilter) -> Table:
    return (
        (
            "email",
            "name",
            "active",
            "qualification",
            "valid_until",
            "annotations",
            "active_days",
            "per_day",
            "median_seconds",
            "timed",
            "too_fast",
            "flagged",
            "verified_n",
            "verified_correct",
            "verified_accuracy",
            "verified_ci_low",
            "verified_ci_high",
            "gold_n",
            "gold_correct",
            "gold_accuracy",
            "gold_ci_low",
            "gold_ci_high",
            "peer_kappa",
            "peer_pairs",
        ),
        (
            [
                r.email,
                r.name,
                r.active,
                r.qualification or "",
                r.valid_until or "",
                r.annotations,
                r.active_days,
                r.per_day,
                r.median_seconds,
                r.timed,
                r.too_fast,
                r.flagged,
                r.verified.n,
                r.verified.correct,
                r.verified.estimate,
                *r.verified.interval,
                r.gold.n,
                r.gold.correct,
                r.gold.estimate,
                *r.gold.interval,
                r.peer_kappa,
                r.peer_pairs,
            ]
            for r in annotator_table(flt)
        ),
    )


def _annotator_periods(flt: DashboardFilter) -> Table:
    periods = annotators.error_periods(db.session, flt, _arg("user"))
    chart = p_chart([(p.week.isoformat(), p.n, p.defects) for p in periods])
    points = chart.points if chart else []
    return (
        ("week", "reviewed", "defects", "error_rate", "centre", "lcl", "ucl", "out_of_control"),
        (
            [p.label, p.n, p.defects, p.p, chart.centre, p.lcl, p.ucl, p.out_of_control]
            for p in points
        ),
    )


def _annotator_confusion(flt: DashboardFilter) -> Table:
    uid = _arg("user")
    return _matrix(flt, dict(labels.user_controls(db.session, uid)), user_id=uid)


def _annotator_training(flt: DashboardFilter) -> Table:
    record = annotators.training_record(db.session, _arg("user"))
    exams = (
        ["exam", key, e.major_version, e.module, e.score, e.passed, e.submitted_at or ""]
        for e, key in record.exams
    )
    practice = (
        ["practice", p.rule_version_id, "", "", p.accuracy, p.passed, p.finished_at or ""]
        for p in record.practice
    )
    quals = (
        ["qualification", key, q.major_version, q.status, q.valid_until, q.source, q.granted_at]
        for q, key in record.qualifications
    )
    return (
        (
            "record",
            "rule_set",
            "major",
            "module_or_status",
            "score_or_valid_until",
            "passed_or_source",
            "time",
        ),
        [*exams, *practice, *quals],
    )


def _agreement_reports(flt: DashboardFilter) -> Table:
    header = (
        "batch",
        "control",
        "coefficient",
        "estimate",
        "ci_low",
        "ci_high",
        "threshold",
        "items",
        "computed_at",
    )
    return header, (
        [
            r.batch,
            r.control,
            r.coefficient,
            r.estimate,
            r.ci_low,
            r.ci_high,
            r.threshold,
            r.items,
            r.computed_at,
        ]
        for r in agreement.report_rows(db.session, flt)
    )


def _agreement_pairs(flt: DashboardFilter) -> Table:
    pairs = pair_matrix(flt, request.args.get("control") or None)
    people = pairs.annotators
    return ("annotator_a", "annotator_b", "kappa", "items"), (
        [a, b, pairs.kappa[i][j], pairs.shared[i][j]]
        for i, (_ia, a) in enumerate(people)
        for j, (_ib, b) in enumerate(people)
        if i < j and pairs.kappa[i][j] is not None
    )


def _agreement_labels(flt: DashboardFilter) -> Table:
    control = request.args.get("control") or abort(404)
    return ("label", "alpha", "ci_low", "ci_high", "ratings"), (
        [r.label, r.alpha, r.ci_low, r.ci_high, r.ratings]
        for r in agreement.per_label(db.session, _batch_arg(), control)
    )


TABLES: dict[str, Callable[[DashboardFilter], Table]] = {
    "states": _states,
    "trend": _trend,
    "batches": _batches,
    "alerts": _alerts,
    "compliance": _compliance,
    "batch_agreement": _batch_agreement,
    "batch_confusion": _batch_confusion,
    "batch_arbitrations": _batch_arbitrations,
    "annotators": _annotators,
    "annotator_periods": _annotator_periods,
    "annotator_confusion": _annotator_confusion,
    "annotator_training": _annotator_training,
    "agreement_reports": _agreement_reports,
    "agreement_pairs": _agreement_pairs,
    "agreement_labels": _agreement_labels,
}
