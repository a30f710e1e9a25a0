"""Page numbers from the query string, with sane bounds."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import request


def page_arg(default_per_page: int = 50) -> tuple[int, int]:
    """Return (page, per_page) from `?page=&per_page=`, clamped to sensible values."""
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    try:
        per_page = min(500, max(1, int(request.args.get("per_page", default_per_page))))
    except ValueError:
        per_page = default_per_page
    return page, per_page


@dataclass(frozen=True)
class Pager:
    """What a template needs to draw page links."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages
