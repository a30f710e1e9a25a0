"""The language of the current request or command, as the pure packages name it."""

from __future__ import annotations

from flask_babel import get_locale


def current_language() -> str:
    """Return "zh_CN" or "en" for the request or command in progress."""
    locale = get_locale()
    return "zh_CN" if locale is not None and locale.language == "zh" else "en"
