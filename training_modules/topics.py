"""The topic vocabulary of training: the six P1 topics and the five P2 exam areas they cover."""

from __future__ import annotations

from dataclasses import dataclass

from labeling_rules.messages import resolve_lang


@dataclass(frozen=True)
class Topic:
    """A training topic (P1, GB/T 45674 §7.1a) with its names and the P2 exam area it tests."""

    id: str
    name_en: str
    name_zh: str
    exam_area: str | None

    def name(self, lang: str | None = None) -> str:
        """Return the topic's name in `lang` ('en' or 'zh_CN')."""
        return self.name_zh if resolve_lang(lang) == "zh_CN" else self.name_en


# P1 lists six training topics; P2 names five exam areas. Verification methods are a P1
# topic without an exam area of their own: the exam still covers them (P1 requires the
# training, and a rule set's quiz tests what its modules teach).
TOPICS: tuple[Topic, ...] = (
    Topic("rules", "the labeling rules", "标注规则", "rule_understanding"),
    Topic("platform_safe_use", "safe use of the platform", "平台安全使用", "tool_use"),
    Topic("verification_methods", "verification methods", "核验方法", None),
    Topic("data_security", "data-security management", "数据安全管理", "data_security_ability"),
    Topic("risk_cases", "typical risk cases", "典型风险案例", "risk_judgement"),
    Topic("legal_awareness", "legal awareness", "法律意识", "law"),
)

TOPIC_IDS: tuple[str, ...] = tuple(topic.id for topic in TOPICS)

# The P2 exam areas (GB/T 45674 §7.1b, GB/T 45654 §5.3a2), each with its en and zh names.
EXAM_AREAS: dict[str, dict[str, str]] = {
    "law": {"en": "law", "zh_CN": "法律法规"},
    "rule_understanding": {"en": "rule understanding", "zh_CN": "规则理解"},
    "tool_use": {"en": "tool use", "zh_CN": "工具使用"},
    "risk_judgement": {"en": "risk judgement", "zh_CN": "风险判断"},
    "data_security_ability": {"en": "data-security ability", "zh_CN": "数据安全能力"},
}


def topic(topic_id: str) -> Topic:
    """Return the topic called `topic_id`; raise ValueError naming the known topics."""
    for candidate in TOPICS:
        if candidate.id == topic_id:
            return candidate
    raise ValueError(f"unknown training topic {topic_id!r}; known topics: {', '.join(TOPIC_IDS)}")


def exam_area_topics() -> dict[str, str]:
    """Return {P2 exam area: the topic whose questions test it}."""
    return {t.exam_area: t.id for t in TOPICS if t.exam_area is not None}
