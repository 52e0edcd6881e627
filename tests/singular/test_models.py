"""Models -> K -> ideal -> (λ, m), and analytic germs through a certified Taylor order.

Expected values come from hand computation (stated beside each case) or the literature.
"""

import pytest
import sympy

from resolution import NotAnalytic
from singular import rlct
from singular.errors import BadModel, NotATrueParameter, NotVanishing, SingularMomentMatrix
from singular.models import DiscreteModel, FiniteSupport, RegressionModel, StandardNormal, UniformBox

a, b, c, x, y = sympy.symbols("a b c x y")


def test_issue_example_log_likelihood_is_certified_one_half():
    # -log(2w)/2 - log(2(1-w))/2 = 2u^2 + O(u^4) at w = 1/2 + u: a regular one-dimensional minimum.
    result = rlct("-log(2*w)/2 - log(2*(1-w))/2", at="w=1/2")
    assert result.certified and (result.value, result.multiplicity) == (sympy.Rational(1, 2), 1)
    assert "N = 0" in result.certificate


@pytest.mark.parametrize(
    "expr,polynomial_equivalent",
    [
        ("tanh(x)^2 + sin(y)^4", "x^2 + y^4"),            # units: tanh x = x·unit, sin y = y·unit
        ("x^2*(exp(y) - 1)", "x^2*y"),                    # e^y - 1 = y·unit
        ("sin(x)^2*log(1 + y)^6", "x^2*y^6"),
        ("sin(a) - a + b^3", "b^3 - a^3/6"),               # same Newton polygon and face polynomial
        ("(exp(x) - 1)^2 + (exp(y) - 1)^4*(1 + x)", "x^2 + y^4"),
    ],
)
def test_analytic_germs_match_their_polynomial_equivalents(expr, polynomial_equivalent):
    analytic, polynomial = rlct(expr), rlct(polynomial_equivalent)
    assert analytic.certified and polynomial.certified
    assert (analytic.value, analytic.multiplicity) == (polynomial.value, polynomial.multiplicity)


def test_a_smooth_analytic_zero_has_threshold_one():
    result = rlct("sin(a) - b")
    assert (result.value, result.multiplicity, result.certified) == (1, 1, True)


def test_no_certified_order_gives_an_uncertified_result_not_a_guess():
    # tanh(ab) + tanh(cd)²: a positive-dimensional zero set, no common monomial, a degenerate Hessian, and no
    # analytic coordinates of one variable each that make it polynomial (a1 tanh b1 + a2 tanh b2 has those).
    result = rlct(["tanh(a*b) + tanh(c*d)^2"], max_order=4)
    assert not result.certified and result.value is None
    assert "No order" in result.certificate


def test_non_analytic_functions_are_refused():
    with pytest.raises(NotAnalytic):
        rlct("abs(x)*y")
    with pytest.raises(NotAnalytic):
        RegressionModel("Max(a, 0)*x", params="a", inputs="x")
    with pytest.raises(NotAnalytic):
        rlct("sqrt(x) - sqrt(y)", at="x=0,y=0")


def test_analytic_function_not_vanishing_is_refused():
    with pytest.raises(NotVanishing):
        rlct("cos(x)")


def test_ideal_lists_agree_with_sums_of_squares():
    for gens, square_sum in ((["x*y", "x*y^3"], "(x*y)^2"), (["x", "y^2"], "x^2 + y^4"), (["x+y*z", "y"], "x^2+y^2")):
        assert rlct(gens).value == rlct(square_sum).value


def test_smooth_elimination_matches_the_sum_rule():
    # <z + x y, x^2>: z' = z + xy is a coordinate, rest <x^2> in (x, y): 1/2 + 1/4.
    result = rlct(["z + x*y", "x^2"])
    assert result.certified and result.value == sympy.Rational(3, 4) and result.multiplicity == 1


def test_linear_regression_K_is_the_hand_formula():
    model = RegressionModel("a*x + b*y", params="a,b", inputs="x,y", at="a=1", sigma="1/2")
    assert sympy.expand(model.K() - 2 * ((a - 1) ** 2 + b**2)) == 0
    assert model.rlct().value == 1


def test_uniform_inputs_give_the_exact_moments():
    # E[(a x + b x^2)^2] for x ~ U[0, 1] is a^2/3 + a b/2 + b^2/5.
    model = RegressionModel("a*x + b*x^2", params="a,b", inputs="x", input_dist=UniformBox((0,), (1,)))
    assert sympy.expand(model.K() - (a**2 / 3 + a * b / 2 + b**2 / 5) / 2) == 0


