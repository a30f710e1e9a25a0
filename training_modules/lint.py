"""The training linter: a rule set's module set, located at file:line in en or zh_CN."""

from __future__ import annotations

import re
from pathlib import Path

from labeling_rules import RuleFileError, RuleSet, load_rule_set, shipped_rule_set_paths
from labeling_rules.findings import Finding
from labeling_rules.messages import resolve_lang
from labeling_rules.source import SourceProblem
from training_modules.loader import (
    MODULES_DIR,
    ModuleReading,
    missing_finding,
    module_names,
    quiz_file,
    read_module,
)
from training_modules.messages import LANGUAGES
from training_modules.practice_fit import check_item_fits
from training_modules.source import FileReport, display_path, parse_cached, read_text
from training_modules.topics import TOPIC_IDS, topic

MIN_PRACTICE_ITEMS = 20
_MODULES_KEY = ("training", "modules")


def lint_modules(
    rule_set: str | Path | RuleSet, *, lang: str | None = "en", modules_dir: Path | None = None
) -> list[Finding]:
    """Return the findings of the training modules a rule set names (its file or RuleSet).

    Checks P1 topic coverage, that every named module exists and is sound in both
    languages, its quiz, and the practice items for this rule set. Never raises on bad
    content: every problem becomes a finding with file:line.
    """
    root = Path(modules_dir) if modules_dir is not None else MODULES_DIR
    if isinstance(rule_set, RuleSet):
        source = _shipped_path_of(rule_set)
    else:
        source = Path(rule_set)
        try:
            rule_set = load_rule_set(source, lang=lang)
        except RuleFileError as error:
            return sorted(error.findings)
    anchor = _RuleSetAnchor(rule_set, source, lang)
    findings: list[Finding] = []
    topics: set[str] = set()
    practice_files = practice_count = 0
    unreadable = False  # a module whose module.yaml failed: its topics are unknown
    for index, name in enumerate(rule_set.training.modules):
        directory = root / name
        if not directory.is_dir():
            findings.append(
                anchor.finding("T101", ("training", "modules", index), rule_set=rule_set.id,
                               module=name, path=display_path(directory))
            )  # fmt: skip
            continue
        readings, module_findings = _lint_module(directory, lang)
        findings += module_findings
        unreadable = unreadable or all(r.module is None for r in readings.values())
        topics.update(t for r in readings.values() if r.module for t in r.module.topics)
        if rule_set.id in readings["en"].practice_nodes:
            practice_files += 1
            practice_count += _lint_practice(rule_set, readings, findings)
    if not unreadable:
        findings += _coverage(anchor, rule_set, topics, lang)
    findings += _practice_size(anchor, rule_set, practice_files, practice_count)
    return sorted(set(findings))


def _coverage(anchor: _RuleSetAnchor, rule_set: RuleSet, topics: set[str], lang) -> list[Finding]:
    """Return T100 when the modules' topics leave a P1 topic untaught."""
    missing = [t for t in TOPIC_IDS if t not in topics]
    if not missing:
        return []
    names = ", ".join(f"{topic(t).name(lang)} ({t})" for t in missing)
    return [anchor.finding("T100", _MODULES_KEY, at="key", rule_set=rule_set.id, topics=names)]


def _practice_size(
    anchor: _RuleSetAnchor, rule_set: RuleSet, files: int, count: int
) -> list[Finding]:
    """Return T102 when no module has a practice file, TW01 when it holds too few items."""
    if files == 0:
        return [anchor.finding("T102", _MODULES_KEY, at="key", rule_set=rule_set.id)]
    if 0 < count < MIN_PRACTICE_ITEMS:
        return [
            anchor.finding("TW01", _MODULES_KEY, at="key", rule_set=rule_set.id, count=count,
                           minimum=MIN_PRACTICE_ITEMS)
        ]  # fmt: skip
    return []


def lint_module(directory: Path, *, lang: str | None = "en") -> list[Finding]:
    """Return the findings of one module directory in both languages (no rule-set checks)."""
    return sorted(set(_lint_module(Path(directory), lang)[1]))


def lint_all(lang: str | None = "en", *, modules_dir: Path | None = None) -> list[Finding]:
    """Return the findings of every shipped rule set's modules, and of every other module."""
    root = Path(modules_dir) if modules_dir is not None else MODULES_DIR
    findings: set[Finding] = set()
    named: set[str] = set()
    for path in shipped_rule_set_paths():
        findings.update(lint_modules(path, lang=lang, modules_dir=root))
        named.update(_named_modules(path))
    for name in module_names(root):
        if name not in named:
            findings.update(lint_module(root / name, lang=lang))
    return sorted(findings)


