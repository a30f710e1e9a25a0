"""Errors and warnings of the statistics package."""

from __future__ import annotations

from typing import Any

from qa.messages import message


class QAError(ValueError):
    """Invalid input to a statistic; the message says how to fix it.

    A subclass of ValueError, so callers may catch either.
    """

    def __init__(self, code: str, lang: str | None = None, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(message(code, lang, **params))


class QAWarning(UserWarning):
    """A result is defined only after leaving data out, or is undefined (NaN)."""


def warn(code: str, lang: str | None = None, **params: Any) -> None:
    """Emit a QAWarning with the catalogue text for `code`."""
    import warnings

    warnings.warn(message(code, lang, **params), QAWarning, stacklevel=3)
