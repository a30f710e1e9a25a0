"""A person signs in with a real browser, in English and in Chinese."""

from __future__ import annotations

from tests.factories import PASSWORD, make_user


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_sign_in_shows_the_home_page(session, live_server, page, artifacts_dir):
    make_user(session, email="qa@example.test", name="Qiu Lead", roles=("qa_lead",))
    _sign_in(page, live_server, "qa@example.test")
    page.wait_for_selector("h1")
    assert "Welcome, Qiu Lead" in page.inner_text("h1")
    assert page.locator("header nav").get_by_role("link", name="Datasets").is_visible()
    assert page.get_by_role("link", name="Users").count() == 0  # not an admin
    page.screenshot(path=str(artifacts_dir / "login-home-en.png"), full_page=True)


def test_wrong_password_shows_one_generic_message(session, live_server, page):
    make_user(session, email="qa@example.test")
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "qa@example.test")
    page.fill("input[name=password]", "wrong password here")
    page.click("button[type=submit]")
    assert page.locator(".flash.error").inner_text() == "Wrong e-mail or password."


def test_chinese_interface_from_the_language_switch(session, live_server, page, artifacts_dir):
    make_user(session, email="admin@example.test", name="管理员", roles=("admin",))
    _sign_in(page, live_server, "admin@example.test")
    page.select_option("select[name=locale]", "zh_CN")
    page.wait_for_selector("text=欢迎")
    assert "欢迎，管理员" in page.inner_text("h1")
    assert page.locator("header nav").get_by_role("link", name="审计日志").is_visible()
    page.screenshot(path=str(artifacts_dir / "home-zh_CN.png"), full_page=True)
