"""Errors raised by the rules domain; callers turn them into messages, never tracebacks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from labeling_rules.messages import problem_text

if TYPE_CHECKING:
    from labeling_rules.findings import Finding


class RuleError(Exception):
    """Base class of every error the rules domain raises on purpose."""


class RuleFileError(RuleError, ValueError):
    """A rule file failed the linter; `findings` holds every problem found."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        errors = [f for f in self.findings if f.severity == "error"]
        shown = "\n".join(f.format() for f in errors[:5])
        more = f"\n(+{len(errors) - 5})" if len(errors) > 5 else ""
        super().__init__(f"{len(errors)} error(s):\n{shown}{more}")


class ResultError(RuleError, ValueError):
    """A Label Studio result does not fit its rule set; `message(lang)` words it for a person."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(problem_text(code, "en", **params))

    def message(self, lang: str | None = None) -> str:
        """Return the problem in `lang` ('en' or 'zh_CN')."""
        return problem_text(self.code, lang, **self.params)
