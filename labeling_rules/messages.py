"""Message catalogue of the rules domain: every text a person reads, in en and zh_CN."""

from __future__ import annotations

import os
from typing import Any

LANGUAGES = ("en", "zh_CN")

# The rule a finding breaks, as shown in the message.
RULES: dict[str, dict[str, str]] = {
    "file": {"en": "file", "zh_CN": "文件"},
    "yaml": {"en": "YAML", "zh_CN": "YAML"},
    "schema": {"en": "format", "zh_CN": "格式"},
    "operable": {"en": "operability", "zh_CN": "可操作性"},
}

# code -> rule key (a RULES key or a requirement ID of REGULATION.md) and the text per language.
CATALOGUE: dict[str, dict[str, str]] = {
    "E001": {
        "rule": "file",
        "en": "the file is {size} bytes; rule files may be at most {limit} bytes. "
        "Split the rule set or shorten its examples.",
        "zh_CN": "文件大小为 {size} 字节，规则文件最多 {limit} 字节。请拆分规则集或精简示例。",
    },
    "E002": {
        "rule": "file",
        "en": "byte {byte} is not valid UTF-8. Save the file as UTF-8 (without another encoding "
        "such as GBK).",
        "zh_CN": "字节 {byte} 不是有效的 UTF-8 编码。"
        "请将文件另存为 UTF-8（不要使用 GBK 等其他编码）。",
    },
    "E003": {
        "rule": "yaml",
        "en": "the YAML cannot be read: {problem}. Check indentation, colons and quotes here.",
        "zh_CN": "无法解析 YAML：{problem}。请检查此处的缩进、冒号和引号。",
    },
    "E004": {
        "rule": "yaml",
        "en": "the file holds {found}, but a rule set must be a mapping of keys (id: ..., "
        "title: ...). Start from the example in labeling_rules/README.md.",
        "zh_CN": "文件内容是{found}，而规则集必须是键值映射（id: ...、title: ...）。"
        "请参照 labeling_rules/README.md 中的示例。",
    },
    "E005": {
        "rule": "yaml",
        "en": "the key '{key}' appears twice in the same mapping. Keep one of them.",
        "zh_CN": "同一映射中键 '{key}' 出现了两次。请只保留一个。",
    },
    "E006": {
        "rule": "yaml",
        "en": "the file is empty. Write a rule set; start from the example in "
        "labeling_rules/README.md.",
        "zh_CN": "文件为空。请编写规则集，可参照 labeling_rules/README.md 中的示例。",
    },
    "E007": {
        "rule": "file",
        "en": "the file does not exist or cannot be read. Check the path and its permissions.",
        "zh_CN": "文件不存在或无法读取。请检查路径和访问权限。",
    },
    "E008": {
        "rule": "yaml",
        "en": "the document expands to more than {limit} values or nests too deeply (anchors and "
        "aliases?). Write the rule set out without recursive or repeated aliases.",
        "zh_CN": "文档展开后超过 {limit} 个值或嵌套过深（是否使用了锚点和别名？）。"
        "请直接写出规则内容，不要使用递归或大量重复的别名。",
    },
    "W009": {
        "rule": "file",
        "en": "no rule files (*.yaml, *.yml) found under this directory. Check the path.",
        "zh_CN": "该目录下没有规则文件（*.yaml、*.yml）。请检查路径。",
    },
    "E100": {
        "rule": "schema",
        "en": "{where} lacks the required key '{key}'. Add it (see labeling_rules/README.md).",
        "zh_CN": "{where} 缺少必需的键 '{key}'。请补充（参见 labeling_rules/README.md）。",
    },
    "E101": {
        "rule": "schema",
        "en": "'{key}' is not a known key of {where}. Remove it or correct the spelling; "
        "allowed keys: {allowed}.",
        "zh_CN": "'{key}' 不是 {where} 可用的键。请删除或更正拼写；可用的键：{allowed}。",
    },
    "E111": {
        "rule": "schema",
        "en": "'{key}' is not a known key of {where}; did you mean '{suggestion}'? Correct the "
        "spelling.",
        "zh_CN": "'{key}' 不是 {where} 可用的键；是否应为 '{suggestion}'？请更正拼写。",
    },
    "E112": {
        "rule": "schema",
        "en": "{where} is {value}, which is not a number a threshold can have. Write a finite "
        "number such as 0.95.",
        "zh_CN": "{where} 的取值 {value} 不是有效的有限数值。请填写有限数值，如 0.95。",
    },
    "E102": {
        "rule": "schema",
        "en": "{where} must be {expected}, but it is {found}. Change the value; quote text that "
        'YAML would read as a number, date or boolean (e.g. version: "1.0.0").',
        "zh_CN": "{where} 应为{expected}，实际为{found}。请修改取值；"
        '会被 YAML 误读为数字、日期或布尔值的文本请加引号（如 version: "1.0.0"）。',
    },
    "E103": {
        "rule": "schema",
        "en": "{where} is '{value}', which is not allowed. Use one of: {allowed}.",
        "zh_CN": "{where} 的取值 '{value}' 不被允许。请使用以下之一：{allowed}。",
    },
    "E104": {
        "rule": "schema",
        "en": "{where} '{value}' does not have the required form: {form}.",
        "zh_CN": "{where} 的取值 '{value}' 格式不符：{form}。",
    },
    "E105": {
        "rule": "schema",
        "en": "{where} is {value}, outside the allowed range ({bound}). Use a value in range.",
        "zh_CN": "{where} 的取值 {value} 超出允许范围（{bound}）。请使用范围内的值。",
    },
    "E106": {
        "rule": "schema",
        "en": "{where} needs at least {minimum} entr(y/ies). Add the missing entries.",
        "zh_CN": "{where} 至少需要 {minimum} 项。请补充。",
    },
    "E107": {
        "rule": "schema",
        "en": "{where} is longer than {maximum}. Shorten it.",
        "zh_CN": "{where} 超过长度上限 {maximum}。请缩短。",
    },
    "E108": {
        "rule": "schema",
        "en": "{where} is empty. Write the text rule authors and annotators need here.",
        "zh_CN": "{where} 为空。请填写相应内容。",
    },
    "E109": {
        "rule": "schema",
        "en": "{where} does not fit the schema: {detail}.",
        "zh_CN": "{where} 不符合格式要求：{detail}。",
    },
    "E201": {
        "rule": "R4",
        "en": "label '{label}' of control '{control}' has no positive example. Add at least one "
        "item under examples.positive that this label fits, with a note saying why.",
        "zh_CN": "控件 '{control}' 的标签 '{label}' 没有正例。请在 examples.positive 下至少添加一个"
        "适用该标签的样例，并在 note 中说明理由。",
    },
    "E202": {
        "rule": "R4",
        "en": "label '{label}' of control '{control}' has no negative example. Add at least one "
        "item under examples.negative that looks close but does not fit, with a note saying why.",
        "zh_CN": "控件 '{control}' 的标签 '{label}' 没有反例。请在 examples.negative 下至少添加一个"
        "看似相近但不适用该标签的样例，并在 note 中说明理由。",
    },
    "E203": {
        "rule": "operable",
        "en": "control '{control}' has two labels with the value '{label}' (first on line "
        "{first_line}). Give every label its own value.",
        "zh_CN": "控件 '{control}' 中有两个标签的取值都是 '{label}'（第一个在第 {first_line} 行）。"
        "请为每个标签使用不同的取值。",
    },
    "E204": {
        "rule": "operable",
        "en": "label '{label}' has the same definition as label '{other}' of control "
        "'{other_control}'. Annotators cannot tell them apart: say what distinguishes them.",
        "zh_CN": "标签 '{label}' 与控件 '{other_control}' 的标签 '{other}' 定义完全相同，"
        "标注员无法区分。请写明二者的区别。",
    },
    "E205": {
        "rule": "operable",
        "en": "step '{step}' chooses label '{label}', which control '{control}' does not define. "
        "Use one of: {allowed}.",
        "zh_CN": "步骤 '{step}' 选择了标签 '{label}'，但控件 '{control}' 没有定义该标签。"
        "请使用以下之一：{allowed}。",
    },
    "E206": {
        "rule": "operable",
        "en": "step '{step}' refers to control '{control}', which is not defined. Use one of: "
        "{allowed}.",
        "zh_CN": "步骤 '{step}' 引用的控件 '{control}' 未定义。请使用以下之一：{allowed}。",
    },
    "E207": {
        "rule": "operable",
        "en": "step '{step}' continues with '{target}', which is not a step. Use 'end' or one of: "
        "{allowed}.",
        "zh_CN": "步骤 '{step}' 的后续步骤 '{target}' 不存在。请使用 'end' 或以下之一：{allowed}。",
    },
    "E208": {
        "rule": "operable",
        "en": "no step of the decision procedure leads to label '{label}' of control "
        "'{control}'. Add an outcome that chooses it, or remove the label.",
        "zh_CN": "判定流程中没有任何步骤能得出控件 '{control}' 的标签 '{label}'。"
        "请添加选择该标签的结果分支，或删除该标签。",
    },
    "W209": {
        "rule": "operable",
        "en": "step '{step}' cannot be reached from the first step. Point an earlier outcome "
        "or 'next' at it, or remove it.",
        "zh_CN": "从第一步出发无法到达步骤 '{step}'。请让前面某个结果分支或 next 指向它，"
        "或删除该步骤。",
    },
    "E210": {
        "rule": "operable",
        "en": "step id '{step}' is used twice (first on line {first_line}). Give each step its "
        "own id.",
        "zh_CN": "步骤编号 '{step}' 重复使用（第一次在第 {first_line} 行）。"
        "请为每个步骤使用不同的编号。",
    },
    "E211": {
        "rule": "operable",
        "en": "the example uses field '{field}', which the data format does not declare. Use "
        "one of: {allowed}, or declare the field under data_format.fields.",
        "zh_CN": "样例使用了数据格式中未声明的字段 '{field}'。请使用以下之一：{allowed}，"
        "或在 data_format.fields 中声明该字段。",
    },
    "E212": {
        "rule": "operable",
        "en": "the example lacks the required field '{field}'. Add it to the example's item.",
        "zh_CN": "样例缺少必填字段 '{field}'。请在样例的 item 中补充。",
    },
    "E213": {
        "rule": "operable",
        "en": "field '{field}' of the example must be {expected} (the data format says "
        "'{field_type}'), but it is {found}.",
        "zh_CN": "样例的字段 '{field}' 应为{expected}（数据格式声明为 '{field_type}'），"
        "实际为{found}。",
    },
    "E214": {
        "rule": "operable",
        "en": "control '{control}' applies to '{field}', which is not a declared field. Use one "
        "of: {allowed}.",
        "zh_CN": "控件 '{control}' 作用于未声明的字段 '{field}'。请使用以下之一：{allowed}。",
    },
    "E215": {
        "rule": "operable",
        "en": "control name '{control}' is used twice (first on line {first_line}). Give each "
        "control its own name.",
        "zh_CN": "控件名 '{control}' 重复使用（第一次在第 {first_line} 行）。"
        "请为每个控件使用不同的名称。",
    },
    "E216": {
        "rule": "operable",
        "en": "field name '{field}' is declared twice (first on line {first_line}). Give each "
        "field its own name.",
        "zh_CN": "字段名 '{field}' 重复声明（第一次在第 {first_line} 行）。"
        "请为每个字段使用不同的名称。",
    },
    "E217": {
        "rule": "operable",
        "en": "the example's span '{span}' does not occur in its field '{field}'. Copy the span "
        "exactly from the item's text.",
        "zh_CN": "样例的片段 '{span}' 没有出现在字段 '{field}' 中。请从样例文本中原样复制该片段。",
    },
    "E218": {
        "rule": "operable",
        "en": "the labels of rating control '{control}' must be the integers 1, 2, ... {count} "
        "in order, but they are {found}. Renumber them.",
        "zh_CN": "评分控件 '{control}' 的标签必须依次为整数 1、2、…、{count}，实际为 {found}。"
        "请重新编号。",
    },
    "E219": {
        "rule": "operable",
        "en": "label value {label} of control '{control}' must be text, because only rating "
        'labels are numbers. Quote it, e.g. value: "{label}".',
        "zh_CN": "控件 '{control}' 的标签取值 {label} 必须是文本（只有评分标签是数字）。"
        '请加引号，如 value: "{label}"。',
    },
    "E220": {
        "rule": "operable",
        "en": "control '{control}' of type '{type}' has no labels. Add its labels under labels:, "
        "each with a definition and examples.",
        "zh_CN": "类型为 '{type}' 的控件 '{control}' 没有标签。请在 labels: 下添加标签，"
        "并为每个标签给出定义和示例。",
    },
    "E242": {
        "rule": "operable",
        "en": "control '{control}' is a free-text correction and takes no labels. Remove labels: "
        "and describe what to write under description:.",
        "zh_CN": "控件 '{control}' 是自由文本修改，不使用标签。请删除 labels:，"
        "并在 description: 中说明应填写的内容。",
    },
    "E221": {
        "rule": "operable",
        "en": "the exact sampling plan has aql {aql} % not below ltpd {ltpd} %; no plan can tell "
        "them apart. Make aql smaller than ltpd.",
        "zh_CN": "精确抽样方案的 aql（{aql}%）不小于 ltpd（{ltpd}%），无法区分合格与不合格批次。"
        "请使 aql 小于 ltpd。",
    },
    "E222": {
        "rule": "operable",
        "en": "the sequential test has p0 {p0} not below p1 {p1}. Set p0 (acceptable defect "
        "rate) below p1 (rejectable defect rate).",
        "zh_CN": "序贯检验的 p0（{p0}）不小于 p1（{p1}）。"
        "请使 p0（可接受缺陷率）小于 p1（应拒收缺陷率）。",
    },
    "W223": {
        "rule": "operable",
        "en": "AQL {aql} is not one of the preferred values of ISO 2859-1 ({preferred}); the "
        "standard tables have no plan for it. Use a preferred value.",
        "zh_CN": "AQL {aql} 不是 ISO 2859-1 的优先值（{preferred}），标准表中没有对应方案。"
        "请使用优先值。",
    },
    "W224": {
        "rule": "operable",
        "en": "minimum agreement {threshold} is low: below {floor} the labels are not applied "
        "consistently, so the rules are not operable. Raise it or explain in the objective.",
        "zh_CN": "最低一致性 {threshold} 偏低：低于 {floor} 意味着标签使用不一致、规则不可操作。"
        "请提高阈值，或在目标中说明理由。",
    },
    "E225": {
        "rule": "V2",
        "en": "a security rule set must have every item reviewed (V2), but sampling is "
        "'{kind}'. Set quality.sampling to kind: full_review.",
        "zh_CN": "安全类规则集要求每条数据都经过审核（V2），但抽样方式为 '{kind}'。"
        "请将 quality.sampling 设为 kind: full_review。",
    },
    "E226": {
        "rule": "operable",
        "en": "control '{control}' of type '{type}' cannot apply to field '{field}' of type "
        "'{field_type}'. Point it at a text field.",
        "zh_CN": "类型为 '{type}' 的控件 '{control}' "
        "不能作用于类型为 '{field_type}' 的字段 '{field}'。请让它作用于文本字段。",
    },
    "E227": {
        "rule": "R3",
        "en": "the task type is '{task_type}', but no control does that ({needs}). Add such a "
        "control or state the task type the controls really perform.",
        "zh_CN": "任务类型为 '{task_type}'，但没有控件执行该任务（需要 {needs}）。"
        "请添加相应控件，或填写控件实际执行的任务类型。",
    },
    "E228": {
        "rule": "operable",
        "en": "the name '{name}' is reserved for the review project, or already names a field "
        "or control. Choose another name.",
        "zh_CN": "名称 '{name}' 已保留给审核项目使用，或已被某个字段或控件占用。请更换名称。",
    },
    "E229": {
        "rule": "R6",
        "en": "defect code '{defect}' is used twice in the review checklist (first on line "
        "{first_line}). Give every check its own code.",
        "zh_CN": "审核清单中的缺陷代码 '{defect}' 重复使用（第一次在第 {first_line} 行）。"
        "请为每个检查项使用不同的代码。",
    },
    "E230": {
        "rule": "R5",
        "en": "'{risk}' is not one of the 31 risks of GB/T 45654 Annex A. Use a code from "
        "labeling_rules/risks.yaml (A.1.1 ... A.5.2).",
        "zh_CN": "'{risk}' 不属于 GB/T 45654 附录 A 的 31 种安全风险。"
        "请使用 labeling_rules/risks.yaml 中的代码（A.1.1 … A.5.2）。",
    },
    "E231": {
        "rule": "R5",
        "en": "no label covers risk {risk} ({name}). Map it under some label's risks, or list it "
        "under risk_scope.out_of_scope with the reason.",
        "zh_CN": "没有标签覆盖风险 {risk}（{name}）。请将其加入某个标签的 risks，"
        "或在 risk_scope.out_of_scope 中列出并说明理由。",
    },
    "W232": {
        "rule": "R5",
        "en": 'risk {risk} ({name}) is declared out of scope: "{reason}". R5 asks security rules '
        "to cover all 31 risks; make sure the reason holds for this service.",
        "zh_CN": "风险 {risk}（{name}）被声明为不在范围内：“{reason}”。"
        "R5 要求安全规则覆盖全部 31 种风险，"
        "请确认该理由对本服务成立。",
    },
    "E233": {
        "rule": "R5",
        "en": "risk {risk} is both covered by a label and declared out of scope. Remove one of "
        "the two.",
        "zh_CN": "风险 {risk} 既被标签覆盖，又被声明为不在范围内。请删除其中之一。",
    },
    "E234": {
        "rule": "R4",
        "en": "a functional rule set needs a risky_content section: the method and examples for "
        "recognising risky content, and what to do when it is found. Add it.",
        "zh_CN": "功能类规则集必须包含 risky_content 部分：识别风险内容的方法与示例，"
        "以及发现后的处理方式。请补充。",
    },
    "E235": {
        "rule": "R2",
        "en": "a functional rule set must not carry security classification ({what}). Move it "
        "to a security rule set; functional and security annotation have separate rules.",
        "zh_CN": "功能类规则集不得包含安全分类内容（{what}）。请将其移入安全类规则集；"
        "功能标注与安全标注须使用各自独立的规则。",
    },
    "E236": {
        "rule": "R5",
        "en": "label '{label}' of a security rule set does not say which risks it covers. Add "
        "risks: [codes], or risks: [] for the label that means no risk.",
        "zh_CN": "安全类规则集的标签 '{label}' 没有说明覆盖哪些风险。请添加 risks: [代码]；"
        "表示无风险的标签请写 risks: []。",
    },
    "E237": {
        "rule": "R5",
        "en": "a security rule set needs a safe_response_guidance section: principles and "
        "examples of safe, positively-steering responses. Add it.",
        "zh_CN": "安全类规则集必须包含 safe_response_guidance 部分："
        "安全、正向引导回答的原则与示例。请补充。",
    },
    "E238": {
        "rule": "R2",
        "en": "control '{control}' of a security rule set maps none of its labels to a risk: it "
        "is a functional concern. Move it to a functional rule set.",
        "zh_CN": "安全类规则集中的控件 '{control}' 没有任何标签对应安全风险，属于功能标注内容。"
        "请将其移入功能类规则集。",
    },
    "W239": {
        "rule": "operable",
        "en": "the file name says language '{suffix}', but the rule set declares '{language}'. "
        "Rename the file or correct language.",
        "zh_CN": "文件名表明语言为 '{suffix}'，但规则集声明的是 '{language}'。"
        "请重命名文件或更正 language。",
    },
    "E240": {
        "rule": "operable",
        "en": "an outcome of step '{step}' neither chooses a label nor says which step follows. "
        "Add label: or then:.",
        "zh_CN": "步骤 '{step}' 的某个结果分支既没有选择标签，也没有指明后续步骤。"
        "请添加 label: 或 then:。",
    },
    "W241": {
        "rule": "operable",
        "en": "overlap fraction is 0: no item gets several annotators, so agreement ({coefficient}"
        ") cannot be measured. Give a share of items k annotators.",
        "zh_CN": "重叠比例为 0：没有数据由多名标注员标注，无法计算一致性（{coefficient}）。"
        "请让一部分数据由 k 名标注员标注。",
    },
}

