"""Errors raised by the training domain; callers turn them into messages, never tracebacks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from training_modules.messages import error_text

if TYPE_CHECKING:
    from labeling_rules.findings import Finding


def shown(value: Any) -> str:
    """Return a short, language-neutral rendering of a wrong value for an error message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class TrainingError(ValueError):
    """Invalid input to the training domain; `message(lang)` words it for a person."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(error_text(code, "en", **params))

    def message(self, lang: str | None = None) -> str:
        """Return the problem in `lang` ('en' or 'zh_CN')."""
        return error_text(self.code, lang, **self.params)


class ModuleError(TrainingError):
    """A training module failed the linter; `findings` holds every error found."""

    def __init__(self, module: str, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        errors = [f for f in self.findings if f.is_error]
        first = errors[0].format() if errors else ""
        super().__init__("module_invalid", module=module, count=len(errors), first=first)
