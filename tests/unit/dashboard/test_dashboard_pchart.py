"""The p-chart: centre line and 3-sigma limits per period (Montgomery §7.2.2)."""

from __future__ import annotations

import math

import pytest

from app.services.dashboard.control_chart import p_chart


def test_limits_follow_each_periods_sample_size():
    chart = p_chart([("w1", 100, 5), ("w2", 400, 10), ("w3", 25, 10)])
    centre = 25 / 525
    assert chart.centre == pytest.approx(centre)
    for point, n in zip(chart.points, (100, 400, 25), strict=True):
        spread = 3 * math.sqrt(centre * (1 - centre) / n)
        assert point.ucl == pytest.approx(centre + spread)
        assert point.lcl == pytest.approx(max(0.0, centre - spread))
    # 10 of 25 (40 %) is far above its upper limit; the others are in control.
    assert [p.out_of_control for p in chart.points] == [False, False, True]


def test_montgomery_example_7_1_limits():
    # Montgomery (2013), Introduction to Statistical Quality Control, 7th ed., Example 7.1
    # (orange-juice cans): 30 samples of n = 50 with 347 nonconforming in all give
    # p-bar = 0.2313, UCL = 0.4102 and LCL = 0.0524.
    defects = [
        12,
        15,
        8,
        10,
        4,
        7,
        16,
        9,
        14,
        10,
        5,
        6,
        17,
        12,
        22,
        8,
        10,
        5,
        13,
        11,
        20,
        18,
        24,
        15,
        9,
        12,
        7,
        13,
        9,
        6,
    ]
    assert sum(defects) == 347
    chart = p_chart([(f"s{i}", 50, d) for i, d in enumerate(defects, start=1)])
    assert chart.centre == pytest.approx(0.2313, abs=1e-4)
    assert chart.points[0].ucl == pytest.approx(0.4102, abs=1e-4)
    assert chart.points[0].lcl == pytest.approx(0.0524, abs=1e-4)
    # Samples 15 (22/50) and 23 (24/50) lie above the upper limit, as in the book.
    assert [p.label for p in chart.points if p.out_of_control] == ["s15", "s23"]


def test_empty_periods_are_left_out_and_nothing_checked_gives_none():
    assert p_chart([("w1", 0, 0)]) is None
    chart = p_chart([("w1", 0, 0), ("w2", 10, 1)])
    assert [p.label for p in chart.points] == ["w2"]


def test_impossible_counts_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="between 0 and n"):
        p_chart([("w1", 10, 11)])
    with pytest.raises(ValueError, match="positive"):
        p_chart([("w1", 10, 1)], sigmas=0)
