"""The quasi-homogeneous route: f(t^w·x) = t·f(x) with weights w > 0, by weighted polar coordinates.

Write x = r^w·θ with r > 0 and θ on the weighted sphere S = {ρ(θ) = 1}, where ρ = Σ x_i^(N/w_i)
for an integer N making every N/w_i even, so that ρ(t^w·x) = t^N·ρ(x); then
dx = r^(Σw − 1)·dr·dμ(θ) with μ a smooth positive measure on S, f(x) = r·f(θ), and for a prior
|x^h| = r^(w·h)·|θ^h|:

    ∫_{r<ε} |f|^z |x^h| dx = ε^(z + Σ w_i(h_i + 1)) / (z + Σ w_i(h_i + 1)) · ∫_S |f(θ)|^z |θ^h| dμ(θ).

* **No real zero off the origin** (on the orthant, for coordinates constrained to be >= 0): f is
  bounded away from 0 on the compact S, the second factor is analytic and positive, and the only
  pole is −Σ w_i(h_i + 1), simple: λ = Σ w_i(h_i + 1), m = 1.
* **Real zeros, but none of ∇f** (an isolated critical point; positive prior, no constraints): by
  Euler's identity Σ w_i x_i ∂_i f = f, a point of S where f = 0 and ∇f is normal to S would make
  ∇f = 0, so the zero set of f on S is smooth and the second factor has its first pole at −1, simple,
  with a positive coefficient.  Hence λ = min(Σ w_i, 1), and m = 2 when Σ w_i = 1, else m = 1.

These are the weighted-blow-up computations of Arnold, Gusein-Zade & Varchenko (1988),
*Singularities of differentiable maps* vol. II, Ch. 6-8 (oscillation index of a quasi-homogeneous
singularity) and Watanabe (2009), §2.4 (polar coordinates for the regular case); the proof above is
the whole argument.  Whether f vanishes off the origin is decided exactly: f has a real zero off 0
iff, for some non-empty set S of coordinates, f restricted to {x_j = 0, j ∉ S} vanishes on the torus
of S (:func:`resolution.torus_zero_free` on each of the 2^d − 1 restrictions).  An isolated critical
point is proved when the gradient ideal contains a power of every variable (a Gröbner basis over Q;
then ∇f has no zero but 0 even over C).
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Sequence

import sympy

from resolution import Germ, torus_zero_free
from resolution._exact import row_echelon

__all__ = ["quasi_homogeneous_weights", "quasi_homogeneous_rlct"]

#: 2^d − 1 coordinate subspaces are tested; Gröbner bases of the gradient only in few variables.
MAX_SUBSPACE_DIM = 6
MAX_GROEBNER_DIM = 4
MAX_GROEBNER_TERMS = 30


def quasi_homogeneous_weights(support: Sequence[tuple[int, ...]], d: int) -> tuple[sympy.Rational, ...] | None:
    """The unique w with w·α = 1 for every exponent α, if it exists and is positive; else None.

    Examples
    --------
    >>> quasi_homogeneous_weights([(2, 0, 0), (1, 2, 0), (0, 4, 0), (0, 0, 4)], 3)
    (1/2, 1/4, 1/4)
    >>> quasi_homogeneous_weights([(2, 0), (0, 3), (1, 1)], 2) is None
    True
    """
    echelon, pivots = row_echelon([list(a) + [1] for a in support])
    if len(pivots) != d or d in pivots:
        return None
    weights = [Fraction(0)] * d
    for row, p in zip(echelon, pivots):
        weights[p] = row[d]
    if any(w <= 0 for w in weights):
        return None
    return tuple(sympy.Rational(w.numerator, w.denominator) for w in weights)


def _zero_free_off_origin(g: Germ) -> tuple[bool | None, str]:
    """Whether f has no real zero but the origin (on the constrained orthant), with the reason."""
    d = g.dimension
    mask = g.nonneg_mask
    reasons = []
    for size in range(1, d + 1):
        for subset in itertools.combinations(range(d), size):
            terms = [(e, c) for e, c in g.terms if all(e[j] == 0 for j in range(d) if j not in subset)]
            names = ", ".join(g.variables[j] for j in subset)
            if not terms:
                return False, f"f vanishes identically on the coordinate subspace of {names}"
            decision = torus_zero_free(terms, g.variables, nonneg=mask)
            if decision.zero_free is None:
                return None, f"undecided on the torus of {names}: {decision.reason}"
            if decision.zero_free is False:
                return False, f"f has a real zero on the torus of {names}: {decision.reason}"
            reasons.append(f"{names}: {decision.reason}")
    return True, "; ".join(reasons)


def _isolated_critical_point(g: Germ) -> bool:
    """The gradient ideal contains a power of every variable (Gröbner basis over Q)."""
    if g.dimension > MAX_GROEBNER_DIM or len(g.terms) > MAX_GROEBNER_TERMS:
        return False
    symbols = g.symbols()
    f = g.as_expr()
    gradient = [sympy.diff(f, s) for s in symbols]
    basis = sympy.groebner(gradient, *symbols, order="grevlex", domain=sympy.QQ)
    if not basis.is_zero_dimensional:
        return False
    bound = 1
    for p in gradient:
        bound *= max(sympy.Poly(p, *symbols).total_degree(), 1)
    return all(basis.reduce(s**bound)[1] == 0 for s in symbols)


def quasi_homogeneous_rlct(g: Germ, h: Sequence[int]) -> tuple[sympy.Rational, int, str] | None:
    """(λ, m, certificate) of |f| for a quasi-homogeneous germ (module docstring), or None.

    Examples
    --------
    >>> from resolution import germ
    >>> quasi_homogeneous_rlct(germ("x^2 + x*y^2 + y^4 + z^4"), (0, 0, 0))[:2]
    (1, 1)
    >>> quasi_homogeneous_rlct(germ("x^2 + x*y^2 + y^4 - z^4"), (0, 0, 0))[:2]
    (1, 2)
    """
    d = g.dimension
    weights = quasi_homogeneous_weights(g.support, d)
    if weights is None or d > MAX_SUBSPACE_DIM:
        return None
    names = g.variables
    shown = ", ".join(f"{n}: {w}" for n, w in zip(names, weights))
    head = f"f is quasi-homogeneous: f(t^w·x) = t·f(x) with weights ({shown}) (exact linear solve)."
    zero_free, reason = _zero_free_off_origin(g)
    if zero_free:
        value = sum((w * (k + 1) for w, k in zip(weights, h)), sympy.Integer(0))
        text = (
            f"{head}\nf has no real zero off the origin{' on the orthant' if g.nonneg else ''}, checked on every "
            f"coordinate subspace's torus ({reason}).\nWeighted polar coordinates: λ = Σ w_i(h_i + 1) = {value}, "
            "m = 1 (singular.quasihomogeneous; Arnold, Gusein-Zade & Varchenko 1988 vol. II Ch. 6-8)."
        )
        return value, 1, text
    if zero_free is False and not any(h) and not g.nonneg and _isolated_critical_point(g):
        total = sum(weights, sympy.Integer(0))
        value = min(total, sympy.Integer(1))
        multiplicity = 2 if total == 1 else 1
        text = (
            f"{head}\n{reason[0].upper()}{reason[1:]}; its gradient ideal contains a power of every variable "
            "(Gröbner basis over Q), so 0 is its only critical point and its zero set on the weighted sphere is "
            f"smooth.\nWeighted polar coordinates: poles −Σw = −{total} and −1: λ = min(Σ w_i, 1) = {value}, "
            f"m = {multiplicity} (singular.quasihomogeneous; Arnold, Gusein-Zade & Varchenko 1988 vol. II Ch. 6-8)."
        )
        return value, multiplicity, text
    return None
