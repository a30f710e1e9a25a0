"""Sampling plans pinned to the ISO 2859-1 tables and textbook examples."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from qa.errors import QAError
from qa.iso2859 import AQLS, SAMPLE_SIZES, _resolve, master_table
from qa.sampling import (
    SPRT,
    Plan,
    SwitchingRules,
    aoq,
    ati,
    design_plan,
    iso2859_single,
    oc_curve,
    sample_size_for_accuracy,
    stratified_sample,
)


@pytest.mark.parametrize(
    ("lot", "aql", "kwargs", "expected"),
    [
        # ISO 2859-1 Table 1 + Table 2-A: lot 1000, level II -> J (n = 80); AQL 1.0 -> Ac 2 Re 3.
        (1000, 1.0, {}, ("J", 80, 2, 3)),
        (5000, 2.5, {}, ("L", 200, 10, 11)),
        (5000, 4.0, {}, ("L", 200, 14, 15)),
        (500, 1.5, {}, ("H", 50, 2, 3)),
        (2000, 0.65, {}, ("K", 125, 2, 3)),
        # Arrows: lot 50 (D, n = 8) at AQL 1.0 points down to E (13, 0/1); lot 1000 (J) at
        # AQL 0.25 points up to H (50, 0/1).
        (50, 1.0, {}, ("E", 13, 0, 1)),
        (1000, 0.25, {}, ("H", 50, 0, 1)),
        # Table 2-B tightened and Table 2-C reduced (MIL-STD-105E II-C, gap Ac 1 Re 3).
        (1000, 1.0, {"inspection": "tightened"}, ("J", 80, 1, 2)),
        (1000, 1.0, {"inspection": "reduced"}, ("J", 32, 1, 3)),
        (10000, 2.5, {"level": "I"}, ("J", 80, 5, 6)),
        (200, 4.0, {"level": "S-3"}, ("E", 13, 1, 2)),
        # Row R at AQL 0.010 points up to Q (1250, 0/1); Q/R at 0.025 tightened reach S (3150).
        (600000, 0.010, {}, ("Q", 1250, 0, 1)),
        (600000, 0.025, {"inspection": "tightened"}, ("S", 3150, 1, 2)),
    ],
)
def test_published_plans(lot, aql, kwargs, expected):
    plan = iso2859_single(lot, aql, **kwargs)
    assert (plan.code, plan.n, plan.accept, plan.reject) == expected


def test_sample_size_is_capped_at_the_lot_size():
    plan = iso2859_single(10, 0.65)
    assert plan.hundred_percent and plan.n == 10


@pytest.mark.parametrize("inspection", ["normal", "tightened", "reduced"])
def test_every_cell_of_every_table_resolves_to_a_plan(inspection):
    for letter in "ABCDEFGHJKLMNPQR":
        row = master_table(inspection)[letter]
        assert len(row) == len(AQLS) == 26
        for column in range(len(AQLS)):
            final, cell = _resolve(inspection, letter, column)
            accept, reject = (int(v) for v in cell.split("/"))
            assert reject >= accept + 1 and SAMPLE_SIZES[inspection][final] > 0
            if inspection != "reduced":
                assert reject == accept + 1
        plans = [int(c.split("/")[0]) for c in row if "/" in c]
        assert plans == sorted(plans), (inspection, letter)


def test_normal_table_diagonals():
    # Table 2-A: one letter down and one AQL step left is the same plan; after 0/1 come an up
    # and a down arrow, then 1/2, 2/3, 3/4, 5/6, 7/8, 10/11, 14/15, 21/22.
    table = master_table("normal")
    letters = list(table)
    for i in range(1, len(letters)):
        for j in range(1, len(AQLS)):
            above, left = table[letters[i - 1]][j], table[letters[i]][j - 1]
            if "/" in above and "/" in left:
                assert above == left, (letters[i], AQLS[j])
    assert table["K"][5:17] == ("0/1", "^", "v", "1/2", "2/3", "3/4", "5/6", "7/8", "10/11",
                                "14/15", "21/22", "^")  # fmt: skip


def test_switching_normal_to_tightened_and_back():
    rules = SwitchingRules(aql=1.0)
    assert rules.record(1000, 3).next_inspection == "normal"  # 1 of the last lots rejected
    assert rules.record(1000, 0).next_inspection == "normal"
    assert rules.record(1000, 5).next_inspection == "tightened"  # 2 of 3 consecutive
    assert rules.plan(1000) == Plan("J", 80, 1, 2)
    for _ in range(4):
        assert rules.record(1000, 0).next_inspection == "tightened"
    assert rules.record(1000, 1).next_inspection == "normal"  # 5 consecutive accepted


def test_switching_score_leads_to_reduced():
    # AQL 1.0, lot 1000: J 80 Ac 2; one step tighter (0.65) is Ac 1, so a lot with <= 1
    # defect adds 3; 2 defects is accepted but resets the score.
    rules = SwitchingRules(aql=1.0)
    for _ in range(9):
        rules.record(1000, 1)
    assert rules.switching_score == 27
    rules.record(1000, 2)
    assert rules.switching_score == 0 and rules.state == "normal"
    for _ in range(10):
        result = rules.record(1000, 0)
    assert result.next_inspection == "reduced"
    # Reduced (J 32, Ac 1 Re 3): 2 defects is accepted but reinstates normal inspection.
    back = rules.record(1000, 2)
    assert back.accepted and back.inspection == "reduced" and back.next_inspection == "normal"


def test_switching_score_for_acceptance_number_below_two():
    rules = SwitchingRules(aql=0.65)  # lot 1000: J 80 Ac 1 -> +2 per accepted lot
    for _ in range(14):
        rules.record(1000, 1)
    assert rules.switching_score == 28 and rules.state == "normal"
    assert rules.record(1000, 0).next_inspection == "reduced"
    assert not SwitchingRules(aql=0.65, reduced_allowed=False).state == "reduced"


def test_five_rejections_on_tightened_discontinue():
    rules = SwitchingRules(aql=1.0, state="tightened")
    for _ in range(4):
        rules.record(1000, 9)
        rules.record(1000, 0)
    assert rules.record(1000, 9).next_inspection == "discontinued"
    with pytest.raises(QAError, match="discontinued"):
        rules.plan(1000)
    rules.resume()
    assert rules.state == "tightened"


def test_oc_aoq_ati_match_montgomery_example():
    # Montgomery (2019), Introduction to SQC, 8th ed., sec. 15.2: N = 10,000, n = 89, c = 2,
    # p = 0.01: Pa = 0.9397, AOQ = 0.0093, ATI = 687.
    plan = Plan(None, 89, 2, 3)
    assert_allclose(oc_curve(plan, 0.01), 0.9397, atol=5e-5)
    assert_allclose(aoq(plan, 0.01, lot_size=10_000), 0.0093, atol=5e-5)
    assert_allclose(ati(plan, 0.01, lot_size=10_000), 687, atol=0.5)
    curve = oc_curve(plan, np.array([0.0, 0.01, 0.05]))
    assert curve.shape == (3,) and curve[0] == 1.0 and curve[2] < curve[1]


@pytest.mark.parametrize(
    ("aql", "ltpd", "lot_size"),
    [(0.01, 0.06, None), (0.02, 0.08, None), (0.05, 0.15, 100), (0.01, 0.05, 2000)],
)
def test_design_plan_is_the_smallest_that_meets_both_risks(aql, ltpd, lot_size):
    plan = design_plan(aql, ltpd, lot_size=lot_size)

    def pa(c, n, p, defects):
        if lot_size is None:
            return stats.binom.cdf(c, n, p)
        return stats.hypergeom.cdf(c, lot_size, defects, n)

    good = int(np.floor(aql * lot_size)) if lot_size else 0
    bad = int(np.ceil(ltpd * lot_size)) if lot_size else 0
    assert pa(plan.accept, plan.n, aql, good) >= 0.95
    assert pa(plan.accept, plan.n, ltpd, bad) <= 0.10
    for n in range(1, plan.n):
        for c in range(n):
            assert not (pa(c, n, aql, good) >= 0.95 and pa(c, n, ltpd, bad) <= 0.10)


def test_design_plan_exact_versus_nomograph():
    # Montgomery's nomograph reads n = 89, c = 2 for (0.01, 0.95) and (0.06, 0.10); exactly,
    # that plan accepts at p = 0.01 with probability 0.9397 < 0.95, so the exact plan is larger.
    assert design_plan(0.01, 0.06) == Plan(None, 110, 3, 4)


def test_sprt_matches_montgomery_example():
    # Montgomery (2019), sec. 15.4: p1 = 0.01, alpha = 0.05, p2 = 0.06, beta = 0.10:
    # h1 = 1.22, h2 = 1.57, s = 0.028 (acceptance -1.22 + 0.028 n, rejection 1.57 + 0.028 n).
    test = SPRT(0.01, 0.06, alpha=0.05, beta=0.10)
    assert_allclose([test.h_accept, test.h_reject, test.slope], [1.22, 1.57, 0.028], atol=5e-3)
    assert_allclose(test.oc(0.01), 0.95)
    assert_allclose(test.oc(0.06), 0.10)
    assert_allclose(
        test.expected_sample_number(test.slope),
        test.h_accept * test.h_reject / (test.slope * (1 - test.slope)),
    )
    assert test.decide(60, 0) == "accept" and test.decide(5, 2) == "reject"
    assert test.decide(20, 1) == "continue"


def test_sample_size_for_accuracy_cochran():
    # Cochran (1977), eq. 4.2: z = 1.96, p = 0.5, d = 0.05 -> 384.1 -> 385; with N = 1000 the
    # finite-population correction gives 278.
    assert sample_size_for_accuracy(0.05) == 385
    assert sample_size_for_accuracy(0.05, population=1000) == 278
    assert sample_size_for_accuracy(0.03, expected=0.9) == 385
    with pytest.raises(QAError, match="margin"):
        sample_size_for_accuracy(0)


def test_stratified_sample_allocation_and_reproducibility():
    ids = np.arange(1000)
    strata = np.array(["a"] * 700 + ["b"] * 290 + ["c"] * 10)
    chosen, taken = stratified_sample(ids, strata, 100, seed=3)
    assert taken == {"a": 70, "b": 29, "c": 1}
    assert chosen.size == 100 and np.unique(chosen).size == 100
    assert np.sum(strata[chosen] == "c") == 1
    again, _ = stratified_sample(ids, strata, 100, seed=3)
    assert (chosen == again).all()
    other, _ = stratified_sample(ids, strata, 100, seed=4)
    assert not (chosen == other).all()
    _, floor = stratified_sample(ids, strata, 20, seed=0, min_per_stratum=5)
    assert floor["c"] == 5 and sum(floor.values()) == 20
