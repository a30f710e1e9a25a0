"""A QA lead draws a plan and assigns verifiers on the verification page in Chromium; the
operating-characteristic curve is an inline SVG; a reviewer finds their queue link."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_user
from tests.fakes.fake_label_studio import FakeLabelStudio
from tests.integration.verification.conftest import AQL_1, _world, rule_file

pytestmark = pytest.mark.browser


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1")


def test_lead_draws_a_plan_and_assigns_verifiers(
    app, session, live_server, page, tmp_path, artifacts_dir
):
    fake = FakeLabelStudio()
    app.config["LABEL_STUDIO_GATEWAY"] = fake
    world = _world(
        app, session, fake, rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1)
    )
    batch = world.batch(60, name="browser-week")
    make_user(session, email="lead@example.test", roles=("qa_lead",))
    _sign_in(page, live_server, "lead@example.test")
    page.goto(f"{live_server}/batches/{batch.id}")
    page.get_by_role("link", name="Verification").click()
    page.wait_for_selector("text=No plan yet")
    page.fill("input[name=seed]", "2026")
    page.get_by_role("button", name="Draw plan").click()
    page.wait_for_selector("svg polyline")
    box = page.locator("svg[role=img]").bounding_box()
    assert box["width"] > 300 and box["height"] > 150
    assert "ISO 2859-1" in page.inner_text("main") and "2026" in page.inner_text("main")
    page.get_by_role("button", name="Assign verifiers").click()
    page.wait_for_selector(".flash")
    assert "review tasks assigned" in page.inner_text(".flash")
    page.screenshot(path=str(artifacts_dir / "verification-page.png"), full_page=True)
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, live_server, world.reviewers[0].email)
    page.locator("header nav").get_by_role("link", name="My reviews").click()
    page.wait_for_selector("h1")
    assert "browser-week" in page.inner_text("main")
