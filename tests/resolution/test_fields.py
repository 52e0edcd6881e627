"""Real roots over Q and over real algebraic extensions, exactly."""

import sympy
from sympy import QQ, sqrt
from sympy.polys.rings import ring

from resolution._fields import real_roots


def test_roots_over_the_rationals_with_multiplicities():
    R, t = ring("t", QQ)
    roots = real_roots((t - 1) ** 2 * (t**2 - 2) * (t**2 + 1) * (3 * t + 2))
    assert [(r.value, r.multiplicity) for r in roots] == [(-sqrt(2), 1), (sympy.Rational(-2, 3), 1), (1, 2), (sqrt(2), 1)]


def test_every_root_vanishes_exactly_in_its_field():
    R, t = ring("t", QQ)
    p = t**5 - 3 * t + 1  # three real roots (Descartes + sign changes), none rational
    roots = real_roots(p)
    assert len(roots) == sympy.Poly(p.as_expr(), sympy.Symbol("t")).count_roots() == 3
    for r in roots:
        moved = p.set_ring(p.ring.clone(domain=r.field))
        assert r.field.is_zero(moved.evaluate(moved.ring.gens[0], r.element))


def test_roots_over_an_extension_need_a_further_extension():
    K = QQ.algebraic_field(sqrt(2))
    R, t = ring("t", K)
    s2 = K.from_sympy(sqrt(2))
    roots = real_roots((t**2 - s2) * (t - s2) * (t**2 + 1))
    # t^2 = sqrt(2) has the real roots ±2^(1/4); t^2 = -1 none.
    assert [r.value for r in roots] == [-sympy.root(2, 4), sympy.root(2, 4), sqrt(2)]


def test_a_root_of_the_norm_that_belongs_to_the_conjugate_is_rejected():
    K = QQ.algebraic_field(sqrt(2))
    R, t = ring("t", K)
    s2 = K.from_sympy(sqrt(2))
    # t^2 + sqrt(2) has no real root, though its norm t^4 - 2 has two.
    assert real_roots(t**2 + s2) == []
