"""A linter finding: where a rule file breaks which rule, and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in a rule file, located at a 1-based line and column."""

    path: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str

    def format(self) -> str:
        """Return the finding as `file:line:column: severity[CODE] message`."""
        return f"{self.path}:{self.line}:{self.column}: {self.severity}[{self.code}] {self.message}"

    @property
    def is_error(self) -> bool:
        """Return True when the finding blocks the rule file (exit status 1)."""
        return self.severity == "error"
