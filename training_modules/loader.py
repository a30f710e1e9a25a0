"""Load training modules from their directories into frozen Module objects."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from labeling_rules.findings import Finding
from labeling_rules.messages import resolve_lang
from labeling_rules.model import RuleSet
from training_modules.checks import check_meta, check_practice, check_quiz, practice_item
from training_modules.errors import ModuleError, TrainingError
from training_modules.model import Module, PracticeItem
from training_modules.source import FileReport, display_path, read_text, read_yaml

MODULES_DIR = Path(__file__).with_name("modules")
META_FILE = "module.yaml"
PRACTICE_PREFIX = "practice."


def lesson_file(lang: str) -> str:
    """Return the lesson's file name in `lang`, e.g. lesson.zh_CN.md."""
    return f"lesson.{resolve_lang(lang)}.md"


def quiz_file(lang: str) -> str:
    """Return the quiz's file name in `lang`, e.g. quiz.en.yaml."""
    return f"quiz.{resolve_lang(lang)}.yaml"


def practice_file(rule_set_id: str) -> str:
    """Return the name of a module's practice file for rule set `rule_set_id`."""
    return f"{PRACTICE_PREFIX}{rule_set_id}.yaml"


@dataclass
class ModuleReading:
    """What reading one module in one language gave: the module, findings, missing files."""

    module: Module | None
    findings: list[Finding] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    practice_nodes: dict[str, tuple[FileReport, list]] = field(default_factory=dict)


def module_names(modules_dir: Path | None = None) -> list[str]:
    """Return the names of the module directories under `modules_dir` (default: shipped)."""
    root = Path(modules_dir) if modules_dir is not None else MODULES_DIR
    if not root.is_dir():
        return []
    return sorted(
        p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
    )


def read_module(directory: Path, lang: str, *, message_lang: str | None = None) -> ModuleReading:
    """Read and structurally check the module at `directory` in content language `lang`."""
    lang = resolve_lang(lang)
    reading = ModuleReading(None)
    files = [META_FILE, lesson_file(lang), quiz_file(lang)]
    reading.missing = [name for name in files if not (directory / name).is_file()]
    reports = {name: FileReport(directory / name, message_lang) for name in files}
    meta = lesson = questions = None
    if META_FILE not in reading.missing:
        meta = check_meta(reports[META_FILE], read_yaml(directory / META_FILE, reports[META_FILE]))
    if files[1] not in reading.missing:
        lesson = read_text(directory / files[1], reports[files[1]])
    if files[2] not in reading.missing:
        report = reports[files[2]]
        data = read_yaml(directory / files[2], report)
        questions = check_quiz(report, data) if data is not None else None
    practice: dict[str, tuple[PracticeItem, ...]] = {}
    for path in sorted(directory.glob(f"{PRACTICE_PREFIX}*.yaml")):
        rule_set_id = path.name[len(PRACTICE_PREFIX) : -len(".yaml")]
        report = FileReport(path, message_lang)
        data = read_yaml(path, report)
        nodes = check_practice(report, data, rule_set_id) if data is not None else []
        reading.practice_nodes[rule_set_id] = (report, nodes)
        practice[rule_set_id] = tuple(practice_item(node) for _, node in nodes)
        reports[path.name] = report
    reading.findings = [f for report in reports.values() for f in report.findings]
    if meta is None or lesson is None or questions is None:
        return reading
    reading.module = Module(
        name=directory.name,
        lang=lang,
        title=meta["title"][lang],
        topics=meta["topics"],
        lesson_markdown=lesson,
        questions=questions,
        pass_mark=meta["pass_mark"],
        practice=practice,
        content_hash=_content_hash(
            directory, [*files, *(f"{PRACTICE_PREFIX}{k}.yaml" for k in practice)]
        ),
        path=directory,
    )
    return reading


def load_module(
    name: str,
    *,
    lang: str | None = None,
    rule_set: RuleSet | None = None,
    modules_dir: Path | None = None,
) -> Module:
    """Return the module `name` in `lang`; with `rule_set`, its pass mark applies by default.

    Raises TrainingError when no such module exists and ModuleError (with the linter's
    findings) when one of its files is missing or has an error.
    """
    root = Path(modules_dir) if modules_dir is not None else MODULES_DIR
    directory = root / name
    if not name or "/" in name or "\\" in name or name.startswith(".") or not directory.is_dir():
        known = ", ".join(module_names(root)) or "-"
        raise TrainingError("unknown_module", module=name, path=display_path(root), known=known)
    reading = read_module(directory, lang or (rule_set.language if rule_set else "en"))
    findings = [f for f in reading.findings if f.is_error] + _missing_findings(directory, reading)
    if reading.module is None or findings:
        raise ModuleError(name, findings)
    module = reading.module
    if module.pass_mark is None and rule_set is not None:
        module = dataclasses.replace(module, pass_mark=float(rule_set.training.pass_mark))
    return module


def missing_finding(directory: Path, file_name: str, lang: str | None) -> Finding:
    """Return the T110 finding for a module file that does not exist."""
    report = FileReport(directory / META_FILE, lang)
    report.shown_as = display_path(directory)
    report.add("T110", position=(1, 1), file=file_name)
    return report.findings[0]


def _missing_findings(directory: Path, reading: ModuleReading) -> list[Finding]:
    return [missing_finding(directory, name, None) for name in reading.missing]


def _content_hash(directory: Path, names: list[str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(set(names)):
        path = directory / name
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"")
        digest.update(b"\0")
    return digest.hexdigest()
