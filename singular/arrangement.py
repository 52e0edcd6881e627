"""Products of linear forms: the threshold of a central hyperplane arrangement, from its flats.

If f = unit · ∏_i ℓ_i^(e_i) with ℓ_i linear forms over Q through the origin, and the prior is
|w^h|, let the arrangement be the hyperplanes H_i = {ℓ_i = 0} together with the coordinate
hyperplanes {w_j = 0} with h_j > 0.  A flat X is an intersection of some of them; write
N_X = Σ_{H_i ⊇ X} e_i and P_X = Σ_{j: {w_j = 0} ⊇ X} h_j.  Then

    λ = min over flats X with N_X > 0 of (codim X + P_X) / N_X,
    m = the largest number of flats X_1 ⊋ X_2 ⊋ … ⊋ X_k that all attain the minimum.

For the complex log canonical threshold of a reduced arrangement with a positive prior this is
Mustață (2006), "Multiplier ideals of hyperplane arrangements", *Trans. AMS* 358:5015-5023,
Cor. 0.3 (the minimum is over all flats or, equivalently, the dense ones).  **Why it holds for the
real threshold.**  The wonderful model of De Concini & Procesi (1995), "Wonderful models of
subspace arrangements", *Selecta Math.* 1:459-494, for the building set of all flats blows up the
flats (their strict transforms) in order of increasing dimension.  Every centre is a linear space
defined over Q, so the result is a log resolution π defined over R: the exceptional divisor E_X
over the flat X has discrepancy codim X − 1 (a blow-up of a smooth centre of codimension c adds
c − 1 to the Jacobian's order), π*f vanishes on it to order N_X and π*w^h to order P_X, and the
strict transforms of the hyperplanes are the E_X of the codimension-one flats.  Divisors
E_(X_1), …, E_(X_k) meet exactly when {X_i} is nested, which for this building set means a chain,
and their intersection is a product of real wonderful models, so it has real points over every
point of X_k near 0.  In a chart around such a point the real integrand is
∏ |u_i|^(N_i z + codim X_i + P_i − 1) times a positive unit, so the real zeta function has the
pole −(codim X + P_X)/N_X for every flat, its order the number of divisors through the point that
attain it (Watanabe 2009, Thm 2.3; docs/conventions.md#blow-ups): the formula above, over R.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from typing import Sequence

import sympy

from resolution import Germ
from resolution._exact import rank

__all__ = ["arrangement_rlct", "linear_factors"]

MAX_DIM = 8
MAX_HYPERPLANES = 14
MAX_TERMS = 400
#: f is factored only up to this total degree (a product of at most this many linear forms, times a unit).
MAX_DEGREE = 40


def linear_factors(g: Germ) -> list[tuple[tuple[Fraction, ...], int]] | None:
    """f = unit·∏ ℓ_i^(e_i) over Q with ℓ_i linear forms: [(normal of ℓ_i, e_i)], else None.

    Examples
    --------
    >>> from resolution import germ
    >>> [(tuple(map(str, a)), e) for a, e in linear_factors(germ("x*y^2*(x + y)*(1 + x)"))]
    [(('0', '1'), 2), (('1', '0'), 1), (('1', '1'), 1)]
    """
    if len(g.terms) > MAX_TERMS or g.dimension > MAX_DIM or max(sum(e) for e in g.support) > MAX_DEGREE:
        return None
    symbols = g.symbols()
    _, factors = sympy.Poly(g.as_expr(), *symbols, domain=sympy.QQ).factor_list()
    found = []
    for factor, e in factors:
        terms = factor.terms()
        if any(sum(m) == 0 for m, _ in terms):
            continue  # a unit near 0
        if any(sum(m) != 1 for m, _ in terms):
            return None
        normal = [Fraction(0)] * g.dimension
        for m, c in terms:
            normal[m.index(1)] = Fraction(int(c.p), int(c.q))
        found.append((tuple(normal), e))
    return sorted(found) or None


def arrangement_rlct(g: Germ, h: Sequence[int]) -> tuple[sympy.Rational, int, str] | None:
    """(λ, m, certificate) of |f| when f is a unit times a product of linear forms (module docstring).

    Examples
    --------
    >>> from resolution import germ
    >>> arrangement_rlct(germ("x*y*z*(x + y + z)*(x - y + 2*z)"), (0, 0, 0))[:2]
    (3/5, 1)
    >>> arrangement_rlct(germ("x*y*(x + y)"), (0, 0))[:2]
    (2/3, 1)
    """
    factors = linear_factors(g)
    if factors is None:
        return None
    d = g.dimension
    weights = {normal: [e, 0] for normal, e in factors}
    for j, k in enumerate(h):
        if k:
            unit = tuple(Fraction(int(i == j)) for i in range(d))
            weights.setdefault(unit, [0, 0])[1] = k
    normals = sorted(weights)
    if len(normals) > MAX_HYPERPLANES:
        return None

    @lru_cache(maxsize=None)
    def closure(subset: frozenset[int]) -> frozenset[int]:
        r = rank([normals[i] for i in subset])
        return frozenset(j for j in range(len(normals)) if rank([normals[i] for i in subset | {j}]) == r)

    flats = {closure(frozenset({i})) for i in range(len(normals))}
    frontier = set(flats)
    while frontier:
        frontier = {closure(x | {i}) for x in frontier for i in range(len(normals))} - flats
        flats |= frontier
    ratio = {}
    for x in flats:
        n = sum(weights[normals[i]][0] for i in x)
        if n:
            codim = rank([normals[i] for i in x])
            ratio[x] = sympy.Rational(codim + sum(weights[normals[i]][1] for i in x), n)
    value = min(ratio.values())
    best = sorted((x for x, r in ratio.items() if r == value), key=len)
    chain = {}
    for x in best:
        chain[x] = 1 + max((chain[y] for y in chain if y < x), default=0)
    multiplicity = max(chain.values())
    symbols = g.symbols()
    forms = " · ".join(
        f"({sympy.Add(*(sympy.Rational(c.numerator, c.denominator) * v for c, v in zip(normal, symbols)))})"
        + (f"^{weights[normal][0]}" if weights[normal][0] > 1 else "")
        for normal in normals if weights[normal][0]
    )
    text = (
        f"f = unit · {forms}: a central arrangement of {len(normals)} hyperplanes (with the prior's coordinate "
        f"hyperplanes), {len(flats)} flats.\nλ = min over flats X of (codim X + P_X)/N_X = {value}, m = the longest "
        f"chain of flats attaining it = {multiplicity} (Mustață 2006 Cor. 0.3, over R through the wonderful model "
        "of De Concini & Procesi 1995, defined over Q: singular.arrangement)."
    )
    return value, multiplicity, text
