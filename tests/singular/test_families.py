"""Closed-form families against the literature and against the symbolic route (model -> ideal -> rlct)."""

import itertools
import json
from pathlib import Path

import pytest
import sympy

from singular import rlct
from singular.errors import BadModel
from singular.families import (
    dln,
    dln_model,
    normal_crossing,
    normal_crossing_model,
    regular,
    regular_model,
    rrr,
    rrr_model,
    tanh,
    tanh_ideal,
    tanh_model,
)

CASES = {c["id"]: c for c in json.loads((Path(__file__).parents[1] / "data" / "ground_truth.json").read_text())}


def agree_or_bracket(formula, symbolic):
    """Certified symbolic results must equal the formula; uncertified ones must bracket it."""
    if symbolic.certified:
        assert symbolic.value == formula.value
        if formula.multiplicity is not None:
            assert symbolic.multiplicity == formula.multiplicity
        return True
    low, high = symbolic.bounds
    assert low is None or low <= formula.value
    assert high is None or formula.value <= high
    return False


@pytest.mark.parametrize("case", ["RRR-07", "RRR-09"])
def test_rrr_matches_the_recorded_literature_values(case):
    c = CASES[case]
    p = c["params"]
    result = rrr(p["M"], p["N"], p["H"], p["r"])
    assert result.value == sympy.Rational(c["rlct"]) and result.multiplicity == c["multiplicity"]


def test_rrr_issue_example_odd_case_has_multiplicity_two():
    assert (rrr(5, 5, 3, 0).value, rrr(5, 5, 3, 0).multiplicity) == (sympy.Rational(13, 2), 2)


RRR_SMALL = [c for c in itertools.product((1, 2, 3), repeat=3) for c in [(*c, r) for r in range(min(c) + 1)]]
RRR_QUICK = [c for c in RRR_SMALL if c[2] * (c[0] + c[1]) <= 6 or c[3] == min(c[:3])]


@pytest.mark.parametrize("M,N,H,r", RRR_QUICK)
def test_rrr_formula_agrees_with_the_symbolic_route(M, N, H, r):
    # d <= 6, or full true rank (every direction smooth): certified in well under a second each.
    assert agree_or_bracket(rrr(M, N, H, r), rrr_model(M, N, H, r).rlct(max_charts=300))


@pytest.mark.slow
@pytest.mark.parametrize("M,N,H,r", [c for c in RRR_SMALL if c not in RRR_QUICK])
def test_rrr_formula_agrees_with_the_symbolic_route_on_every_size(M, N, H, r):
    agree_or_bracket(rrr(M, N, H, r), rrr_model(M, N, H, r).rlct())


@pytest.mark.parametrize("M,N,H,r", [
    (2, 2, 2, 0), (2, 2, 3, 1),
    pytest.param(2, 2, 3, 0, marks=pytest.mark.slow), pytest.param(2, 3, 3, 1, marks=pytest.mark.slow),
])
def test_rrr_in_eight_and_more_variables_certifies_by_resolution(M, N, H, r):
    # Blow-ups along a whole matrix, with contracting weights and coefficient changes (resolution.tree):
    # the general route must certify, and agree with Aoyagi & Watanabe (2005).
    result = rrr_model(M, N, H, r).rlct()
    assert result.certified and result.method == "resolution"
    assert agree_or_bracket(rrr(M, N, H, r), result)


@pytest.mark.parametrize("M,N,H,r", [c for c in RRR_SMALL])
def test_two_layer_dln_formula_is_the_rrr_formula(M, N, H, r):
    # Two papers, two case analyses: Aoyagi (2024) with widths (M, H, N) must reproduce Aoyagi & Watanabe (2005).
    a, b = dln([M, H, N], r), rrr(M, N, H, r)
    assert a.value == b.value and a.multiplicity == b.multiplicity


@pytest.mark.parametrize("case", ["DLN-01", "DLN-07"])
def test_dln_matches_the_recorded_literature_values(case):
    c = CASES[case]
    result = dln(c["params"]["widths"], c["params"]["r"])
    assert result.value == sympy.Rational(c["rlct"]) and result.multiplicity == c["multiplicity"]


