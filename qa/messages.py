"""Message catalogue of the statistics package: every text a person reads, in en and zh_CN."""

from __future__ import annotations

import os
from typing import Any

LANGUAGES = ("en", "zh_CN")

CATALOGUE: dict[str, dict[str, str]] = {
    "empty": {
        "en": "{what} is empty; give at least one item with two ratings.",
        "zh_CN": "{what}为空；请至少提供一个有两个评分的条目。",
    },
    "not_2d": {
        "en": "{what} must be a 2-D table (rows x columns); got {ndim} dimension(s).",
        "zh_CN": "{what}必须是二维表（行 x 列）；实际为 {ndim} 维。",
    },
    "bad_option": {
        "en": "{name}={value!r} is not supported; choose one of {choices}.",
        "zh_CN": "不支持 {name}={value!r}；请从 {choices} 中选择。",
    },
    "outside_domain": {
        "en": "the value {value!r} is not in value_domain {domain}; add it to value_domain "
        "or correct the rating.",
        "zh_CN": "值 {value!r} 不在 value_domain {domain} 中；"
        "请把它加入 value_domain 或更正该评分。",
    },
    "needs_domain": {
        "en": "labels {sample} are not numbers, so the {level} level needs value_domain to "
        "give their order.",
        "zh_CN": "标签 {sample} 不是数字，{level} 尺度需要通过 value_domain 指定它们的顺序。",
    },
    "nan_in_table": {
        "en": "the counts table has NaN in row {row}; counts must be whole numbers (use 0 "
        "for a category nobody chose).",
        "zh_CN": "计数表第 {row} 行含有 NaN；计数必须是整数（无人选择的类别请填 0）。",
    },
    "bad_counts": {
        "en": "the counts table has a negative or fractional count in row {row}; counts "
        "must be whole numbers of ratings.",
        "zh_CN": "计数表第 {row} 行含有负数或小数；计数必须是评分次数（非负整数）。",
    },
    "single_category": {
        "en": "every rating is {value!r}: with a single category, chance agreement is 1 and "
        "{name} is undefined (NaN). Agreement cannot be told apart from chance.",
        "zh_CN": "所有评分都是 {value!r}：只有一个类别时机会一致率为 1，{name} 无定义（NaN），"
        "无法区分真实一致与偶然一致。",
    },
    "no_variation": {
        "en": "the ratings have no spread under the {level} metric, so the expected "
        "disagreement is 0 and {name} is undefined (NaN).",
        "zh_CN": "在 {level} 度量下评分没有差异，期望不一致度为 0，{name} 无定义（NaN）。",
    },
    "single_rating_items": {
        "en": "{count} item(s) have fewer than two ratings and were left out of {name}.",
        "zh_CN": "{count} 个条目的评分少于两个，已从 {name} 的计算中排除。",
    },
    "length_mismatch": {
        "en": "{first} has {n1} entries but {second} has {n2}; give one entry per rating.",
        "zh_CN": "{first} 有 {n1} 项，而 {second} 有 {n2} 项；每个评分应各占一项。",
    },
    "missing_pairs": {
        "en": "{count} pair(s) with a missing rating were left out.",
        "zh_CN": "{count} 对含缺失评分的记录已被排除。",
    },
    "out_of_range": {
        "en": "{name} must be {rule}; got {value!r}.",
        "zh_CN": "{name} 必须{rule}；实际为 {value!r}。",
    },
    "weights_shape": {
        "en": "weights must be a {k}x{k} matrix for {k} categories; got shape {shape}.",
        "zh_CN": "{k} 个类别需要 {k}x{k} 的权重矩阵；实际形状为 {shape}。",
    },
    "bootstrap_nan": {
        "en": "{count} of {total} bootstrap resamples gave NaN and were left out of the interval.",
        "zh_CN": "{total} 次自助重抽样中有 {count} 次结果为 NaN，未计入区间。",
    },
    "no_plan": {
        "en": "no sampling plan meets aql={aql} with alpha={alpha} and ltpd={ltpd} with "
        "beta={beta} up to n={limit}; widen the gap between aql and ltpd or relax the risks.",
        "zh_CN": "在 n≤{limit} 范围内，没有抽样方案能同时满足 aql={aql}（alpha={alpha}）与 "
        "ltpd={ltpd}（beta={beta}）；请拉大 aql 与 ltpd 的差距或放宽风险。",
    },
    "unknown_aql": {
        "en": "AQL {aql} is not a preferred value of ISO 2859-1; use one of {choices}.",
        "zh_CN": "AQL {aql} 不是 ISO 2859-1 的优先值；请使用 {choices} 之一。",
    },
    "discontinued": {
        "en": "inspection is discontinued after 5 lots not accepted on tightened inspection; "
        "resume only after the supplier has corrected the process (ISO 2859-1, 9.4).",
        "zh_CN": "加严检验中已有 5 批不被接收，检验暂停；"
        "供方改进过程后方可恢复（ISO 2859-1，9.4）。",
    },
    "unknown_id": {
        "en": "{what} {value!r} is not in {where}.",
        "zh_CN": "{what} {value!r} 不在 {where} 中。",
    },
}


def default_language() -> str:
    """Return the language from the environment: zh* -> zh_CN, anything else -> en."""
    lang = os.environ.get("LANG", "")
    return "zh_CN" if lang.lower().startswith("zh") else "en"


def message(code: str, lang: str | None = None, **params: Any) -> str:
    """Render message `code` in `lang` (default from LANG) with str.format parameters."""
    entry = CATALOGUE[code]
    chosen = lang if lang in LANGUAGES else default_language()
    return entry[chosen].format(**params)
