"""Kinds the exact engine certifies (issue 19, items 1-5), each against an independent route:
a formula from the literature, or a coordinate change constructed here."""

import json

import pytest
import sympy

from singular import rlct
from validation import main

R = sympy.Rational


# -- item 2: non-degenerate quadratic forms and cones (Morse lemma; resolution/morse.py) ------------

@pytest.mark.parametrize(
    "f, expected",
    [
        ("x*y + z^2", (1, 1)),                       # indefinite, d = 3: min(3/2, 1)
        ("x*y", (1, 2)),                             # d = 2: both poles at 1
        ("x^2 + y^2 - z^2", (1, 1)),
        ("x^2 - y^2 + z^2 - w^2 + x^3*y", (1, 1)),   # d = 4, with higher-order terms
        ("x^1000 + y^999 + x*y", (1, 2)),            # issue 19, item 11: Morse, no toric fan of 999 rays
        ("x^2 + x*y + y^2 + z^2 + z^5", (R(3, 2), 1)),
    ],
)
def test_morse_points(f, expected):
    r = rlct(f)
    assert r.certified and (r.value, r.multiplicity) == expected


@pytest.mark.parametrize(
    "f, expected",
    [
        ("(x^2 + y^2 - z^2)^2", (R(1, 2), 1)),       # the real quadric cone, squared
        ("(x*y + z^2)^3", (R(1, 3), 1)),
        ("(x*y - z*w)^2", (R(1, 2), 1)),
    ],
)
def test_powers_of_morse_points(f, expected):
    r = rlct(f)
    assert r.certified and (r.value, r.multiplicity) == expected


def test_resolve_json_names_one_convention(capsys):
    # (x² − y³)²: the ideal ⟨x² − y³⟩ has λ(I) = 5/6, and λ(f) = λ(I)/2 = 5/12 (docs/conventions.md#ideals).
    assert main(["resolve", "(x^2 - y^3)^2", "--json"]) == 0
    tree = json.loads(capsys.readouterr().out)["tree"]
    assert tree["power"] == 2 and "λ(I)" in tree["convention"]
    best = next(n for n in tree["nodes"] if n["id"] == tree["minimizing_leaf"])
    assert (best["rlct"], best["ideal_rlct"]) == ("5/12", "5/6")
    assert "λ(I) = " in best["reason"] and "5/6" in best["reason"]


# -- item 1: quasi-homogeneous germs (singular/quasihomogeneous.py; torus test 6) --------------------

@pytest.mark.parametrize(
    "f, expected",
    [
        # weights w with f(t^w x) = t f(x), no real zero off 0: λ = Σ w_i, m = 1 (weighted polar coordinates)
        ("x^2 + x*y^2 + y^4 + z^4", (1, 1)),                       # w = (1/2, 1/4, 1/4)
        ("x^2 + x*y^3 + y^6", (R(2, 3), 1)),                        # w = (1/2, 1/6)
        ("x^2 - x*y^2 + y^4 + z^4 - z^2*w^2 + w^4", (R(5, 4), 1)),  # (1/2, 1/4, 1/4, 1/4)
        ("x^2 + 2*x*y + 2*y^2 + z^4", (R(5, 4), 1)),
        ("x^4 + x^3*y + y^4 + z^6", (R(2, 3), 1)),                  # x⁴ + x³y + y⁴ > 0 off 0; (1/4, 1/4, 1/6)
    ],
)
def test_quasi_homogeneous_positive_off_the_origin(f, expected):
    r = rlct(f)
    assert r.certified and (r.value, r.multiplicity) == expected


@pytest.mark.parametrize(
    "f, expected",
    [
        # real zeros, isolated critical point: λ = min(Σw, 1), m = 2 iff Σw = 1
        ("x^2 + x*y^2 + y^4 - z^4", (1, 2)),
        ("x^3 + y^3 + z^3", (1, 2)),            # the cone over the Fermat cubic: lct 1
        ("x^4 + y^4 - z^4 - w^4", (1, 2)),
        ("x^3 + y^3 + z^3 + w^3", (1, 1)),      # Σw = 4/3 > 1
        ("x^3 - y^5", (R(8, 15), 1)),           # Σw = 1/3 + 1/5 < 1 (the cusp family: 1/p + 1/q)
    ],
)
def test_quasi_homogeneous_cones(f, expected):
    r = rlct(f)
    assert r.certified and (r.value, r.multiplicity) == expected