DLN_SMALL = [(w, r) for L in (2, 3, 4) for w in itertools.product((1, 2), repeat=L + 1) for r in range(min(w) + 1)]


@pytest.mark.parametrize("widths,r", [(w, r) for w, r in DLN_SMALL if (r > 0 or max(w) == 1) and len(w) <= 4])
def test_dln_formula_agrees_with_the_symbolic_route(widths, r):
    # A true rank r > 0 here makes every layer's extra directions smooth; width-1 chains are monomials.
    assert agree_or_bracket(dln(list(widths), r), dln_model(list(widths), r).rlct(max_charts=300))


@pytest.mark.slow
@pytest.mark.parametrize("widths,r", [(w, r) for w, r in DLN_SMALL if not ((r > 0 or max(w) == 1) and len(w) <= 4)])
def test_dln_formula_agrees_or_is_bracketed_at_rank_zero(widths, r):
    agree_or_bracket(dln(list(widths), r), dln_model(list(widths), r).rlct(max_charts=500))


@pytest.mark.parametrize("hidden", [1, 2, 3])
def test_tanh_formula_agrees_with_the_power_sum_ideal(hidden):
    # H = 3 (six variables) is beyond the resolver today: its bounds must still hold.
    certified = agree_or_bracket(tanh(hidden), rlct(tanh_ideal(hidden), max_charts=500))
    assert certified or hidden == 3


@pytest.mark.parametrize("hidden", [1, 2, 3])
def test_higher_power_sums_lie_in_the_ideal_of_the_first_h(hidden):
    a = sympy.symbols(f"a1:{hidden + 1}")
    b = sympy.symbols(f"b1:{hidden + 1}")
    basis = sympy.groebner(tanh_ideal(hidden), *a, *b, order="grevlex")
    for k in (hidden + 1, hidden + 2):
        assert basis.contains(sum(p * q ** (2 * k - 1) for p, q in zip(a, b)))


def test_tanh_model_x_coefficients_are_the_power_sums():
    model = tanh_model(2)
    x = sympy.Symbol("x")
    series = sympy.series(model.f[0], x, 0, 6).removeO()
    coefficients = [sympy.expand(series.coeff(x, k)) for k in (1, 3, 5)]
    ideal = tanh_ideal(2)
    assert coefficients[0] == ideal[0] and coefficients[1] == -ideal[1] / 3


@pytest.mark.parametrize("case", ["T3-H1", "T3-H2"])
def test_tanh_matches_the_recorded_literature_values(case):
    c = CASES[case]
    result = tanh(c["params"]["H"])
    assert result.value == sympy.Rational(c["rlct"]) and result.multiplicity == c["multiplicity"]


def test_tanh_model_with_one_unit_is_certified_by_the_analytic_route():
    assert tanh_model(1).rlct().value == tanh(1).value
    assert tanh_model(1).rlct().multiplicity == tanh(1).multiplicity


@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_regular_models(d):
    symbolic = regular_model(d).rlct()
    assert (symbolic.value, symbolic.multiplicity) == (regular(d).value, 1)


@pytest.mark.parametrize("k", [[2], [2, 4], [4, 4], [2, 6, 2], [0, 2]])
def test_normal_crossing_models(k):
    symbolic = normal_crossing_model(k).rlct()
    assert (symbolic.value, symbolic.multiplicity) == (normal_crossing(k).value, normal_crossing(k).multiplicity)


@pytest.mark.parametrize(
    "call",
    [
        lambda: rrr(2, 2, 1, 2),
        lambda: rrr(0, 2, 1, 0),
        lambda: dln([2, 1, 2], 2),
        lambda: dln([3], 0),
        lambda: tanh(0),
        lambda: regular(-1),
        lambda: normal_crossing_model([1, 2]),
        lambda: rrr_model(2, 2, 1, 3),
    ],
)
def test_sizes_and_ranks_that_make_no_sense_are_refused(call):
    with pytest.raises(BadModel):
        call()
