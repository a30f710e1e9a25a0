"""Read training files safely (size, encoding, YAML) and collect located findings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from labeling_rules.findings import Finding
from labeling_rules.messages import describe_yaml_problem, resolve_lang
from labeling_rules.report import render_path
from labeling_rules.source import (
    MAX_BYTES,
    DocPath,
    Document,
    Locator,
    SourceProblem,
    decode,
    parse,
)
from labeling_rules.source import type_name as yaml_type_name
from training_modules.messages import render, word

# The rules domain's reader reports these codes; the training linter words them itself.
_SOURCE_CODES = {f"E00{i}": f"T00{i}" for i in range(1, 9)}


def display_path(path: Path) -> str:
    """Return `path` relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class FileReport:
    """Findings of one file, located by document path (YAML) or by line."""

    def __init__(self, path: Path, lang: str | None) -> None:
        self.path = path
        self.shown_as: str | None = None  # overrides the displayed path when set
        self.lang = resolve_lang(lang)
        self.locator: Locator | None = None
        self.findings: list[Finding] = []

    @property
    def name(self) -> str:
        """Return the file name findings show (relative to the working directory if below)."""
        return self.shown_as or display_path(self.path)

    def add(
        self,
        code: str,
        node: DocPath = (),
        *,
        at: str = "value",
        position: tuple[int, int] | None = None,
        **params: Any,
    ) -> None:
        """Record finding `code` at document path `node` (or at an explicit position)."""
        if position is None:
            position = self.locator.locate(node, at=at) if self.locator else (1, 1)
        severity = "warning" if code.startswith("TW") else "error"
        message = render(code, self.lang, **params)
        self.findings.append(Finding(self.name, *position, severity, code, message))

    def line_of(self, node: DocPath) -> int:
        """Return the 1-based line of the node at `node`."""
        return self.locator.locate(node)[0] if self.locator else 1

    def where(self, node: DocPath) -> str:
        """Return a readable name of `node`, e.g. questions[2].options[0], or 'the file'."""
        return render_path(node) if node else word("the_file", self.lang)

    def type_word(self, value: Any) -> str:
        """Return the YAML type of `value` in words of the report's language."""
        return word(yaml_type_name(value), self.lang)


def read_text(path: Path, report: FileReport) -> str | None:
    """Return the UTF-8 text of `path`, or None after recording why it cannot be read."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:  # refuse before reading a huge file into memory
            report.add("T001", position=(1, 1), size=size, limit=MAX_BYTES)
            return None
        text = decode(path.read_bytes())
    except OSError:
        report.add("T007", position=(1, 1))
        return None
    except SourceProblem as problem:
        _record(problem, report)
        return None
    if not text.strip():
        report.add("T006", position=(1, 1))
        return None
    return text


def read_yaml(path: Path, report: FileReport) -> Any:
    """Return the plain data of the YAML mapping in `path`, or None after recording why not."""
    text = read_text(path, report)
    if text is None:
        return None
    try:
        document = parse_cached(text)
    except SourceProblem as problem:
        _record(problem, report)
        return None
    report.locator = document.locator
    return document.data


@lru_cache(maxsize=256)
def parse_cached(text: str) -> Document:
    """Return the parsed Document of YAML text, parsing each distinct text once.

    Round-trip parsing (for line numbers) is slow; module files are read again for every
    rule set and language that uses them. Callers must treat the data as read-only.
    """
    return parse(text)


def _record(problem: SourceProblem, report: FileReport) -> None:
    params = dict(problem.params)
    if "problem" in params:
        params["problem"] = describe_yaml_problem(params["problem"], report.lang)
    if "found" in params:
        params["found"] = word(params["found"], report.lang)
    report.add(_SOURCE_CODES[problem.code], position=(problem.line, problem.column), **params)
