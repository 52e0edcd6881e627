"""The threshold of a plane ideal from its weighted initial forms, when they have no common real zero.

Let w = (w1, w2) be positive integer weights on R², the weighted degree of u1^a·u2^b being
w1·a + w2·b, and ρ(u) = |u1|^(1/w1) + |u2|^(1/w2) the weighted quasi-norm (ρ(λ^w1·u1, λ^w2·u2)
= λ·ρ(u) for λ > 0).  Let I = ⟨g_1, …, g_k⟩ with every term of every g_i of weighted degree ≥ d,
and f_i the part of g_i of degree exactly d (its *weighted initial form*; some may be zero).

**Theorem.** If the f_i have no common real zero other than the origin, then Σ g_i² ≍ ρ^(2d) near
0, so λ(I) = (w1 + w2)/d with m = 1, and K = Σ g_i² has λ(K) = (w1 + w2)/(2d) (λ(I) is the
threshold of |I| = (Σ g_i²)^(1/2), the convention of :func:`resolution.resolve`).

*Proof.* F = Σ f_i² is weighted homogeneous of degree 2d and positive on the compact weighted
sphere {ρ = 1}, so F ≥ c·ρ^(2d); each g_i − f_i has only terms of degree > d, so
|g_i − f_i| ≤ C·ρ^(d+1) near 0; hence c'·ρ^(2d) ≤ Σ g_i² ≤ C'·ρ^(2d).  In weighted polar
coordinates u = (r^w1·σ1, r^w2·σ2), σ on the weighted sphere, du = r^(w1+w2−1)·dr·(a positive
density in σ), so ∫ ρ^(2dz) du near 0 has its largest pole at z = −(w1 + w2)/(2d), simple; and K, K'
with c·K ≤ K' ≤ C·K have the same (λ, m) (Watanabe 2009, ch. 2 and 6).  This is the weighted
homogeneous case of Varchenko's non-degeneracy theorem (Varchenko 1976; Arnold, Gusein-Zade &
Varchenko, *Singularities of Differentiable Maps* II, 1988, ch. 6-8), with the real zero set in
place of the complex one.

So only the g_i modulo terms of weighted degree > d matter: generators may be given truncated
there (the certified truncation that makes large ideals cheap), and a generator whose terms all
have degree > d contributes nothing.  The zero test is exact: every real point other than 0 is
λ^w·p with λ > 0 and p = (±1, s) or (0, ±1), so the forms have a common real zero iff the gcd of
the f_i(1, s), or that of the f_i(−1, s), has a real root (Sturm sequences), or every f_i vanishes
at (0, 1), or every f_i at (0, −1).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Sequence

import flint
import sympy

from .chart import LocalThreshold
from .errors import BadArgument

__all__ = ["weighted_initial_threshold"]


def _positive_int(argument: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise BadArgument(argument, value, "must be a positive integer")
    return value


#: The coefficient types taken (exact rationals; a float or a complex number is an error).
_EXACT = (int, Fraction, sympy.Rational, flint.fmpz, flint.fmpq)


def _rational(c: object) -> flint.fmpq:
    if isinstance(c, Fraction):
        return flint.fmpq(c.numerator, c.denominator)
    if isinstance(c, sympy.Rational):
        return flint.fmpq(int(c.p), int(c.q))
    return flint.fmpq(c)


def _restriction(form: Mapping[tuple[int, int], object], sign: int) -> flint.fmpq_poly:
    """f(sign, s) as a polynomial in s (for a weighted homogeneous f, one term per power of s)."""
    coefficients = [flint.fmpq(0)] * (max(b for _, b in form) + 1)
    for (a, b), c in form.items():
        coefficients[b] = _rational(c) * sign**a
    return flint.fmpq_poly(coefficients)


def _has_real_root(p: flint.fmpq_poly) -> bool:
    if p.degree() <= 0:
        return False
    s = sympy.Symbol("s")
    return sympy.Poly([int(c) for c in reversed(p.numer().coeffs())], s).count_roots() > 0


def weighted_initial_threshold(
    generators: Sequence[Mapping[tuple[int, int], object]],
    weights: Sequence[int],
    degree: int,
) -> LocalThreshold | None:
    """λ(I) and m of a plane ideal near the origin, with the measure du (a prior positive at 0), from its
    weighted initial forms (see the module docstring).

    Parameters
    ----------
    generators : sequence of mappings {(a, b): rational}
        The generators of I in two variables (u1^a·u2^b), or their truncations modulo terms of
        weighted degree > ``degree``: higher terms do not change the answer.  Every term must
        have weighted degree ≥ ``degree``.
    weights : (int, int)
        Positive integer weights (w1, w2).
    degree : int
        d, a positive integer.

    Returns
    -------
    LocalThreshold or None
        λ(I) = (w1 + w2)/d and m = 1 if the degree-d parts have no common real zero other than
        the origin; None when they have one (this route then decides nothing) or all vanish.

    Raises
    ------
    BadArgument
        Weights or degree not positive integers, an exponent not a pair of non-negative
        integers, a coefficient that is not an exact rational (a float, a complex number), or a
        term of weighted degree below ``degree``.

    Examples
    --------
    >>> weighted_initial_threshold([{(2, 0): 1, (0, 4): 1}], (2, 1), 4).value   # x² + y⁴: 1/2 + 1/4
    3/4
    >>> weighted_initial_threshold([{(2, 0): 1, (0, 4): -1}], (2, 1), 4) is None  # x² − y⁴ = 0 on x = ±y²
    True
    """
    if not isinstance(weights, (tuple, list)) or len(weights) != 2:
        raise BadArgument("weights", weights, "must be two positive integers (w1, w2)")
    w1, w2 = (_positive_int("weights", w) for w in weights)
    degree = _positive_int("degree", degree)
    forms = []  # the non-zero degree-d parts, coefficients converted only where the zero test reads them
    for g in generators:
        if not isinstance(g, Mapping):
            raise BadArgument("generators", g, "each generator must be a mapping {(a, b): rational} of its terms "
                              "u1^a·u2^b, e.g. {(2, 0): 1, (0, 4): 1} for u1² + u2⁴")
        form = {}
        for exponent, coefficient in g.items():
            if isinstance(coefficient, bool) or not isinstance(coefficient, _EXACT):
                raise BadArgument("generators", coefficient, "coefficients must be exact rationals (int, Fraction, "
                                  "sympy.Rational, flint.fmpq), e.g. sympy.Rational('0.1') for 0.1")
            if not isinstance(exponent, tuple) or len(exponent) != 2 or not all(
                    isinstance(e, int) and not isinstance(e, bool) and e >= 0 for e in exponent):
                raise BadArgument("generators", exponent, "exponents must be pairs of non-negative integers")
            order = w1 * exponent[0] + w2 * exponent[1]
            if order <= degree and coefficient != 0:
                if order < degree:
                    raise BadArgument("generators", exponent, f"a term of weighted degree {order} < degree = {degree}")
                form[exponent] = coefficient
        if form:
            forms.append(form)
    if not forms:
        return None
    for sign in (1, -1):  # points (sign, s)
        common = None
        for form in forms:
            p = _restriction(form, sign)
            common = p if common is None else common.gcd(p)
            if common.degree() == 0:
                break
        if _has_real_root(common):
            return None
    top = degree // w2 if degree % w2 == 0 else None  # points (0, ±1): only the term u2^(d/w2) is seen
    if top is None or all(_rational(form.get((0, top), 0)) == 0 for form in forms):
        return None
    value = sympy.Rational(w1 + w2, degree)
    return LocalThreshold(
        value,
        1,
        "weighted initial forms",
        f"the {len(forms)} non-zero initial forms of weighted degree {degree} (weights {w1}, {w2}) have no "
        f"common real zero off the origin: λ(I) = ({w1}+{w2})/{degree} = {value}, m = 1",
    )
