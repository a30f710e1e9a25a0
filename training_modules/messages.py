"""Message catalogue of the training domain: every text a person reads, in en and zh_CN."""

from __future__ import annotations

from typing import Any

from labeling_rules.messages import resolve_lang

LANGUAGES = ("en", "zh_CN")

# The requirement or rule a finding enforces, shown before its message.
RULES: dict[str, dict[str, str]] = {
    "file": {"en": "file", "zh_CN": "文件"},
    "yaml": {"en": "YAML", "zh_CN": "YAML"},
    "format": {"en": "format", "zh_CN": "格式"},
    "P1": {"en": "P1 training", "zh_CN": "P1 培训"},
    "P2": {"en": "P2 exam", "zh_CN": "P2 考核"},
    "i18n": {"en": "translation", "zh_CN": "翻译"},
    "practice": {"en": "practice", "zh_CN": "练习"},
}

# Linter findings: code -> rule key and text per language. Codes T... are errors, TW... warnings.
CATALOGUE: dict[str, dict[str, str]] = {
    "T001": {
        "rule": "file",
        "en": "the file is {size} bytes; training files may be at most {limit} bytes. "
        "Split the content or shorten it.",
        "zh_CN": "文件大小为 {size} 字节，培训文件最多 {limit} 字节。请拆分或精简内容。",
    },
    "T002": {
        "rule": "file",
        "en": "byte {byte} is not valid UTF-8. Save the file as UTF-8 (not GBK or another "
        "encoding).",
        "zh_CN": "字节 {byte} 不是有效的 UTF-8 编码。请将文件另存为 UTF-8（不要使用 GBK 等编码）。",
    },
    "T003": {
        "rule": "yaml",
        "en": "the YAML cannot be read: {problem}. Check indentation, colons and quotes here.",
        "zh_CN": "无法解析 YAML：{problem}。请检查此处的缩进、冒号和引号。",
    },
    "T004": {
        "rule": "yaml",
        "en": "the file holds {found}, but it must be a mapping of keys. See docs/training.md.",
        "zh_CN": "文件内容是{found}，而此文件必须是键值映射。请参见 docs/training.md。",
    },
    "T005": {
        "rule": "yaml",
        "en": "the key '{key}' appears twice in the same mapping. Keep one of them.",
        "zh_CN": "同一映射中键 '{key}' 出现了两次。请只保留一个。",
    },
    "T006": {
        "rule": "file",
        "en": "the file is empty. Write its content; see docs/training.md.",
        "zh_CN": "文件为空。请填写内容，参见 docs/training.md。",
    },
    "T007": {
        "rule": "file",
        "en": "the file cannot be read. Check that it exists and its permissions.",
        "zh_CN": "无法读取文件。请检查文件是否存在及其访问权限。",
    },
    "T008": {
        "rule": "yaml",
        "en": "the document expands to too many values or nests too deeply (aliases?). "
        "Write the content out without repeated aliases.",
        "zh_CN": "文档展开后值过多或嵌套过深（是否使用了别名？）。"
        "请直接写出内容，不要重复使用别名。",
    },
    "T010": {
        "rule": "format",
        "en": "{where} lacks the required key '{key}'. Add it (see docs/training.md).",
        "zh_CN": "{where} 缺少必需的键 '{key}'。请补充（参见 docs/training.md）。",
    },
    "T011": {
        "rule": "format",
        "en": "'{key}' is not a known key of {where}. Remove it or correct the spelling; "
        "known keys: {allowed}.",
        "zh_CN": "'{key}' 不是 {where} 的已知键。请删除或更正拼写；已知键：{allowed}。",
    },
    "T012": {
        "rule": "format",
        "en": "{where} should be {expected}, but it is {found}.",
        "zh_CN": "{where} 应为{expected}，实际为{found}。",
    },
    "T013": {
        "rule": "format",
        "en": "{where} is empty. Write the text.",
        "zh_CN": "{where} 为空。请填写内容。",
    },
    "T014": {
        "rule": "yaml",
        "en": "'{key}' looks like the end of a text cut off at a comma: inside {{...}} a comma "
        "ends the value. Put the whole text in double quotes.",
        "zh_CN": "'{key}' 像是被英文逗号截断的文本后半部分：在 {{...}} 中英文逗号会结束取值。"
        "请把整段文本放在英文双引号中。",
    },
    "T100": {
        "rule": "P1",
        "en": "the training modules of rule set {rule_set} do not cover: {topics}. Add modules "
        "with these topics to training.modules (every P1 topic must be taught).",
        "zh_CN": "规则集 {rule_set} 的培训模块未覆盖：{topics}。请在 training.modules 中加入涵盖"
        "这些主题的模块（P1 要求讲授全部主题）。",
    },
    "T101": {
        "rule": "P1",
        "en": "rule set {rule_set} names the module '{module}', but {path} does not exist. "
        "Create the module or correct the name.",
        "zh_CN": "规则集 {rule_set} 引用了模块 '{module}'，但 {path} 不存在。"
        "请创建该模块或更正名称。",
    },
    "T102": {
        "rule": "practice",
        "en": "no module of rule set {rule_set} has a practice set (practice.{rule_set}.yaml). "
        "Without one nobody can qualify: add gold items to the rules module.",
        "zh_CN": "规则集 {rule_set} 的模块都没有练习集（practice.{rule_set}.yaml）。"
        "没有练习集就无人能取得资格：请在规则模块中加入标准答案条目。",
    },
    "T110": {
        "rule": "format",
        "en": "the module has no {file}. Write it (see docs/training.md).",
        "zh_CN": "该模块缺少 {file}。请编写该文件（参见 docs/training.md）。",
    },
    "T111": {
        "rule": "i18n",
        "en": "{file} has no translation {twin}. Every lesson and quiz exists in English and "
        "Chinese; write the missing one.",
        "zh_CN": "{file} 缺少对应的译本 {twin}。"
        "每份课程和测验都须有中英文两个版本；请补写缺少的版本。",
    },
    "T112": {
        "rule": "format",
        "en": "'{topic}' is not a training topic. Use one of: {allowed}.",
        "zh_CN": "'{topic}' 不是培训主题。请使用以下之一：{allowed}。",
    },
    "T113": {
        "rule": "P2",
        "en": "the module teaches '{topic}' but no question of {file} is tagged with it, so the "
        "exam does not test it. Tag or add a question.",
        "zh_CN": "该模块讲授 '{topic}'，但 {file} 中没有题目标注此主题，考核因此未覆盖它。"
        "请为题目标注或增加题目。",
    },
    "T114": {
        "rule": "format",
        "en": "pass_mark is {value}; it must be a share between 0 (exclusive) and 1, e.g. 0.8.",
        "zh_CN": "pass_mark 为 {value}；它必须是大于 0、不超过 1 的比例，例如 0.8。",
    },
    "T120": {
        "rule": "P2",
        "en": "question {question} has no correct answer. List the right option ids under "
        "'correct', e.g. correct: [b].",
        "zh_CN": "题目 {question} 没有正确答案。"
        "请在 'correct' 下列出正确选项的编号，例如 correct: [b]。",
    },
    "T121": {
        "rule": "P2",
        "en": "the correct answer '{option}' of question {question} is not one of its options "
        "({options}). Correct the id.",
        "zh_CN": "题目 {question} 的正确答案 '{option}' 不在其选项（{options}）之中。请更正编号。",
    },
    "T122": {
        "rule": "P2",
        "en": "the question id '{question}' is used twice (first on line {first}). Give each "
        "question its own id.",
        "zh_CN": "题目编号 '{question}' 重复使用（首次出现在第 {first} 行）。"
        "请为每道题使用不同的编号。",
    },
    "T123": {
        "rule": "P2",
        "en": "the option id '{option}' is used twice in question {question}. Give each option "
        "its own id.",
        "zh_CN": "题目 {question} 中选项编号 '{option}' 重复使用。请为每个选项使用不同的编号。",
    },
    "T124": {
        "rule": "P2",
        "en": "question {question} has {count} option(s); a question needs at least 2.",
        "zh_CN": "题目 {question} 只有 {count} 个选项；每道题至少需要 2 个选项。",
    },
    "T125": {
        "rule": "i18n",
        "en": "question {question} is in {file} but not in its translation {twin}. Keep the "
        "same question ids in both languages.",
        "zh_CN": "题目 {question} 在 {file} 中存在，但译本 {twin} 中没有。"
        "两种语言的题目编号须一致。",
    },
    "T126": {
        "rule": "i18n",
        "en": "question {question} has the correct answer {here} here but {there} in {twin}. "
        "A translation must not change the answer.",
        "zh_CN": "题目 {question} 在此处的正确答案为 {here}，在 {twin} 中却为 {there}。"
        "翻译不得改变答案。",
    },
    "T130": {
        "rule": "practice",
        "en": "practice item {item} does not fit the data format of {rule_set}: {problem}",
        "zh_CN": "练习条目 {item} 不符合 {rule_set} 的数据格式：{problem}",
    },
    "T131": {
        "rule": "practice",
        "en": "practice item {item} gives a gold label for '{control}', which {rule_set} does "
        "not define; its controls are: {allowed}.",
        "zh_CN": "练习条目 {item} 为 '{control}' 给出了标准答案，但 {rule_set} 没有定义该控件；"
        "其控件为：{allowed}。",
    },
    "T132": {
        "rule": "practice",
        "en": "practice item {item} uses the label '{label}' for {control}, which {rule_set} "
        "does not define; allowed: {allowed}.",
        "zh_CN": "练习条目 {item} 为 {control} 使用了标签 '{label}'，但 {rule_set} 未定义该标签；"
        "可用标签：{allowed}。",
    },
    "T133": {
        "rule": "practice",
        "en": "practice item {item} has no gold label for the required control '{control}'. "
        "Add it, following the decision procedure.",
        "zh_CN": "练习条目 {item} 缺少必填控件 '{control}' 的标准答案。请按判定流程补充。",
    },
    "T134": {
        "rule": "practice",
        "en": "the practice item key '{item}' is used twice (first on line {first}). Give each "
        "item its own key.",
        "zh_CN": "练习条目键 '{item}' 重复使用（首次出现在第 {first} 行）。"
        "请为每个条目使用不同的键。",
    },
    "T135": {
        "rule": "practice",
        "en": "the file says rule_set: {found}, but its name says {expected}. Make them agree.",
        "zh_CN": "文件中写的是 rule_set: {found}，但文件名表明是 {expected}。请使两者一致。",
    },
    "T136": {
        "rule": "practice",
        "en": "practice item {item} gives gold for '{control}', a {kind} control; only choice "
        "and rating controls are scored. Remove it.",
        "zh_CN": "练习条目 {item} 为 '{control}'（{kind} 类控件）给出了标准答案；只有选择和评分"
        "控件参与计分。请删除该项。",
    },
    "T137": {
        "rule": "practice",
        "en": "practice item {item}: the gold for {control} should be {expected}.",
        "zh_CN": "练习条目 {item}：{control} 的标准答案应为{expected}。",
    },
    "TW01": {
        "rule": "practice",
        "en": "the practice set of {rule_set} has {count} item(s); with fewer than {minimum} "
        "the accuracy bound is too wide to mean much. Add items.",
        "zh_CN": "{rule_set} 的练习集只有 {count} 个条目；少于 {minimum} 个时准确率置信区间过宽，"
        "意义不大。请增加条目。",
    },
}