# Names of YAML value types, as a rule author knows them.
TYPE_WORDS: dict[str, dict[str, str]] = {
    "string": {"en": "text", "zh_CN": "文本"},
    "text": {"en": "text", "zh_CN": "文本"},
    "number": {"en": "a number", "zh_CN": "数字"},
    "integer": {"en": "a whole number", "zh_CN": "整数"},
    "boolean": {"en": "true or false", "zh_CN": "布尔值（true 或 false）"},
    "object": {"en": "a mapping (key: value lines)", "zh_CN": "映射（键: 值）"},
    "mapping": {"en": "a mapping (key: value lines)", "zh_CN": "映射（键: 值）"},
    "array": {"en": "a list (lines starting with -)", "zh_CN": "列表（以 - 开头的各行）"},
    "list": {"en": "a list (lines starting with -)", "zh_CN": "列表（以 - 开头的各行）"},
    "null": {"en": "empty", "zh_CN": "空值"},
}

# The forms the schema's patterns ask for, keyed by the pattern text.
FORMS: dict[str, dict[str, str]] = {
    "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)$": {
        "en": "a semantic version of three numbers, e.g. 1.0.0",
        "zh_CN": "由三个数字组成的语义化版本号，如 1.0.0",
    },
    "^[a-z][a-z0-9]*(-[a-z0-9]+)*$": {
        "en": "lower-case letters and digits joined by hyphens, e.g. response-quality",
        "zh_CN": "由小写字母和数字组成、以连字符连接，如 response-quality",
    },
    "^[a-z][a-z0-9_]{0,39}$": {
        "en": "a name of lower-case letters, digits and _ that starts with a letter, e.g. "
        "accuracy (at most 40 characters)",
        "zh_CN": "以小写字母开头、由小写字母、数字和 _ 组成的名称，如 accuracy（最多 40 个字符）",
    },
    "^A\\.[1-5]\\.[1-9]$": {
        "en": "a risk code such as A.1.1 (see labeling_rules/risks.yaml)",
        "zh_CN": "风险代码，如 A.1.1（参见 labeling_rules/risks.yaml）",
    },
    "^[A-Z][A-Z0-9]{1,9}$": {
        "en": "an upper-case code such as D01",
        "zh_CN": "大写字母开头的代码，如 D01",
    },
    "^[a-z][a-z0-9_]*$": {
        "en": "a role name of lower-case letters, digits and _, e.g. qa_lead",
        "zh_CN": "由小写字母、数字和 _ 组成的角色名，如 qa_lead",
    },
    "^\\S(.*\\S)?$": {
        "en": "text without leading or trailing spaces",
        "zh_CN": "首尾不含空格的文本",
    },
}

