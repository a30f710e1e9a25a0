"""Loading, hashing, item checks, risks and instructions: the API the app calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from labeling_rules import (
    SETS_DIR,
    RuleFileError,
    compile_instructions,
    compile_label_config,
    content_hash,
    label_config_variables,
    lint_text,
    load_risks,
    load_rule_set,
    task_data,
    validate_item,
)

DATA = Path(__file__).with_name("data")
MINI_PATH = DATA / "mini-functional.en.yaml"
MINI = MINI_PATH.read_text(encoding="utf-8")


def test_load_accepts_path_str_path_text_and_bytes():
    from_path = load_rule_set(MINI_PATH)
    assert load_rule_set(str(MINI_PATH)) == from_path
    assert load_rule_set(MINI) == from_path
    assert load_rule_set(MINI.encode("utf-8")) == from_path
    assert from_path.id == "mini-quality" and from_path.semver == (1, 0, 0)
    assert from_path.variables == ["$instruction", "$response"]
    assert from_path.agreement.coefficient == "krippendorff_alpha"
    assert (from_path.sampling.kind, from_path.sampling.aql, from_path.sampling.level) == (
        "aql",
        1.0,
        "II",
    )
    assert (from_path.overlap.fraction, from_path.overlap.k) == (0.1, 3)
    assert from_path.training.modules == ("rules-basics",) and from_path.training.pass_mark == 0.8
    assert from_path.raw["id"] == "mini-quality"


def test_invalid_file_raises_with_its_findings():
    broken = MINI.replace("kind: functional", "kind: quality")
    with pytest.raises(RuleFileError) as caught:
        load_rule_set(broken, source_name="broken.yaml", lang="zh_CN")
    [finding] = caught.value.findings
    assert finding.format().startswith("broken.yaml:5:7: error[E103] 格式")
    with pytest.raises(RuleFileError):
        load_rule_set(DATA / "missing.yaml")


def test_warnings_do_not_block_loading():
    text = MINI.replace("threshold: 0.8", "threshold: 0.5")
    [finding] = lint_text(text)
    assert finding.severity == "warning"
    assert load_rule_set(text).agreement.threshold == 0.5


def test_language_defaults_to_the_environment(monkeypatch):
    broken = MINI.replace("kind: functional", "kind: quality")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "不被允许" in lint_text(broken)[0].message
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert "not allowed" in lint_text(broken)[0].message


def test_hash_ignores_formatting_but_not_content():
    rule_set = load_rule_set(MINI)
    reformatted = "# a new comment\n" + MINI.replace(
        "agreement: {coefficient: krippendorff_alpha, threshold: 0.8}",
        "agreement:\n    threshold: 0.80\n    coefficient: 'krippendorff_alpha'",
    )
    assert content_hash(MINI) == content_hash(rule_set) == content_hash(reformatted)
    assert content_hash(MINI_PATH) == content_hash(MINI)
    assert content_hash(MINI.replace("threshold: 0.8", "threshold: 0.9")) != content_hash(MINI)
    assert len(content_hash(MINI)) == 64
    with pytest.raises(RuleFileError):
        content_hash("key: [unclosed")


def test_items_are_checked_against_the_data_format():
    rule_set = load_rule_set(SETS_DIR / "response-quality.zh_CN.yaml")
    assert validate_item(rule_set, {"instruction": "写一首诗", "response": "……"}) == []
    problems = validate_item(
        rule_set, {"instruction": "", "response": 42, "context": "x" * 16001}, lang="zh_CN"
    )
    assert problems == [
        "必填字段 'instruction' 缺失或为空",
        "字段 'response' 应为文本，而不是整数",
        "字段 'context' 有 16001 个字符，规则集最多允许 16000 个",
    ]
    assert validate_item(rule_set, ["not", "a", "mapping"], lang="en") == [
        "the item must be a JSON object of fields, not a list (lines starting with -)"
    ]


def test_task_data_fills_optional_fields_for_label_studio():
    rule_set = load_rule_set(SETS_DIR / "response-quality.en.yaml")
    assert label_config_variables(rule_set) == ["$instruction", "$response", "$context"]
    data = task_data(rule_set, {"instruction": "a", "response": "b", "batch": 7})
    assert data == {"instruction": "a", "response": "b", "context": "", "batch": 7}


def test_the_31_risks_with_both_names():
    risks = load_risks()
    assert len(risks) == 31
    per_group = [sum(r.group == g for r in risks) for g in ("A.1", "A.2", "A.3", "A.4", "A.5")]
    assert per_group == [8, 9, 5, 7, 2]
    assert risks[0].code == "A.1.1" and risks[0].name_zh == "煽动颠覆国家政权、推翻社会主义制度"
    assert risks[-1].name("zh_CN").startswith("内容不可靠")
    assert all(r.name_en and r.name_zh for r in risks)


def test_rule_author_text_is_escaped_in_html_and_xml():
    text = MINI.replace(
        "definition: The response gives what the instruction asks for.",
        'definition: "Answers <script>alert(1)</script> & \\"quotes\\""',
    )
    rule_set = load_rule_set(text)
    html = compile_instructions(rule_set)
    xml = compile_label_config(rule_set)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>" not in xml and "&lt;script&gt;" in xml


def test_instructions_show_definitions_examples_and_procedure():
    rule_set = load_rule_set(SETS_DIR / "content-safety.zh_CN.yaml")
    html = compile_instructions(rule_set)
    assert '<div class="labelgate-rules" lang="zh-CN">' in html
    for text in ("判定流程", "正例（适用此标签）", "A.4.5 侵害他人隐私权", "安全与正向引导的回答"):
        assert text in html
    assert html.count("<dt>") == 32


def test_readme_example_lints_clean_and_compiles():
    readme = (SETS_DIR.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("<!-- example -->\n```yaml\n", 1)[1].split("```", 1)[0]
    assert lint_text(example, source_name="README.md") == []
    rule_set = load_rule_set(example)
    assert rule_set.control("answered").values == ("yes", "no")
    assert "$question" in compile_label_config(rule_set)