def test_quasi_homogeneous_with_a_monomial_prior():
    # x² + y⁴ with prior y²: Σ w_i(h_i + 1) = 1/2 + 3/4 = 5/4 (the Newton route agrees: τ = (1, 3)).
    r = rlct("x^2 + x*y^2 + y^4", prior="y^2")
    assert r.certified and (r.value, r.multiplicity) == (R(5, 4), 1)


# -- item 3: triangular coordinate changes -------------------------------------------------------------

@pytest.mark.parametrize(
    "f, expected",
    [
        # u = x + y², v = y + z², w = z is a polynomial automorphism with Jacobian 1: f = uvw, λ = 1, m = 3
        ("(x + y^2)*(y + z^2)*z", (1, 3)),
        ("(w + x^2)*(x + y^2)*(y + z^2)*z", (1, 4)),
        ("(x + y^2)^2*(y + z^3)", (R(1, 2), 1)),             # u²v
        ("(x + y*z)*(y + z^2)*(z + x^2)", (1, 3)),           # Jacobian at 0 is I: local coordinates u, v, w
        ("(x + y^2)^2*(y + z^2)^2*z^3", (R(1, 3), 1)),       # u²v²w³
    ],
)
def test_products_of_coordinates_after_a_triangular_change(f, expected):
    r = rlct(f)
    assert r.certified and (r.value, r.multiplicity) == expected


# -- item 5: sign constraints ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "f, nonneg, expected",
    [
        ("x - y^2", "x,y", (1, 1)),          # a smooth curve through the quadrant: λ = 1
        ("x - y^2", "y", (1, 1)),
        ("x*y + z^2", "z", (1, 1)),          # even in z: the half-space integral is half the whole one
        ("(s - t)^2", "s,t", (R(1, 2), 1)),
        ("s + t", "s,t", (2, 1)),            # ∫∫_[0,1]² (s + t)^z converges iff z > −2
        ("x^2 - y^2", "x,y", (1, 2)),        # even in both: a quarter of ∫|uv|^z over R², u = x − y, v = x + y
        ("x^3 - y^2", "x,y", (R(5, 6), 1)),  # the cusp's branch y = x^(3/2) in the quadrant
    ],
)
def test_sign_constraints_reach_every_route(f, nonneg, expected):
    r = rlct(f, nonneg=nonneg)
    assert r.certified and (r.value, r.multiplicity) == expected


# -- item 7: removable singularities in analytic input ---------------------------------------------------

@pytest.mark.parametrize(
    "f, expected",
    [
        # sin(x)/x − 1 = −x²/6 + …: λ = 1/2;  (eˣ − 1)/x − 1 = x/2 + …: λ = 1;
        # log(1+x)/log(1−x) + 1 = (log(1−x) + log(1+x))/log(1−x) = −x²/(−x + …) = x + …: λ = 1
        ("sin(x)/x - 1", (R(1, 2), 1)),
        ("(exp(x)-1)/x - 1", (1, 1)),
        ("log(1+x)/log(1-x) + 1", (1, 1)),
        ("(1 - cos(x))/x^2 - 1/2", (R(1, 2), 1)),       # = −x²/24 + …
        ("sin(x*y)/(x*y) - 1 + x^2", (R(1, 2), 1)),     # = x² − x²y²/6 + …: x²·(unit)
    ],
)
def test_removable_singularities_are_evaluated_by_series(f, expected):
    r = rlct(f)
    assert r.certified and (r.value, r.multiplicity) == expected


@pytest.mark.parametrize("f, why", [("x^2*log(x)", "logarithm"), ("1/x + y", "pole"), ("sqrt(x)", "fractional")])
def test_true_singularities_are_named(f, why):
    from resolution import NotAnalytic

    with pytest.raises(NotAnalytic, match=why):
        rlct(f)


# -- item 4: hyperplane arrangements (singular/arrangement.py) --------------------------------------------