def _lint_module(
    directory: Path, lang: str | None
) -> tuple[dict[str, ModuleReading], list[Finding]]:
    readings = {
        content: read_module(directory, content, message_lang=lang) for content in LANGUAGES
    }
    findings = [f for reading in readings.values() for f in reading.findings]
    for content, reading in readings.items():
        twin_lang = next(other for other in LANGUAGES if other != content)
        for name in reading.missing:
            twin = name.replace(f".{content}.", f".{twin_lang}.")
            if twin != name and twin not in readings[twin_lang].missing:
                findings.append(_file_finding(directory / twin, "T111", lang, file=twin, twin=name))
            else:
                findings.append(missing_finding(directory, name, lang))
        if reading.module is not None:
            findings += _untested_topics(directory, reading, lang)
    # Compare the translations only when both read cleanly: a question dropped for an error
    # of its own would otherwise be reported a second time as missing from the other language.
    if all(
        r.module is not None and not any(f.is_error for f in r.findings) for r in readings.values()
    ):
        findings += _translation_drift(directory, readings, lang)
    return readings, findings


def _untested_topics(directory: Path, reading: ModuleReading, lang: str | None) -> list[Finding]:
    module = reading.module
    tested = {t for question in module.questions for t in question.topics}
    name = quiz_file(module.lang)
    return [
        _file_finding(
            directory / "module.yaml",
            "T113",
            lang,
            line=_line_of_topic(directory, t),
            topic=t,
            file=name,
        )
        for t in module.topics
        if t not in tested
    ]


def _translation_drift(
    directory: Path, readings: dict[str, ModuleReading], lang: str | None
) -> list[Finding]:
    """Return T125 for questions in one language only, T126 for answers that differ."""
    findings = []
    english, chinese = readings["en"].module, readings["zh_CN"].module
    for here, there in ((english, chinese), (chinese, english)):
        path, twin = directory / quiz_file(here.lang), quiz_file(there.lang)
        for question in here.questions:
            other = there.question(question.id)
            if other is None:
                params = {"file": path.name}
                code = "T125"
            elif set(other.correct) != set(question.correct) and here is english:
                params = {"here": ", ".join(question.correct), "there": ", ".join(other.correct)}
                code = "T126"
            else:
                continue
            line = _line_of_question(path, question.id)  # only read again when reporting
            findings.append(_file_finding(path, code, lang, line=line, question=question.id,
                                          twin=twin, **params))  # fmt: skip
    return findings


def _lint_practice(rule_set: RuleSet, readings: dict[str, ModuleReading], findings: list) -> int:
    """Check the module's practice file for `rule_set`; return how many items it holds."""
    report, nodes = readings["en"].practice_nodes.get(rule_set.id, (None, []))
    if report is None:
        return 0
    fitting = FileReport(report.path, report.lang)
    fitting.locator = report.locator
    for index, node in nodes:
        check_item_fits(rule_set, fitting, index, node)
    findings += fitting.findings
    return len(nodes)


def _file_finding(path: Path, code: str, lang: str | None, line: int = 1, **params) -> Finding:
    report = FileReport(path, lang)
    report.add(code, position=(line, 1), **params)
    return report.findings[0]


def _line_of_question(path: Path, question_id: str) -> int:
    return _line_matching(path, rf"^\s*-?\s*id:\s*['\"]?{re.escape(question_id)}['\"]?\s*$")


def _line_of_topic(directory: Path, topic_id: str) -> int:
    return _line_matching(directory / "module.yaml", rf"\b{re.escape(topic_id)}\b")


def _line_matching(path: Path, pattern: str) -> int:
    text = read_text(path, FileReport(path, None)) or ""
    for number, line in enumerate(text.splitlines(), start=1):
        if re.search(pattern, line):
            return number
    return 1


def _named_modules(path: Path) -> tuple[str, ...]:
    try:
        modules = parse_cached(path.read_text(encoding="utf-8")).data["training"]["modules"]
    except (OSError, UnicodeDecodeError, SourceProblem, KeyError, TypeError):
        return ()
    return tuple(m for m in modules if isinstance(m, str)) if isinstance(modules, list) else ()


def _shipped_path_of(rule_set: RuleSet) -> Path | None:
    """Return the shipped file of this rule set and version, to locate its findings."""
    wanted = {"id": rule_set.id, "version": rule_set.version}
    patterns = [
        re.compile(rf"^{key}:\s*['\"]?{re.escape(value)}['\"]?\s*$", re.MULTILINE)
        for key, value in wanted.items()
    ]
    for path in shipped_rule_set_paths():
        text = path.read_text(encoding="utf-8", errors="replace")
        if all(p.search(text) for p in patterns):
            return path
    return None


class _RuleSetAnchor:
    """Locate findings that concern the rule set itself in its file (or name it by id)."""

    def __init__(self, rule_set: RuleSet, source: Path | None, lang: str | None) -> None:
        self.lang = resolve_lang(lang)
        self.report = FileReport(source or Path(f"<rule set {rule_set.id}>"), lang)
        if source is not None:
            try:
                self.report.locator = parse_cached(source.read_text(encoding="utf-8")).locator
            except (OSError, UnicodeDecodeError, SourceProblem):
                self.report.locator = None

    def finding(self, code: str, node: tuple, at: str = "value", **params) -> Finding:
        """Return finding `code` located at `node` of the rule-set file."""
        self.report.findings.clear()
        self.report.add(code, node, at=at, **params)
        return self.report.findings[0]