# Common YAML parser problems, worded for rule authors; others are shown as the parser says.
YAML_PROBLEMS: tuple[tuple[str, dict[str, str]], ...] = (
    (
        "'\\t'",
        {"en": "a tab character; indent with spaces only", "zh_CN": "出现了制表符；请只用空格缩进"},
    ),
    (
        "mapping values are not allowed here",
        {
            "en": "a colon where YAML does not expect one; quote text that contains ': '",
            "zh_CN": "此处不应出现冒号；包含“: ”的文本请加引号",
        },
    ),
    ("could not find expected ':'", {"en": "a key without its colon", "zh_CN": "键后缺少冒号"}),
    (
        "found unexpected end of stream",
        {"en": "the file ends inside a quote or bracket", "zh_CN": "文件在引号或括号内意外结束"},
    ),
    (
        "expected <block end>",
        {"en": "the indentation does not match the lines above", "zh_CN": "缩进与上文不一致"},
    ),
    (
        "unhashable type",
        {
            "en": "a key that is itself a list or mapping; keys must be plain words",
            "zh_CN": "键本身是列表或映射；键必须是简单的词",
        },
    ),
    (
        "special characters are not allowed",
        {"en": "a control character that YAML forbids", "zh_CN": "出现了 YAML 不允许的控制字符"},
    ),
)

