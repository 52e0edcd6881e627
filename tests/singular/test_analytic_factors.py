"""Analytic germs certified through analytic coordinates (singular.analytic: hyperplane_coordinate, and
reparametrize with φ of any order).  Right values come from a factorization or coordinate change constructed
here and the normal-crossing formula (docs/conventions.md#normal-crossing), or from a sandwich between a
half-space and the whole space; never from the route under test."""

import pytest
import sympy

from resolution import NotAnalytic
from singular import rlct
from singular.analytic import hyperplane_coordinate, reparametrize

R = sympy.Rational
X, Y, Z = sympy.symbols("x y z")
MIXED = X * sympy.sin(Y) * sympy.exp(Z) + Z * (sympy.exp(Y) - 1)


def test_the_hyperplane_factor_is_a_coordinate_change_constructed_here():
    # f = y·q with q = x·(sin y/y)·e^z + z·(e^y − 1)/y, analytic, q(0) = 0 and ∂q/∂x(0) = 1: (q, y, z) are
    # coordinates and f = y·q is a normal crossing with exponents (1, 1), so λ = 1, m = 2.
    q = X * sympy.sin(Y) / Y * sympy.exp(Z) + Z * (sympy.exp(Y) - 1) / Y
    assert sympy.simplify(MIXED - Y * q) == 0
    jet = sympy.series(q.subs({X: X * sympy.Symbol("t"), Y: Y * sympy.Symbol("t"), Z: Z * sympy.Symbol("t")}),
                       sympy.Symbol("t"), 0, 2).removeO().subs(sympy.Symbol("t"), 1)
    assert sympy.expand(jet) == X + Z
    truth = rlct("y*q")
    assert (truth.value, truth.multiplicity) == (1, 2)
    assert hyperplane_coordinate(MIXED, [X, Y, Z], (0, 0, 0), (0, 1, 0))[:2] == (1, 2)


@pytest.mark.slow
def test_rlct_certifies_the_hyperplane_factor():
    # As above, λ = 1, m = 2; the ideal ⟨f⟩ is K = f²: λ(|f|)/2.  A prior |y|: λ = min(1, (1 + 1)/1) = 1, m = 1.
    result = rlct(MIXED, max_order=2)
    assert result.certified and (result.value, result.multiplicity) == (1, 2)
    ideal = rlct([MIXED], max_order=2)
    assert ideal.certified and (ideal.value, ideal.multiplicity) == (R(1, 2), 2)
    weighted = rlct(MIXED, prior="y", max_order=2)
    assert weighted.certified and (weighted.value, weighted.multiplicity) == (1, 1)


@pytest.mark.parametrize("h, expected", [((0, 0, 0), (R(1, 2), 1)), ((0, 1, 0), (1, 2)), ((0, 3, 0), (1, 1))])
def test_a_square_hyperplane_factor(h, expected):
    # sin(y)²·(x + z + xy) = y²·q, q = (sin y/y)²·(x + z + xy) with linear part x + z: |y²·q| with the prior
    # |y^h| has λ = min((h + 1)/2, 1), m = the number of terms attaining it.
    f = sympy.sin(Y) ** 2 * (X + Z + X * Y)
    assert hyperplane_coordinate(f, [X, Y, Z], h, (0, 2, 0))[:2] == expected


def test_no_coordinate_is_claimed_when_the_linear_part_lies_in_the_factor():
    # y·(y + x²)·e^x: the quotient y + x² + … has its linear part in y only, so it cannot replace x.
    f = Y * (Y + X**2) * sympy.exp(X)
    assert hyperplane_coordinate(f, [X, Y], (0, 0), (0, 1)) is None
    # nor when the variable that would be replaced carries the prior.
    assert hyperplane_coordinate(MIXED, [X, Y, Z], (1, 0, 1), (0, 1, 0)) is None


def test_a_sign_constraint_inside_an_analytic_coordinate():
    # x >= 0 is unfolded as x = s², and tanh(s²) = t² with t = s·(unit): f = t² − v² with v = sin y and the
    # prior |t|.  Truth by a sandwich: with u = tanh x >= 0, f = u − v² and u' = u − v² is a coordinate; the
    # domain u >= 0 lies between the half-space u' >= 0 and the whole space, both of which give λ = 1, m = 1.
    polys, steps = reparametrize([sympy.tanh(X**2) - sympy.sin(Y) ** 2], [X, Y])
    assert polys == [X**2 - Y**2] and "tanh(x**2) = t**2" in steps[0]
    polys, _ = reparametrize([sympy.tanh(-X**2) + sympy.sin(Y) ** 2], [X, Y])
    assert polys == [Y**2 - X**2]


@pytest.mark.slow
def test_rlct_certifies_a_sign_constraint_inside_an_analytic_coordinate():
    # As above: λ = 1, m = 1.
    for f in ("tanh(x) - sin(y)^2", "sin(y)^2 + tanh(-x)"):      # tanh'(0) > 0 keeps the half-line, < 0 flips it
        result = rlct(f, nonneg="x", max_order=2)
        assert result.certified and (result.value, result.multiplicity) == (1, 1)


@pytest.mark.slow
def test_a_sign_constraint_on_a_degenerate_analytic_germ():
    # (tanh x − y²)² + z⁴ on x >= 0: u' = tanh x − y² gives u'² + z⁴, λ = 1/2 + 1/4 = 3/4, m = 1, on the whole
    # space and on the half-space u' >= 0; the domain tanh x >= 0 lies between them.
    result = rlct("(tanh(x) - y^2)^2 + z^4", nonneg="x", max_order=2)
    assert result.certified and (result.value, result.multiplicity) == (R(3, 4), 1)


@pytest.mark.parametrize("f", ["x^3*sin(1/x) + y", "x^2*tanh(1/x) + y^2", "y^2 + x^4*cos(1/x)", "x*atan(1/x) + y",
                               "sqrt(1/x) + y", "log(1 + 1/x) + y"])
def test_a_function_of_an_argument_with_a_pole_is_refused_as_not_analytic(f):
    # x³·sin(1/x) is C² but not analytic at 0: its derivatives of high order are unbounded near 0.
    with pytest.raises(NotAnalytic, match="has no finite value at the point"):
        rlct(f)


def test_atan_of_a_pole_is_refused_before_any_expansion():
    # atan(1/x) + atan(x) = π/2·sign(x): not analytic (sympy.series did not return on it).
    x, y = sympy.symbols("x y")
    with pytest.raises(NotAnalytic):
        rlct(x * y * (sympy.atan(1 / x) + sympy.atan(x) - sympy.pi / 2) + x * y, variables=["x", "y"])


def test_a_removable_singularity_inside_a_function_is_analytic():
    # (exp(x) − 1)/x = 1 + x/2 + …, so exp((exp(x) − 1)/x) − e = e·x/2 + …: a non-zero linear part, λ = 1, m = 1.
    x, y = sympy.symbols("x y")
    result = rlct(sympy.exp((sympy.exp(x) - 1) / x) - sympy.E + y**2, variables=["x", "y"])
    assert result.certified and (result.value, result.multiplicity) == (1, 1)


def test_what_sympy_cannot_expand_is_not_called_non_analytic():
    # sin(1 − tanh(x)/x) is analytic at 0 (1 − tanh(x)/x = x²/3 − …), but sympy.series cannot expand it.
    with pytest.raises(NotAnalytic, match="could not be expanded") as info:
        rlct("sin(1 - tanh(x)/x)^2 + y^2")
    assert "is not analytic" not in str(info.value)
