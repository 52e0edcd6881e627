"""The :func:`singular.rlct` pipeline: localize once, then reduce and certify until a route decides.

``parse -> localize -> reduce* -> certify -> lift``.  :func:`localize` is the one place that moves a problem to
the point w0.  :func:`solve` is the only driver: a step either certifies (a route from :mod:`singular.routes`
returns an :class:`~singular.result.RLCT`) or reduces (:mod:`singular.reductions` returns a smaller problem and
its lift); the driver solves the smaller problem and applies the lift.  Nothing else calls back into the
pipeline, and one :class:`~resolution.Budget` reaches every route.

The order of the routes for one polynomial germ (``method="auto"``): normal crossing, Morse point, Newton,
quasi-homogeneous, hyperplane arrangement, a perfect power's base, a sum of squares as an ideal, and last
resolution of singularities (Watanabe 2009, Thm 2.3).  A forced ``method`` runs its route only.
"""

from __future__ import annotations

from typing import Sequence

import sympy

from resolution import Budget, BudgetExceeded, Germ, UnknownVariable, ZeroGerm, germ, parse_point

from .analytic import hyperplane_coordinate, is_polynomial, truncate, value_at_origin
from .arrangement import arrangement_rlct
from .errors import NotVanishing
from .prior import prior_exponents
from .problem import GermProblem, Local, Outcome, Reduction
from .quasihomogeneous import quasi_homogeneous_rlct
from .reductions import (
    eliminate_smooth,
    gram_form,
    ideal_form,
    names_of,
    power_reduction,
    primitive,
    reparametrization,
    squares_reduction,
)
from .result import RLCT
from .routes.analytic import analytic_morse, from_truncation
from .routes.monomial import morse, normal_crossing
from .routes.newton import closed_form, lower_bound, newton
from .routes.resolution import resolution

__all__ = ["localize", "local_prior", "solve"]


def localize(
    exprs: Sequence[sympy.Expr], variables: object, prior: object, at: object, *, ideal: bool
) -> Local:
    """The problem in local coordinates u = w − w0 (named like w), with the prior's exponents at w0.

    Raises UnknownVariable for a name of the point outside ``variables``, and NotVanishing when an expression is
    not 0 at the point.
    """
    names = names_of(exprs, variables)
    point = parse_point(at)
    for name in point:
        if name not in names:
            raise UnknownVariable(name, names, "the point")
    symbols = [sympy.Symbol(n) for n in names]
    shift = {s: s + point[str(s)] for s in symbols if point.get(str(s), 0) != 0}
    local = tuple(e.xreplace(shift) for e in exprs)
    where = "(" + ", ".join(f"{n}={point.get(n, 0)}" for n in names) + ")"
    for e in local:
        value = value_at_origin(e, symbols)
        if value != 0:
            raise NotVanishing(value, where)
    h = tuple(0 if point.get(n, 0) != 0 else k for n, k in zip(names, prior_exponents(prior, names)))
    return Local(local, names, h, ideal, where)


def local_prior(prior: object, g: Germ) -> tuple[int, ...]:
    """The prior's exponents at a germ's point: factors w_j^h_j with w0_j != 0 are units there."""
    h = prior_exponents(prior, g.variables)
    return tuple(0 if p != 0 else k for k, p in zip(h, g.point)) if g.point else h


def solve(problem: Local | GermProblem, method: str, budget: Budget, max_order: int = 8) -> RLCT:
    """The RLCT of a local problem: certify, or reduce, solve the smaller problem and lift its answer."""
    return drive(_step(problem, method, budget, max_order), method, budget, max_order)


def drive(outcome: Outcome, method: str, budget: Budget, max_order: int = 8) -> RLCT:
    """Follow reductions until a result: each smaller problem is solved, then lifted by its reduction."""
    while isinstance(outcome, Reduction):
        outcome = outcome.lift(solve(outcome.problem, method, budget, max_order))
    return outcome


def _step(problem: Local | GermProblem, method: str, budget: Budget, max_order: int) -> Outcome:
    if isinstance(problem, GermProblem):
        return _germ_step(problem, method, budget)
    if all(_polynomial(e) for e in problem.exprs):
        return _polynomial_step(problem, budget)
    return _analytic_step(problem, method, max_order)


def _polynomial(expr: sympy.Expr) -> bool:
    return is_polynomial(expr, list(expr.free_symbols))


def manifestly_nonnegative(expr: sympy.Expr) -> bool:
    """True when ``expr`` is >= 0 by its form (sums and products of squares, positive constants)."""
    if isinstance(expr, sympy.Rational):
        return expr >= 0
    if isinstance(expr, sympy.Pow):
        base, power = expr.args
        if isinstance(power, sympy.Integer) and power > 0:
            return power % 2 == 0 or manifestly_nonnegative(base)
        return False
    if isinstance(expr, (sympy.Add, sympy.Mul)):
        return all(manifestly_nonnegative(arg) for arg in expr.args)
    return False


