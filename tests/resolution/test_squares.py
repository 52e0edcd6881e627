"""Exact sums of squares through one Gram matrix (resolution/squares.py)."""

from fractions import Fraction

import pytest
import sympy
from hypothesis import given, strategies as st

from resolution import germ
from resolution.squares import sum_of_squares


def _terms(text, names):
    return dict(germ(text, variables=names).terms)


def _expand(squares, names):
    symbols = sympy.symbols(names)
    monomial = lambda m: sympy.Mul(*[s**k for s, k in zip(symbols, m)])  # noqa: E731
    return sympy.expand(sum(sympy.Rational(d.numerator, d.denominator) * sum(
        sympy.Rational(c.numerator, c.denominator) * monomial(m) for m, c in q.items()) ** 2 for d, q in squares))


def test_reduced_rank_regression_gives_back_its_entries():
    B = sympy.Matrix(2, 2, sympy.symbols("b1:5"))
    A = sympy.Matrix(2, 2, sympy.symbols("a1:5"))
    names = [str(s) for s in (*A, *B)]
    squares = sum_of_squares(_terms(sympy.expand(sum(e**2 for e in B * A)), names))
    assert squares is not None and all(d == 1 for d, _ in squares)
    found = {sympy.expand(sum(c * sympy.Mul(*[sympy.Symbol(n)**k for n, k in zip(names, m)]) for m, c in q.items()))
             for _, q in squares}
    assert found == {sympy.expand(e) for e in B * A}


@pytest.mark.parametrize("text", [
    "x^4*y^2 + x^2*y^4 + z^6 - 3*x^2*y^2*z^2",   # Motzkin's form: non-negative, not a sum of squares (Motzkin 1967)
    "x^2 - y^2",                                  # changes sign
    "x^2*y^2 - 2*x*y*z^2",                        # a term with no half-monomial pair
])
def test_no_form_is_claimed_where_there_is_none(text):
    assert sum_of_squares(_terms(text, ["x", "y", "z"])) is None


def test_weights_are_kept():
    # 2(x + y)² + 3y²: the Gram matrix is [[2, 2], [2, 5]], whose LDLᵀ has pivots 2 and 3.
    squares = sum_of_squares(_terms("2*(x + y)^2 + 3*y^2", ["x", "y"]))
    assert [d for d, _ in squares] == [Fraction(2), Fraction(3)]


@given(st.lists(st.lists(st.integers(-3, 3), min_size=4, max_size=4), min_size=1, max_size=3))
def test_every_form_found_is_an_identity(rows):
    # Σ (c·monomials)² for random integer coefficients: whatever is returned expands back to f.
    names = ["x", "y", "z"]
    x, y, z = sympy.symbols(names)
    monomials = [x * y, y * z, x**2, z]
    f = sympy.expand(sum(sum(c * m for c, m in zip(row, monomials)) ** 2 for row in rows))
    if f == 0:
        return
    squares = sum_of_squares(_terms(f, names))
    if squares is not None:
        assert all(d > 0 for d, _ in squares) and _expand(squares, names) == f
