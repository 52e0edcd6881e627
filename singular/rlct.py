"""Exact real log canonical thresholds (learning coefficients): :func:`rlct`, the dispatcher.

``rlct(f)`` is the RLCT of |f| at a point (docs/conventions.md#sign-changing-functions): the largest pole −λ of
ζ(z) = ∫_U |f(w)|^z φ(w) dw over a small neighbourhood U, with its order m.  For a sign-changing f this equals
2·rlct(f²), and for K >= 0 it is the RLCT of K itself.

This module parses the input, unfolds sign constraints, and hands the problem, localized once at the point
(:func:`singular.pipeline.localize`), to the pipeline (:func:`singular.pipeline.solve`): reductions
(:mod:`singular.reductions`) and certifying routes (:mod:`singular.routes`: monomial, Newton, resolution,
analytic truncation), each saying why its answer is certain.  When no route proves the answer, the result is
uncertified with valid bounds (:class:`~singular.result.RLCT`).
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping, Sequence

import sympy

from resolution import BadArgument, Budget, Germ, ParseError, WallClockExceeded, parse_expression, wall_clock

from .analytic import rational_polynomial
from .errors import UnknownMethod
from .pipeline import germ_problem, local_prior, localize, solve
from .reductions import unfold_germ, unfold_orthant
from .result import RLCT

__all__ = ["RLCT", "Budget", "rlct"]

#: The values of ``rlct(method=...)``; the routes a result names are :data:`singular.result.METHODS`.
CHOICES = ("auto", "monomial", "newton", "resolution")


def rlct(
    f: str | sympy.Expr | Germ | Sequence[str | sympy.Expr],
    *,
    variables: Iterable[str] | str | None = None,
    prior: str | sympy.Expr | None = None,
    at: Mapping[str, object] | str | None = None,
    nonneg: Iterable[str] | str = (),
    method: str = "auto",
    budget: Budget | None = None,
    max_depth: int | None = None,
    max_charts: int | None = None,
    max_terms: int | None = None,
    seconds: float | None = None,
    max_order: int = 8,
) -> RLCT:
    """The real log canonical threshold of |f| at a point, with its multiplicity.

    Parameters
    ----------
    f : str or sympy.Expr or resolution.Germ, or a list of them
        A function vanishing at the point (``^`` means power in text): a
        polynomial with rational coefficients, or an analytic expression
        (exp, log, tanh, rational functions, ...) expanded exactly to a
        certified order (:mod:`singular.analytic`).  A list ``[g_1, …, g_k]``
        means the ideal: the result is λ(g_1² + … + g_k²), the learning
        coefficient of a model with K ≍ Σ g_i².
    variables : names, optional
        The coordinates (default: the sorted free symbols of f).  Variables
        absent from f count as free directions.
    prior : str or sympy.Expr, optional
        A positive constant (default) or c·w^h with c > 0.  At a point w0,
        factors w_j^h_j with w0_j != 0 are units and drop out.
    at : mapping or str, optional
        The point w0 (rational coordinates, e.g. ``"x=1,y=0"``); default 0.
    nonneg : names, optional
        Variables constrained to w_j >= 0 (the integral runs over that half-space).
    method : {"auto", "monomial", "newton", "resolution"}
        ``auto`` tries normal crossing, a Morse point, Newton, the quasi-homogeneous
        route (:mod:`singular.quasihomogeneous`), hyperplane arrangements
        (:mod:`singular.arrangement`), perfect powers, then resolution of
        singularities; ``resolution`` forces the resolver.
    budget : singular.Budget, optional
        The limits of every route (:class:`resolution.Budget`, default ``Budget()``): depth and charts of a
        resolution tree and polynomial terms built, all deterministic, so the same input and budget give
        the same answer on any machine, however loaded; over budget, the result is uncertified with the
        best bounds found.  Its ``seconds`` is a wall-clock cut-off from the start (parsing included),
        default none: it only stops a run, and the result is then uncertified (``method="stopped"``, bounds
        unknown) and says that the clock, not a budget, stopped it.
    max_depth, max_charts, max_terms, seconds : optional
        Shorthand for ``budget=Budget(max_depth=..., ...)``: the fields given replace the defaults (not
        together with ``budget``).
    max_order : int
        For analytic input, the largest Taylor order tried.

    Returns
    -------
    RLCT
        Certified with λ and m, or uncertified with valid bounds and the reason.

    Raises
    ------
    resolution.errors.GermError
        Unparsable text, unknown function, float coefficient, non-polynomial,
        unknown variable; :class:`~resolution.errors.ZeroGerm` for f = 0.
    NotVanishing
        f(w0) != 0.
    NotMonomialPrior, UnknownMethod
    resolution.errors.BadArgument
        A budget field that is not a non-negative integer (or positive seconds), or ``budget`` together with
        one of its fields.

    Examples
    --------
    >>> rlct("x**2*y**4")
    RLCT(value=1/4, multiplicity=1, method='monomial', certified=True)
    >>> rlct("x^6 + x^2*y^2 + y^8")
    RLCT(value=1/2, multiplicity=2, method='newton', certified=True)
    >>> rlct("(x + y)^2 + x^3")          # Newton-degenerate: u = x + y gives u² + x³, λ = 1/2 + 1/3
    RLCT(value=5/6, multiplicity=1, method='resolution', certified=True)
    >>> rlct("(x + y)^2", method="newton")
    RLCT(value=None, bounds=(1/2, 1), method='newton', certified=False)
    >>> rlct("x*y + z^2")                # a Morse point (Morse lemma)
    RLCT(value=1, multiplicity=1, method='Morse point', certified=True)
    >>> rlct("x*y*z*(x + y + z)*(x - y + 2*z)")   # a central arrangement: min codim X / #{H ⊇ X}
    RLCT(value=3/5, multiplicity=1, method='hyperplane arrangement', certified=True)
    >>> rlct("x - y^2", nonneg="x")      # sign constraints: unfolded by x = s² (s² − y² = (s − y)(s + y))
    RLCT(value=1, multiplicity=1, method='hyperplane arrangement', certified=True)
    >>> rlct("w1**2*w2**6", prior="w1")
    RLCT(value=1/6, multiplicity=1, method='monomial', certified=True)
    >>> rlct("x^2 - y^3")   # |x^2 - y^3|: its face vanishes on the torus, but smoothly
    RLCT(value=5/6, multiplicity=1, method='newton', certified=True)
    >>> rlct("(x^2 - y^3)^2")
    RLCT(value=5/12, multiplicity=1, method='newton', certified=True)
    >>> rlct("-log(2*w)/2 - log(2*(1-w))/2", at="w=1/2")   # analytic: a certified Taylor order
    RLCT(value=1/2, multiplicity=1, method='monomial', certified=True)
    >>> rlct(["a*b", "a*b^3"])                             # the ideal ⟨ab, ab³⟩: K ≍ (ab)² + (ab³)²
    RLCT(value=1/2, multiplicity=2, method='monomial', certified=True)
    >>> rlct("y^4 - 2*x^2*y^2 + x^4 - x^5", budget=Budget(max_charts=3))   # over budget: bounds, never a guess
    RLCT(value=None, bounds=(1/4, 1/2), method='resolution', certified=False)

    Notes
    -----
    With the default positive prior and K >= 0, λ is the learning
    coefficient of a model with Kullback-Leibler divergence K (docs/conventions.md#the-learning-coefficient).
    For an ideal ⟨g_1, …, g_k⟩ pass K = g_1² + … + g_k²; Lin (2011) would
    call 2·λ the RLCT of the ideal.
    """
    if method not in CHOICES:
        raise UnknownMethod(method, CHOICES)
    budget = budget_of(budget, max_depth=max_depth, max_charts=max_charts, max_terms=max_terms, seconds=seconds)
    return within(budget, lambda: _rlct(f, variables, prior, at, nonneg, method, budget, max_order))


def budget_of(
    budget: Budget | None,
    *,
    max_depth: object = None,
    max_charts: object = None,
    max_terms: object = None,
    seconds: object = None,
) -> Budget:
    """``budget``, or a :class:`~resolution.Budget` from the limits given (the others at their defaults);
    :class:`~resolution.BadArgument` when both are given, or ``budget`` is not a Budget."""
    fields = dict(max_depth=max_depth, max_charts=max_charts, max_terms=max_terms, seconds=seconds)
    given = {name: value for name, value in fields.items() if value is not None}
    if budget is None:
        return Budget(**given)
    if not isinstance(budget, Budget):
        raise BadArgument("budget", budget, "must be a singular.Budget (resolution.Budget)")
    if given:
        raise BadArgument("budget", budget, f"give the limits in budget= or as {', '.join(given)}=, not both")
    return budget


def within(budget: Budget, compute: Callable[[], RLCT]) -> RLCT:
    """``compute()`` under the budget's wall-clock cut-off: an uncertified result saying so when it runs out."""
    try:
        with wall_clock(budget.seconds):
            return compute()
    except WallClockExceeded as exc:
        return RLCT.stopped(f"Not certified: {exc}.")


def _rlct(f, variables, prior, at, nonneg, method: str, budget: Budget, max_order: int) -> RLCT:
    """:func:`rlct` after its budget is set: parse, unfold sign constraints, localize once, solve."""
    if isinstance(f, Germ):
        if variables is not None or at is not None or nonneg:
            raise BadArgument("f", f, "variables, at and nonneg are fixed by a Germ: build the germ with them, or "
                                      "pass the expression")
        g, h, note = unfold_germ(f, local_prior(prior, f))
        problem = germ_problem(g, h, f, nonnegative=False, expr=None)
        return solve(problem, method, budget, max_order).with_note(note)
    ideal = isinstance(f, (list, tuple))
    if ideal and not f:
        raise ParseError("[]", "an ideal needs at least one generator")
    exprs = [parse_expression(q) for q in (f if ideal else [f])]
    exprs, variables, prior, note = unfold_orthant(exprs, variables, prior, at, nonneg)
    # constants that simplify to rationals (cos(1)² + sin(1)² − 1) make no germ analytic: same polynomial, exactly
    exprs = [rational_polynomial(e, list(e.free_symbols)) or e for e in exprs]
    problem = localize(exprs, variables, prior, at, ideal=ideal)
    return solve(problem, method, budget, max_order).with_note(note)
