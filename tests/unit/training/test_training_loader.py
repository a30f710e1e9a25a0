"""Loading modules: names, languages, pass marks, content hashes, refusal of broken content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from labeling_rules import SETS_DIR, load_rule_set
from training_modules import (
    MODULES_DIR,
    ModuleError,
    TrainingError,
    load_module,
    module_names,
    modules_for,
)
from training_modules.__main__ import main


@pytest.fixture
def modules_copy(tmp_path: Path) -> Path:
    root = tmp_path / "modules"
    shutil.copytree(MODULES_DIR, root)
    return root


def test_shipped_module_names():
    assert module_names() == [
        "data-security", "legal-awareness", "platform-safe-use", "rules-content-safety",
        "rules-response-quality", "typical-risk-cases", "verification-methods",
    ]  # fmt: skip


def test_a_module_loads_in_each_language_with_the_same_questions():
    english = load_module("data-security", lang="en")
    chinese = load_module("data-security", lang="zh_CN")
    assert english.title == "Data-security management for annotators"
    assert chinese.title == "标注人员的数据安全管理"
    assert [q.id for q in english.questions] == [q.id for q in chinese.questions]
    assert [q.correct for q in english.questions] == [q.correct for q in chinese.questions]
    assert english.content_hash != chinese.content_hash
    assert english.pass_mark is None  # the rule set's pass mark applies


def test_rule_set_pass_mark_applies_unless_the_module_sets_its_own(modules_copy: Path):
    safety = load_rule_set(SETS_DIR / "content-safety.en.yaml")
    assert load_module("data-security", rule_set=safety).pass_mark == 0.9
    meta = modules_copy / "data-security" / "module.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "pass_mark: 1.0\n", encoding="utf-8")
    own = load_module("data-security", rule_set=safety, modules_dir=modules_copy)
    assert own.pass_mark == 1.0
    assert own.lang == "en"  # the rule set's language


def test_content_hash_changes_with_the_files(modules_copy: Path):
    before = load_module("legal-awareness", modules_dir=modules_copy).content_hash
    lesson = modules_copy / "legal-awareness" / "lesson.en.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    after = load_module("legal-awareness", modules_dir=modules_copy).content_hash
    assert before != after and len(after) == 64


@pytest.mark.parametrize("name", ["no-such-module", "../labeling_rules", "", ".hidden"])
def test_unknown_or_unsafe_names_are_refused(name):
    with pytest.raises(TrainingError, match="known modules: data-security, legal-awareness"):
        load_module(name)


def test_broken_module_raises_with_its_findings(modules_copy: Path):
    quiz = modules_copy / "platform-safe-use" / "quiz.en.yaml"
    quiz.write_text(quiz.read_text(encoding="utf-8").replace("correct: [b]", "correct: []", 1),
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(ModuleError) as error:
        load_module("platform-safe-use", modules_dir=modules_copy)
    assert [f.code for f in error.value.findings] == ["T120"]
    assert "labelgate training lint" in str(error.value)
    assert "第一处" in error.value.message("zh_CN")


def test_missing_language_file_is_refused(modules_copy: Path):
    (modules_copy / "platform-safe-use" / "lesson.zh_CN.md").unlink()
    assert load_module("platform-safe-use", lang="en", modules_dir=modules_copy)
    with pytest.raises(ModuleError) as error:
        load_module("platform-safe-use", lang="zh_CN", modules_dir=modules_copy)
    assert [f.code for f in error.value.findings] == ["T110"]


def test_modules_for_refuses_a_module_set_with_an_error(modules_copy: Path):
    quality = load_rule_set(SETS_DIR / "response-quality.en.yaml")
    shutil.rmtree(modules_copy / "typical-risk-cases")
    with pytest.raises(ModuleError) as error:
        modules_for(quality, modules_dir=modules_copy)
    assert {f.code for f in error.value.findings} == {"T100", "T101"}


def test_command_line_lint_exit_status(modules_copy: Path, capsys):
    assert main(["lint", "--lang", "zh_CN"]) == 0
    assert "0 error(s)" in capsys.readouterr().err
    assert main(["lint", str(SETS_DIR / "content-safety.en.yaml")]) == 0
    bad = SETS_DIR.parent.parent / "tests" / "unit" / "training" / "no-such-rule-set.yaml"
    assert main(["lint", str(bad)]) == 1
    assert "no-such-rule-set.yaml:1:1" in capsys.readouterr().out


def test_lint_of_a_rule_set_object_locates_the_shipped_file_of_that_version(modules_copy: Path):
    from dataclasses import replace

    from training_modules import lint_modules

    quality = load_rule_set(SETS_DIR / "response-quality.en.yaml")
    shutil.rmtree(modules_copy / "legal-awareness")
    shipped = lint_modules(quality, modules_dir=modules_copy)
    assert {Path(f.path).name for f in shipped} == {"response-quality.en.yaml"}
    assert all(f.line > 1 for f in shipped)
    newer = lint_modules(replace(quality, version="1.1.0"), modules_dir=modules_copy)
    assert {(f.path, f.line) for f in newer} == {("<rule set response-quality>", 1)}