WHERE_ROOT = {"en": "the rule set", "zh_CN": "规则集"}

# Words the compiler and the instructions show to annotators, in the rule set's language.
UI_TEXT: dict[str, dict[str, str]] = {
    "objective": {"en": "Objective", "zh_CN": "标注目标"},
    "task_type": {"en": "Task type", "zh_CN": "任务类型"},
    "data_format": {"en": "What you see", "zh_CN": "数据内容"},
    "required": {"en": "required", "zh_CN": "必填"},
    "optional": {"en": "optional", "zh_CN": "选填"},
    "controls": {"en": "Labels and their definitions", "zh_CN": "标签及定义"},
    "definition": {"en": "Definition", "zh_CN": "定义"},
    "positive": {"en": "Fits this label", "zh_CN": "正例（适用此标签）"},
    "negative": {"en": "Does not fit this label", "zh_CN": "反例（不适用此标签）"},
    "span": {"en": "Span", "zh_CN": "片段"},
    "why": {"en": "Why", "zh_CN": "理由"},
    "risks": {"en": "Risks covered", "zh_CN": "覆盖的风险"},
    "procedure": {"en": "Decision procedure", "zh_CN": "判定流程"},
    "then_step": {"en": "then go to step", "zh_CN": "然后转到步骤"},
    "end": {"en": "then stop", "zh_CN": "然后结束"},
    "choose": {"en": "choose", "zh_CN": "选择"},
    "risky_content": {"en": "Recognising risky content", "zh_CN": "风险内容识别"},
    "signals": {"en": "Signals", "zh_CN": "识别信号"},
    "action": {"en": "What to do", "zh_CN": "处理方式"},
    "safe_guidance": {"en": "Safe, positively-steering responses", "zh_CN": "安全与正向引导的回答"},
    "prompt": {"en": "Prompt", "zh_CN": "提问"},
    "unsafe_response": {"en": "Unsafe response", "zh_CN": "不安全的回答"},
    "safe_response": {"en": "Safe response", "zh_CN": "安全的回答"},
    "error_spotting": {"en": "Spotting wrong annotations", "zh_CN": "错误标注的识别"},
    "verification": {"en": "How your work is verified", "zh_CN": "质量与安全核验方式"},
    "incident": {"en": "Incidents: what to do and whom to notify", "zh_CN": "事件处置与通报"},
    "within_hours": {"en": "within {hours} h", "zh_CN": "{hours} 小时内"},
    "version": {"en": "Rule set {id}, version {version}", "zh_CN": "规则集 {id}，版本 {version}"},
    "review_header": {"en": "Annotation under review", "zh_CN": "待审核的标注"},
    "verdict": {"en": "Verdict", "zh_CN": "审核结论"},
    "correct": {"en": "Correct", "zh_CN": "正确"},
    "incorrect": {"en": "Incorrect", "zh_CN": "错误"},
    "corrected": {"en": "Corrected label", "zh_CN": "更正后的标签"},
    "defects": {"en": "Defects found", "zh_CN": "发现的缺陷"},
    "severity_critical": {"en": "critical", "zh_CN": "致命"},
    "severity_major": {"en": "major", "zh_CN": "严重"},
    "severity_minor": {"en": "minor", "zh_CN": "轻微"},
    "illegal_header": {"en": "Illegal or harmful content", "zh_CN": "违法或不良内容"},
    "illegal": {
        "en": "This item contains illegal or harmful content",
        "zh_CN": "该数据含有违法或不良内容",
    },
}


