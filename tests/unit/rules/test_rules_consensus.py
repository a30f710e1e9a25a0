"""The rule set says how overlapped items get their consensus label (P7)."""

from __future__ import annotations

from labeling_rules import SETS_DIR, diff_rule_sets, lint_text, load_rule_set

TEXT = (SETS_DIR / "response-quality.en.yaml").read_text(encoding="utf-8")


def test_consensus_is_read_and_defaults_to_majority_vote():
    assert load_rule_set(TEXT, source_name="a.yaml").quality.agreement.consensus == \
        "majority_vote"
    without = TEXT.replace("    consensus: majority_vote\n", "")
    assert load_rule_set(without, source_name="b.yaml").quality.agreement.consensus == \
        "majority_vote"
    ds = TEXT.replace("consensus: majority_vote", "consensus: dawid_skene")
    assert load_rule_set(ds, source_name="c.yaml").quality.agreement.consensus == "dawid_skene"


def test_an_unknown_method_is_an_error_at_its_line_and_a_change_is_minor():
    bad = TEXT.replace("consensus: majority_vote", "consensus: coin_toss")
    line = bad.splitlines().index("    consensus: coin_toss") + 1
    errors = [f for f in lint_text(bad, source_name="bad.yaml") if f.severity == "error"]
    assert errors and errors[0].line == line
    old = load_rule_set(TEXT, source_name="old.yaml")
    new = load_rule_set(TEXT.replace("consensus: majority_vote", "consensus: dawid_skene")
                        .replace("version: 1.0.0", "version: 1.1.0"), source_name="new.yaml")
    assert diff_rule_sets(old, new).level == "minor"