# Words used inside messages.
WORDS: dict[str, dict[str, str]] = {
    "mapping": {"en": "a mapping", "zh_CN": "映射"},
    "list": {"en": "a list", "zh_CN": "列表"},
    "text": {"en": "text", "zh_CN": "文本"},
    "number": {"en": "a number", "zh_CN": "数字"},
    "integer": {"en": "a whole number", "zh_CN": "整数"},
    "boolean": {"en": "true/false", "zh_CN": "布尔值"},
    "null": {"en": "empty", "zh_CN": "空值"},
    "one_label": {"en": " one label", "zh_CN": "单个标签"},
    "label_list": {"en": " a list of labels", "zh_CN": "标签列表"},
    "the_file": {"en": "the file", "zh_CN": "文件"},
}

# Texts of errors raised for invalid input (exam, practice, suspension, loading).
ERRORS: dict[str, dict[str, str]] = {
    "unknown_module": {
        "en": "there is no training module '{module}' in {path}; known modules: {known}.",
        "zh_CN": "{path} 中没有培训模块 '{module}'；已有模块：{known}。",
    },
    "module_invalid": {
        "en": "the training module '{module}' has {count} error(s); run `labelgate training "
        "lint` and fix them. First: {first}",
        "zh_CN": "培训模块 '{module}' 有 {count} 处错误；请运行 `labelgate training lint` 并修正。"
        "第一处：{first}",
    },
    "unknown_question": {
        "en": "the answers name the question '{question}', which is not on this exam paper.",
        "zh_CN": "答案中的题目 '{question}' 不在本试卷上。",
    },
    "unknown_option": {
        "en": "the answer to question {question} names the option '{option}', which it does "
        "not have; its options are: {options}.",
        "zh_CN": "题目 {question} 的答案中选项 '{option}' 不存在；其选项为：{options}。",
    },
    "answer_type": {
        "en": "the answer to question {question} must be a list of option ids, not {found}.",
        "zh_CN": "题目 {question} 的答案必须是选项编号列表，而不是 {found}。",
    },
    "no_pass_mark": {
        "en": "module '{module}' sets no pass mark; load it with its rule set (modules_for) or "
        "pass pass_mark=.",
        "zh_CN": "模块 '{module}' 未设定及格线；"
        "请通过其规则集加载（modules_for）或传入 pass_mark=。",
    },
    "empty_exam": {
        "en": "the exam has no questions; give at least one module with a quiz.",
        "zh_CN": "试卷没有题目；请至少提供一个含测验的模块。",
    },
    "duplicate_module": {
        "en": "the module '{module}' is given twice; give each module once.",
        "zh_CN": "模块 '{module}' 重复提供；每个模块只能提供一次。",
    },
    "bad_seed": {
        "en": "the exam seed must be a whole number or text, not {found}.",
        "zh_CN": "试卷种子必须是整数或文本，而不是 {found}。",
    },
    "unknown_item": {
        "en": "the answers name the practice item '{item}', which is not in the practice set.",
        "zh_CN": "答案中的练习条目 '{item}' 不在练习集中。",
    },
    "answer_label": {
        "en": "the answer to practice item {item} uses '{label}' for {control}, which the rule "
        "set does not define; allowed: {allowed}.",
        "zh_CN": "练习条目 {item} 的答案为 {control} 使用了 '{label}'，规则集未定义该标签；"
        "可用标签：{allowed}。",
    },
    "answer_not_mapping": {
        "en": "the answer to practice item {item} must be a normalised result "
        "{{control: label}}, not {found}.",
        "zh_CN": "练习条目 {item} 的答案必须是规范化结果 {{控件: 标签}}，而不是 {found}。",
    },
    "empty_practice": {
        "en": "the practice set is empty; there is nothing to score.",
        "zh_CN": "练习集为空，无法计分。",
    },
    "out_of_range": {
        "en": "{name} is {value}; allowed: {rule}.",
        "zh_CN": "{name} 为 {value}；允许范围：{rule}。",
    },
    "outcome_type": {
        "en": "outcome {index} (counted from 0) is {found}; outcomes must be True (correct) or "
        "False (incorrect).",
        "zh_CN": "第 {index} 个结果（从 0 开始计数）为 {found}；"
        "结果必须是 True（正确）或 False（错误）。",
    },
}

