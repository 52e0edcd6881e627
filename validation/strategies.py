"""Hypothesis strategies for germs whose RLCT is known in closed form, for other projects' tests.

They need hypothesis: ``pip install singular-toolkit[testing]`` (importing this module without it
raises ``ModuleNotFoundError`` saying so).

Each strategy draws a :class:`KnownGerm`: a polynomial K >= 0 in named variables, with (λ, m)
from a formula, never from running :mod:`singular` (so a test of our exact side, or of anyone's,
against these germs is a test against an independent route):

- :func:`normal_crossings`: K = Π x_j^(2k_j); λ = min_j 1/(2k_j), m = #argmin (Lin 2011, Prop. 3.7).
- :func:`even_monomial_sums`: K = Σ_j c_j x_j^(2k_j), c_j > 0, one variable per term: the Newton
  polyhedron is a simplex whose τ-distance gives λ = Σ_j 1/(2k_j), m = 1, and the germ is
  non-degenerate (every face polynomial is a sum of positive even powers); equivalently the
  integral factorises (Varchenko 1976; Watanabe 2009 §7).
- :func:`unimodular_images`: the image of such a germ under x -> U·x with U an integer matrix of
  determinant ±1: an invertible linear (hence analytic) change of coordinates, which keeps (λ, m)
  but generally destroys the Newton non-degeneracy, so the exact side must resolve or change
  coordinates to certify it.

Examples
--------
>>> from hypothesis import given
>>> @given(normal_crossings())
... def test_known(germ):
...     assert 0 < germ.lam <= sympy.Rational(1, 2)
>>> test_known()
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

try:
    from hypothesis import strategies as st
except ModuleNotFoundError as missing:
    if missing.name != "hypothesis":
        raise
    raise ModuleNotFoundError("validation.strategies needs hypothesis, which the toolkit does not install by "
                              "itself: pip install singular-toolkit[testing]", name="hypothesis") from missing

__all__ = ["KnownGerm", "even_monomial_sums", "normal_crossings", "unimodular_images"]


@dataclass(frozen=True)
class KnownGerm:
    """K (a sympy polynomial in ``variables``, >= 0 near the origin), its exact λ and m, and how."""

    K: sympy.Expr
    variables: tuple[str, ...]
    lam: sympy.Rational
    m: int
    description: str


def _symbols(d: int) -> list[sympy.Symbol]:
    return [sympy.Symbol(f"x{j + 1}") for j in range(d)]


@st.composite
def normal_crossings(draw, max_vars: int = 3, max_power: int = 4) -> KnownGerm:
    """K = Π x_j^(2k_j) with 1 <= k_j <= ``max_power``: λ = min 1/(2k_j), m = #{j attaining it}."""
    d = draw(st.integers(1, max_vars))
    ks = draw(st.lists(st.integers(1, max_power), min_size=d, max_size=d))
    xs = _symbols(d)
    lam = min(sympy.Rational(1, 2 * k) for k in ks)
    m = sum(1 for k in ks if sympy.Rational(1, 2 * k) == lam)
    return KnownGerm(sympy.Mul(*[x ** (2 * k) for x, k in zip(xs, ks)]), tuple(map(str, xs)), lam, m,
                     f"normal crossing, exponents {[2 * k for k in ks]} (Lin 2011, Prop. 3.7)")


@st.composite
def even_monomial_sums(draw, max_vars: int = 3, max_power: int = 4) -> KnownGerm:
    """K = Σ c_j x_j^(2k_j), c_j in 1..5: λ = Σ 1/(2k_j), m = 1."""
    d = draw(st.integers(1, max_vars))
    ks = draw(st.lists(st.integers(1, max_power), min_size=d, max_size=d))
    cs = draw(st.lists(st.integers(1, 5), min_size=d, max_size=d))
    xs = _symbols(d)
    lam = sum((sympy.Rational(1, 2 * k) for k in ks), sympy.Integer(0))
    return KnownGerm(sum(c * x ** (2 * k) for c, x, k in zip(cs, xs, ks)), tuple(map(str, xs)), lam, 1,
                     f"sum of even powers {[2 * k for k in ks]}, non-degenerate (Varchenko 1976)")


@st.composite
def _unimodular(draw, d: int, steps: int) -> sympy.Matrix:
    """A product of elementary integer matrices (row additions with multipliers in −2..2)."""
    u = sympy.eye(d)
    for _ in range(draw(st.integers(1, steps)) if d > 1 else 0):
        i, j = draw(st.integers(0, d - 1)), draw(st.integers(0, d - 1))
        if i != j:
            u = u.elementary_row_op("n->n+km", row=i, k=draw(st.integers(-2, 2)), row2=j)
    return u


@st.composite
def unimodular_images(draw, germs=None, steps: int = 3) -> KnownGerm:
    """K(U·x) for K from ``germs`` (default: even monomial sums or normal crossings), det U = ±1."""
    germ = draw(germs if germs is not None else st.one_of(even_monomial_sums(), normal_crossings()))
    xs = [sympy.Symbol(v) for v in germ.variables]
    u = draw(_unimodular(len(xs), steps))
    image = u * sympy.Matrix(xs)
    K = sympy.expand(germ.K.xreplace(dict(zip(xs, image))))
    return KnownGerm(K, germ.variables, germ.lam, germ.m,
                     f"{germ.description}, after x -> U·x with U = {u.tolist()} (det {u.det()})")
