"""Collect findings with their positions and messages while a rule file is checked."""

from __future__ import annotations

from typing import Any

from labeling_rules.findings import Finding
from labeling_rules.messages import WHERE_ROOT, render, resolve_lang
from labeling_rules.source import DocPath, Locator


def render_path(path: DocPath) -> str:
    """Return a document path as rule authors read it, e.g. controls[0].labels[2].value."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class Reporter:
    """Turn (code, document path, parameters) into located, localised findings."""

    def __init__(self, source_name: str, locator: Locator | None, lang: str | None) -> None:
        self.source_name = source_name
        self.locator = locator
        self.lang = resolve_lang(lang)
        self.findings: list[Finding] = []

    def where(self, path: DocPath) -> str:
        """Return the readable name of `path`, or 'the rule set' for the root."""
        return render_path(path) if path else WHERE_ROOT[self.lang]

    def position(self, path: DocPath, at: str = "value") -> tuple[int, int]:
        """Return the 1-based (line, column) of `path`."""
        return self.locator.locate(path, at=at) if self.locator else (1, 1)

    def line_of(self, path: DocPath) -> int:
        """Return the 1-based line of `path`."""
        return self.position(path)[0]

    def add(
        self,
        code: str,
        path: DocPath = (),
        *,
        at: str = "value",
        position: tuple[int, int] | None = None,
        **params: Any,
    ) -> None:
        """Record finding `code` at `path` (or at an explicit position)."""
        line, column = position or self.position(path, at)
        severity = "warning" if code.startswith("W") else "error"
        message = render(code, self.lang, **params)
        self.findings.append(Finding(self.source_name, line, column, severity, code, message))
