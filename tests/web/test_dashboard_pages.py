"""A QA lead opens every dashboard page in Chromium after a seeded end-to-end run: the
figures shown equal what `qa` computes from the same records, the filters work, charts are
inline SVG with titles, screenshots are saved; annotators and reviewers are refused."""

from __future__ import annotations

from collections import defaultdict

import pytest
from babel.numbers import format_percent
from sqlalchemy import select

from app.models import Annotation, BatchDecision, ReviewTask, VerificationRecord
from qa.accuracy import proportion_ci
from qa.agreement import krippendorff_alpha, pairwise_kappa, reliability_matrix
from tests.factories import PASSWORD, make_user
from tests.integration.dashboard.seed import QA_LEAD, seeded_run

pytestmark = pytest.mark.browser


def _pct(value: float, digits: int = 1) -> str:
    return format_percent(value, format=f"#,##0.{'0' * digits}%", locale="en")


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1")


@pytest.fixture
def run(app, session, tmp_path):
    return seeded_run(app, session, tmp_path)


def _ratings(session, control: str):
    counted = session.scalars(
        select(Annotation).where(Annotation.quarantined.is_(False), Annotation.deleted_at.is_(None))
    ).all()
    raters = defaultdict(set)
    for a in counted:
        raters[a.item_id].add(a.user_id)
    rows = [
        (a.item_id, a.user_id, a.result[control]) for a in counted if len(raters[a.item_id]) >= 2
    ]
    return (list(c) for c in zip(*rows, strict=True))


def test_overview_shows_states_compliance_and_alerts(
    session, live_server, page, run, artifacts_dir
):
    _sign_in(page, live_server, QA_LEAD)
    page.locator("header nav").get_by_role("link", name="QA dashboard").click()
    page.wait_for_selector("#compliance-table")
    state = run.batch.state
    assert page.inner_text(f"#state-counts td[data-state={state}]") == "1"
    assert page.locator("#compliance-table tr[data-requirement]").count() == 26
    assert page.get_attribute("#req-P6", "data-status") == "warning"
    assert page.get_attribute("#req-V1", "data-status") == "met"
    assert page.get_attribute("#req-P8", "data-status") == "failing"
    assert page.locator("[data-alert=suspended]").is_visible()
    assert page.locator("[data-alert=quarantined]").inner_text().startswith("1 ")
    svg = page.locator("svg#chart-states")
    assert svg.get_attribute("role") == "img" and page.text_content("#chart-states-title")
    decision = session.scalar(select(BatchDecision))
    low, high = proportion_ci(decision.reviewed - decision.defects, decision.reviewed)
    row = page.locator(f"#batch-table tr[data-batch='{run.batch.id}']")
    assert row.locator(".ci").inner_text() == f"{_pct(low)} – {_pct(high)}"
    page.screenshot(path=str(artifacts_dir / "dashboard-overview-en.png"), full_page=True)
    page.select_option("select[name=locale]", "zh_CN")
    page.wait_for_selector("text=质检看板")
    assert "合规" in page.inner_text("#compliance")
    page.screenshot(path=str(artifacts_dir / "dashboard-overview-zh_CN.png"), full_page=True)


def test_batch_page_figures_equal_qa(session, live_server, page, run, artifacts_dir):
    _sign_in(page, live_server, QA_LEAD)
    page.goto(f"{live_server}/dashboard/batches/{run.batch.id}")
    decision = session.scalar(select(BatchDecision))
    correct = decision.reviewed - decision.defects
    low, high = proportion_ci(correct, decision.reviewed, method="wilson")
    assert page.inner_text("[data-figure=accuracy]") == _pct(correct / decision.reviewed)
    assert page.inner_text("[data-figure=ci]") == f"{_pct(low)} – {_pct(high)}"
    assert page.inner_text("[data-figure=defects]") == str(decision.defects)
    items, anns, values = _ratings(session, "accuracy")
    matrix = reliability_matrix(items, anns, values)[0]
    alpha = krippendorff_alpha(matrix, level_of_measurement="nominal")
    assert page.inner_text("#agreement-table tr[data-control=accuracy] .estimate") == f"{alpha:.3f}"
    assert page.locator("svg#chart-oc title").count() == 1
    page.select_option("select[name=control]", "accuracy")
    page.wait_for_selector("svg#chart-confusion")
    assert page.locator("svg#chart-confusion rect").count() == 9
    page.screenshot(path=str(artifacts_dir / "dashboard-batch.png"), full_page=True)


