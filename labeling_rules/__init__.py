"""Labelgate's rules domain: rule-file format, linter, diff and compiler to Label Studio.

Pure Python: no Flask, SQLAlchemy or app imports. See README.md beside this file for the
rule-file format and the public API.
"""

from labeling_rules.compile_ls import (
    REVIEW_LABEL_KEY,
    compile_label_config,
    compile_review_config,
)
from labeling_rules.diff import Change, RuleDiff, diff_rule_sets
from labeling_rules.errors import ResultError, RuleError, RuleFileError
from labeling_rules.findings import Finding
from labeling_rules.hashing import content_hash
from labeling_rules.instructions import compile_instructions
from labeling_rules.items import label_config_variables, task_data, validate_item
from labeling_rules.lint import has_errors, lint_paths, lint_text
from labeling_rules.loader import SETS_DIR, load_rule_set, shipped_rule_set_paths
from labeling_rules.model import (
    Agreement,
    ChecklistItem,
    Control,
    DataField,
    Example,
    Label,
    Outcome,
    OverlapPolicy,
    QualityIndicators,
    RuleSet,
    SamplingPolicy,
    Step,
    Training,
)
from labeling_rules.results import (
    ReviewVerdict,
    Span,
    normalise_result,
    parse_review_result,
    render_review_label,
)
from labeling_rules.risks import Risk, load_risks

__all__ = [
    "REVIEW_LABEL_KEY",
    "SETS_DIR",
    "Agreement",
    "Change",
    "ChecklistItem",
    "Control",
    "DataField",
    "Example",
    "Finding",
    "Label",
    "Outcome",
    "OverlapPolicy",
    "QualityIndicators",
    "ResultError",
    "ReviewVerdict",
    "Risk",
    "RuleDiff",
    "RuleError",
    "RuleFileError",
    "RuleSet",
    "SamplingPolicy",
    "Span",
    "Step",
    "Training",
    "compile_instructions",
    "compile_label_config",
    "compile_review_config",
    "content_hash",
    "diff_rule_sets",
    "has_errors",
    "label_config_variables",
    "lint_paths",
    "lint_text",
    "load_risks",
    "load_rule_set",
    "normalise_result",
    "parse_review_result",
    "render_review_label",
    "shipped_rule_set_paths",
    "task_data",
    "validate_item",
]
