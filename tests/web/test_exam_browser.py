"""An annotator takes an exam in Chinese in a real browser (issue 11: Chinese, not boxes)."""

from __future__ import annotations

from labeling_rules import SETS_DIR
from tests.factories import PASSWORD, make_active_version, make_user


def test_exam_page_in_chinese(session, live_server, browser, artifacts_dir):
    make_active_version(session, SETS_DIR / "response-quality.zh_CN.yaml")
    make_user(session, email="ann@example.test", name="标注员小王", roles=("annotator",))
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.fill("input[name=email]", "ann@example.test")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{live_server}/training/")
        assert "培训" in page.inner_text("h1")
        page.locator("section.card table a").first.click()
        page.click("button.primary")  # 参加考试
        page.wait_for_selector("fieldset.question")
        text = page.inner_text("main")
        assert "提交答案" in text
        legend = page.locator("fieldset.question legend").first.inner_text()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in legend), legend
        page.screenshot(path=str(artifacts_dir / "exam-zh_CN.png"), full_page=False)
        # Answer the first question, submit, and see the scored paper in Chinese.
        page.locator("fieldset.question").first.locator("input").first.check()
        page.click("button.primary")
        page.wait_for_selector("text=各主题得分")
        page.screenshot(path=str(artifacts_dir / "exam-result-zh_CN.png"), full_page=False)
    finally:
        context.close()