def test_annotators_and_their_p_chart(session, live_server, page, run, artifacts_dir):
    _sign_in(page, live_server, QA_LEAD)
    page.goto(f"{live_server}/dashboard/annotators")
    second = run.world.annotators[1]
    judged = (
        session.execute(
            select(VerificationRecord.correct)
            .join(Annotation, Annotation.id == VerificationRecord.annotation_id)
            .join(ReviewTask, ReviewTask.id == VerificationRecord.task_id)
            .where(
                Annotation.user_id == second.id,
                VerificationRecord.quarantined.is_(False),
                ReviewTask.purpose == "sample",
            )
        )
        .scalars()
        .all()
    )
    n, ok = len(judged), sum(judged)
    low, high = proportion_ci(ok, n)
    cell = page.inner_text(f"tr[data-user='{second.email}'] .verified")
    assert cell == f"{_pct(ok / n)} ({_pct(low)} – {_pct(high)}, n={n})"
    assert "flagged" in page.inner_text(f"tr[data-user='{run.fast.email}'] .too-fast")
    page.screenshot(path=str(artifacts_dir / "dashboard-annotators.png"), full_page=True)
    page.get_by_role("link", name=second.display_name).click()
    page.wait_for_selector("svg#chart-p")
    assert page.inner_text("[data-figure=centre]") == _pct((n - ok) / n, 2)
    assert page.locator("svg#chart-p polyline").count() >= 3  # UCL, LCL and the rate
    assert "Training record" in page.inner_text("main")
    page.screenshot(path=str(artifacts_dir / "dashboard-annotator.png"), full_page=True)


def test_agreement_heatmap_and_labels_equal_qa(session, live_server, page, run, artifacts_dir):
    _sign_in(page, live_server, QA_LEAD)
    page.goto(f"{live_server}/dashboard/agreement")
    page.select_option("select[name=control]", "accuracy")
    page.wait_for_selector("svg#chart-pairs")
    items, anns, values = _ratings(session, "accuracy")
    texts = page.locator("svg#chart-pairs text").all_text_contents()
    for pair in pairwise_kappa(items, anns, values):
        assert f"{pair.kappa:.2f}" in texts
    page.select_option("select[name=label_control]", "accuracy")
    page.get_by_role("button", name="Show").last.click()
    page.wait_for_selector("#label-table")
    from qa.agreement import per_category_alpha

    alphas = per_category_alpha(reliability_matrix(items, anns, values)[0])
    for label, alpha in alphas.items():
        assert page.inner_text(f"#label-table tr[data-label={label}] .alpha") == f"{alpha:.3f}"
    page.screenshot(path=str(artifacts_dir / "dashboard-agreement.png"), full_page=True)


def test_filters_narrow_the_pages(session, live_server, page, run):
    _sign_in(page, live_server, QA_LEAD)
    page.goto(f"{live_server}/dashboard/annotators")
    page.fill("input[name=from]", "2001-01-01")
    page.fill("input[name=to]", "2001-01-31")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_selector("text=No annotator under this filter")
    page.get_by_role("link", name="Clear filters").click()
    page.wait_for_selector("#annotator-table")
    page.select_option("select[name=rule_set]", "response-quality")
    page.select_option("select[name=dataset]", "prompts")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_selector("#annotator-table")
    assert "rule_set=response-quality" in page.url
    page.get_by_role("link", name="Overview").click()
    assert "dataset=prompts" in page.url  # the filter follows across the tabs
    with page.expect_download() as download:
        page.locator("a.csv").first.click()
    assert download.value.suggested_filename == "dashboard-alerts.csv"


@pytest.mark.parametrize("role", ["annotator", "reviewer"])
def test_annotators_and_reviewers_are_refused(session, live_server, page, role):
    make_user(session, email=f"{role}@example.test", roles=(role,))
    _sign_in(page, live_server, f"{role}@example.test")
    assert page.locator("header nav").get_by_role("link", name="QA dashboard").count() == 0
    response = page.goto(f"{live_server}/dashboard/")
    assert response.status == 403