def test_vector_outputs_collect_every_coefficient():
    model = RegressionModel(["a*b*x", "a*x + c"], params="a,b,c", inputs="x")
    assert set(model.coefficient_ideal().generators) == {a * b, a, c}
    assert model.rlct().value == 1   # the ideal <a, c> (ab is in it): two smooth directions


def test_a_point_outside_the_true_set_is_refused():
    model = RegressionModel("a*b*x", params="a,b", inputs="x")
    with pytest.raises(NotATrueParameter):
        model.rlct(at="a=1,b=1")
    assert model.rlct(at="a=1").value == sympy.Rational(1, 2)   # (1, 0) is on the true set: b is smooth


def test_a_removable_singularity_at_the_true_parameter_is_its_limit():
    """sin(b·x)/(b·x) is 1 at b = 0: (a, b) = (1, 0) is true for the truth y = 1.  With a = 1 + u the Taylor
    coefficients in x are u and −(1 + u)·b²/6, …: the ideal ⟨u, b²⟩, so λ = 1/2 + 1/4 = 3/4, m = 1 (normal crossing)."""
    model = RegressionModel("a*sin(b*x)/(b*x)", params="a,b", inputs="x", at="a=1,b=0")
    result = model.rlct()
    assert result.certified and (result.value, result.multiplicity) == (sympy.Rational(3, 4), 1)
    twice = RegressionModel("a1*sin(b1*x)/(b1*x) - a1 + a2*sin(b2*x)/(b2*x) - a2", params="a1,a2,b1,b2", inputs="x")
    assert twice.rlct().bounds[0] > 0   # the origin is a true parameter: an answer (bounds), not a refusal


def test_singular_moment_matrix_is_named_and_the_rlct_uses_the_evaluation_ideal():
    two_points = FiniteSupport(((0,), (1,)), ("1/2", "1/2"))
    model = RegressionModel("a*x + b*x^2", params="a,b", inputs="x", input_dist=two_points)
    with pytest.raises(SingularMomentMatrix):
        model.coefficient_ideal()
    # K = (a + b)^2/4: only a + b is seen, lambda = 1/2.
    result = model.rlct()
    assert result.value == sympy.Rational(1, 2) and "evaluation" in result.certificate


def test_bad_model_specifications_are_refused():
    with pytest.raises(BadModel):
        RegressionModel("a*x", params="a", inputs="x", sigma=0)
    with pytest.raises(BadModel):
        RegressionModel("a*x", params="a,x", inputs="x")
    with pytest.raises(BadModel):
        RegressionModel("a*x", params=[], inputs="x")
    with pytest.raises(BadModel):
        FiniteSupport(((0,), (1,)), ("1/2", "1/3"))
    with pytest.raises(BadModel):
        RegressionModel("a*x", params="a", inputs="x", input_dist="cauchy")


def test_normal_moments_are_double_factorials():
    assert [StandardNormal(1).moment((k,)) for k in range(7)] == [1, 0, 1, 0, 3, 0, 15]


def test_discrete_independence_model_is_regular():
    # 2x2 table p_ij = s_i t_j, two free parameters, interior true point: lambda = d/2 = 1.
    cells = ["s*t", "s*(1-t)", "(1-s)*t", "(1-s)*(1-t)"]
    model = DiscreteModel(cells, params="s,t", at="s=1/3,t=1/2")
    result = model.rlct()
    assert result.certified and (result.value, result.multiplicity) == (1, 1)


def test_discrete_models_refuse_boundary_truths_and_non_distributions():
    with pytest.raises(BadModel):
        DiscreteModel(["t", "1-t"], params="t", at="t=0")
    with pytest.raises(BadModel):
        DiscreteModel(["t", "t"], params="t", at="t=1/2")


def test_coin_mixture_at_a_singular_point():
    # p = t*p1 + (1-t)*p2 at (1/2, 1/2, 1/2): one smooth equation p - 1/2 = 0 in three variables, lambda = 1/2.
    coin = DiscreteModel(["t*p1 + (1-t)*p2", "t*(1-p1) + (1-t)*(1-p2)"], params="t,p1,p2", at="t=1/2,p1=1/2,p2=1/2")
    assert coin.rlct().value == sympy.Rational(1, 2)


def test_an_ideal_with_a_generator_not_vanishing_is_refused():
    # x + 1 is a unit at the origin, not a smooth direction of the true set.
    with pytest.raises(NotVanishing):
        rlct(["x + 1", "y"])
    with pytest.raises(NotVanishing):
        rlct(["x", "y - 1"], at="x=0,y=0")