# Problems of input items (batch import) and of Label Studio results (ingestion).
PROBLEMS: dict[str, dict[str, str]] = {
    "item_not_mapping": {
        "en": "the item must be a JSON object of fields, not {found}",
        "zh_CN": "数据项必须是由字段组成的 JSON 对象，而不是{found}",
    },
    "item_missing": {
        "en": "required field '{field}' is missing or empty",
        "zh_CN": "必填字段 '{field}' 缺失或为空",
    },
    "item_type": {
        "en": "field '{field}' must be {expected}, not {found}",
        "zh_CN": "字段 '{field}' 应为{expected}，而不是{found}",
    },
    "item_too_long": {
        "en": "field '{field}' has {length} characters; the rule set allows at most {maximum}",
        "zh_CN": "字段 '{field}' 有 {length} 个字符，规则集最多允许 {maximum} 个",
    },
    "result_not_list": {
        "en": "a Label Studio result must be a list of regions",
        "zh_CN": "Label Studio 标注结果必须是区域列表",
    },
    "result_unknown_control": {
        "en": "the result uses control '{control}', which rule set {rule_set} does not have",
        "zh_CN": "标注结果使用了控件 '{control}'，但规则集 {rule_set} 中没有该控件",
    },
    "result_unknown_label": {
        "en": "control '{control}' got label '{label}', which is not one of: {allowed}",
        "zh_CN": "控件 '{control}' 得到的标签 '{label}' 不在允许范围内：{allowed}",
    },
    "result_malformed": {
        "en": "the region of control '{control}' lacks '{key}' or has the wrong type",
        "zh_CN": "控件 '{control}' 的区域缺少 '{key}' 或类型错误",
    },
    "result_too_many": {
        "en": "single-choice control '{control}' got {count} labels; it takes exactly one",
        "zh_CN": "单选控件 '{control}' 得到了 {count} 个标签，只能有一个",
    },
    "result_missing_required": {
        "en": "required control '{control}' has no answer in the result",
        "zh_CN": "必填控件 '{control}' 在标注结果中没有作答",
    },
    "review_no_verdict": {
        "en": "the review result has no verdict (correct or incorrect)",
        "zh_CN": "审核结果缺少审核结论（正确或错误）",
    },
}