# Reasons of a suspension decision, for the annotator and the audit trail (P3).
REASONS: dict[str, dict[str, str]] = {
    "too_few": {
        "en": "Not enough checked items yet ({n} of {min_items}) to judge accuracy; no suspension.",
        "zh_CN": "已核验条目不足（{n}/{min_items}），暂不评估准确率，不予暂停。",
    },
    "below_target": {
        "en": "Accuracy on the last {n} checked items is {accuracy:.1%}; even its upper "
        "{confidence:.0%} confidence bound ({upper:.1%}) is below the target {target:.1%}. "
        "Work is suspended until retraining is passed.",
        "zh_CN": "最近 {n} 个已核验条目的准确率为 {accuracy:.1%}，其 {confidence:.0%} 置信上限"
        "（{upper:.1%}）也低于目标 {target:.1%}。暂停标注工作，重新培训并通过考核后恢复。",
    },
    "consistent": {
        "en": "Accuracy on the last {n} checked items is {accuracy:.1%} (upper {confidence:.0%} "
        "bound {upper:.1%}); this is consistent with the target {target:.1%}. No suspension.",
        "zh_CN": "最近 {n} 个已核验条目的准确率为 {accuracy:.1%}（{confidence:.0%} 置信上限 "
        "{upper:.1%}），与目标 {target:.1%} 相符，不予暂停。",
    },
}


def render(code: str, lang: str | None = None, **params: Any) -> str:
    """Return linter message `code` in `lang`, prefixed by the rule it enforces."""
    language = resolve_lang(lang)
    entry = CATALOGUE[code]
    return f"{RULES[entry['rule']][language]}: {entry[language].format(**params)}"


def error_text(code: str, lang: str | None = None, **params: Any) -> str:
    """Return the text of input error `code` in `lang`."""
    return ERRORS[code][resolve_lang(lang)].format(**params)


def reason_text(code: str, lang: str, **params: Any) -> str:
    """Return suspension reason `code` in `lang`."""
    return REASONS[code][resolve_lang(lang)].format(**params)


def word(key: str, lang: str | None = None) -> str:
    """Return a word used inside messages in `lang`, or `key` itself when not catalogued."""
    return WORDS.get(key, {}).get(resolve_lang(lang), key)
