"""Torus zero tests on polynomials whose answer is known by hand."""

import pytest

from resolution import germ, torus_zero_free


def decide(text, *, nonneg=None, nonnegative=False):
    g = germ(text)
    return torus_zero_free(g.terms, g.variables, nonneg=nonneg, nonnegative=nonnegative)


@pytest.mark.parametrize("text", [
    "x^3*y",                      # a monomial
    "x^4 + 3*x^2*y^2 + y^6",      # positive even terms
    "x^2 + x*y + y^2",            # discriminant 1 - 4 < 0
    "x^3 + x*y^2",                # x (x^2 + y^2)
    "x^2 + y^2 + z^2 + x*y + y*z",  # definite: leading minors 1, 3/4, 1/2
])
def test_zero_free(text):
    assert decide(text).zero_free is True


@pytest.mark.parametrize("text", [
    "(x + y)^2",                  # zero at x = -y
    "(x^2 - y^3)^2",              # zero at x = t^3, y = t^2
    "x*y + y*z + z*x",            # zero at (-2, -2, 1)
    "x^2 - 2*y^2",                # zero at x = sqrt(2) y: an irrational point, found exactly
])
def test_has_a_zero(text):
    assert decide(text).zero_free is False


def test_the_positive_torus_is_smaller_than_the_real_torus():
    # x + y vanishes at x = -y, which the positive torus excludes.
    assert decide("x + y").zero_free is False
    assert decide("x + y", nonneg=[True, True]).zero_free is True
    # x - y vanishes at x = y > 0.
    assert decide("x - y", nonneg=[True, True]).zero_free is False


def test_groebner_needs_a_proof_of_nonnegativity():
    # x^2 y^2 + y^2 z^2 + z^2 x^2 + x^2 y^2 z^2 ... a 2-dimensional face polynomial that is a
    # sum of squares with a mixed term: (xy - yz)^2 + (yz)^2 + (zx)^2 > 0 on the torus.
    text = "(x*y - y*z)^2 + y^2*z^2 + z^2*x^2"
    assert decide(text, nonnegative=True).zero_free is True
    assert decide(text, nonnegative=False).zero_free is None


def critical(text, nonneg=None):
    g = germ(text)
    from resolution import torus_critical_free

    return torus_critical_free(g.terms, g.variables, nonneg=nonneg).zero_free


@pytest.mark.parametrize("text, expected", [
    ("x^2 - y^3", True),             # smooth zeros on the torus
    ("x^2 + y^2", True),             # no zeros at all
    ("(x + y)^2", False),            # a double line
    ("x^2 - 2*x*y + y^2 - 0", False),
    ("x^2 - y^2 + z^2", True),       # a non-singular quadratic form
    ("x*y + y*z + z*x", True),       # non-singular (determinant 1/4)
])
def test_critical_points_on_the_torus(text, expected):
    assert critical(text) is expected


def test_blocks_in_disjoint_variables_of_one_sign_are_zero_free():
    # x² + 2xy + 2y² = (x + y)² + y² is positive definite; z⁴ > 0 on the torus: the sum is positive
    positive = [((2, 0, 0), 1), ((1, 1, 0), 2), ((0, 2, 0), 2), ((0, 0, 4), 1)]
    assert torus_zero_free(positive, "xyz").zero_free is True
    negated = [(e, -c) for e, c in positive]
    assert torus_zero_free(negated, "xyz").zero_free is True
    # mixed signs: x² + 2xy + 2y² − z⁴ vanishes at (1, −1, 1)
    mixed = positive[:3] + [((0, 0, 4), -1)]
    assert torus_zero_free(mixed, "xyz").zero_free is False
    # an indefinite block proves nothing: x² − y² + z⁴ changes sign between (1, 2, 1) and (2, 1, 1)
    assert torus_zero_free([((2, 0, 0), 1), ((0, 2, 0), -1), ((0, 0, 4), 1)], "xyz").zero_free is False