def _polynomial_step(problem: Local, budget: Budget) -> Outcome:
    """A polynomial function, or ideal (smooth directions first, then Σ g_i²), as one germ."""
    if problem.ideal:
        reduced = eliminate_smooth(problem)
        if reduced is not None:
            return reduced
        expr = sympy.Add(*[e**2 for e in primitive(problem.exprs)])
    else:
        (expr,) = problem.exprs
    try:
        g = germ(expr, variables=problem.names, max_terms=budget.max_germ_terms)
    except BudgetExceeded as exc:
        return RLCT.stopped(f"Not certified: {exc} (max_germ_terms); no route was tried.")
    if g.is_zero:
        raise ZeroGerm(str(expr))
    return Reduction(GermProblem(g, problem.h, manifestly_nonnegative(expr), expr), _unchanged)


def _unchanged(result: RLCT) -> RLCT:
    """The lift of a change of representation (expressions to their expanded germ): the answer itself."""
    return result


def germ_problem(g: Germ, h: tuple[int, ...], f: object, *, nonnegative: bool, expr: sympy.Expr | None) -> GermProblem:
    """A germ's problem after the checks that f is non-zero and vanishes at its point."""
    if g.is_zero:
        raise ZeroGerm(str(f))
    if g.constant_term != 0:
        where = ", ".join(f"{v}={p}" for v, p in zip(g.variables, g.point)) or "the origin"
        raise NotVanishing(g.constant_term, f"({where})")
    return GermProblem(g, h, nonnegative, expr)


def _germ_step(problem: GermProblem, method: str, budget: Budget) -> Outcome:
    """The routes for one polynomial germ, in order (module docstring)."""
    g, h = problem.germ, problem.h
    if method in ("auto", "monomial"):
        result = normal_crossing(g, h)
        if result is not None:
            return result
    if method == "auto":
        result = morse(g, h)
        if result is not None:
            return result
    lower, lower_reason = lower_bound(g)
    result = newton(g, h, nonnegative=problem.nonnegative, lower=lower, lower_reason=lower_reason)
    if method == "resolution":
        return resolution(problem.expr, g, h, budget, lower=lower, upper=result.bounds[1], bound_reason=lower_reason)
    if method == "monomial":
        return RLCT.bounded(
            lower, result.bounds[1], "monomial",
            "f is not a monomial times a unit (the minimum of its exponents is not a term), so the "
            f"normal-crossing formula does not apply. {lower_reason} Newton bound: λ <= {result.bounds[1]}.",
        )
    if method == "newton" and not result.certified and problem.resolvable:
        result = RLCT.bounded(
            *result.bounds, "newton",
            result.certificate + "\nOnly the Newton route was asked for (method='newton'); method='auto' or "
            "'resolution' goes on to a resolution of singularities.",
        )
    if not result.certified and method == "auto":
        result = closed_form(g, h, quasi_homogeneous_rlct, "quasi-homogeneous") or result
    if not result.certified and method == "auto":
        result = closed_form(g, h, arrangement_rlct, "hyperplane arrangement") or result

    def after(result: RLCT) -> Outcome:
        if result.certified or method != "auto" or not problem.resolvable:
            return result
        if problem.expr is None or ideal_form(problem.expr) is None:
            squares = gram_form(g)
            if squares is not None:
                return squares_reduction(problem, result, squares)
        low, high = result.bounds
        resolved = resolution(problem.expr, g, h, budget, lower=low, upper=high, bound_reason=lower_reason)
        if resolved.certified:
            return resolved
        low, high = max(result.bounds[0], resolved.bounds[0]), min(result.bounds[1], resolved.bounds[1])
        text = f"{result.certificate}\nResolution of singularities: {resolved.certificate}"
        return RLCT.bounded(low, high, "resolution", text, tree=resolved.tree)

    if not result.certified:
        reduced = power_reduction(problem, result, after)
        if reduced is not None:
            return reduced
    return after(result)


def _analytic_step(problem: Local, method: str, max_order: int) -> Outcome:
    """Analytic germs: a certified truncation; else analytic coordinates that make them polynomial
    (:func:`singular.analytic.reparametrize`); else, for one function, a coordinate hyperplane times a coordinate
    (:func:`singular.analytic.hyperplane_coordinate`) or a Morse point."""
    symbols = [sympy.Symbol(n) for n in problem.names]
    cut = truncate(list(problem.exprs), symbols, max_order=max_order)
    head = f"Analytic {'ideal' if problem.ideal else 'function'} expanded exactly at {problem.where}. "
    power = 2 if problem.ideal else 1

    def closed_or(result: RLCT) -> RLCT:
        if len(problem.exprs) != 1:
            return result
        factored = hyperplane_coordinate(problem.exprs[0], symbols, problem.h, cut.monomial, power=power)
        if factored:
            value, multiplicity, text = factored
            return RLCT.exact(value, multiplicity, "monomial", head + text)
        found = None if any(problem.h) else analytic_morse(problem.exprs[0], symbols, power)
        return result if found is None else found

    def after(result: RLCT) -> Outcome:
        if result.certified:
            return result
        reduced = reparametrization(problem, head, lambda: closed_or(result))
        return reduced if reduced is not None else closed_or(result)

    return from_truncation(cut, problem.names, problem.h, ideal=problem.ideal, method=method, head=head, after=after)