@pytest.mark.parametrize(
    "f, expected",
    [
        # n generic planes through 0 in R³ (only double lines): min(3/n, 2/2, 1) after one blow-up of 0,
        # whose strict transforms are lines in general position on the exceptional P²
        ("x*y*z*(x + y + z)*(x - y + 2*z)", (R(3, 5), 1)),
        ("x*y*z*(x + y + z)*(x - y + 2*z)*(2*x + 3*y - z)", (R(1, 2), 1)),
        ("x*y*(x + y + z)", (1, 3)),                   # three planes in general position: normal crossing
        # the braid arrangement A3 (xyz(x+y)(y+z)(x+y+z)): 0 gives 3/6; the four triple lines give 2/3
        ("x*y*z*(x + y)*(y + z)*(x + y + z)", (R(1, 2), 1)),
        ("(x*y*(x + y))^2", (R(1, 3), 1)),             # three lines, doubled: (2/3)/2
        ("x*y*(x - y)*z", (R(2, 3), 1)),               # three lines × a transverse plane: min(2/3, 1)
        ("x^2*y^2*(x + y + z)^2*(x - z)", (R(3, 7), 1)),   # generic: 0 gives 3/(2+2+2+1) < 2/4 < 1/2
        ("(x*y)^2*(x + y + z)^2", (R(1, 2), 3)),           # u = x, v = y, w = x + y + z: u²v²w²
        ("(x*y*(x + y))^2*z", (R(1, 3), 1)),               # the z-axis lies on three double planes: 2/6
    ],
)
def test_arrangements(f, expected):
    r = rlct(f)
    assert r.certified and (r.value, r.multiplicity) == expected


@pytest.mark.parametrize("f", ["(x*y*(x + y))^2", "x*y*(x - y)*z", "x*(x + y)*(x + 2*y)*(x + 3*y)", "x*y*(x + y + z)"])
def test_arrangements_agree_with_resolution(f):
    by_flats, resolved = rlct(f), rlct(f, method="resolution")
    assert resolved.certified and (by_flats.value, by_flats.multiplicity) == (resolved.value, resolved.multiplicity)


def test_arrangement_with_a_prior_on_a_coordinate_hyperplane():
    # xy(x + y) with prior x³: the flat {x = 0} gives (1 + 3)/1, the lines y, x + y give 1, the origin (2 + 3)/3.
    r = rlct("x*y*(x + y)", prior="x^3")
    assert (r.value, r.multiplicity) == (1, 1)


def test_models_take_sign_constraints():
    # A two-outcome mixture at the simplex's edge a = 0: K ≍ a²/4 near b = 1, and ∫_0 a^(2z) da has its
    # pole at −1/2; near b = 1/2, K ≍ (a·(b − 1/2))², normal crossing with λ = 1/2, m = 2 (the half-line
    # a >= 0 changes neither: a = s² gives s⁴ with prior |s|, (1 + 1)/4 = 1/2).
    from singular import DiscreteModel, RegressionModel

    mix = DiscreteModel(["(1 - a)/2 + a*b", "(1 + a)/2 - a*b"], params="a,b", at="a=0,b=1")
    assert (mix.rlct(nonneg="a").value, mix.rlct(nonneg="a").multiplicity) == (R(1, 2), 1)
    assert (mix.rlct(nonneg="a", at="a=0,b=1/2").value, mix.rlct(nonneg="a", at="a=0,b=1/2").multiplicity) == (R(1, 2), 2)
    # y = a·tanh(b·x): K ≍ a²b² (Watanabe 2009, Ch. 7: λ = 1/2, m = 2); a >= 0 keeps it (even in a).
    model = RegressionModel("a*tanh(b*x)", params="a,b", inputs="x", input_dist="uniform")
    r = model.rlct(nonneg="a")
    assert (r.value, r.multiplicity, r.certified) == (R(1, 2), 2, True)


# -- item 6: sums of squares given expanded (resolution/squares.py) ------------------------------------------

