"""The values that travel through the :func:`singular.rlct` pipeline: a localized problem, and a reduction.

Every problem is *local*: its functions are in coordinates u = w − w0 centred at the point and vanish there, and
its prior exponents are those that survive at the point (:func:`singular.pipeline.localize` is the one place that
translates).  A reduction turns a problem into a smaller one plus the function that lifts the smaller answer
back; the driver (:func:`singular.pipeline.solve`) solves the smaller problem and applies the lift, so no
reduction or route calls the pipeline itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Union

import sympy

from resolution import Germ

from .result import RLCT

__all__ = ["GermProblem", "Local", "Outcome", "Reduction"]


@dataclass(frozen=True)
class Local:
    """Functions of local coordinates at the point: λ(|f|) for one function, λ(Σ g_i²) for an ideal.

    Attributes
    ----------
    exprs : tuple of sympy.Expr
        The function, or the ideal's generators, vanishing at 0 (polynomial or analytic).
    names : tuple of str
        The coordinates (named like the variables they are centred from).
    h : tuple of int
        The prior's exponents at the point (factors that are units there removed).
    ideal : bool
        Whether ``exprs`` generate an ideal (K ≍ Σ g_i²) rather than being one function f.
    where : str
        The point, as text for certificates and errors.
    """

    exprs: tuple[sympy.Expr, ...]
    names: tuple[str, ...]
    h: tuple[int, ...]
    ideal: bool
    where: str


@dataclass(frozen=True)
class GermProblem:
    """λ(|f|) for one polynomial germ, exactly expanded (:class:`resolution.Germ`).

    Attributes
    ----------
    germ : resolution.Germ
    h : tuple of int
        The prior's exponents at the point.
    nonnegative : bool
        f >= 0 by its form (sums and products of squares).
    expr : sympy.Expr or None
        f unexpanded, when known: its form may show |f| ≍ (Σ q_i²)^(e/2).
    resolvable : bool
        Whether the resolution route may be tried (False for a perfect power's base, which is only offered
        to the closed-form routes).
    """

    germ: Germ
    h: tuple[int, ...]
    nonnegative: bool
    expr: sympy.Expr | None
    resolvable: bool = True


@dataclass(frozen=True)
class Reduction:
    """A smaller problem, and how its answer lifts back (to a result, or to the next reduction to try)."""

    problem: Local | GermProblem
    lift: Callable[[RLCT], "Outcome"]


Outcome = Union[RLCT, Reduction]
