"""ISO 2859-1 switching rules between normal, tightened and reduced inspection."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from qa.errors import QAError
from qa.iso2859 import Plan, aql_index, iso2859_single, master_table


def _tighter_accept(plan: Plan, aql: float, inspection: str) -> int | None:
    """Return Ac of the same code letter one AQL step tighter (None if that is an arrow)."""
    column = aql_index(aql, None)
    if column == 0 or plan.code is None:
        return None
    cell = master_table(inspection)[plan.code][column - 1]
    return None if cell in ("v", "^") else int(cell.split("/")[0])


@dataclass(frozen=True)
class LotResult:
    """What happened to one lot under the switching rules."""

    plan: Plan
    defects: int
    accepted: bool
    inspection: str  # severity the lot was inspected under
    next_inspection: str  # severity for the next lot (or "discontinued")
    switching_score: int


@dataclass
class SwitchingRules:
    """ISO 2859-1 switching between normal, tightened and reduced inspection (clause 9).

    - normal -> tightened: 2 of 5 or fewer consecutive lots not accepted;
    - tightened -> normal: 5 consecutive lots accepted;
    - tightened -> discontinued: 5 lots not accepted while on tightened inspection;
    - normal -> reduced: switching score >= 30 (and `reduced_allowed`, i.e. steady production
      and the responsible authority agrees). The score starts at 0 on normal inspection; per
      lot, if Ac >= 2 add 3 when the lot would also be accepted one AQL step tighter, else
      reset to 0; if Ac <= 1 add 2 when accepted, else reset to 0;
    - reduced -> normal: a lot not accepted, or (MIL-STD-105E reduced plans) defects above Ac;
    - discontinued -> tightened: only through :meth:`resume` after corrective action.

    References
    ----------
    ISO 2859-1:1999, 9.3-9.4 and Figure 1.

    Examples
    --------
    >>> rules = SwitchingRules(aql=1.0)
    >>> rules.record(1000, defects=4).next_inspection
    'normal'
    >>> rules.record(1000, defects=3).next_inspection
    'tightened'
    """

    aql: float
    level: str = "II"
    reduced_allowed: bool = True
    state: str = "normal"
    switching_score: int = 0
    _recent: deque = field(default_factory=lambda: deque(maxlen=5), repr=False)
    _tightened_run: int = field(default=0, repr=False)
    _tightened_rejects: int = field(default=0, repr=False)

    def plan(self, lot_size: int) -> Plan:
        """Return the plan for the next lot under the current severity."""
        if self.state == "discontinued":
            raise QAError("discontinued")
        return iso2859_single(lot_size, self.aql, level=self.level, inspection=self.state)

    def record(self, lot_size: int, defects: int) -> LotResult:
        """Judge a lot from its defect count, then move to the severity for the next lot."""
        plan = self.plan(lot_size)
        accepted = defects < plan.reject
        before = self.state
        if before == "normal":
            self._after_normal(plan, defects, accepted)
        elif before == "tightened":
            self._after_tightened(accepted)
        elif defects > plan.accept:
            self._enter("normal")
        return LotResult(plan, defects, accepted, before, self.state, self.switching_score)

    def resume(self) -> None:
        """Resume on tightened inspection after the supplier's corrective action."""
        if self.state == "discontinued":
            self._enter("tightened")

    def _enter(self, state: str) -> None:
        self.state = state
        self.switching_score = 0
        self._recent.clear()
        self._tightened_run = self._tightened_rejects = 0

    def _after_normal(self, plan: Plan, defects: int, accepted: bool) -> None:
        self._recent.append(accepted)
        if list(self._recent).count(False) >= 2:
            self._enter("tightened")
            return
        if plan.accept >= 2:
            tighter = _tighter_accept(plan, self.aql, "normal")
            ok = accepted and tighter is not None and defects <= tighter
            self.switching_score = self.switching_score + 3 if ok else 0
        else:
            self.switching_score = self.switching_score + 2 if accepted else 0
        if self.reduced_allowed and self.switching_score >= 30:
            self._enter("reduced")

    def _after_tightened(self, accepted: bool) -> None:
        self._tightened_run = self._tightened_run + 1 if accepted else 0
        self._tightened_rejects += 0 if accepted else 1
        if self._tightened_rejects >= 5:
            self._enter("discontinued")
        elif self._tightened_run >= 5:
            self._enter("normal")