def _expanded_rrr(M, N, H, r):
    """Σ ((BA)_ij − (B0A0)_ij)² expanded, in global coordinates, and its point (A0 = B0 = diag(I_r, 0))."""
    A = sympy.Matrix(H, M, lambda i, j: sympy.Symbol(f"a{i}{j}"))
    B = sympy.Matrix(N, H, lambda i, j: sympy.Symbol(f"b{i}{j}"))
    E = sympy.Matrix(N, M, lambda i, j: 1 if i == j < r else 0)
    at = ",".join([f"a{i}{i}=1" for i in range(r)] + [f"b{i}{i}=1" for i in range(r)]) or None
    return sympy.expand(sum(e**2 for e in B * A - E)), at


@pytest.mark.parametrize("M,N,H,r", [(2, 2, 2, 0), (2, 2, 2, 1), (1, 2, 2, 0), (2, 1, 3, 0), (2, 2, 3, 1)])
def test_expanded_reduced_rank_regression_certifies(M, N, H, r):
    # One polynomial, not the ideal: the Gram matrix recovers ⟨(BA − B0A0)_ij⟩.  Truth: Aoyagi & Watanabe (2005).
    from singular.families import rrr

    K, at = _expanded_rrr(M, N, H, r)
    result, truth = rlct(K, at=at), rrr(M, N, H, r)
    assert result.certified and (result.value, result.multiplicity) == (truth.value, truth.multiplicity)
    assert "Gram matrix" in result.certificate


def test_expanded_reduced_rank_regression_by_forced_resolution():
    K, _ = _expanded_rrr(2, 2, 2, 0)
    result = rlct(K, method="resolution")
    assert result.certified and (result.value, result.multiplicity) == (R(3, 2), 1)


def test_expanded_tanh_ideal_certifies():
    # (a1 b1 + a2 b2)² + (a1 b1³ + a2 b2³)² expanded: the H = 2 tanh network, λ = 2/3 (Aoyagi & Watanabe 2005).
    result = rlct(sympy.expand(sympy.sympify("(a1*b1 + a2*b2)**2 + (a1*b1**3 + a2*b2**3)**2")))
    assert result.certified and (result.value, result.multiplicity) == (R(2, 3), 1)



# -- item 6: analytic germs with a positive-dimensional zero set (singular/analytic.py reparametrize; Morse) --

def test_a_sum_of_tanh_products_is_a_morse_point():
    # a1 tanh b1 + a2 tanh b2 = a1 v1 + a2 v2 in the analytic coordinates v_j = tanh b_j: a quadric of
    # signature (2, 2), λ(|f|) = 1.  Second route: the polynomial (a1 b1 + a2 b2)² resolved by blow-ups.
    by_resolution = rlct("(a1*b1 + a2*b2)^2", method="resolution")
    assert by_resolution.certified and by_resolution.value == R(1, 2)
    single, ideal = rlct("a1*tanh(b1) + a2*tanh(b2)"), rlct(["a1*tanh(b1) + a2*tanh(b2)"])
    assert single.certified and (single.value, single.multiplicity) == (2 * by_resolution.value, 1)
    assert ideal.certified and (ideal.value, ideal.multiplicity) == (by_resolution.value, 1)


def test_power_sums_of_analytic_coordinates_give_the_tanh_network_value():
    # ⟨a1 t1 + a2 t2, a1 t1³ + a2 t2³⟩ with t_j = tanh b_j: the H = 2 network's ideal in v_j = tanh b_j,
    # λ = 2/3, m = 1 (Aoyagi & Watanabe 2005, (H + i² + i)/(4i + 2) with i = 1).
    result = rlct(["a1*tanh(b1) + a2*tanh(b2)", "a1*tanh(b1)^3 + a2*tanh(b2)^3"], max_order=2)
    assert result.certified and (result.value, result.multiplicity) == (R(2, 3), 1)
    assert "tanh(b1)" in result.certificate


def test_reparametrize_refuses_what_is_not_a_coordinate_change():
    from singular.analytic import reparametrize

    a, b, c = sympy.symbols("a b c")
    assert reparametrize([a * sympy.tanh(b) - c * sympy.sin(b)], [a, b, c]) is None     # two functions of b
    assert reparametrize([a * sympy.tanh(b) + b**2], [a, b]) is None                      # b also bare
    assert reparametrize([a * sympy.cos(b) - a], [a, b])[0] == [-a * b**2 / 2]             # cos b − 1 = −t²/2
    assert reparametrize([sympy.tanh(a * b)], [a, b]) is None                             # two variables inside
    assert reparametrize([a * (sympy.exp(b) - 1)], [a, b]) == ([a * b], ["b ↦ exp(b) − 1"])


