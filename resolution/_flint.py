"""Fast exact polynomial arithmetic over Q through python-flint (internal).

The resolver keeps its polynomials in sympy's sparse rings (``PolyElement``), whose domain may be
an algebraic field Q(α).  Over Q, the operations that dominate large inputs (factoring,
translations u_i → u_i + c and other substitutions, univariate gcds) are handed to FLINT's
``fmpq_mpoly``/``fmpq_poly`` (W. Hart et al., FLINT: Fast Library for Number Theory; python-flint
bindings), and the results come back as sparse sympy polynomials.  Over Q(α) sympy's own
routines are used.  Both are exact; FLINT is only faster.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import flint
from sympy import QQ
from sympy.polys.rings import PolyElement


@lru_cache(maxsize=64)
def _context(ngens: int) -> flint.fmpq_mpoly_ctx:
    return flint.fmpq_mpoly_ctx.get(tuple(f"u{i}" for i in range(ngens)), "lex")


def _to_flint(p: PolyElement) -> flint.fmpq_mpoly:
    return _context(p.ring.ngens).from_dict({m: flint.fmpq(int(c.numerator), int(c.denominator))
                                             for m, c in p.iterterms()})


def _from_flint(q: flint.fmpq_mpoly, ring) -> PolyElement:
    return ring.zero.new({tuple(int(k) for k in m): QQ(int(c.p), int(c.q)) for m, c in q.to_dict().items()})


def over_q(p: PolyElement) -> bool:
    """Whether ``p`` lives over Q (so FLINT applies)."""
    return p.ring.domain == QQ


def factors(p: PolyElement) -> list[PolyElement]:
    """The distinct irreducible factors of ``p`` (constants dropped)."""
    if not over_q(p):
        return [f for f, _ in p.factor_list()[1]]
    _, found = _to_flint(p).factor()
    return [_from_flint(f, p.ring) for f, _ in found]


def substitute(p: PolyElement, index: int, new: PolyElement) -> PolyElement:
    """p with u_index replaced by the polynomial ``new`` (same ring)."""
    if not over_q(p):
        return p.compose(p.ring.gens[index], new)
    ctx = _context(p.ring.ngens)
    args = [_to_flint(new) if i == index else g for i, g in enumerate(ctx.gens())]
    return _from_flint(_to_flint(p).compose(*args, ctx=ctx), p.ring)


def translate(p: PolyElement, shifts: dict[int, object]) -> PolyElement:
    """p(u + c) for the given shifts {index: c}."""
    if not over_q(p):
        gens = p.ring.gens
        for i, c in shifts.items():
            p = p.compose(gens[i], gens[i] + c)
        return p
    ctx = _context(p.ring.ngens)
    args = [g + flint.fmpq(int(shifts[i].numerator), int(shifts[i].denominator)) if i in shifts else g
            for i, g in enumerate(ctx.gens())]
    return _from_flint(_to_flint(p).compose(*args, ctx=ctx), p.ring)


def gcd_all(polys: Sequence[PolyElement]) -> PolyElement:
    """The gcd of non-zero univariate polynomials (monic over Q)."""
    if not all(over_q(p) for p in polys):
        result = polys[0]
        for p in polys[1:]:
            result = result.gcd(p)
        return result
    ring = polys[0].ring
    result = None
    for p in polys:
        coefficients = [flint.fmpq(0)] * (p.degree() + 1)
        for (k,), c in p.iterterms():
            coefficients[k] = flint.fmpq(int(c.numerator), int(c.denominator))
        q = flint.fmpq_poly(coefficients)
        result = q if result is None else result.gcd(q)
        if result.degree() == 0:
            break
    return ring.zero.new({(k,): QQ(int(c.p), int(c.q)) for k, c in enumerate(result.coeffs()) if c != 0})
