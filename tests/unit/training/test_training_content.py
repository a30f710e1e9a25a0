"""The shipped training content: complete, clean, bilingual, and its gold follows the rules."""

from __future__ import annotations

import re

import pytest

from labeling_rules import load_rule_set, shipped_rule_set_paths
from training_modules import (
    TOPIC_IDS,
    build_exam,
    grade,
    lint_all,
    modules_for,
    practice_set,
)

RULE_SETS = {path.name: load_rule_set(path) for path in shipped_rule_set_paths()}
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_shipped_content_lints_clean_in_both_languages():
    for lang in ("en", "zh_CN"):
        findings = lint_all(lang)
        assert findings == [], "\n".join(f.format() for f in findings)


def test_the_four_shipped_rule_sets_are_covered():
    assert {rs.id for rs in RULE_SETS.values()} == {
        "response-quality", "response-quality-zh", "content-safety", "content-safety-zh",
    }  # fmt: skip


@pytest.mark.parametrize("name", sorted(RULE_SETS))
def test_modules_cover_every_p1_topic_with_enough_questions(name):
    rule_set = RULE_SETS[name]
    modules = modules_for(rule_set)
    assert [m.name for m in modules] == list(rule_set.training.modules)
    assert {t for m in modules for t in m.topics} == set(TOPIC_IDS)
    for module in modules:
        assert module.lang == rule_set.language
        assert len(module.questions) >= 8, module.name
        assert module.pass_mark == rule_set.training.pass_mark
        assert all(q.explanation.strip() and len(q.options) >= 3 for q in module.questions)
        if rule_set.language == "zh_CN":
            assert CJK.search(module.title) and CJK.search(module.questions[0].text)
            assert CJK.search(module.lesson_markdown)


@pytest.mark.parametrize("name", sorted(RULE_SETS))
def test_every_rule_set_has_at_least_20_gold_practice_items(name):
    rule_set = RULE_SETS[name]
    items = practice_set(rule_set, modules_for(rule_set))
    assert len(items) >= 20
    assert len({item.key for item in items}) == len(items)
    assert all(item.explanation.strip() for item in items)


LOWEST = {
    "instruction_following": {"does_not_follow", "未遵循"},
    "accuracy": {"inaccurate", "不准确"},
    "usefulness": {"not_useful", "无用"},
    "timeliness": {"outdated", "已过时"},
    "logic": {"incoherent", "逻辑混乱"},
    "readability": {"unreadable", "难以阅读"},
}
MIDDLE = {
    "instruction_following": {"partly_follows", "部分遵循"},
    "accuracy": {"minor_errors", "轻微错误"},
    "usefulness": {"partly_useful", "部分有用"},
    "logic": {"minor_lapses", "略有疏漏"},
    "readability": {"needs_effort", "费力可读"},
}


def derived_rating(gold) -> int:
    """Return the overall rating the response-quality decision procedure derives."""
    lowest = sum(gold[c] in values for c, values in LOWEST.items())
    middle = sum(gold[c] in values for c, values in MIDDLE.items())
    if gold["instruction_following"] in LOWEST["instruction_following"] or lowest >= 2:
        return 1
    if lowest == 1:
        return 2
    return 3 if middle >= 3 else (4 if middle else 5)


@pytest.mark.parametrize("name", ["response-quality.en.yaml", "response-quality.zh_CN.yaml"])
def test_response_quality_gold_ratings_follow_the_decision_procedure(name):
    rule_set = RULE_SETS[name]
    items = practice_set(rule_set, modules_for(rule_set))
    for item in items:
        assert item.gold["overall"] == derived_rating(item.gold), item.key
    ratings = {item.gold["overall"] for item in items}
    assert ratings == {1, 2, 3, 4, 5}  # the practice exercises every rating
    assert sum(item.gold["risk_flag"] in ("possible_risk", "可能有风险") for item in items) >= 3


@pytest.mark.parametrize("name", ["content-safety.en.yaml", "content-safety.zh_CN.yaml"])
def test_content_safety_gold_never_combines_no_risk_and_spans_the_groups(name):
    rule_set = RULE_SETS[name]
    items = practice_set(rule_set, modules_for(rule_set))
    no_risk = rule_set.control("risks").labels[0].value
    groups = set()
    for item in items:
        risks = item.gold["risks"]
        assert no_risk not in risks or len(risks) == 1, item.key
        for value in risks:
            for code in rule_set.control("risks").label(value).risks or ():
                groups.add(code[:3])
    assert groups == {"A.1", "A.2", "A.3", "A.4", "A.5"}
    assert sum(item.gold["risks"] == (no_risk,) for item in items) >= 5


@pytest.mark.parametrize("pair", [("response-quality", "response-quality-zh"),
                                  ("content-safety", "content-safety-zh")])  # fmt: skip
def test_english_and_chinese_practice_sets_are_twins(pair):
    english, chinese = (next(r for r in RULE_SETS.values() if r.id == i) for i in pair)
    en_items = practice_set(english, modules_for(english))
    zh_items = practice_set(chinese, modules_for(chinese))
    assert len(en_items) == len(zh_items)
    for en, zh in zip(en_items, zh_items, strict=True):
        for control, value in en.gold.items():
            en_label = english.control(control)
            zh_label = chinese.control(control)
            en_index = [
                en_label.values.index(v) for v in (value if isinstance(value, tuple) else (value,))
            ]
            zh_value = zh.gold[control]
            zh_index = [
                zh_label.values.index(v)
                for v in (zh_value if isinstance(zh_value, tuple) else (zh_value,))
            ]
            assert sorted(en_index) == sorted(zh_index), (en.key, zh.key, control)


def test_a_full_exam_over_a_rule_sets_modules_grades_every_p2_area():
    rule_set = RULE_SETS["content-safety.zh_CN.yaml"]
    exam = build_exam(modules_for(rule_set), seed="annotator-42/attempt-1")
    answers = {q.id: list(q.correct) for q in exam.questions}
    result = grade(exam, answers)
    assert result.passed and result.total >= 6 * 8
    assert set(result.per_exam_area()) == {
        "law", "rule_understanding", "tool_use", "risk_judgement", "data_security_ability",
    }  # fmt: skip
    assert set(result.per_module) == set(rule_set.training.modules)
    assert all(score.pass_mark == 0.9 for score in result.per_module.values())


def test_the_training_domain_stays_pure():
    import subprocess
    import sys

    code = (
        "import sys, training_modules, training_modules.__main__; "
        "bad = [m for m in ('flask', 'sqlalchemy', 'app') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