@pytest.mark.parametrize(
    "f, same_as",
    [
        # u = tanh x, v = sin y, then s = u − v, t = u + v: |st| is normal crossing, λ = 1, m = 2.
        ("tanh(x)^2 - sin(y)^2", "x*y"),
        # exp(b) − 1 − b = b²/2 + O(b³) (b occurs bare too, so no coordinate of its own): the Morse form
        # ac + b²/2 in analytic coordinates.
        ("exp(b) - 1 - b + a*c", "a*c + b^2"),
        ("tanh(a*b) + c^2", "a*b + c^2"),
    ],
)
def test_analytic_functions_with_a_curve_of_zeros(f, same_as):
    result, polynomial = rlct(f, max_order=2), rlct(same_as)
    assert result.certified and polynomial.certified
    assert (result.value, result.multiplicity) == (polynomial.value, polynomial.multiplicity)


# -- tester19c: sub-expressions that are not analytic at the point (singular/analytic.py require_analytic) --

@pytest.mark.parametrize(
    "f",
    [
        # sympy.series expands sqrt(g²) as g for analytic g with g(0) = 0; the real function is |g|.  Truths
        # (tester19c, Monte Carlo): 3/2, 1, (1, 2), (1, 1), 5/4 — each was certified wrong before.
        "x^2 + sqrt(sin(y)^2)",
        "x^2 + y*sqrt(sin(y)^2) + z^2",
        "x*sqrt(sin(x)^2) + y^2",
        "c*(sqrt(sin(b)^2) + a^2)",
        ["sqrt(sin(b)^2) + a^2", "c*d"],
        # neighbours: other analytic g, nested, powers, exponents, logarithms, vanishing after simplification
        "x^2 + sqrt(tanh(y)^2)",
        "x^2 + sqrt(y^2*(1 + y))",
        "x^2 + sqrt(y^2*exp(y))",
        "sqrt(sin(y)^2 + x^4)",
        "(y^2)^(3/2) + x^2",
        "exp(sqrt(y^2)) - 1 + x^2",
        "sqrt(cos(y)^2 - 1 + y^2) + x^2",
        "sqrt(cos(1)^2 + sin(1)^2 - 1 + y^2) + x^2",
        "x^2 + y^(1/3)",
        "x^2 + y^x",
        "x^2 + log(y^2)",
        "sqrt(y - 1) + x",                      # negative base: not real
    ],
)
def test_non_analytic_subexpressions_are_refused(f):
    from resolution import NotAnalytic

    with pytest.raises(NotAnalytic, match="fractional power|logarithm"):
        rlct(f)


def test_every_analytic_entry_point_refuses_an_absolute_value_in_disguise():
    from resolution import NotAnalytic
    from singular import RegressionModel
    from singular.analytic import reparametrize, taylor, truncate, value_at_origin

    a, b, y = sympy.symbols("a b y")
    g = sympy.sqrt(sympy.sin(b) ** 2) + a**2
    for call in (lambda: taylor(sympy.sqrt(sympy.sin(b) ** 2), [b], 2), lambda: truncate([g], [a, b]),
                 lambda: reparametrize([g], [a, b]), lambda: value_at_origin(g, [a, b]),
                 lambda: taylor(sympy.Piecewise((y, y > 0), (0, True)) + a, [a, y], 1)):
        with pytest.raises(NotAnalytic):
            call()
    # fit_rlct gives 0.750 (truth 3/4); 1/2 was certified before.
    with pytest.raises(NotAnalytic, match="vanishes at the point"):
        RegressionModel("(sqrt(sin(b)^2) + a^2)*x", params="a,b", inputs="x").rlct()
    # sqrt(x² + b²) is not analytic in b at the input x = 0
    with pytest.raises(NotAnalytic, match="not shown positive"):
        RegressionModel("a*sqrt(x^2 + b^2)", params="a,b", inputs="x").rlct()