def resolve_lang(lang: str | None = None) -> str:
    """Return 'zh_CN' or 'en' for `lang`, defaulting to the LANG environment variable."""
    chosen = lang if lang is not None else os.environ.get("LANG", "")
    return "zh_CN" if chosen.lower().startswith("zh") else "en"


def render(code: str, lang: str | None = None, **params: Any) -> str:
    """Return the message for `code` in `lang`, prefixed by the rule it enforces."""
    language = resolve_lang(lang)
    entry = CATALOGUE[code]
    rule = entry["rule"]
    rule_text = RULES[rule][language] if rule in RULES else rule
    return f"{rule_text}: {entry[language].format(**params)}"


def describe_yaml_problem(problem: str, lang: str | None = None) -> str:
    """Return a YAML parser problem in words a rule author knows, in `lang` when catalogued."""
    for needle, words in YAML_PROBLEMS:
        if needle in problem:
            return words[resolve_lang(lang)]
    return problem


def problem_text(code: str, lang: str | None = None, **params: Any) -> str:
    """Return an item or result problem in `lang`."""
    return PROBLEMS[code][resolve_lang(lang)].format(**params)


def ui(key: str, lang: str, **params: Any) -> str:
    """Return an annotator-facing word or phrase in the rule set's language."""
    return UI_TEXT[key][resolve_lang(lang)].format(**params)
