"""Sums of neurons of one activation (singular.neurons): K ≍ the ideal of the first H power sums.

Right values come from the Aoyagi-Watanabe formula (singular.families.tanh.tanh), from a coordinate
change constructed here, or from the normal-crossing formula; never from the route under test.
"""

import pytest
import sympy

from singular import FiniteSupport, RegressionModel, rlct
from singular.families import tanh, tanh_ideal, tanh_model
from singular.neurons import neuron_sum

A1, A2, A3, B1, B2, B3, X = sympy.symbols("a1 a2 a3 b1 b2 b3 x")
PARAMS = "a1,a2,b1,b2"


def _uniform(exponent):
    (k,) = exponent
    return sympy.Rational(1 + (-1) ** k, 2 * (k + 1))


def _model(f, params=PARAMS, **options):
    options.setdefault("input_dist", "uniform")
    return RegressionModel(f, params=params, inputs="x", **options)


def _by_neurons(result):
    return "singular.neurons" in result.certificate


@pytest.mark.parametrize("hidden", [1, 2])
def test_tanh_networks_agree_with_the_aoyagi_watanabe_formula(hidden):
    result, truth = tanh_model(hidden).rlct(), tanh(hidden)
    assert result.certified and _by_neurons(result)
    assert (result.value, result.multiplicity) == (truth.value, truth.multiplicity)


def test_sine_network_has_the_tanh_networks_ideal_and_value():
    # sin is odd with non-zero odd coefficients, like tanh: the same ideal ⟨p1, p3⟩, so the same λ = 2/3.
    result = _model("a1*sin(b1*x) + a2*sin(b2*x)").rlct()
    assert result.certified and _by_neurons(result)
    assert (result.value, result.multiplicity) == (tanh(2).value, tanh(2).multiplicity)


def test_generators_are_the_power_sums_of_tanh_ideal():
    f = A1 * sympy.tanh(B1 * X) + A2 * sympy.tanh(B2 * X) + A3 * sympy.tanh(B3 * X)
    found = neuron_sum(f, ["a1", "a2", "a3", "b1", "b2", "b3"], ["x"], _uniform)
    assert list(found.generators) == tanh_ideal(3) and (found.first, found.step) == (1, 2)


def test_power_sum_recursion_for_a_general_activation():
    # d = 1, H = 2: b_h are the roots of s² − e1 s + e2, so p_(k+2) = e1 p_(k+1) − e2 p_k (the proof's step ii).
    p = {k: A1 * B1**k + A2 * B2**k for k in range(1, 6)}
    for k in (1, 2, 3):
        assert sympy.expand(p[k + 2] - (B1 + B2) * p[k + 1] + B1 * B2 * p[k]) == 0


def test_one_neuron_of_a_non_odd_activation_is_a_normal_crossing():
    # a·(b x)·exp(b x): K ≍ (ab)², λ = 1/2, m = 2 (normal crossing, docs/conventions.md#normal-crossing).
    result = _model("a1*b1*x*exp(b1*x)", params="a1,b1").rlct()
    assert _by_neurons(result) and (result.value, result.multiplicity) == (sympy.Rational(1, 2), 2)
    # a·(b x)²·exp(b x): g has order 2, K ≍ (a b²)² = a²b⁴, λ = min(1/2, 1/4) = 1/4, m = 1.
    result = _model("a1*(b1*x)^2*exp(b1*x)", params="a1,b1").rlct()
    assert _by_neurons(result) and (result.value, result.multiplicity) == (sympy.Rational(1, 4), 1)


def _blown_up_chart_values():
    """λ of ⟨p1, p2⟩ (d = 1, H = 2) by a blow-up constructed here, chart by chart.

    Blow up {b = 0}: b1 = v, b2 = v·c (Jacobian |v|), then a1 = a − e·c, a2 = e (unit Jacobian).  Then
    p1 = v·a and p2 = v²·(a + e·c(c − 1)), so the ideal is ⟨v·a, v²·e·c(c − 1)⟩ with the prior |v|.  The
    other chart (b2 = v, b1 = v·c) is this one with the two neurons swapped, so the fibre over the origin is
    covered by c in R: c = 0, c = 1 (where c(c − 1) vanishes) and any other c (where it is a unit).
    """
    v, c, a, e = sympy.symbols("v c a e")
    change = {A1: a - e * c, A2: e, B1: v, B2: v * c}
    p1, p2 = (sympy.expand((A1 * B1**k + A2 * B2**k).xreplace(change)) for k in (1, 2))
    assert p1 == sympy.expand(v * a) and p2 == sympy.expand(v**2 * (a + e * c * (c - 1)))
    chart = ["v*a", "v^2*e*c*(c-1)"]
    return [rlct(chart, variables="v,c,a,e", prior="v", at=f"c={c0}") for c0 in (0, 1, 2)]


