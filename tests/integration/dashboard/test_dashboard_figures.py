"""The dashboard's figures equal what `qa` computes from the same records; filters narrow
them; every table exports as CSV; annotators and reviewers are refused."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

import numpy as np
import pytest
from sqlalchemy import select

from app.models import (
    Annotation,
    BatchDecision,
    ConsensusLabel,
    Dataset,
    ReviewTask,
    VerificationRecord,
)
from app.services.dashboard import agreement, annotators, batch_page, labels, pace
from app.services.dashboard.control_chart import p_chart
from app.services.dashboard.filters import DashboardFilter
from app.services.verification import decisions, plans
from app.web.dashboard_csv import TABLES
from qa.accuracy import proportion_ci
from qa.agreement import pairwise_kappa, per_category_alpha, reliability_matrix
from tests.factories import login, make_user
from tests.integration.dashboard.seed import GOLD, QA_LEAD, seeded_run

EVERYTHING = DashboardFilter()


@pytest.fixture
def run(app, session, tmp_path):
    return seeded_run(app, session, tmp_path)


def _counted(session):
    return session.scalars(
        select(Annotation).where(Annotation.quarantined.is_(False), Annotation.deleted_at.is_(None))
    ).all()


def _verdicts(session):
    """(annotator, correct) of counted verdicts on sampled or re-reviewed work."""
    rows = session.execute(
        select(Annotation.user_id, VerificationRecord.correct)
        .join(Annotation, Annotation.id == VerificationRecord.annotation_id)
        .join(ReviewTask, ReviewTask.id == VerificationRecord.task_id)
        .where(
            VerificationRecord.quarantined.is_(False),
            VerificationRecord.correct.is_not(None),
            ReviewTask.purpose.in_(("sample", "re_review")),
        )
    ).all()
    return rows


def test_batch_progress_and_decision_match_the_tally_and_wilson(app, session, run):
    plan = plans.latest_plan(session, run.batch.id)
    shown = batch_page.progress(session, plan)
    tally = decisions.tally(session, plan)
    assert (shown.reviewed, shown.pending) == (len(tally.outcomes), tally.pending)
    assert shown.defects == tally.outcomes.count(False) > 0
    decision = session.scalar(select(BatchDecision))
    low, high = proportion_ci(decision.reviewed - decision.defects, decision.reviewed)
    assert (decision.ci_low, decision.ci_high) == pytest.approx((low, high))


def test_annotator_rows_equal_qa_on_the_same_records(app, session, run):
    with app.app_context():
        policy = pace.PacePolicy()
        limits = pace.thresholds(session, policy)
        peers = agreement.peer_agreement(agreement.pair_lists(session, EVERYTHING))
        rows = {
            r.email: r
            for r in annotators.annotator_rows(
                session, EVERYTHING, policy=policy, limits=limits, peers=peers
            )
        }
    counted = _counted(session)
    verdicts = _verdicts(session)
    for number, user in enumerate(run.world.annotators, start=1):
        row = rows[user.email]
        mine = [a for a in counted if a.user_id == user.id]
        assert row.annotations == len(mine)
        assert row.median_seconds == pytest.approx(np.median([a.lead_time for a in mine]))
        judged = [c for uid, c in verdicts if uid == user.id]
        assert (row.verified.n, row.verified.correct) == (len(judged), sum(judged))
        if judged:
            assert row.verified.interval == pytest.approx(
                proportion_ci(sum(judged), len(judged), method="wilson")
            )
        if number in GOLD:
            n, correct = GOLD[number]
            assert row.gold.interval == pytest.approx(proportion_ci(correct, n))
    assert (
        rows[run.fast.email].flagged and rows[run.fast.email].too_fast == rows[run.fast.email].timed
    )
    assert not any(r.flagged for e, r in rows.items() if e != run.fast.email)
    assert rows[run.suspended.email].qualification == "suspended"


def _ratings(session, control):
    by_item = defaultdict(set)
    counted = [a for a in _counted(session) if a.result and control in a.result]
    for a in counted:
        by_item[a.item_id].add(a.user_id)
    return [
        (a.item_id, a.user_id, a.result[control]) for a in counted if len(by_item[a.item_id]) >= 2
    ]


def test_agreement_pairs_and_labels_equal_qa(app, session, run):
    found = agreement.pair_lists(session, EVERYTHING)
    for control in ("accuracy", "overall"):
        rows = _ratings(session, control)
        items, anns, values = (list(c) for c in zip(*rows, strict=True))
        expected = {
            (p.annotator_a, p.annotator_b): p.kappa for p in pairwise_kappa(items, anns, values)
        }
        matrix = agreement.pair_matrix(session, found, control)
        ids = [uid for uid, _e in matrix.annotators]
        for (a, b), kappa in expected.items():
            assert matrix.kappa[ids.index(a)][ids.index(b)] == pytest.approx(kappa)
        alphas = per_category_alpha(reliability_matrix(items, anns, values)[0])
        shown = {r.label: r for r in agreement.per_label(session, run.batch.id, control)}
        for label, alpha in alphas.items():
            row = shown[labels.text(label)]
            assert row.alpha == pytest.approx(alpha) and row.ci_low <= row.alpha <= row.ci_high


def test_the_confusion_matrix_counts_annotations_against_final_labels(app, session, run):
    final = {
        (c.item_id, c.control): c.label["value"] for c in session.scalars(select(ConsensusLabel))
    }
    expected = defaultdict(int)
    for a in _counted(session):
        if (a.item_id, "accuracy") in final:
            expected[(final[(a.item_id, "accuracy")], a.result["accuracy"])] += 1
    controls = dict(labels.matrix_controls(session, [run.batch.rule_version_id]))
    matrix = labels.confusion(
        session, EVERYTHING, "accuracy", controls["accuracy"], batch_id=run.batch.id
    )
    got = {
        (f, g): int(matrix.counts[i, j])
        for i, f in enumerate(matrix.labels)
        for j, g in enumerate(matrix.labels)
        if matrix.counts[i, j]
    }
    assert got == dict(expected)
    assert matrix.labels[:3] == ["accurate", "minor_errors", "inaccurate"]


def test_the_p_chart_centre_is_the_annotators_defect_rate(app, session, run):
    second = run.world.annotators[1]
    periods = annotators.error_periods(session, EVERYTHING, second.id)
    chart = p_chart([(p.week.isoformat(), p.n, p.defects) for p in periods])
    judged = [c for uid, c in _verdicts(session) if uid == second.id]
    assert chart.centre == pytest.approx(judged.count(False) / len(judged)) and chart.centre > 0


def test_filters_narrow_every_figure(app, session, run, client):
    other = Dataset(name="elsewhere", modality="text", source_type="synthetic")
    session.add(other)
    session.commit()
    login(client, QA_LEAD)
    page = client.get("/dashboard/?dataset=elsewhere").get_data(as_text=True)
    assert "No batch under this filter" in page
    page = client.get("/dashboard/?dataset=prompts&rule_set=response-quality").get_data(
        as_text=True
    )
    assert f'data-batch="{run.batch.id}"' in page
    gone = client.get("/dashboard/annotators?from=2001-01-01&to=2001-01-31").get_data(as_text=True)
    assert "No annotator under this filter" in gone
    bad = client.get("/dashboard/?from=yesterday").get_data(as_text=True)
    assert "is not a date" in bad


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_table_exports_as_csv(app, session, run, client, name):
    login(client, QA_LEAD)
    args = {"batch": run.batch.id, "user": run.world.annotators[1].id, "control": "accuracy"}
    response = client.get(f"/dashboard/export/{name}.csv", query_string=args)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] and all(len(r) == len(rows[0]) for r in rows)
    if name in ("annotators", "batches", "compliance", "states", "batch_agreement"):
        assert len(rows) > 1


@pytest.mark.parametrize("role", ["annotator", "reviewer", "arbitrator"])
def test_annotators_and_reviewers_are_refused(app, session, run, role):
    person = make_user(session, email=f"{role}-x@example.test", roles=(role,))
    client = app.test_client()
    login(client, person.email)
    for url in (
        "/dashboard/",
        f"/dashboard/batches/{run.batch.id}",
        "/dashboard/annotators",
        f"/dashboard/annotators/{person.id}",
        "/dashboard/agreement",
        "/dashboard/export/annotators.csv",
    ):
        assert client.get(url).status_code == 403, url


def test_an_empty_workbench_says_what_to_do_next(app, session, client):
    make_user(session, email=QA_LEAD, roles=("qa_lead",))
    login(client, QA_LEAD)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "No batch yet" in page and "No alerts" in page
    assert "Agreement has not been measured" in client.get("/dashboard/agreement").get_data(
        as_text=True
    )


def test_security_batches_stay_hidden_from_a_lead_without_their_rule_set(app, session, run):
    run.batch.kind = "security"  # as if labelled under a security rule set (L2)
    session.commit()
    lead = app.test_client()
    login(lead, QA_LEAD)
    page = lead.get("/dashboard/").get_data(as_text=True)
    assert f'data-batch="{run.batch.id}"' not in page
    assert lead.get(f"/dashboard/batches/{run.batch.id}").status_code == 403
    assert (
        lead.get(f"/dashboard/export/batch_agreement.csv?batch={run.batch.id}").status_code == 403
    )
    rows = lead.get("/dashboard/export/annotators.csv").get_data(as_text=True)
    assert all(r["annotations"] == "0" for r in csv.DictReader(io.StringIO(rows)))
    make_user(session, email="admin@example.test", roles=("admin",))
    admin = app.test_client()
    login(admin, "admin@example.test")
    assert f'data-batch="{run.batch.id}"' in admin.get("/dashboard/").get_data(as_text=True)


def test_evidence_links_only_where_the_reader_may_go(app, session, run, client):
    login(client, QA_LEAD)
    page = client.get("/dashboard/").get_data(as_text=True)
    l1 = page[page.index('id="req-L1"') : page.index('id="req-L2"')]
    assert "Evidence (another role)" in l1 and "/audit/verify" not in l1  # auditors' page
    v1 = page[page.index('id="req-V1"') : page.index('id="req-V2"')]
    assert 'href="/batches/"' in v1
    make_user(session, email="auditor@example.test", roles=("auditor",))
    auditor = app.test_client()
    login(auditor, "auditor@example.test")
    assert "/audit/verify" in auditor.get("/dashboard/").get_data(as_text=True)