@pytest.mark.parametrize(
    "f, expected",
    [
        ("x^2 + sqrt(1 + x*y) - 1 - x*y/2", (R(1, 2), 1)),   # x²·(1 − y²/8 + …): x²·unit
        ("sqrt(1 + x^2) - 1 + y^2", (1, 1)),                 # x²/2 + y² + …: regular, d/2
        ("x^2 + sqrt(sin(y)^2 + 1) - 1", (1, 1)),            # x² + y²/2 + …: regular
        ("x^2 + log(1 + y^2)", (1, 1)),
        ("x^2 + 2^y - 1", (1, 1)),                           # y·log 2 + …: a smooth point
    ],
)
def test_fractional_powers_of_positive_bases_stay_analytic(f, expected):
    r = rlct(f)
    assert r.certified and (r.value, r.multiplicity) == expected


def test_a_coordinate_generator_next_to_an_analytic_one():
    # ⟨c, a·tanh b⟩ = ⟨c, a·b⟩ (tanh b = b·unit): 1/2 for c plus λ(a²b²) = 1/2 with m = 2 (normal crossing).
    # _on_hyperplane met Symbol.xreplace({c: 0}) == int 0.  The regression model a·tanh(b)·x + c·x² has this
    # ideal (moments of (x, x²) positive definite); validation.quadrature.fit_rlct gives λ = 1.0000, m = 2.
    from singular import RegressionModel

    for result in (rlct(["c", "a*tanh(b)"]),
                   RegressionModel("a*tanh(b)*x + c*x^2", params="a,b,c", inputs="x").rlct()):
        assert result.certified and (result.value, result.multiplicity) == (1, 2)


@pytest.mark.parametrize(
    "f, same_as",
    [
        ("x*y*(cos(1)^2 + sin(1)^2) - x*y + z^2", "z^2"),      # was ArithmeticError in analytic._divide
        ("x*y*(cos(1)^2 + sin(1)^2 - 1) + z^2 + x^2*y^2*(cos(2)^2 + sin(2)^2)", "z^2 + x^2*y^2"),
        ("tanh(x)*y*(cos(1)^2 + sin(1)^2 - 1) + z^2", "z^2"),
    ],
)
def test_constants_that_simplify_to_zero_are_zero_everywhere(f, same_as):
    result, polynomial = rlct(f), rlct(same_as)
    assert result.certified and polynomial.certified
    assert (result.value, result.multiplicity) == (polynomial.value, polynomial.multiplicity)


def test_taylor_cancels_the_fractions_series_leaves():
    from resolution import NotAnalytic
    from singular.analytic import taylor

    a, b, c, d = sympy.symbols("a b c d")
    f = (a * sympy.tanh(b) + c * sympy.tanh(d)) ** 2
    # independent: tanh u = u − u³/3 + 2u⁵/15 + O(u⁷), squared and cut at total degree 6
    jet = sympy.Poly(sympy.expand((a * (b - b**3 / 3) + c * (d - d**3 / 3)) ** 2), a, b, c, d)
    expected = sum(coeff * a**i * b**j * c**k * d**m for (i, j, k, m), coeff in jet.terms() if i + j + k + m <= 6)
    assert sympy.expand(taylor(f, [a, b, c, d], 6) - expected) == 0
    # what does not cancel is still refused
    with pytest.raises(NotAnalytic, match="pole"):
        taylor(sympy.sin(a) / (a**2 + b**2), [a, b], 2)
    with pytest.raises(NotAnalytic, match="power series"):
        taylor(a * b / (a**2 + b**2), [a, b], 2)


@pytest.mark.slow
@pytest.mark.parametrize("power, expected", [(2, R(1, 2)), (3, R(1, 3))])
def test_powers_of_a_tanh_sum_are_not_refused(power, expected):
    # λ(|a·tanh b + c·tanh d|) = 1 (test_a_sum_of_tanh_products_is_a_morse_point), and λ(|f|^k) = λ(|f|)/k.
    result = rlct(f"(a*tanh(b) + c*tanh(d))^{power}", max_order=6)
    assert result.certified and (result.value, result.multiplicity) == (expected, 1)