def test_two_neurons_of_a_non_odd_activation_agree_with_a_constructed_blow_up():
    charts = _blown_up_chart_values()
    assert all(r.certified for r in charts)
    value = min(r.value for r in charts)
    multiplicity = max(r.multiplicity for r in charts if r.value == value)
    for f in ("a1*b1*x*exp(b1*x) + a2*b2*x*exp(b2*x)", "a1*(exp(b1*x) - 1) + a2*(exp(b2*x) - 1)"):
        result = _model(f).rlct()
        assert result.certified and _by_neurons(result)
        assert (result.value, result.multiplicity) == (value, multiplicity)
    assert value == sympy.Rational(3, 4)   # by hand: v²a² + v⁴e² with |v|, one chart a = v·a'' gives v⁴, Jacobian v²


def test_a_true_point_with_a_non_zero_weight():
    # At a1 = 1 (b = 0): b1' = (1 + a1)·b1 + a2·b2 is a coordinate, and (1 + a1) b1³ + a2 b2³ ≡ a2 b2³·unit modulo b1',
    # so K ≍ b1'² + a2²·b2⁶: λ = 1/2 + min(1/2, 1/6) = 2/3, m = 1 (smooth direction plus a normal crossing).
    result = _model("a1*tanh(b1*x) + a2*tanh(b2*x)").rlct(at="a1=1")
    assert result.certified and _by_neurons(result)
    assert (result.value, result.multiplicity) == (sympy.Rational(2, 3), 1)


@pytest.mark.parametrize("f", [
    "a1*tanh(b1*x) + a2*tanh(b2*x) + a1*x^3",        # an extra term in a weight
    "a1*tanh(b1*x) + a2*tanh(b2*x) + a1*b2*x",       # a weight used twice
    "a1*tanh(b1*x) + a2*sin(b2*x)",                  # two activations
    "a1*tanh(b1*x) + a2*tanh(b2*x^2)",               # not a function of b·x
    "a1*tanh(a1*b1*x) + a2*tanh(b2*x)",              # a weight inside the activation
    "a1*cos(b1*x) + a2*cos(b2*x) - a1 - a2",         # not a sum of neurons with g(0) = 0 term by term
])
def test_other_models_are_not_taken_for_neuron_sums(f):
    names = ["a1", "a2", "b1", "b2"]
    assert neuron_sum(sympy.sympify(f), names, ["x"], _uniform) is None


def test_an_extra_term_leaves_the_model_to_the_truncation_route():
    result = _model("a1*tanh(b1*x) + a2*tanh(b2*x) + a1*x^3").rlct(max_order=2)
    assert not _by_neurons(result)


def test_unbounded_inputs_and_non_zero_slopes_are_not_used():
    gaussian = _model("a1*tanh(b1*x) + a2*tanh(b2*x)", input_dist="normal").rlct(max_order=2)
    assert not _by_neurons(gaussian)
    shifted = _model("a1*tanh(b1*x) + a2*tanh(b2*x)").rlct(at="b1=1", max_order=2)
    assert not _by_neurons(shifted)


def test_a_support_too_small_for_the_moment_matrix_is_refused():
    # x = ±1: x and x³ agree on the support, so ⟨p1, p3⟩ is not equivalent to K (K ≍ (p1 − p3/3 + …)²).
    two_points = FiniteSupport(((-1,), (1,)), ("1/2", "1/2"))
    found = neuron_sum(A1 * sympy.tanh(B1 * X) + A2 * sympy.tanh(B2 * X), ["a1", "a2", "b1", "b2"], ["x"],
                       two_points.moment)
    assert found is None
    three_points = FiniteSupport(((-1,), (sympy.Rational(1, 2),), (1,)), ("1/3", "1/3", "1/3"))
    found = neuron_sum(A1 * sympy.tanh(B1 * X) + A2 * sympy.tanh(B2 * X), ["a1", "a2", "b1", "b2"], ["x"],
                       three_points.moment)
    assert found is not None and found.generators == tuple(tanh_ideal(2))
