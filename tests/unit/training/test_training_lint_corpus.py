"""Every broken module set of the corpus gets its specific message at the right file and line.

Each directory under broken/ is laid over a copy of the shipped modules. Its case.txt says
what is wrong (`fault:`), which shipped rule set to lint (`rule_set:`, default
response-quality.en.yaml), which shipped files to remove (`delete:`), and one
`expect: CODE TARGET LINE` per finding: TARGET is a path below the modules directory, or
`@rule_set` with LINE a /regex/ for the first matching line of the rule-set file. The
linter must report exactly those findings, in English and in Chinese, and never raise.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from labeling_rules import SETS_DIR
from training_modules import MODULES_DIR, lint_modules
from training_modules.messages import CATALOGUE
from training_modules.source import MAX_BYTES

BROKEN = Path(__file__).with_name("broken")
CASES = sorted(p for p in BROKEN.iterdir() if p.is_dir())


@dataclass
class Case:
    """What one corpus directory declares in its case.txt."""

    fault: str = ""
    rule_set: str = "response-quality.en.yaml"
    deletes: list[str] = field(default_factory=list)
    expects: list[tuple[str, str, str]] = field(default_factory=list)


def read_case(directory: Path) -> Case:
    """Return the declarations of a corpus directory."""
    case = Case()
    for line in (directory / "case.txt").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition(": ")
        if key == "fault":
            case.fault = value
        elif key == "rule_set":
            case.rule_set = value
        elif key == "delete":
            case.deletes.append(value)
        elif key == "expect":
            code, target, where = value.split(" ", 2)
            case.expects.append((code, target, where))
    return case


def build(directory: Path, case: Case, tmp_path: Path) -> Path:
    """Return a modules directory: the shipped modules, minus deletions, plus the case's files."""
    root = tmp_path / "modules"
    shutil.copytree(MODULES_DIR, root)
    for relative in case.deletes:
        target = root / relative
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    for source in directory.rglob("*"):
        if source.is_file() and source.name != "case.txt":
            destination = root / source.relative_to(directory)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
    return root


def expected(case: Case, rule_set: Path) -> Counter:
    """Return the (code, target, line) findings a case declares, resolving /regex/ lines."""
    lines = rule_set.read_text(encoding="utf-8").splitlines()
    result: Counter = Counter()
    for code, target, where in case.expects:
        if where.startswith("/"):
            pattern = re.compile(where.strip("/"))
            line = next(i for i, text in enumerate(lines, start=1) if pattern.search(text))
        else:
            line = int(where)
        result[(code, target, line)] += 1
    return result


def found(findings, root: Path, rule_set: Path) -> Counter:
    """Return the findings as (code, target, line), targets named as in case.txt."""
    result: Counter = Counter()
    for finding in findings:
        path = Path(finding.path).resolve()
        if path == rule_set.resolve():
            target = "@rule_set"
        else:
            target = path.relative_to(root.resolve()).as_posix()
        result[(finding.code, target, finding.line)] += 1
    return result


def test_corpus_covers_at_least_30_faults_and_25_codes():
    codes = {code for case in map(read_case, CASES) for code, _, _ in case.expects}
    assert len(CASES) >= 30
    assert len(codes) >= 25, sorted(codes)


@pytest.mark.parametrize("directory", CASES, ids=lambda p: p.name)
def test_broken_module_set_gets_its_message_at_its_line(directory: Path, tmp_path: Path):
    case = read_case(directory)
    assert case.fault and case.expects, f"{directory.name}/case.txt declares no fault or expect"
    rule_set = SETS_DIR / case.rule_set
    root = build(directory, case, tmp_path)
    english = lint_modules(rule_set, lang="en", modules_dir=root)
    chinese = lint_modules(rule_set, lang="zh_CN", modules_dir=root)
    assert found(english, root, rule_set) == expected(case, rule_set)
    # Both languages name the same places; the words differ and leave no placeholder.
    assert sorted((f.path, f.line, f.column, f.code) for f in english) == sorted(
        (f.path, f.line, f.column, f.code) for f in chinese
    )
    for finding in english + chinese:
        assert "{" not in finding.message.replace("{...}", ""), finding.message
        assert finding.format().startswith(f"{finding.path}:{finding.line}:{finding.column}: ")
    for finding in chinese:
        assert re.search(r"[\u4e00-\u9fff]", finding.message), finding.message
    assert {f.message for f in english}.isdisjoint({f.message for f in chinese})


def test_oversized_lesson_is_refused_before_reading(tmp_path: Path):
    root = tmp_path / "modules"
    shutil.copytree(MODULES_DIR, root)
    lesson = root / "legal-awareness" / "lesson.en.md"
    lesson.write_bytes(b"# Law\n" + b"x" * MAX_BYTES)
    findings = lint_modules(SETS_DIR / "response-quality.en.yaml", modules_dir=root)
    assert [(f.code, Path(f.path).name, f.line) for f in findings] == [("T001", "lesson.en.md", 1)]
    assert str(MAX_BYTES) in findings[0].message


def test_broken_rule_set_file_gives_its_own_findings(tmp_path: Path):
    broken = tmp_path / "rules.yaml"
    broken.write_text("id: x\ntitle: [unclosed\n", encoding="utf-8")
    findings = lint_modules(broken)
    assert findings and all(f.path == str(broken) for f in findings)
    assert findings[0].is_error


def test_every_catalogued_code_has_both_languages():
    for code, entry in CATALOGUE.items():
        assert entry["en"] and entry["zh_CN"], code
        assert re.search(r"[\u4e00-\u9fff]", entry["zh_CN"]), code
