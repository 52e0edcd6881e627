"""Exact real number fields: Q and Q(α) for real algebraic α, and real roots over them.

A field here is a sympy domain: ``QQ`` or ``QQ.algebraic_field(α, ...)`` whose
generators are *real* algebraic numbers (rationals, square roots, or
``CRootOf`` real roots).  Every element is then real, and equality is decided
exactly.  A real root of a univariate polynomial over such a field is found
exactly: by factoring over the field (linear factors give roots in the field),
or, for an irreducible factor of higher degree, by computing its norm over Q,
isolating the norm's real roots (``CRootOf``), and keeping those at which the
factor vanishes exactly in the extended field.  Nothing is rounded.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import QQ
from sympy.polys.rings import PolyElement

__all__ = ["RealRoot", "field_of", "join_fields", "real_roots", "to_sympy"]


@dataclass(frozen=True, slots=True)
class RealRoot:
    """A real root: its sympy value, the field that contains it, its element there, its multiplicity."""

    value: sympy.Expr
    field: object
    element: object
    multiplicity: int


def field_of(values: list[sympy.Expr]):
    """The smallest of our fields holding every value: QQ, or Q(values) for irrational ones."""
    irrational = [v for v in values if not v.is_Rational]
    return QQ if not irrational else QQ.algebraic_field(*irrational)


def join_fields(field, value: sympy.Expr):
    """``field`` extended by the real algebraic number ``value``."""
    if value.is_Rational:
        return field
    generators = [] if field == QQ else list(field.orig_ext)
    return QQ.algebraic_field(*generators, value)


def to_sympy(field, element) -> sympy.Expr:
    """The element as a sympy number (exact)."""
    return field.to_sympy(element)


def _norm(factor: PolyElement) -> sympy.Poly:
    """N(t) = Res_s(q(t; s), m(s)) ∈ Q[t], where q's coefficients are written in the field's generator s."""
    field = factor.ring.domain
    t, s = sympy.symbols("t s")
    expr = sympy.Integer(0)
    for (k,), coefficient in factor.terms():
        rep = coefficient.to_list()
        value = sum((sympy.Rational(c) * s ** (len(rep) - 1 - i) for i, c in enumerate(rep)), sympy.Integer(0))
        expr += value * t**k
    modulus = sympy.Poly([sympy.Rational(c) for c in field.mod.to_list()], s).as_expr()
    return sympy.Poly(sympy.resultant(expr, modulus, s), t, domain=QQ)


def real_roots(poly: PolyElement) -> list[RealRoot]:
    """The distinct real roots of a univariate polynomial over one of our fields, with multiplicities.

    Examples
    --------
    >>> from sympy.polys.rings import ring
    >>> R, t = ring("t", QQ)
    >>> [(r.value, r.multiplicity) for r in real_roots((t - 1)**2 * (t**2 - 2) * (t**2 + 1))]
    [(-sqrt(2), 1), (1, 2), (sqrt(2), 1)]
    """
    field = poly.ring.domain
    if poly.ring.ngens != 1:
        raise ValueError("real_roots takes a univariate polynomial")
    roots: list[RealRoot] = []
    _, factors = poly.factor_list()
    for factor, multiplicity in factors:
        degree = factor.degree()
        if degree == 1:
            (c1, c0) = (factor.coeff(factor.ring.gens[0]), factor.coeff(1))
            element = field.quo(-c0, c1)
            roots.append(RealRoot(field.to_sympy(element), field, element, multiplicity))
            continue
        if field == QQ:
            candidates = sympy.Poly(factor.as_expr(), sympy.Symbol("t")).real_roots()
            for value in candidates:
                extended = join_fields(field, value)
                roots.append(RealRoot(value, extended, extended.from_sympy(value), multiplicity))
            continue
        for norm_factor, _ in _norm(factor).factor_list()[1]:
            for value in norm_factor.real_roots():
                extended = join_fields(field, value)
                moved = factor.set_ring(factor.ring.clone(domain=extended))
                element = extended.from_sympy(value)
                if extended.is_zero(moved.evaluate(moved.ring.gens[0], element)):
                    roots.append(RealRoot(value, extended, element, multiplicity))
    return sorted(roots, key=lambda r: sympy.Float(r.value.evalf(30), 30))
