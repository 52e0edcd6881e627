"""The resolution route: λ(f) from a resolution tree of the ideal that f's form gives (:func:`resolution.resolve`).

|f| ≍ (Σ q_i²)^(e/2) is read off f (its unexpanded form, a perfect power, or an exact sum of squares:
:mod:`singular.reductions`); the tree's leaves are normal crossing, and λ(f) = min over leaves / e with the
multiplicity of the minimizing leaf (Watanabe 2009, Thm 2.3 and §3; docs/conventions.md#blow-ups).  Over its
:class:`~resolution.Budget` the tree stays open and the result is uncertified with the bounds it proves.
"""

from __future__ import annotations

from typing import Sequence

import sympy

from resolution import Budget, Germ, resolve

from ..reductions import gram_form, ideal_form, perfect_power
from ..result import RLCT

__all__ = ["resolution"]


def _ideal_of(expr: sympy.Expr | None, g: Germ) -> tuple[list[sympy.Expr], int, str]:
    """Generators q_i and e with |f| ≍ (Σ q_i²)^(e/2), and how they were found ("" for f itself)."""
    form = ideal_form(expr) if expr is not None else None
    if form is not None:
        return [sympy.expand(q) for q in form[0]], form[1], form[2]
    power = perfect_power(g)
    if power is not None:
        base = power[0].as_expr()
        return [base], power[1], f"f = unit·({base})^{power[1]} (square-free decomposition over Q)"
    squares = gram_form(g)
    if squares is not None:
        return squares[0], 2, squares[1]
    return [g.as_expr()], 1, ""


def resolution(
    expr: sympy.Expr | None,
    g: Germ,
    h: Sequence[int],
    budget: Budget,
    *,
    lower: sympy.Rational,
    upper: sympy.Rational,
    bound_reason: str,
) -> RLCT:
    """λ(|f|) by resolving the ideal that f's form gives (module docstring), then dividing by e.

    ``g`` is f expanded at the point (local coordinates); ``expr`` is f unexpanded in the same coordinates, or
    None.  ``lower`` and ``upper`` are bounds already proved (``bound_reason`` says why), kept when the tree does
    not finish.

    Examples
    --------
    >>> from resolution import germ
    >>> f = sympy.sympify("(x + y)**2 + x**3")
    >>> resolution(f, germ(f), (0, 0), Budget(), lower=sympy.Rational(1, 2), upper=sympy.Integer(1), bound_reason="")
    RLCT(value=5/6, multiplicity=1, method='resolution', certified=True)
    """
    names = g.variables
    generators, e, how = _ideal_of(expr, g)
    ideal = ", ".join(str(q) for q in generators)
    reduction = (
        f"{how}, so |f|^z ≍ (Σ q_i²)^(e·z/2) for the ideal ⟨{ideal}⟩ with e = {e}: λ(f) = λ(ideal)/{e}, same m.\n"
        if e != 1 or len(generators) > 1
        else ""
    )
    tree = resolve(generators, names, measure=h, budget=budget, power=e)
    best = tree.minimum()
    size = f"{tree.number_of_nodes()} chart{'s' if tree.number_of_nodes() > 1 else ''}, depth {tree.depth}"
    if tree.complete and best is not None:
        value, multiplicity, leaf = best[0] / e, best[1], best[2]
        steps = [tree.edges[a, b]["map"] for a, b in zip(tree.path(leaf), tree.path(leaf)[1:])]
        route = " -> ".join(steps) if steps else "no map (already monomial)"
        chart = tree.nodes[leaf]["chart"]
        coordinates = ", ".join(f"{n} = {c}" for n, c in zip(names, chart.coordinates))
        certificate = (
            f"{reduction}Resolution tree: {size}. Every leaf was verified normal crossing (or a monomial "
            "ideal, resolved by its toric modification) at its origin; every other point of every fibre "
            "is an origin of a chart, a bad point followed exactly, a non-real point (skipped), or a "
            "point no worse than its chart's origin.\n"
            f"Minimizing leaf: node {leaf}, reached by {route}; there {coordinates}.\n"
            f"  {tree.nodes[leaf]['reason']}.\n"
            f"λ = min over leaves = {best[0]}" + (f", divided by {e}: {value}" if e != 1 else "")
            + f"; m = {multiplicity} (Watanabe 2009, Thm 2.3 and §3; docs/conventions.md#blow-ups)."
        )
        return RLCT.exact(value, multiplicity, "resolution", certificate, tree=tree)
    reasons = sorted({d["reason"] for _, d in tree.nodes(data=True) if d["status"] == "open"})
    if best is not None:
        upper = min(upper, best[0] / e)
    text = (
        f"{reduction}Resolution not finished ({size}): {'; '.join(reasons)}.\n"
        f"{bound_reason} Upper bound {upper}: the Newton bound, and the threshold of every resolved leaf."
    )
    return RLCT.bounded(lower, upper, "resolution", text, tree=tree)
