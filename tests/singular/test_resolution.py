"""Resolution against independent routes: Newton on non-degenerate germs, and the invariance of
(λ, m) under invertible coordinate changes, which make the Newton polyhedron degenerate."""

import random

import sympy
from hypothesis import given, settings, strategies as st

from resolution import resolve
from singular import rlct

R = sympy.Rational
NAMES = ("x", "y", "z", "w")


@st.composite
def positive_even_sums(draw, dims=(2, 4)):
    """Σ c·u^(2β), c > 0, with a pure power of every variable: Newton non-degenerate, certified by Newton."""
    d = draw(st.integers(*dims))
    names = NAMES[:d]
    symbols = [sympy.Symbol(n) for n in names]
    pure = [(s, draw(st.integers(1, 3))) for s in symbols]
    mixed = draw(st.lists(st.tuples(*[st.integers(0, 2)] * d), max_size=3))
    coefficient = st.integers(1, 3)
    roots = [s**k for s, k in pure] + [sympy.Mul(*(s**k for s, k in zip(symbols, e))) for e in mixed if any(e)]
    f = sympy.Add(*(draw(coefficient) * q**2 for q in roots))
    return f, names


def unimodular(d, rnd):
    """A random integer matrix with determinant ±1: a product of elementary matrices and a permutation."""
    m = sympy.eye(d)
    for _ in range(2 * d):
        i, j = rnd.sample(range(d), 2)
        m = m * sympy.eye(d).elementary_row_op("n->n+km", row=i, k=rnd.choice([-2, -1, 1, 2]), row2=j)
    order = list(range(d))
    rnd.shuffle(order)
    return m.permute_rows(order)


def change_coordinates(f, names, rnd, triangular):
    """f(A u), then y -> y + c·x^k when ``triangular``: an invertible polynomial change of coordinates."""
    symbols = [sympy.Symbol(n) for n in names]
    image = unimodular(len(names), rnd) * sympy.Matrix(symbols)
    g = f.xreplace(dict(zip(symbols, image)))
    if triangular:
        g = g.xreplace({symbols[1]: symbols[1] + rnd.choice([-1, 1, 2]) * symbols[0] ** rnd.choice([2, 3])})
    return g


@settings(max_examples=120)
@given(positive_even_sums(dims=(2, 2)))
def test_resolution_equals_newton_in_the_plane(fn):
    # One generator, resolved as it stands: toric charts and, independently, point blow-ups.
    f, names = fn
    newton = rlct(f, method="newton")
    assert newton.certified
    for plane in ("toric", "blow-up"):
        tree = resolve([sympy.expand(f)], names, plane=plane)
        assert tree.complete
        assert tree.minimum()[:2] == (newton.value, newton.multiplicity)


@settings(max_examples=60)
@given(positive_even_sums(dims=(3, 4)))
def test_resolution_equals_newton_in_three_and_four_variables(fn):
    # Read as a sum of squares of monomials: the resolver's monomial-ideal leaf, with the weights
    # halved, against Newton's LP on the expanded germ.
    f, names = fn
    newton = rlct(f, method="newton")
    resolved = rlct(f, method="resolution")
    assert newton.certified and resolved.certified
    assert (resolved.value, resolved.multiplicity) == (newton.value, newton.multiplicity)


@settings(max_examples=150)
@given(positive_even_sums(dims=(2, 2)), st.randoms(use_true_random=False), st.booleans())
def test_invariance_under_coordinate_changes_in_the_plane(fn, rnd, triangular):
    # The image is expanded, so the resolver sees one degenerate polynomial.
    f, names = fn
    truth = rlct(f, method="newton")
    g = sympy.expand(change_coordinates(f, names, rnd, triangular))
    result = rlct(g, variables=names, method="resolution")
    assert result.certified, result.certificate
    assert (result.value, result.multiplicity) == (truth.value, truth.multiplicity)


@settings(max_examples=80)
@given(positive_even_sums(dims=(3, 4)), st.randoms(use_true_random=False), st.booleans())
def test_invariance_under_coordinate_changes_in_three_and_four_variables(fn, rnd, triangular):
    # The image as written (a sum of squares of products of linear forms): the resolver must
    # straighten the forms into coordinates.
    f, names = fn
    truth = rlct(f, method="newton")
    g = change_coordinates(f, names, rnd, triangular)
    result = rlct(g, variables=names, method="resolution")
    assert result.certified, result.certificate
    assert (result.value, result.multiplicity) == (truth.value, truth.multiplicity)


def test_degenerate_cases_of_the_issue():
    for f, value in [("(x+y)^2", R(1, 2)), ("x^2 - y^3", R(5, 6)), ("(x^2 - y^3)^2", R(5, 12)),
                     ("(y - x^2)^2 + x^6", R(2, 3)), ("x*y*(x - y)^2", R(1, 2))]:
        r = rlct(f, method="resolution")
        assert r.certified and r.value == value, f
        assert "Every leaf was verified normal crossing" in r.certificate


def test_over_budget_is_uncertified_with_valid_bounds():
    r = rlct("y^4 - 2*x^2*y^2 + x^4 - x^5", method="resolution", max_charts=3)
    assert not r.certified and r.value is None
    low, high = r.bounds
    assert low <= R(1, 2) <= high  # the truth, from the complete tree (and its blow-up cross-check)
    assert "chart budget" in r.certificate


def test_sign_constraints_are_resolved_after_unfolding():
    # s, t >= 0: s = u², t = v² gives u² + v² with prior |u||v|: ∫∫_[0,1]² (s + t)^z converges iff z > −2.
    r = rlct("s + t", nonneg="s,t", method="resolution")
    assert (r.value, r.multiplicity, r.certified) == (2, 1, True) and "unfolded" in r.certificate


def test_random_is_seeded():
    a, b = random.Random(3), random.Random(3)
    assert unimodular(3, a) == unimodular(3, b)
