"""The monomial route: f = c·w^k·(unit) with a prior w^h (normal crossing), and Morse points, which are monomial
after a linear change of coordinates.

λ = min_j (h_j + 1)/k_j, m = #{j attaining it} (Lin 2011, Prop. 3.7; Watanabe 2009, Ch. 2;
docs/conventions.md#normal-crossing).  At a Morse point (order 2, non-degenerate quadratic part, positive prior)
the Morse lemma gives analytic coordinates in which f is a signed sum of squares (:mod:`resolution.morse`).
"""

from __future__ import annotations

from typing import Sequence

import sympy

from resolution import Germ, format_monomial
from resolution.morse import morse_threshold, quadratic_part_matrix

from ..result import RLCT

__all__ = ["morse", "normal_crossing"]


def normal_crossing(g: Germ, h: Sequence[int]) -> RLCT | None:
    """f = c·w^k·(unit) when the componentwise minimum k of the support is itself a term; None otherwise.

    Examples
    --------
    >>> from resolution import germ
    >>> normal_crossing(germ("x^2*y^4"), (0, 0))
    RLCT(value=1/4, multiplicity=1, method='monomial', certified=True)
    """
    support = g.support
    k = tuple(min(e[j] for e in support) for j in range(g.dimension))
    if k not in g.coefficients:
        return None
    ratios = {j: sympy.Rational(h[j] + 1, k[j]) for j in range(g.dimension) if k[j] > 0}
    value = min(ratios.values())
    attained = [j for j, r in ratios.items() if r == value]
    names = g.variables
    unit = "" if len(support) == 1 else " times a unit (the cofactor has a non-zero constant term)"
    formula = ", ".join(f"({h[j]}+1)/{k[j]}" for j in ratios)
    scale = "" if g.coefficients[k] == 1 else f"{g.coefficients[k]}*"
    certificate = (
        f"f = {scale}{format_monomial(k, names)}{unit}; prior monomial {format_monomial(h, names)}.\n"
        f"Normal crossing: λ = min_j (h_j+1)/k_j = min({formula}) = {value}, attained by "
        f"{', '.join(names[j] for j in attained)}, so m = {len(attained)} (Lin 2011, Prop. 3.7)."
    )
    return RLCT.exact(value, len(attained), "monomial", certificate)


def morse(g: Germ, h: Sequence[int]) -> RLCT | None:
    """f of order 2 with a non-degenerate quadratic part and a positive prior (:mod:`resolution.morse`); else None.

    Examples
    --------
    >>> from resolution import germ
    >>> morse(germ("x*y + z^2"), (0, 0, 0))
    RLCT(value=1, multiplicity=1, method='Morse point', certified=True)
    """
    if any(h) or g.order != 2:
        return None
    found = morse_threshold(quadratic_part_matrix(g.terms, g.dimension))
    if found is None:
        return None
    value, multiplicity, kind, text = found
    return RLCT.exact(value, multiplicity, kind, f"f has order 2 at the point: {text.replace('λ(I)', 'λ')}.")
