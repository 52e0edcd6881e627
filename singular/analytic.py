"""Analytic germs: exact Taylor expansion to an order that provably decides the RLCT.

An analytic function (tanh, exp, log, rational functions, ...) has infinitely many
Taylor terms, so the polynomial machinery sees only a truncation.  This module
chooses the truncation order N and proves it sufficient, or says that it could not.

The argument (for an ideal ⟨g_1, …, g_k⟩ of analytic germs at the origin, a single
function being the case k = 1):

1. **Common monomial.** u_j^b divides every g_i when ∂^a g_i/∂u_j^a vanishes
   identically on u_j = 0 for every a < b (checked symbolically, exactly).  Write
   g_i = u^β·h_i with h_i analytic.
2. **Truncation.** h_i = T_i + r_i with T_i the Taylor polynomial of total degree
   <= N and |r_i| <= C·|u|^(N+1) near 0.
3. **Order certificate for the ideal.** If P = Σ T_i² satisfies P >= c·|u|^(2N) near 0, then
   ‖r‖ <= C·|u|·|u|^N = o(‖T‖), hence ‖h‖ ≍ ‖T‖ and Σ g_i² ≍ u^(2β)·Σ T_i²: both
   have the same (λ, m) (docs/conventions.md#equivalent-divergences, "K and K' with c·K <= K' <= C·K").  The bound
   P >= c·|u|^(2N) is proved when P contains a pure power u_j^(k_j) with k_j <= 2N for
   every j and every compact face polynomial of P has no zero on the real torus:
   then, in each chart of the toric resolution of Γ₊(P), P is the chart's vertex
   monomial times a unit, so P >= c·Σ_v u^v over the vertices v of Γ₊(P), and every
   u^α with α in Γ₊(P) (in particular u_j^(2N)) is bounded by that sum for |u| < 1
   (Varchenko 1976, *Funct. Anal. Appl.* 10:175-196, §2 on the toric chart
   decomposition; Arnold, Gusein-Zade & Varchenko 1988, vol. II, §8.3).  A truncated
   ideal containing a unit (some T_i(0) != 0) needs N = 0.

4. **Order certificate for one function** (k = 1, used by the Newton route only).
   If T contains a pure power u_j^(k_j) with k_j <= N + 1 of every variable and every
   compact facet of Γ₊(T) (normal n > 0, n·α = c on it) has (N + 1)·min_j n_j > c,
   then every exponent of degree > N lies in Γ₊(T) and off every compact face, so
   h has the same Newton polyhedron and the same compact face polynomials as T (the
   compact faces of a convenient polyhedron lie in its compact facets: Kouchnirenko
   1976, *Invent. Math.* 32:1-31, §1).  The Newton theorem for h then reads off T.
   This allows sign-changing functions with a curve of zeros, where 3 cannot hold.

The orders N = 0, 1, …, ``max_order`` are tried in turn; the first that passes is
used and named in the explanation.  No order passes when the truncated ideal's zero
set is not an isolated point after the monomial is removed (the positive-dimensional
true sets of most neural networks).  Two exact routes then remain (:func:`singular.rlct`):

5. **Analytic coordinates** (:func:`reparametrize`).  When every variable u_j occurs
   only inside one φ_j(u_j) with φ_j'(0) != 0 (a1·tanh b1 + a2·tanh b2), v_j = φ_j(u_j) −
   φ_j(0) are analytic coordinates with a unit Jacobian and the germs are polynomials in v:
   nothing is truncated.  More generally φ_j(u_j) − φ_j(0) = c_j·u_j^(k_j)·ψ_j(u_j) with
   ψ_j(0) = 1 gives the coordinate t_j = u_j·ψ_j(u_j)^(1/k_j) and φ_j − φ_j(0) = c_j·t_j^(k_j)
   (tanh(s²) = t² after a sign constraint s² = w is unfolded).
6'. **A coordinate hyperplane in the zero set** (:func:`hyperplane_coordinate`).  One function
   f = u^β·q (step 1) whose quotient q has q(0) = 0 and a non-zero linear coefficient in a
   variable u_j with β_j = 0 and no prior factor: q replaces u_j as a coordinate, and
   f = u^β·q is a normal crossing.
6. **Morse points.**  One function with f(0) = 0, ∇f(0) = 0 and a non-degenerate Hessian
   is a quadratic form in analytic coordinates (the Morse lemma), so its degree-2 Taylor
   polynomial decides (:mod:`resolution.morse`).

Otherwise those germs come back uncertified rather than guessed, unless the model is
polynomial in w (no truncation needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import sympy

from resolution import NewtonPolyhedron, NotAnalytic, format_monomial, torus_zero_free
from resolution.germ import expanded_size, is_rational_polynomial
from resolution.errors import BudgetExceeded

from .routes.newton import MAX_FACE_ENUMERATION_DIM

__all__ = [
    "Truncation", "hyperplane_coordinate", "is_polynomial", "rational_polynomial", "reparametrize", "require_analytic",
    "taylor", "truncate", "value_at_origin",
]

@dataclass(frozen=True, slots=True)
class Truncation:
    """Polynomials that provably have the same RLCT as an ideal of analytic germs.

    Attributes
    ----------
    generators : tuple of sympy.Expr
        u^β·T_i, polynomials with rational coefficients in the local coordinates
        (when certified; otherwise the last truncation tried).
    monomial : tuple of int
        β, the common monomial factor.
    order : int or None
        The certified N (terms of h_i of total degree <= N kept), or None.
    certified : bool
        True when Σ g_i² ≍ Σ generators² is proved (module docstring).
    explanation : str
        How the order was chosen, or why no order up to the limit was proved sufficient.
    lowest_degree : int or None
        The lowest total degree of a Taylor term of any g_i (its order at 0), when found.
    scope : str
        ``"ideal"``: any method may compute the RLCT of the generators; ``"newton"``: only
        the Newton route, whose polyhedron and face polynomials the truncation keeps.
    """

    generators: tuple[sympy.Expr, ...]
    monomial: tuple[int, ...]
    order: int | None
    certified: bool
    explanation: str
    lowest_degree: int | None
    scope: str = "ideal"


def is_polynomial(expr: sympy.Expr, symbols: Sequence[sympy.Symbol]) -> bool:
    """Whether ``expr`` is, by its form, a polynomial in ``symbols`` with rational coefficients.

    See :func:`resolution.germ.is_rational_polynomial` (nothing is expanded).

    Examples
    --------
    >>> a, b = sympy.symbols("a b")
    >>> is_polynomial(a**2*b - b/3, [a, b]), is_polynomial(sympy.tanh(a), [a])
    (True, False)
    """
    return is_rational_polynomial(expr, symbols)


def taylor(expr: sympy.Expr, symbols: Sequence[sympy.Symbol], order: int) -> sympy.Expr:
    """The Taylor polynomial of total degree <= ``order`` at the origin, exactly.

    Other free symbols (inputs x, say) stay in the coefficients.

    Raises
    ------
    resolution.errors.NotAnalytic
        ``expr`` has a pole at 0, or its expansion there has logarithms or fractional powers, or a
        sub-expression is not analytic at 0 by its form (:func:`require_analytic`, checked first: sympy.series
        expands sqrt(sin(u)²) as sin(u), not |sin(u)|).

    Examples
    --------
    >>> a, b = sympy.symbols("a b")
    >>> taylor(sympy.tanh(a + b), [a, b], 3)
    -a**3/3 - a**2*b - a*b**2 + a - b**3/3 + b
    """
    require_analytic(expr, symbols)
    t = sympy.Dummy("t")
    scaled = expr.xreplace({s: t * s for s in symbols})
    try:
        series = sympy.series(scaled, t, 0, order + 1).removeO()
    except (ValueError, NotImplementedError, TypeError, sympy.PoleError) as exc:
        raise NotAnalytic(str(expr), f"sympy found no expansion at the point ({exc})", shown=False) from None
    series = _cancelled(sympy.expand(series), [t, *symbols])
    if not series.is_polynomial(t):
        pole = any(p.is_negative for p in (a.as_base_exp()[1] for a in series.atoms(sympy.Pow) if a.has(t)))
        raise NotAnalytic(str(expr), "it has a pole at the point" if pole
                          else "its expansion at the point has logarithms or fractional powers")
    result = sympy.expand(series.xreplace({t: sympy.Integer(1)}))
    if not result.is_polynomial(*symbols):
        raise NotAnalytic(str(expr), "its expansion at the point is not a power series")
    return _simplified_coefficients(result, symbols)


def rational_polynomial(
    expr: sympy.Expr, symbols: Sequence[sympy.Symbol], *, max_terms: int = 10_000
) -> sympy.Expr | None:
    """``expr`` as a polynomial with rational coefficients, when it is a polynomial in ``symbols`` whose
    constant coefficients simplify to rationals (x·y·(cos(1)² + sin(1)²) − x·y is 0); None otherwise, or when
    its expansion could exceed ``max_terms`` terms.

    Examples
    --------
    >>> x, y = sympy.symbols("x y")
    >>> rational_polynomial(x*y*(sympy.cos(1)**2 + sympy.sin(1)**2) - x*y + x**2, [x, y])
    x**2
    >>> rational_polynomial(sympy.sqrt(2)*x, [x]) is None
    True
    """
    if is_polynomial(expr, symbols):
        return expr
    if not expr.is_polynomial(*symbols) or expanded_size(expr) > max_terms:
        return None
    result = _simplified_coefficients(sympy.expand(expr), symbols)
    return result if is_polynomial(result, symbols) else None


def _cancelled(expanded: sympy.Expr, symbols: Sequence[sympy.Symbol]) -> sympy.Expr:
    """An expanded series with its terms that are not polynomial in ``symbols`` put over one denominator and
    cancelled (sympy.series can leave ``…/(3ab + 3cd)`` pieces whose sum is a polynomial); what does not cancel
    stays, so a true pole or fractional power is still seen."""
    polynomial, rest = [], []
    for term in sympy.Add.make_args(expanded):
        (polynomial if term.is_polynomial(*symbols) else rest).append(term)
    if not rest:
        return expanded
    return sympy.Add(*polynomial) + sympy.expand(sympy.cancel(sympy.Add(*rest)))


def _simplified_coefficients(poly: sympy.Expr, symbols: Sequence[sympy.Symbol]) -> sympy.Expr:
    """``poly`` with each coefficient that is not a rational number simplified (cos(1)² + sin(1)² − 1 is 0), so the
    Taylor polynomial agrees with the exact vanishing tests of :func:`_monomial_factor`."""
    if not symbols or poly.is_Rational:
        return poly
    terms = sympy.Poly(poly, *symbols).terms()
    if all(is_rational_polynomial(c, list(c.free_symbols)) for _, c in terms):
        return poly
    return sympy.Add(*[
        (c if is_rational_polynomial(c, list(c.free_symbols)) else sympy.simplify(c))
        * sympy.Mul(*[s**k for s, k in zip(symbols, e)])
        for e, c in terms
    ])


#: Functions analytic on the whole real line: f(g) is analytic wherever g is.
_ENTIRE = (sympy.exp, sympy.sin, sympy.cos, sympy.sinh, sympy.cosh, sympy.tanh, sympy.atan, sympy.asinh,
           sympy.erf, sympy.erfc)


def _value_at(expr: sympy.Expr, symbols: Sequence[sympy.Symbol]) -> sympy.Expr:
    """expr at the origin, simplified, for an ``expr`` already known to be analytic there (removable singularities
    through its constant Taylor term)."""
    value = expr.xreplace({s: sympy.Integer(0) for s in symbols})
    if value.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        value = taylor(expr, symbols, 0)
    return sympy.simplify(value)


def _positive_at(expr: sympy.Expr, symbols: Sequence[sympy.Symbol]) -> str | None:
    """None when expr(0) > 0 is proved; otherwise why not ("vanishes", "is negative", ...).

    Other free symbols (inputs x) are real and range over everything: the value must be positive for all of them.
    A rational value is decided exactly; an irrational one by sympy's sign test (error-bounded evaluation that
    answers nothing, rather than a guess, when it cannot separate the value from 0).
    """
    value = _value_at(expr, symbols)
    if value == 0:
        return "vanishes at the point"
    real = {s: sympy.Dummy(str(s), real=True) for s in value.free_symbols}
    value = value.xreplace(real)
    if value.is_positive is True:
        return None
    if value.is_negative is True:
        return f"is negative at the point ({value})"
    return f"is not shown positive at the point (its value there is {value}, which may vanish)"


def require_analytic(expr: sympy.Expr, symbols: Sequence[sympy.Symbol]) -> None:
    """Refuse ``expr`` unless every sub-expression is analytic at the origin of ``symbols`` by its form.

    A real function is analytic at 0 when it is built from the coordinates and constants by sums, products,
    integer powers (poles are left to the expansion, which names them), functions analytic on the real line
    (exp, sin, cos, sinh, cosh, tanh, atan, asinh, erf), ``log(g)`` and ``g^p`` (p not an integer, or not a
    number) with g(0) > 0, and ``tan(g)`` with cos(g(0)) != 0.  Anything else that involves the coordinates is
    refused: ``sqrt(sin(y)^2)`` is |sin y| (sympy.series would expand it as sin y), ``Abs``, ``sign``, ``Max``,
    ``Piecewise``, ``floor``, ..., and functions not listed.  Sub-expressions free of the coordinates (inputs x)
    are coefficients and are not examined.

    Raises
    ------
    resolution.errors.NotAnalytic
        Naming the sub-expression and the reason.

    Examples
    --------
    >>> x, y = sympy.symbols("x y")
    >>> require_analytic(sympy.sqrt(1 + x*y) + sympy.log(2 + sympy.sin(x)), [x, y])
    >>> require_analytic(x**2 + sympy.sqrt(sympy.sin(y)**2), [x, y])
    Traceback (most recent call last):
    ...
    resolution.errors.NotAnalytic: x**2 + sqrt(sin(y)**2) is not analytic: the fractional power sqrt(sin(y)**2) has the base sin(y)**2, which vanishes at the point; learning coefficients are defined for analytic models (Watanabe 2009, Ch. 6): replace it by an analytic function (e.g. a polynomial or tanh)
    """
    local = frozenset(symbols)
    seen: set[sympy.Expr] = set()

    def refuse(reason: str) -> None:
        raise NotAnalytic(str(expr), reason)

    def finite(e: sympy.Expr) -> None:
        # A function is analytic at the point only where its arguments are: sin(1/x) is not, sin(sin(x)/x) is.
        for arg in e.args:
            walk(arg)
            if any(q.exp.is_negative and q.base.free_symbols & local for q in arg.atoms(sympy.Pow)):
                try:
                    value_at_origin(arg, symbols)
                except NotAnalytic:
                    refuse(f"the argument {arg} of {e} has no finite value at the point")

    def walk(e: sympy.Expr) -> None:
        if e in seen or not (e.free_symbols & local) or e.is_Symbol:
            return
        seen.add(e)
        if e.is_Add or e.is_Mul:
            for arg in e.args:
                walk(arg)
        elif e.is_Pow and e.exp.is_Integer:
            walk(e.base)
        elif e.is_Pow:
            finite(e)
            why = _positive_at(e.base, symbols)
            if why is not None:
                refuse(f"the fractional power {e} has the base {e.base}, which {why}")
        elif isinstance(e, _ENTIRE):
            finite(e)
        elif isinstance(e, sympy.log):
            finite(e)
            why = _positive_at(e.args[0], symbols)
            if why is not None:
                refuse(f"the logarithm {e} has the argument {e.args[0]}, which {why}")
        elif isinstance(e, sympy.tan):
            finite(e)
            if sympy.simplify(sympy.cos(_value_at(e.args[0], symbols))).is_zero is not False:
                refuse(f"{e} is not shown finite at the point")
        else:
            refuse(f"{e} is not known to be analytic at the point ({type(e).__name__} is not an analytic function "
                   "of its arguments there)")

    walk(expr)


def value_at_origin(expr: sympy.Expr, symbols: Sequence[sympy.Symbol]) -> sympy.Expr:
    """f(0), exactly, also where f has a removable singularity there (sin(u)/u, (exp(u) − 1)/u, ...).

    Substitution first; where that gives nan or an infinity, the constant term of the Taylor
    expansion (:func:`taylor` at order 0), which exists exactly when f extends analytically to 0.

    Raises
    ------
    resolution.errors.NotAnalytic
        f has no analytic extension to 0 (a pole, a logarithm, a fractional power of a base that vanishes
        there: :func:`require_analytic`).

    Examples
    --------
    >>> u = sympy.Symbol("u")
    >>> value_at_origin(sympy.sin(u)/u - 1, [u]), value_at_origin(sympy.log(1 + u)/sympy.log(1 - u), [u])
    (0, -1)
    >>> value_at_origin(1/u + u, [u])
    Traceback (most recent call last):
    ...
    resolution.errors.NotAnalytic: u + 1/u is not analytic: it has a pole at the point; learning coefficients are defined for analytic models (Watanabe 2009, Ch. 6): replace it by an analytic function (e.g. a polynomial or tanh)

    A function continuous but not analytic at 0 (u²·log u, sqrt(sin(u)²)) is refused here
    (:func:`require_analytic`), not given its limit.
    """
    require_analytic(expr, symbols)
    value = sympy.simplify(expr.xreplace({s: 0 for s in symbols}))
    if value.is_finite:
        return value
    return sympy.simplify(taylor(expr, symbols, 0))


def _vanishes(expr: sympy.Expr) -> bool:
    return sympy.simplify(expr) == 0


def _on_hyperplane(expr: sympy.Expr, symbol: sympy.Symbol) -> sympy.Expr:
    """expr restricted to u_j = 0, through its expansion in u_j where substitution meets a removable
    singularity (sin(u_1 u_2)/(u_1 u_2) on u_1 = 0 is 1)."""
    value = expr.xreplace({symbol: sympy.Integer(0)})  # an Integer: Symbol.xreplace({s: 0}) is the int 0
    if not value.has(sympy.nan, sympy.zoo, sympy.oo):
        return value
    return sympy.series(expr, symbol, 0, 1).removeO().xreplace({symbol: 0})


def _monomial_factor(exprs: Sequence[sympy.Expr], symbols: Sequence[sympy.Symbol], limit: int) -> tuple[int, ...]:
    """β_j = the largest b <= limit with ∂^a g/∂u_j^a ≡ 0 on u_j = 0 for all a < b and every g."""
    beta = []
    for s in symbols:
        b = 0
        while b < limit and all(_vanishes(_on_hyperplane(sympy.diff(g, s, b), s)) for g in exprs):
            b += 1
        beta.append(b)
    return tuple(beta)


def _divide(poly: sympy.Expr, symbols: Sequence[sympy.Symbol], beta: Sequence[int]) -> sympy.Expr:
    """poly / u^β for a polynomial whose every term u^β divides."""
    monomial = sympy.Mul(*[s**b for s, b in zip(symbols, beta)])
    quotient = sympy.expand(poly / monomial)
    if not quotient.is_polynomial(*symbols):
        raise ArithmeticError(f"{monomial} does not divide the Taylor polynomial {poly}")
    return quotient


def _lowest_degree(polys: Sequence[sympy.Expr], symbols: Sequence[sympy.Symbol]) -> int | None:
    found = [sum(m) for p in polys if p != 0 for m in sympy.Poly(p, *symbols).monoms()]
    return min(found) if found else None


def _pure_powers(terms: dict[tuple[int, ...], sympy.Rational], d: int) -> list[int | None]:
    """For each variable u_j, the smallest k with u_j^k a term, a constant term counting as k = 0
    (None when no pure power of u_j occurs)."""
    found: list[int | None] = [None] * d
    for e in terms:
        support = [j for j, k in enumerate(e) if k]
        if len(support) > 1:
            continue
        for j in support or range(d):  # a constant term is u_j^0 for every j
            found[j] = e[j] if found[j] is None else min(found[j], e[j])
    return found


def _bounds_power(terms: dict[tuple[int, ...], sympy.Rational], names: Sequence[str], n: int) -> tuple[bool, str]:
    """Whether P = Σ T_i² (given by its terms) is >= c·|u|^(2n) near 0, with the reason."""
    d = len(names)
    if terms.get((0,) * d, 0) != 0:
        return True, "the truncated ideal contains a unit (some T_i(0) != 0)"
    for name, power in zip(names, _pure_powers(terms, d)):
        if power is None or power > 2 * n:
            return False, (
                f"Σ T_i² has no pure power of {name} of degree <= {2 * n}: the truncated ideal does not "
                f"bound |u|^{n} from below (its zero set is not an isolated point, or the order is too low)"
            )
    if d > MAX_FACE_ENUMERATION_DIM:
        return False, f"the face-by-face check is limited to {MAX_FACE_ENUMERATION_DIM} variables (here {d})"
    polyhedron = NewtonPolyhedron(list(terms))
    try:
        faces = polyhedron.compact_faces()
    except BudgetExceeded as exc:
        return False, str(exc)
    for face in faces:
        face_terms = [(e, terms[e]) for e in face.points if e in terms]
        decision = torus_zero_free(face_terms, names, nonnegative=True)
        if decision.zero_free is not True:
            return False, f"Σ T_i² is not shown non-degenerate on the {face.describe()}: {decision.reason}"
    return True, (
        f"Σ T_i² contains a pure power of degree <= {2 * n} of every variable and no compact face polynomial "
        f"vanishes on the real torus, so Σ T_i² >= c·|u|^{2 * n} near 0 (Varchenko 1976, toric charts)"
    )


def _newton_stable(terms: dict[tuple[int, ...], sympy.Rational], names: Sequence[str], n: int) -> tuple[bool, str]:
    """Whether every exponent of degree > n lies in Γ₊(T) and off its compact faces (module docstring, 4)."""
    d = len(names)
    for name, power in zip(names, _pure_powers(terms, d)):
        if power is None or power > n + 1:
            return False, f"T has no pure power of {name} of degree <= {n + 1}"
    if d > MAX_FACE_ENUMERATION_DIM:
        return False, f"facet enumeration is limited to {MAX_FACE_ENUMERATION_DIM} variables (here {d})"
    for facet in NewtonPolyhedron(list(terms)).facets:
        if min(facet.normal) > 0 and (n + 1) * min(facet.normal) <= facet.rhs:
            return False, f"a term of degree {n + 1} could lie on the compact facet with normal {facet.normal}"
    return True, (
        f"T contains a pure power of degree <= {n + 1} of every variable and every exponent of degree > {n} lies "
        "strictly above every compact facet of Γ₊(T), so h has T's Newton polyhedron and compact face polynomials "
        "(Kouchnirenko 1976, §1)"
    )


def truncate(
    exprs: Sequence[sympy.Expr],
    symbols: Sequence[sympy.Symbol],
    *,
    max_order: int = 8,
    split: Callable[[sympy.Expr], list[sympy.Expr]] | None = None,
) -> Truncation:
    """Truncate analytic germs at the origin to a certified order (module docstring).

    Parameters
    ----------
    exprs : sequence of sympy.Expr
        Analytic functions vanishing at the origin of ``symbols``.
    symbols : sequence of sympy.Symbol
        The local coordinates u.
    max_order : int
        The largest N tried.
    split : callable, optional
        Maps a Taylor polynomial (which may carry other symbols, such as inputs x)
        to the polynomials in u that generate its part of the ideal; default: itself.
        It raises :class:`ValueError` when it cannot.

    Returns
    -------
    Truncation

    Examples
    --------
    >>> u = sympy.Symbol("u")
    >>> t = truncate([-sympy.log(1 + 2*u)/2 - sympy.log(1 - 2*u)/2], [u])
    >>> t.generators, t.order, t.certified
    ((2*u**2,), 0, True)
    >>> a, b = sympy.symbols("a b")
    >>> truncate([a*sympy.tanh(b)], [a, b]).generators
    (a*b,)
    """
    for g in exprs:
        require_analytic(g, symbols)
    split = split or (lambda p: [p])
    names = [str(s) for s in symbols]
    beta = _monomial_factor(exprs, symbols, max_order + 1)
    shift = sum(beta)
    monomial = sympy.Mul(*[s**b for s, b in zip(symbols, beta)])
    factor_text = (
        f"Every generator is divisible by {format_monomial(beta, names)} (its derivatives vanish identically on "
        "the coordinate hyperplanes), so g_i = u^β·h_i with h_i analytic. "
        if shift
        else ""
    )
    lowest, reason, generators = None, "", ()
    for n in range(max_order + 1):
        expansions = [taylor(g, symbols, n + shift) for g in exprs]
        try:
            parts = [q for p in expansions for q in split(_divide(p, symbols, beta))]
        except ValueError as exc:
            return Truncation((), beta, None, False, f"{factor_text}At order {n}: {exc}.", lowest)
        parts = [q for q in map(sympy.expand, parts) if q != 0]
        generators = tuple(sympy.expand(monomial * q) for q in parts)
        if lowest is None:
            lowest = _lowest_degree(generators, symbols)
        if not parts:
            reason = f"every Taylor term of h up to degree {n} vanishes"
            continue
        if not all(is_polynomial(q, symbols) for q in parts):
            irrational = next(q for q in parts if not is_polynomial(q, symbols))
            return Truncation(
                generators,
                beta,
                None,
                False,
                f"{factor_text}The Taylor coefficients are not rational ({irrational}); exact arithmetic over "
                "that field is not supported.",
                lowest,
            )
        square_sum = sympy.Poly(sympy.Add(*[q**2 for q in parts]), *symbols, domain=sympy.QQ)
        terms = {tuple(int(k) for k in e): sympy.Rational(c) for e, c in square_sum.terms()}
        ok, reason = _bounds_power(terms, names, n)
        if not ok and len(exprs) == 1 and len(parts) == 1:
            single = sympy.Poly(parts[0], *symbols, domain=sympy.QQ)
            stable, why = _newton_stable({tuple(map(int, e)): c for e, c in single.terms()}, names, n)
            if stable:
                explanation = (
                    f"{factor_text}Taylor polynomial T of h to total degree N = {n}: {why}. The Newton route on "
                    f"u^β·T is therefore the Newton route on f (order certificate: singular.analytic)."
                )
                return Truncation(generators, beta, n, True, explanation, lowest, "newton")
            reason = f"{reason}; and for f alone, {why}"
        if ok:
            explanation = (
                f"{factor_text}Taylor polynomials T_i of h_i to total degree N = {n}: {reason}. The remainders "
                f"are O(|u|^{n + 1}) = o(‖T‖), so Σ g_i² ≍ u^(2β)·Σ T_i², which has the same (λ, m) "
                "(order certificate: singular.analytic)."
            )
            return Truncation(generators, beta, n, True, explanation, lowest)
    return Truncation(
        generators,
        beta,
        None,
        False,
        f"{factor_text}No order N <= {max_order} was proved sufficient; at N = {max_order}: {reason}.",
        lowest,
    )


def _coordinate_functions(expr: sympy.Expr, symbols: frozenset) -> dict[sympy.Symbol, set[sympy.Expr]] | None:
    """The non-polynomial subexpressions of ``expr`` reached through sums, products and integer powers, per
    variable (tanh(b) in a·tanh(b)³); None when one of them involves several variables (tanh(a·b), say)."""
    if not expr.free_symbols & symbols or isinstance(expr, sympy.Symbol):
        return {}
    if isinstance(expr, (sympy.Add, sympy.Mul)) or (isinstance(expr, sympy.Pow) and expr.exp.is_Integer
                                                    and expr.exp >= 0):
        found: dict[sympy.Symbol, set[sympy.Expr]] = {}
        for arg in expr.args:
            part = _coordinate_functions(arg, symbols)
            if part is None:
                return None
            for s, functions in part.items():
                found.setdefault(s, set()).update(functions)
        return found
    if len(expr.free_symbols) == 1:
        return {next(iter(expr.free_symbols)): {expr}}
    return None


def reparametrize(
    exprs: Sequence[sympy.Expr], symbols: Sequence[sympy.Symbol], *, max_power: int = 8
) -> tuple[list[sympy.Expr], list[str]] | None:
    """Polynomials in new coordinates, when every u_j that is not already polynomial occurs only inside one
    analytic φ_j(u_j) that is not constant.

    Write φ_j(u_j) − φ_j(0) = c_j·u_j^(k_j)·ψ_j(u_j) with c_j != 0 its first Taylor coefficient and ψ_j(0) = 1.
    Then t_j = u_j·ψ_j(u_j)^(1/k_j) is analytic (ψ_j is near 1, where the real k-th root is analytic), with
    t_j'(0) = 1, and φ_j(u_j) = φ_j(0) + c_j·t_j^(k_j) exactly.  The map u ↦ t is an analytic diffeomorphism
    near 0 (inverse function theorem) whose Jacobian ∏ t_j'(u_j) is a unit, and u_j = t_j·(unit), so a prior
    |u|^h·(positive) is |t|^h·(positive) and the sign of each u_j is that of t_j (a constraint u_j >= 0 is
    t_j >= 0): the functions (each g_i(u) = G_i(t), G_i polynomial) have the same (λ, m) in t as in u
    (docs/conventions.md#the-learning-coefficient, a change of coordinates with a unit Jacobian; Watanabe 2009,
    §2.4).  For k_j = 1 the coordinate used is c_j·t_j = φ_j(u_j) − φ_j(0) itself.  Each new coordinate keeps
    the name of u_j.

    Returns
    -------
    (polynomials, substitutions) or None
        None when some variable occurs outside its φ_j, in two different functions, in a function of several
        variables, or with φ_j(0) or c_j irrational, or φ_j − φ_j(0) of order above ``max_power`` (or not
        analytic), or when no variable needs a substitution.

    Raises
    ------
    resolution.errors.NotAnalytic
        Some germ is not analytic at 0 (:func:`require_analytic`): |sin b| = sqrt(sin(b)²) is no coordinate.

    Examples
    --------
    >>> a1, a2, b1, b2 = sympy.symbols("a1 a2 b1 b2")
    >>> reparametrize([a1*sympy.tanh(b1) + a2*sympy.tanh(b2)], [a1, a2, b1, b2])
    ([a1*b1 + a2*b2], ['b1 ↦ tanh(b1)', 'b2 ↦ tanh(b2)'])
    >>> reparametrize([a1*sympy.tanh(b1) + b1], [a1, b1]) is None     # b1 also occurs outside tanh(b1)
    True
    >>> reparametrize([a1 - sympy.tanh(b1**2)], [a1, b1])               # tanh(b1²) = t² with t = b1·(unit)
    ([a1 - b1**2], ['b1 ↦ t with tanh(b1**2) = t**2'])
    """
    found: dict[sympy.Symbol, set[sympy.Expr]] = {}
    for expr in exprs:
        require_analytic(expr, symbols)
        part = _coordinate_functions(expr, frozenset(symbols))
        if part is None:
            return None
        for s, functions in part.items():
            found.setdefault(s, set()).update(functions)
    if not found or any(len(functions) != 1 for functions in found.values()):
        return None
    replace, steps, rename = {}, [], {}
    for s, (phi,) in sorted(found.items(), key=lambda item: str(item[0])):
        try:
            jet = sympy.Poly(taylor(phi, [s], max_power), s)
        except NotAnalytic:  # 1/tanh(b) inside b/tanh(b): not a coordinate of its own
            return None
        coefficients = [jet.coeff_monomial(s**k) for k in range(max_power + 1)]
        power = next((k for k in range(1, max_power + 1) if coefficients[k] != 0), None)
        if power is None or not all(c.is_Rational for c in coefficients[:power + 1]):
            return None
        value = coefficients[0]
        lead = 1 if power == 1 else coefficients[power]
        fresh = sympy.Dummy(str(s))
        replace[phi] = lead * fresh**power + value
        rename[fresh] = s
        if power == 1:
            steps.append(f"{s} ↦ {phi}" + (f" − {value}" if value else ""))
        else:
            steps.append(f"{s} ↦ t with {phi} = {lead * sympy.Symbol('t')**power + value}")
    polys = []
    for expr in exprs:
        new = sympy.expand(expr.xreplace(replace))
        if new.free_symbols & set(found) or not is_polynomial(new, sorted(new.free_symbols, key=str)):
            return None
        polys.append(new.xreplace(rename))
    return polys, steps


def hyperplane_coordinate(
    expr: sympy.Expr, symbols: Sequence[sympy.Symbol], h: Sequence[int], beta: Sequence[int], *, power: int = 1
) -> tuple[sympy.Rational, int, str] | None:
    """(λ, m, reason) of |f|^power when f = u^β·q with q an analytic coordinate (module docstring, 6').

    Parameters
    ----------
    expr : sympy.Expr
        An analytic f vanishing at the origin of ``symbols``.
    symbols : sequence of sympy.Symbol
    h : sequence of int
        The prior's exponents: φ = |u^h|·(positive).
    beta : sequence of int
        A monomial that divides f as an analytic function (every ∂^a f/∂u_j^a with a < β_j vanishes identically on
        u_j = 0, as :func:`truncate` finds it, ``Truncation.monomial``).
    power : int
        2 for the ideal ⟨f⟩ (K ≍ f²): λ(|f|²) = λ(|f|)/2, the same m.

    Returns
    -------
    (λ, m, reason) or None
        None unless β != 0, q = f/u^β has q(0) = 0, and ∂q/∂u_j(0) is a non-zero rational for some j with
        β_j = 0 and h_j = 0.

    Notes
    -----
    f = u^β·q with q analytic (step 1 of the module docstring).  With ∂q/∂u_j(0) != 0, replacing u_j by q is an
    analytic change of coordinates near 0 (inverse function theorem) that keeps every other u_i, so u^β and the
    prior |u^h| (h_j = 0) keep their form, and the Jacobian is a unit.  In the new coordinates
    |f|^z·|u^h| = |u^β|^z·|q|^z·|u^h|: a normal crossing, so λ = min(1, min_(β_i > 0) (h_i + 1)/β_i) and m is the
    number of terms attaining it (docs/conventions.md#normal-crossing; Watanabe 2009, Thm 2.3 and §2.4).

    Examples
    --------
    >>> x, y, z = sympy.symbols("x y z")
    >>> f = x*sympy.sin(y)*sympy.exp(z) + z*(sympy.exp(y) - 1)      # y·(x + z + …)
    >>> hyperplane_coordinate(f, [x, y, z], (0, 0, 0), (0, 1, 0))[:2]
    (1, 2)
    """
    if not any(beta):
        return None
    try:
        quotient = _divide(taylor(expr, symbols, sum(beta) + 1), symbols, beta)
    except ArithmeticError:  # a Taylor coefficient not simplified to 0: not shown divisible
        return None
    if not is_polynomial(quotient, symbols):
        return None
    jet = sympy.Poly(quotient, *symbols)
    if jet.coeff_monomial(1) != 0:
        return None
    slope = {j: jet.coeff_monomial(s) for j, s in enumerate(symbols)}
    chosen = next((j for j, c in slope.items() if c != 0 and beta[j] == 0 and h[j] == 0), None)
    if chosen is None:
        return None
    ratios = [sympy.Integer(1)] + [sympy.Rational(k + 1, b) for k, b in zip(h, beta) if b]
    value = min(ratios)
    multiplicity = ratios.count(value)
    monomial, u = format_monomial(tuple(beta), [str(s) for s in symbols]), symbols[chosen]
    reason = (
        f"f vanishes identically on the coordinate hyperplanes of {monomial}, so f = {monomial}·q with q analytic, "
        f"q(0) = 0 and ∂q/∂{u}(0) = {slope[chosen]} != 0; q replaces {u} as a coordinate (inverse function theorem; "
        f"no prior factor in {u}), and |f| is the normal crossing |{monomial}·q|: λ = min of 1 and (h_i + 1)/β_i "
        f"= {value}, m = {multiplicity} (Watanabe 2009, Thm 2.3)."
    )
    if power != 1:
        value = value / power
        reason += f" The ideal ⟨f⟩ has λ(f²) = λ(|f|)/2 = {value}, the same m."
    return value, multiplicity, reason
