"""Agreement coefficients pinned to published values, edge cases, and invariants."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from qa.agreement import (
    brennan_prediger,
    category_counts,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac2,
    krippendorff_alpha,
    pairwise_kappa,
    per_category_alpha,
    percent_agreement,
    reliability_matrix,
    scott_pi,
)
from qa.errors import QAError, QAWarning

NAN = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", sec. C, p. 3: 4 observers x
# 12 units with missing values (the same data is irrCAC's cac.raw4raters, Gwet 2014, ch. 2).
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)

# Fleiss (1971) as reproduced by Wikipedia "Fleiss' kappa", worked example: 10 subjects, 14 raters,
# 5 categories; kappa = 0.210 (P-bar = 0.378, P-bar_e = 0.213).
FLEISS_EXAMPLE = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)


def alpha_quiet(data, **kw):
    with pytest.warns(QAWarning, match="fewer than two ratings"):
        return krippendorff_alpha(data, **kw)


@pytest.mark.parametrize(
    ("level", "published"),
    # Krippendorff (2011), pp. 4-8: nominal 0.743, ordinal 0.815, interval 0.849, ratio 0.797.
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_alpha_matches_krippendorff_2011_worked_example(level, published):
    # Unit 12 has a single rating: it is left out and reported.
    value = alpha_quiet(KRIPPENDORFF_2011, level_of_measurement=level)
    assert_allclose(value, published, atol=5e-4)


def test_alpha_matches_krippendorff_package_documented_example():
    # krippendorff package (0.8/0.9) docstring of `alpha`: nominal 0.691358, interval 0.810845.
    data = [
        [NAN, NAN, NAN, NAN, NAN, 3, 4, 1, 2, 1, 1, 3, 3, NAN, 3],
        [1, NAN, 2, 1, 3, 3, 4, 3, NAN, NAN, NAN, NAN, NAN, NAN, NAN],
        [NAN, NAN, 2, 1, 3, 4, 4, NAN, 2, 1, 1, 3, 3, NAN, 4],
    ]
    assert_allclose(alpha_quiet(data), 0.691358, atol=5e-7)
    assert_allclose(alpha_quiet(data, level_of_measurement="interval"), 0.810845, atol=5e-7)


def test_alpha_string_labels_follow_value_domain_order():
    letters = np.array(list("abcde"), dtype=object)
    present = ~np.isnan(KRIPPENDORFF_2011)
    coded = np.full(KRIPPENDORFF_2011.shape, None, dtype=object)
    coded[present] = letters[KRIPPENDORFF_2011[present].astype(int) - 1]
    ordinal = alpha_quiet(coded, level_of_measurement="ordinal", value_domain=list("abcde"))
    assert_allclose(ordinal, 0.815, atol=5e-4)
    interval = alpha_quiet(coded, level_of_measurement="interval", value_domain=list("abcde"))
    assert_allclose(interval, 0.849, atol=5e-4)


def test_fleiss_kappa_matches_published_example():
    # Fleiss (1971) / Wikipedia worked example: 0.210.
    assert_allclose(fleiss_kappa(FLEISS_EXAMPLE), 0.2099, atol=5e-5)


@pytest.mark.parametrize(
    ("statistic", "published"),
    # Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed., ch. 2 example with 4 raters
    # x 12 units; the same outputs are documented for irrCAC (gwet.ac1.raw, fleiss.kappa.raw,
    # bp.coeff.raw on cac.raw4raters): AC1 0.7754, Fleiss 0.7612, BP 0.7727, pa 0.8182.
    [(gwet_ac1, 0.775444), (brennan_prediger, 0.772727), (percent_agreement, 0.818182)],
)
def test_gwet_family_matches_handbook_example(statistic, published):
    with pytest.warns(QAWarning, match="1 item"):
        assert_allclose(statistic(KRIPPENDORFF_2011), published, atol=5e-7)


def test_fleiss_on_handbook_example_with_unequal_ratings():
    counts, _ = category_counts(KRIPPENDORFF_2011)
    with pytest.warns(QAWarning):
        assert_allclose(fleiss_kappa(counts), 0.761169, atol=5e-7)


def test_cohen_kappa_matches_wikipedia_example():
    # Wikipedia "Cohen's kappa", Simple example: 50 grant proposals, 20 yes/yes, 5 yes/no,
    # 10 no/yes, 15 no/no; p_o = 0.7, p_e = 0.5, kappa = 0.4.
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    result = cohen_kappa(a, b)
    assert_allclose(result.estimate, 0.4)
    assert result.n == 50
    assert result.ci_low < 0.4 < result.ci_high


def test_cohen_kappa_matches_fleiss_levin_paik_table():
    # Fleiss, Levin, Paik (2003), Statistical Methods for Rates and Proportions, 3rd ed.,
    # Table 18.1 (two psychiatrists, 100 patients, 3 diagnoses): p_o = 0.89, p_e = 0.66,
    # kappa = 0.676.
    table = np.array([[75, 1, 4], [5, 4, 1], [0, 0, 10]])
    rows, cols = np.nonzero(table)
    y1 = np.repeat(rows, table[rows, cols])
    y2 = np.repeat(cols, table[rows, cols])
    assert_allclose(cohen_kappa(y1, y2).estimate, 0.676, atol=5e-4)


def test_scott_pi_hand_computed():
    # Scott (1955): pi = (p_o - p_e) / (1 - p_e) with pooled marginals. Here p_o = 0.75,
    # pooled shares 3/8 and 5/8, p_e = 0.53125, pi = 0.4667.
    assert_allclose(scott_pi(list("aabb"), list("abbb")), 0.21875 / 0.46875)


def test_single_category_is_nan_with_reason():
    data = [[1, 1, 1], [1, 1, 1]]
    with pytest.warns(QAWarning, match="chance agreement is 1"):
        assert np.isnan(krippendorff_alpha(data))
    with pytest.warns(QAWarning, match="chance agreement is 1"):
        assert np.isnan(fleiss_kappa([[2, 0], [2, 0]]))
    with pytest.warns(QAWarning, match="chance agreement is 1"):
        assert np.isnan(cohen_kappa([1, 1], [1, 1]).estimate)


def test_items_with_one_rating_are_left_out_and_counted():
    data = [[1, 2, 1, 3], [1, 2, NAN, NAN]]
    with pytest.warns(QAWarning, match="2 item"):
        value = krippendorff_alpha(data)
    assert_allclose(value, krippendorff_alpha([[1, 2], [1, 2]]))


@pytest.mark.parametrize(
    "data",
    [[], [[]], [[NAN, NAN], [NAN, NAN]], [[1, NAN], [NAN, 2]]],
)
def test_empty_input_is_a_value_error(data):
    with pytest.raises(ValueError):
        krippendorff_alpha(data)


def test_label_outside_value_domain_names_the_value():
    with pytest.raises(ValueError, match="'maybe'"):
        krippendorff_alpha([["yes", "maybe"], ["yes", "no"]], value_domain=["yes", "no"])
    with pytest.raises(ValueError, match="7"):
        krippendorff_alpha([[1, 7], [1, 2]], value_domain=[1, 2, 3])


def test_ordinal_strings_need_a_value_domain():
    with pytest.raises(ValueError, match="value_domain"):
        krippendorff_alpha([["low", "high"], ["low", "low"]], level_of_measurement="ordinal")


def test_nan_in_counts_table_is_a_value_error():
    with pytest.raises(ValueError, match="row 1"):
        fleiss_kappa([[1, 1], [NAN, 2]])
    with pytest.raises(ValueError, match="row 0"):
        fleiss_kappa([[1.5, 1], [0, 2]])


def test_unknown_option_is_rejected():
    with pytest.raises(QAError, match="level_of_measurement"):
        krippendorff_alpha([[1, 2]], level_of_measurement="cardinal")
    with pytest.raises(QAError, match="weights"):
        cohen_kappa([1, 2], [1, 2], weights="cubic")


def test_messages_in_chinese():
    with pytest.raises(QAError, match="不在 value_domain"):
        krippendorff_alpha([[1, 7], [1, 2]], value_domain=[1, 2], lang="zh_CN")


def test_cohen_kappa_drops_incomplete_pairs():
    with pytest.warns(QAWarning, match="1 pair"):
        result = cohen_kappa(["a", "b", None, "a"], ["a", "b", "a", "b"])
    assert result.n == 3


def test_pairwise_kappa_reports_overlap():
    items = [1, 2, 3, 1, 2, 3, 3]
    annotators = ["x", "x", "x", "y", "y", "y", "z"]
    labels = ["a", "b", "a", "a", "b", "b", "a"]
    pairs = {(p.annotator_a, p.annotator_b): p for p in pairwise_kappa(items, annotators, labels)}
    assert pairs[("x", "y")].n == 3
    assert_allclose(pairs[("x", "y")].kappa, cohen_kappa(list("aba"), list("abb")).estimate)
    assert pairs[("x", "z")].n == 1 and np.isnan(pairs[("x", "z")].kappa)


def test_per_category_alpha_is_alpha_of_binary_data():
    data = [["a", "b", "c", "a"], ["a", "c", "c", "b"]]
    result = per_category_alpha(data)
    binary = [[1, 0, 0, 1], [1, 0, 0, 0]]
    assert_allclose(result["a"], krippendorff_alpha(binary))
    assert set(result) == {"a", "b", "c"}


def test_reliability_matrix_from_long_table():
    matrix, items, annotators = reliability_matrix([2, 1, 1], ["y", "x", "y"], ["b", "a", "a"])
    assert matrix.tolist() == [["a", None], ["a", "b"]]
    assert items.tolist() == [1, 2] and annotators.tolist() == ["x", "y"]


def test_ac2_with_identity_weights_is_ac1():
    data = KRIPPENDORFF_2011[:, :10]
    assert_allclose(gwet_ac2(data, weights="identity"), gwet_ac1(data))
    assert gwet_ac2(data, weights="quadratic") > gwet_ac1(data)


def test_weighted_kappa_ranks_near_misses_higher():
    y1 = [1, 2, 3, 4, 5, 1, 2, 3]
    y2 = [2, 3, 4, 5, 5, 1, 2, 3]
    plain = cohen_kappa(y1, y2).estimate
    assert cohen_kappa(y1, y2, weights="linear").estimate > plain
    assert cohen_kappa(y1, y2, weights="quadratic").estimate > plain
