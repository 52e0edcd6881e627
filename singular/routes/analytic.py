"""The analytic-truncation route: an analytic germ is certified through a Taylor truncation whose order is proved
sufficient (:func:`singular.analytic.truncate`), or by the Morse lemma on its quadratic part.

A truncation that keeps λ and m for an ideal hands a polynomial germ to the other routes (a reduction, lifted by
its explanation); one that keeps them for one function only by its Newton polyhedron is decided here, by the
monomial and Newton routes.
"""

from __future__ import annotations

from typing import Callable, Sequence

import sympy

from resolution import germ
from resolution.morse import morse_threshold, quadratic_part_matrix

from ..analytic import Truncation, is_polynomial, taylor
from ..problem import GermProblem, Outcome, Reduction
from ..result import RLCT
from .monomial import normal_crossing
from .newton import newton

__all__ = ["analytic_morse", "from_truncation"]


def from_truncation(
    cut: Truncation,
    names: Sequence[str],
    h: Sequence[int],
    *,
    ideal: bool,
    method: str,
    head: str,
    after: Callable[[RLCT], Outcome] = lambda result: result,
) -> Outcome:
    """The RLCT that a truncation of analytic germs proves, or bounds, or the polynomial germ it reduces to.

    Returns a result or a :class:`~singular.problem.Reduction` to a polynomial germ problem; ``after`` receives
    the lifted result (to try other routes when it is not certified).

    Examples
    --------
    >>> from singular.analytic import truncate
    >>> w = sympy.Symbol("w")
    >>> from_truncation(truncate([sympy.sin(w)], [w]), ["w"], (0,), ideal=False, method="auto", head="")
    RLCT(value=1, multiplicity=1, method='smooth point', certified=True)
    """
    power = 2 if ideal else 1
    lower = sympy.Rational(1, power * cut.lowest_degree) if cut.lowest_degree else None
    lower_reason = (
        f"Lower bound 1/ord = {lower}: the real log canonical threshold is at least the complex one, which is at "
        "least 1/ord (Saito 2007; Kollár 1997 Lemma 8.10)." if lower else ""
    )
    if not ideal and cut.lowest_degree == 1 and not any(h):
        text = (
            f"{head}Its linear part is non-zero, so f is a coordinate near the point (implicit function "
            "theorem) and |f|^z integrates like |u_1|^z: λ = 1, m = 1 (Watanabe 2009, §2.4)."
        )
        return RLCT.exact(sympy.Integer(1), 1, "smooth point", text)
    if not cut.certified:
        return after(RLCT.bounded(lower, None, "analytic", f"{head}{cut.explanation}\n{lower_reason}"))

    def explained(inner: RLCT) -> RLCT:
        return inner.with_note(f"{head}{cut.explanation}\n")

    if cut.scope == "ideal":
        target = sympy.Add(*[q**2 for q in cut.generators]) if ideal else cut.generators[0]
        g = germ(target, variables=names)
        return Reduction(GermProblem(g, tuple(h), ideal, target), lambda inner: after(explained(inner)))
    if method in ("auto", "newton"):
        g = germ(cut.generators[0], variables=names)
        inner = normal_crossing(g, h) or newton(
            g, h, nonnegative=False, lower=lower or sympy.Rational(1, g.order), lower_reason=lower_reason
        )
        return after(explained(inner))
    text = f"{head}{cut.explanation}\nOnly the Newton route is valid for this truncation, not method={method!r}."
    return after(RLCT.bounded(lower, None, method, text))


def analytic_morse(expr: sympy.Expr, symbols: Sequence[sympy.Symbol], power: int) -> RLCT | None:
    """λ(|f|^power) for an analytic f with f(0) = 0, ∇f(0) = 0 and a non-degenerate Hessian at 0, a positive
    prior (:mod:`resolution.morse`: the Morse lemma holds with analytic coordinates): λ(|f|)/power, same m.

    Examples
    --------
    >>> x, y = sympy.symbols("x y")
    >>> analytic_morse(sympy.sin(x) * sympy.sin(y), [x, y], 1)    # |xy| after analytic coordinates
    RLCT(value=1, multiplicity=2, method='Morse point', certified=True)
    """
    jet = taylor(expr, symbols, 2)
    if not is_polynomial(jet, symbols):  # irrational Taylor coefficients
        return None
    terms = [(tuple(int(k) for k in e), sympy.Rational(c)) for e, c in sympy.Poly(jet, *symbols).terms()]
    if any(sum(e) < 2 for e, _ in terms):
        return None
    found = morse_threshold(quadratic_part_matrix(terms, len(symbols)))
    if found is None:
        return None
    value, multiplicity, kind, text = found
    text = (
        f"f is analytic with f(0) = 0 and ∇f(0) = 0; its Taylor polynomial of degree 2 is {jet}: "
        f"{text.replace('λ(I)', 'λ(|f|)')}."
    )
    if power != 1:
        value = value / power
        text += f" The ideal ⟨f⟩ has λ(f²) = λ(|f|)/2 = {value}, same m (docs/conventions.md#sign-changing-functions)."
    return RLCT.exact(value, multiplicity, kind, text)
