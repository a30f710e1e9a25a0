"""Wording of diff entries in en and zh_CN."""

from __future__ import annotations

from typing import TYPE_CHECKING

from labeling_rules.messages import resolve_lang

if TYPE_CHECKING:
    from labeling_rules.diff import Change, RuleDiff

CHANGE_TEXT: dict[str, dict[str, str]] = {
    "kind_changed": {
        "en": "kind changed from {old} to {new}",
        "zh_CN": "规则类别由 {old} 改为 {new}",
    },
    "task_type_changed": {
        "en": "task type changed from {old} to {new}",
        "zh_CN": "任务类型由 {old} 改为 {new}",
    },
    "language_changed": {
        "en": "language changed from {old} to {new}",
        "zh_CN": "语言由 {old} 改为 {new}",
    },
    "field_added": {"en": "data-format field '{label}' added", "zh_CN": "新增数据字段 '{label}'"},
    "field_removed": {
        "en": "data-format field '{label}' removed",
        "zh_CN": "删除数据字段 '{label}'",
    },
    "field_changed": {
        "en": "data-format field '{label}' changed: {old} → {new}",
        "zh_CN": "数据字段 '{label}' 变更：{old} → {new}",
    },
    "field_wording": {
        "en": "title or description of field '{label}' reworded",
        "zh_CN": "字段 '{label}' 的标题或说明措辞修改",
    },
    "control_added": {"en": "control '{control}' added", "zh_CN": "新增控件 '{control}'"},
    "control_removed": {"en": "control '{control}' removed", "zh_CN": "删除控件 '{control}'"},
    "control_changed": {
        "en": "control '{control}' changed: {old} → {new}",
        "zh_CN": "控件 '{control}' 变更：{old} → {new}",
    },
    "control_wording": {
        "en": "title or description of control '{control}' reworded",
        "zh_CN": "控件 '{control}' 的标题或说明措辞修改",
    },
    "label_added": {
        "en": "label '{label}' added to control '{control}'",
        "zh_CN": "控件 '{control}' 新增标签 '{label}'",
    },
    "label_removed": {
        "en": "label '{label}' removed from control '{control}'",
        "zh_CN": "控件 '{control}' 删除标签 '{label}'",
    },
    "label_renamed": {
        "en": "label '{old}' of control '{control}' renamed to '{new}'",
        "zh_CN": "控件 '{control}' 的标签 '{old}' 更名为 '{new}'",
    },
    "label_redefined": {
        "en": "label '{label}' of control '{control}' redefined",
        "zh_CN": "控件 '{control}' 的标签 '{label}' 定义变更",
    },
    "definition_wording": {
        "en": "definition of label '{label}' of control '{control}' changed in spacing or case",
        "zh_CN": "控件 '{control}' 的标签 '{label}' 定义仅空白或大小写变化",
    },
    "label_risks_changed": {
        "en": "risks covered by label '{label}' of control '{control}': {old} → {new}",
        "zh_CN": "控件 '{control}' 的标签 '{label}' 覆盖的风险：{old} → {new}",
    },
    "examples_changed": {
        "en": "examples of label '{label}' of control '{control}' changed",
        "zh_CN": "控件 '{control}' 的标签 '{label}' 的示例变更",
    },
    "target_accuracy_changed": {
        "en": "target accuracy {old} → {new}",
        "zh_CN": "目标准确率 {old} → {new}",
    },
    "agreement_changed": {
        "en": "minimum agreement {old} → {new}",
        "zh_CN": "最低一致性 {old} → {new}",
    },
    "sampling_changed": {"en": "sampling policy {old} → {new}", "zh_CN": "抽样策略 {old} → {new}"},
    "overlap_changed": {
        "en": "overlap policy {old} → {new}",
        "zh_CN": "重叠标注策略 {old} → {new}",
    },
    "training_changed": {
        "en": "training requirements {old} → {new}",
        "zh_CN": "培训要求 {old} → {new}",
    },
    "risk_scope_changed": {
        "en": "risks out of scope {old} → {new}",
        "zh_CN": "不在范围内的风险 {old} → {new}",
    },
    "checklist_changed": {
        "en": "review checklist codes or severities changed: {old} → {new}",
        "zh_CN": "审核清单的缺陷代码或严重程度变更：{old} → {new}",
    },
    "procedure_changed": {
        "en": "decision procedure changed (steps, labels chosen or order)",
        "zh_CN": "判定流程变更（步骤、所选标签或顺序）",
    },
    "section_wording": {"en": "wording of '{label}' changed", "zh_CN": "'{label}' 的措辞修改"},
}

HEADER_TEXT = {
    "en": "rule set {id}: {old} → {new}: {level} change{bump}",
    "zh_CN": "规则集 {id}：{old} → {new}：{level}{bump}",
}
LEVEL_TEXT = {
    "major": {"en": "major", "zh_CN": "重大变更"},
    "minor": {"en": "minor", "zh_CN": "次要变更"},
    "patch": {"en": "patch", "zh_CN": "修订"},
    "none": {"en": "no", "zh_CN": "无变更"},
}
BUMP_TEXT = {
    "en": " (the version number does not rise enough for this change)",
    "zh_CN": "（版本号的提升不足以匹配此变更）",
}


def describe_change(change: Change, lang: str | None = None) -> str:
    """Return one change as a sentence in `lang`."""
    template = CHANGE_TEXT[change.kind][resolve_lang(lang)]
    return template.format(
        control=change.control, label=change.label, old=change.old, new=change.new
    )


def render_header(diff: RuleDiff, lang: str | None = None) -> str:
    """Return the diff's header line: set, versions, level, and a warning on a weak bump."""
    language = resolve_lang(lang)
    bump = "" if diff.version_bump_ok else BUMP_TEXT[language]
    return HEADER_TEXT[language].format(
        id=diff.rule_set_id,
        old=diff.old_version,
        new=diff.new_version,
        level=LEVEL_TEXT[diff.level][language],
        bump=bump,
    )
