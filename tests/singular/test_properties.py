"""Invariants of the RLCT, checked on hypothesis-generated germs.

Each property holds for the true (λ, m); the tests check that certified answers
obey them and that bounds stay consistent, so a wrong certificate shows up as
a broken invariant.
"""

import sympy
from hypothesis import assume, given, strategies as st

from singular import rlct

R = sympy.Rational
NAMES = ("x", "y", "z", "w")


def monomial(exponent, names):
    return sympy.Mul(*(sympy.Symbol(n) ** k for n, k in zip(names, exponent)))


@st.composite
def polynomials(draw, max_dim=3, even=False, positive=False):
    """A polynomial vanishing at 0, with small exponents and coefficients."""
    d = draw(st.integers(2, max_dim))
    names = NAMES[:d]
    exps = st.integers(0, 3).map(lambda k: 2 * k) if even else st.integers(0, 4)
    coefficient = st.integers(1, 3) if positive else st.integers(-3, 3).filter(bool)
    terms = draw(st.lists(st.tuples(st.tuples(*[exps] * d).filter(any), coefficient), min_size=1, max_size=5))
    f = sympy.Add(*(c * monomial(e, names) for e, c in terms))
    assume(f != 0)
    return f, names


def same(a, b):
    return (a.value, a.multiplicity, a.certified, a.bounds) == (b.value, b.multiplicity, b.certified, b.bounds)


@given(polynomials(), st.randoms(use_true_random=False))
def test_permuting_variables(fn, rnd):
    f, names = fn
    perm = list(names)
    rnd.shuffle(perm)
    g = f.xreplace({sympy.Symbol(a): sympy.Symbol(b) for a, b in zip(names, perm)})
    assert same(rlct(f, variables=names), rlct(g, variables=names))


@given(polynomials(), st.fractions(min_value=R(1, 10), max_value=10).filter(lambda q: q > 0))
def test_scaling_by_a_positive_rational(fn, q):
    f, names = fn
    assert same(rlct(f, variables=names), rlct(sympy.Rational(q.numerator, q.denominator) * f, variables=names))


@given(polynomials(), st.sampled_from(["1 + x", "2 - y", "1 + x*y + y^2"]))
def test_multiplying_by_a_unit(fn, unit):
    f, names = fn
    assert same(rlct(f, variables=names), rlct(f * sympy.sympify(unit), variables=names))


@given(polynomials(even=True, positive=True), st.integers(2, 3))
def test_powers_divide_the_threshold(fn, k):
    f, names = fn
    base, power = rlct(f, variables=names), rlct(sympy.expand(f**k), variables=names)
    assert base.certified and power.certified
    assert power.value == base.value / k and power.multiplicity == base.multiplicity


@given(polynomials(), st.integers(2, 3))
def test_bounds_of_a_power_contain_the_divided_value(fn, k):
    f, names = fn
    base, power = rlct(f, variables=names), rlct(f**k, variables=names)
    if base.certified:
        assert power.bounds[0] <= base.value / k <= power.bounds[1]
        if power.certified:
            assert (power.value, power.multiplicity) == (base.value / k, base.multiplicity)


def _in(names_from, names_to, f):
    return f.xreplace({sympy.Symbol(a): sympy.Symbol(b) for a, b in zip(names_from, names_to)})


def _disjoint(fa, fb):
    """Two certified germs moved to disjoint variables (a, b) and (c, e), with their RLCTs."""
    (f, nf), (g, ng) = fa, fb
    left = ("a", "b")[: len(nf)]
    right = ("c", "e")[: len(ng)]
    f, g = _in(nf, left, f), _in(ng, right, g)
    return f, g, left + right, rlct(f, variables=left), rlct(g, variables=right)


@given(polynomials(max_dim=2, even=True, positive=True), polynomials(max_dim=2, even=True, positive=True))
def test_disjoint_product_takes_the_minimum(fa, fb):
    # λ(f(x)·g(y)) = min(λ_f, λ_g); on a tie the multiplicities add (Lin 2011, Prop. 4.5).
    f, g, names, rf, rg = _disjoint(fa, fb)
    product = rlct(sympy.expand(f * g), variables=names)
    assert product.certified
    assert product.value == min(rf.value, rg.value)
    expected = (rf.multiplicity if rf.value <= rg.value else 0) + (rg.multiplicity if rg.value <= rf.value else 0)
    assert product.multiplicity == expected


@given(polynomials(max_dim=2, even=True, positive=True), polynomials(max_dim=2, even=True, positive=True))
def test_disjoint_sum_adds(fa, fb):
    # For f, g >= 0 in disjoint variables: λ = λ_f + λ_g, m = m_f + m_g - 1 (Lin 2011, Prop. 4.5).
    f, g, names, rf, rg = _disjoint(fa, fb)
    total = rlct(f + g, variables=names)
    assert total.certified
    assert total.value == rf.value + rg.value
    assert total.multiplicity == rf.multiplicity + rg.multiplicity - 1


@given(st.lists(st.integers(0, 6), min_size=2, max_size=4).filter(any),
       st.lists(st.integers(0, 3), min_size=4, max_size=4))
def test_newton_agrees_with_the_normal_crossing_formula(k, h):
    # A monomial times a positive even unit: both routes apply and must agree.
    names = NAMES[: len(k)]
    h = h[: len(k)]
    f = monomial(k, names) * (1 + sympy.Symbol(names[0]) ** 2)
    prior = monomial(h, names)
    a = rlct(f, variables=names, prior=prior, method="monomial")
    b = rlct(f, variables=names, prior=prior, method="newton")
    expected = min(R(hj + 1, kj) for hj, kj in zip(h, k) if kj)
    assert a.certified and a.value == expected
    # The Newton route may not certify odd exponents (x^1 has a sign), but when it does it agrees.
    assert b.bounds[0] <= expected <= b.bounds[1]
    if b.certified:
        assert (b.value, b.multiplicity) == (a.value, a.multiplicity)


@given(polynomials())
def test_results_are_exact_and_bounds_ordered(fn):
    f, names = fn
    r = rlct(f, variables=names)
    low, high = r.bounds
    assert isinstance(low, sympy.Rational) and isinstance(high, sympy.Rational)
    assert 0 < low <= high
    if r.certified:
        assert isinstance(r.value, sympy.Rational) and low == r.value == high
