"""The strategies' known values against the exact side (an independent formula against singular.rlct)."""

import sympy
from hypothesis import given, settings

from singular import rlct
from validation.strategies import even_monomial_sums, normal_crossings, unimodular_images


@settings(max_examples=25, deadline=None)
@given(normal_crossings())
def test_normal_crossings(germ):
    r = rlct(germ.K, variables=germ.variables)
    assert (r.value, r.multiplicity) == (germ.lam, germ.m)


@settings(max_examples=25, deadline=None)
@given(even_monomial_sums())
def test_even_monomial_sums(germ):
    r = rlct(germ.K, variables=germ.variables)
    assert (r.value, r.multiplicity) == (germ.lam, germ.m)


@settings(max_examples=25, deadline=None)
@given(unimodular_images())
def test_unimodular_images_keep_the_value(germ):
    """Certified answers must be the known value; uncertified ones (the exact side cannot yet resolve
    every image, e.g. x1² + 2x1x2 + 2x2² + x3⁴) must bracket it."""
    r = rlct(germ.K, variables=germ.variables)
    if r.certified:
        assert (r.value, r.multiplicity) == (germ.lam, germ.m), germ.description
    else:
        low, high = r.bounds
        assert (low is None or low <= germ.lam) and (high is None or germ.lam <= high), germ.description
    assert sympy.Poly(germ.K, *[sympy.Symbol(v) for v in germ.variables]).total_degree() >= 2
