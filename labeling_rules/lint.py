"""The rule-file linter: schema errors plus operability checks, located at file:line:column."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from labeling_rules.checks import run_checks
from labeling_rules.findings import Finding
from labeling_rules.messages import TYPE_WORDS, describe_yaml_problem
from labeling_rules.report import Reporter
from labeling_rules.schema_check import check_schema
from labeling_rules.source import MAX_BYTES, Document, SourceProblem, decode, parse

RULE_FILE_SUFFIXES = (".yaml", ".yml")


def analyse(
    source: str | bytes, *, source_name: str, lang: str | None = None
) -> tuple[Document | None, list[Finding]]:
    """Parse and check a rule file; return the document (None if unreadable) and findings."""
    report = Reporter(source_name, None, lang)
    try:
        text = decode(source) if isinstance(source, bytes) else source
        document = parse(text)
    except SourceProblem as problem:
        params = dict(problem.params)
        if "problem" in params:
            params["problem"] = describe_yaml_problem(params["problem"], lang)
        if "found" in params:
            found = params["found"]  # a YAML type not in TYPE_WORDS (a tagged scalar) stays as is
            params["found"] = TYPE_WORDS.get(found, {}).get(report.lang, found)
        report.add(problem.code, position=(problem.line, problem.column), **params)
        return None, report.findings
    report.locator = document.locator
    check_schema(document.data, report)
    if not report.findings:
        run_checks(document.data, report, source_name)
    return document, sorted(report.findings, key=lambda f: (f.line, f.column, f.code))


def lint_text(
    text: str | bytes, *, source_name: str = "<text>", lang: str | None = None
) -> list[Finding]:
    """Return the findings of one rule file given as text or bytes."""
    return analyse(text, source_name=source_name, lang=lang)[1]


def lint_paths(paths: Iterable[str | Path], *, lang: str | None = None) -> list[Finding]:
    """Return the findings of every rule file at `paths` (directories are searched)."""
    findings: list[Finding] = []
    for path in map(Path, paths):
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix in RULE_FILE_SUFFIXES)
            if not files:
                findings.append(_file_finding(path, "W009", lang))
            for file in files:
                findings.extend(analyse_file(file, lang=lang)[1])
        else:
            findings.extend(analyse_file(path, lang=lang)[1])
    return findings


def has_errors(findings: Iterable[Finding]) -> bool:
    """Return True when any finding is an error (the linter then exits with status 1)."""
    return any(finding.is_error for finding in findings)


def analyse_file(
    path: str | Path, *, lang: str | None = None
) -> tuple[Document | None, list[Finding]]:
    """Read and check the rule file at `path`; unreadable files become findings too."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:  # refuse before reading a huge file into memory
            return None, [_file_finding(path, "E001", lang, size=size, limit=MAX_BYTES)]
        raw = path.read_bytes()
    except OSError:
        return None, [_file_finding(path, "E007", lang)]
    return analyse(raw, source_name=str(path), lang=lang)


def _file_finding(path: Path, code: str, lang: str | None, **params: object) -> Finding:
    report = Reporter(str(path), None, lang)
    report.add(code, position=(1, 1), **params)
    return report.findings[0]
