"""Debian's Chromium driven by Playwright (the live server is tests/plugins/live_server.py)."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import unavailable

CHROMIUM = os.environ.get("LABELGATE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        unavailable(f"Chromium not found at {CHROMIUM} (make test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """A fresh browser page (own cookies) per test."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()
