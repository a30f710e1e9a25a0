"""The 31 security risks of GB/T 45654-2025 (TC260-003) Annex A, with English and Chinese names."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ruamel.yaml import YAML

RISKS_PATH = Path(__file__).with_name("risks.yaml")


@dataclass(frozen=True)
class Risk:
    """One risk of Annex A, e.g. code 'A.1.1' in group 'A.1'."""

    code: str
    group: str
    name_en: str
    name_zh: str
    group_name_en: str
    group_name_zh: str

    def name(self, lang: str) -> str:
        """Return the risk's name in `lang` ('en' or 'zh_CN')."""
        return self.name_zh if lang.startswith("zh") else self.name_en


@lru_cache(maxsize=1)
def _risks() -> tuple[Risk, ...]:
    data = YAML(typ="safe").load(RISKS_PATH.read_text(encoding="utf-8"))
    return tuple(
        Risk(
            code=risk["code"],
            group=group["code"],
            name_en=risk["name_en"],
            name_zh=risk["name_zh"],
            group_name_en=group["name_en"],
            group_name_zh=group["name_zh"],
        )
        for group in data["groups"]
        for risk in group["risks"]
    )


def load_risks() -> list[Risk]:
    """Return the 31 risks of Annex A in their official order."""
    return list(_risks())


def risks_by_code() -> dict[str, Risk]:
    """Return the 31 risks keyed by code ('A.1.1' ... 'A.5.2')."""
    return {risk.code: risk for risk in _risks()}
