"""Reductions of the :func:`singular.rlct` pipeline: each turns a problem into a smaller one plus how to lift its
answer back, and none solves anything itself (the driver, :func:`singular.pipeline.solve`, does).

* Sign constraints w_j >= 0 unfolded by w_j = s_j² (:func:`unfold_orthant`, :func:`unfold_germ`).
* Smooth directions of an ideal eliminated (:func:`eliminate_smooth`; Lin 2011, Prop. 4.5): λ = k/2 + λ(rest).
* A perfect power f = unit·g^e (:func:`power_reduction`): λ(f) = λ(g)/e, same m, since |f|^z ≍ |g|^(e·z).
* A sum of squares f = Σ d_i·q_i², d_i > 0 (:func:`squares_reduction`): λ(f) = λ(⟨q_i⟩), same m.
* Analytic coordinates that make analytic germs polynomial (:func:`reparametrization`).

The readers of a germ's form (:func:`ideal_form`, :func:`perfect_power`, :func:`gram_form`) are shared with the
resolution route, which resolves the ideal they give.
"""

from __future__ import annotations

from typing import Callable, Sequence

import sympy

from resolution import Germ, OutsideDomain, UnknownVariable, parse_expression, parse_names, parse_point
from resolution.squares import sum_of_squares

from .analytic import reparametrize
from .problem import GermProblem, Local, Outcome, Reduction
from .result import RLCT

__all__ = [
    "eliminate_smooth",
    "gram_form",
    "ideal_form",
    "names_of",
    "perfect_power",
    "power_reduction",
    "primitive",
    "reparametrization",
    "squares_reduction",
    "unfold_germ",
    "unfold_orthant",
]

#: The perfect-power reduction f = unit·g^e is tried on germs up to this size: sympy's multivariate square-free
#: decomposition can take minutes on large germs.
MAX_POWER_CHECK_TERMS = 80
MAX_POWER_CHECK_DIM = 6

_ORTHANT_NOTE = (
    "Sign constraints {names} >= 0 unfolded: w_j = s_j² maps R onto [0, ∞) two-to-one with dw_j = 2|s_j|·ds_j, so "
    "∫_(w_j >= 0) |f|^z w^h dw = ½ ∫ |f(…, s_j², …)|^z |s_j|^(2h_j + 1) ds: the same (λ, m) for f(s²) with the "
    "prior exponent 2h_j + 1 and no constraint (each s_j is named like its w_j below).\n"
)


def names_of(exprs: Sequence[sympy.Expr], variables: object) -> tuple[str, ...]:
    """The coordinates: ``variables`` checked against the expressions, or their sorted free symbols."""
    if variables is None:
        return tuple(sorted({str(s) for e in exprs for s in e.free_symbols}))
    names = parse_names(variables, argument="variables")
    for e in exprs:
        extra = sorted({str(s) for s in e.free_symbols} - set(names))
        if extra:
            raise UnknownVariable(extra[0], names, "the expression")
    return names


def unfold_orthant(
    exprs: list[sympy.Expr], variables: object, prior: object, at: object, nonneg: object
) -> tuple[list[sympy.Expr], object, object, str]:
    """Expressions, variables and prior with every active constraint w_j >= 0 unfolded by w_j = s_j², and the note
    that says so (the lift: the same λ and m).

    A constraint is active where w0_j = 0; at w0_j > 0 it is dropped, and w0_j < 0 is an error.
    """
    wanted = parse_names(nonneg, argument="nonneg")
    if not wanted:
        return exprs, variables, prior, ""
    names = names_of(exprs, variables)
    point = parse_point(at)
    for name in wanted:
        if name not in names:
            raise UnknownVariable(name, names, "nonneg")
        if point.get(name, 0) < 0:
            raise OutsideDomain(name, point[name])
    active = [n for n in wanted if point.get(n, 0) == 0]
    even = [n for n in active if all(_even_in(e, sympy.Symbol(n)) for e in exprs)]
    note = (
        f"Constraints {', '.join(even)} >= 0 dropped: f is even in each, and so is the prior |w^h|, so the integral "
        "over the half-space is half the integral over the whole space (same λ and m).\n" if even else ""
    )
    active = [n for n in active if n not in even]
    if not active:
        return exprs, variables, prior, note
    square = {sympy.Symbol(n): sympy.Symbol(n) ** 2 for n in active}
    weight = sympy.Mul(*square)
    base = parse_expression(prior, where="prior") if prior is not None else sympy.Integer(1)
    unfolded = [e.xreplace(square) for e in exprs]
    return unfolded, names, base.xreplace(square) * weight, note + _ORTHANT_NOTE.format(names=", ".join(active))


def _even_in(expr: sympy.Expr, symbol: sympy.Symbol) -> bool:
    """expr(−w_j) = expr(w_j) identically (an exact symbolic check; False when not shown)."""
    return sympy.expand(expr.xreplace({symbol: -symbol}) - expr) == 0


def unfold_germ(g: Germ, h: tuple[int, ...]) -> tuple[Germ, tuple[int, ...], str]:
    """:func:`unfold_orthant` for a :class:`~resolution.Germ` (its constraints are the active ones)."""
    if not g.nonneg:
        return g, h, ""
    mask = g.nonneg_mask
    terms = tuple(sorted((tuple(2 * k if m else k for k, m in zip(e, mask)), c) for e, c in g.terms))
    h = tuple(2 * k + 1 if m else k for k, m in zip(h, mask))
    return Germ(g.variables, terms, frozenset(), g.point), h, _ORTHANT_NOTE.format(names=", ".join(sorted(g.nonneg)))


def primitive(polys: Sequence[sympy.Expr]) -> list[sympy.Expr]:
    """Non-zero polynomials divided by their leading coefficients, without repeats (the same ideal)."""
    monic = []
    for p in polys:
        p = sympy.expand(p)
        if p != 0:
            poly = sympy.Poly(p, *sorted(p.free_symbols, key=str)) if p.free_symbols else sympy.Poly(p)
            monic.append(sympy.expand(p / poly.LC()))
    return sorted(set(monic), key=sympy.default_sort_key)


def _linear_generator(
    polys: Sequence[sympy.Expr], names: Sequence[str], h: Sequence[int]
) -> tuple[sympy.Expr, int] | None:
    """A generator (fewest terms first) and the index of a variable v, free in the prior, in which it is
    A·v + B with A(0) != 0; None when there is none."""
    origin = {sympy.Symbol(n): 0 for n in names}
    for p in sorted(polys, key=lambda q: len(sympy.Add.make_args(q))):
        for j, name in enumerate(names):
            v = sympy.Symbol(name)
            if not h[j] and sympy.degree(p, v) == 1 and p.coeff(v, 1).xreplace(origin) != 0:
                return p, j
    return None


def _eliminate(
    polys: Sequence[sympy.Expr], names: Sequence[str], h: Sequence[int]
) -> tuple[list[sympy.Expr], list[str], list[int], list[str]]:
    """Remove smooth directions: a generator A(w')·v + B(w') with A(0) != 0 (and a prior positive in v).

    v' = v + B/A is an analytic coordinate (Jacobian 1) and the generator is A·v', so
    Σ g_i² ≍ v'² + Σ_j g_j(−B/A, w')² (each g_j changes by v'·(analytic)); the numerators of
    g_j(−B/A, w') (A is a unit) generate the rest, in the variables w' disjoint from v'.  By the
    sum rule for disjoint variables (Lin 2011, Prop. 4.5): λ = 1/2 + λ(rest), m = m(rest).
    """
    polys, names, h, steps = [sympy.expand(p) for p in polys], list(names), list(h), []
    while polys and (found := _linear_generator(polys, names, h)) is not None:
        p, j = found
        v = sympy.Symbol(names[j])
        a, b = p.coeff(v, 1), p.coeff(v, 0)
        rest = []
        for q in polys:
            if q is not p:
                substituted = sympy.expand(sympy.cancel(q.xreplace({v: -b / a}) * a ** sympy.degree(q, v)))
                if substituted != 0:
                    rest.append(substituted)
        steps.append(f"{p} = ({a})·{names[j]} + ({b}) with {a} a unit: {names[j]} eliminated")
        polys = rest
        del names[j], h[j]
    return polys, names, h, steps


def eliminate_smooth(problem: Local) -> Outcome | None:
    """The polynomial ideal after eliminating its smooth directions (:func:`_eliminate`), lifted by
    λ = k/2 + λ(rest) with the same m; a certified k/2 when nothing is left; None when there is no smooth direction.
    """
    rest, kept, hk, steps = _eliminate(problem.exprs, problem.names, problem.h)
    if not steps:
        return None
    count = len(steps)
    head = (
        "Smooth directions removed (v' = v + B/A is an analytic coordinate; sum rule for disjoint variables, "
        "Lin 2011 Prop. 4.5):\n  " + "\n  ".join(steps) + "\n"
    )
    half = sympy.Rational(count, 2)
    if not rest:
        text = head + f"Nothing is left: K ≍ Σ of {count} squared coordinates, λ = {half}, m = 1."
        return RLCT.exact(half, 1, "smooth elimination", text)
    smaller = Local(tuple(rest), tuple(kept), tuple(hk), True, "the origin")

    def lift(inner: RLCT) -> RLCT:
        text = head + f"λ = {count}/2 + λ(⟨{', '.join(map(str, rest))}⟩):\n" + inner.certificate
        if inner.certified:
            return RLCT.exact(half + inner.value, inner.multiplicity, inner.method, text, tree=inner.tree)
        low, high = (None if b is None else half + b for b in inner.bounds)
        return RLCT.bounded(low, high, inner.method, text, tree=inner.tree)

    return Reduction(smaller, lift)


def perfect_power(g: Germ) -> tuple[Germ, int] | None:
    """f = unit·g^e with e >= 2 and g vanishing at 0 (square-free decomposition over Q), if so.

    Only tried on germs within :data:`MAX_POWER_CHECK_TERMS` terms and :data:`MAX_POWER_CHECK_DIM` variables.
    """
    if len(g.terms) > MAX_POWER_CHECK_TERMS or g.dimension > MAX_POWER_CHECK_DIM:
        return None
    symbols = g.symbols()
    poly = sympy.Poly(g.as_expr(), *symbols, domain=sympy.QQ)
    _, factors = poly.sqf_list()
    vanishing = [(p, e) for p, e in factors if p.eval(dict.fromkeys(symbols, 0)) == 0]
    if len(vanishing) != 1 or vanishing[0][1] < 2:
        return None
    base, e = vanishing[0]
    terms = tuple(sorted((tuple(int(k) for k in m), sympy.Rational(c)) for m, c in base.terms()))
    return Germ(g.variables, terms, g.nonneg, g.point), e


def power_reduction(problem: GermProblem, result: RLCT, after: Callable[[RLCT], Outcome]) -> Reduction | None:
    """f = unit·g^e (:func:`perfect_power`): the base g, offered to the closed-form routes only, lifted by
    λ(f) = λ(g)/e; its bounds are intersected with ``result``'s, and ``after`` continues from there."""
    power = perfect_power(problem.germ)
    if power is None:
        return None
    base, e = power
    note = (
        f"f = unit·g^{e} with g = {base.as_expr()} (square-free decomposition over Q), so |f|^z ≍ |g|^({e}z): "
        f"λ(f) = λ(g)/{e} with the same multiplicity. For g:\n"
    )

    def lift(inner: RLCT) -> Outcome:
        if inner.certified:
            return RLCT.exact(inner.value / e, inner.multiplicity, inner.method, note + inner.certificate)
        low = max(result.bounds[0], inner.bounds[0] / e)
        high = min(result.bounds[1], inner.bounds[1] / e)
        return after(RLCT.bounded(low, high, result.method, f"{result.certificate}\nAlso, {note}{inner.certificate}"))

    return Reduction(GermProblem(base, problem.h, False, None, resolvable=False), lift)


def ideal_form(expr: sympy.Expr) -> tuple[list[sympy.Expr], int, str] | None:
    """|f| ≍ (Σ q_i²)^{e/2} read off the *unexpanded* expression, if its form shows it.

    c·b^e (e >= 2) gives ([b], e); a sum of terms c_i·∏ b^(2k) with every c_i > 0 gives the
    square roots ∏ b^k with e = 2 (Σ c_i q_i² ≍ Σ q_i²).

    Examples
    --------
    >>> x, y = sympy.symbols("x y")
    >>> ideal_form((x + y)**2 + 4*x**2*y**4)
    ([x + y, x*y**2], 2, 'f is a sum of positive multiples of squares')
    >>> ideal_form(3*(x - y**2)**3)
    ([x - y**2], 3, 'f = 3·(x - y**2)^3')
    """
    coefficient, rest = expr.as_coeff_Mul()
    if isinstance(rest, sympy.Pow) and rest.exp.is_Integer and rest.exp >= 2:
        scale = "" if coefficient == 1 else f"{coefficient}·"
        return [rest.base], int(rest.exp), f"f = {scale}({rest.base})^{rest.exp}"
    if not isinstance(expr, sympy.Add):
        return None
    roots = []
    for term in expr.args:
        c, monomial = term.as_coeff_Mul()
        powers = monomial.as_powers_dict()
        if c <= 0 or not all(e.is_Integer and e % 2 == 0 for e in powers.values()):
            return None
        roots.append(sympy.Mul(*[b ** (e // 2) for b, e in powers.items()]))
    return roots, 2, "f is a sum of positive multiples of squares"


def gram_form(g: Germ) -> tuple[list[sympy.Expr], str] | None:
    """f = Σ d_i·q_i² (d_i > 0), found by one Gram matrix and checked exactly (:mod:`resolution.squares`):
    the q_i and how, or None.  Then c·Σ q_i² <= f <= C·Σ q_i², so λ(f) = λ(Σ q_i²) with the same m."""
    squares = sum_of_squares(dict(g.terms)) if g.order % 2 == 0 and not g.nonneg else None
    if squares is None:
        return None
    symbols = g.symbols()
    generators = [
        sympy.Add(*[sympy.Rational(c.numerator, c.denominator) * sympy.Mul(*[s**k for s, k in zip(symbols, m)])
                    for m, c in q.items()])
        for _, q in squares
    ]
    weights = ", ".join(str(sympy.Rational(d.numerator, d.denominator)) for d, _ in squares)
    how = (
        f"f = Σ d_i·q_i² with d = ({weights}) > 0, an exact identity (Gram matrix on the half-monomials, "
        "LDLᵀ; resolution.squares): min d_i·Σ q_i² <= f <= max d_i·Σ q_i²"
    )
    return generators, how


def squares_reduction(problem: GermProblem, result: RLCT, squares: tuple[list[sympy.Expr], str]) -> Reduction:
    """λ(f) as the ideal ⟨q_i⟩ of f = Σ d_i·q_i² (:func:`gram_form`), by every route for ideals (smooth directions
    eliminated first); ``result``'s bounds are kept when the ideal is not certified."""
    generators, how = squares
    g = problem.germ

    def lift(inner: RLCT) -> RLCT:
        text = f"{how}, so λ(f) = λ(q_1² + … + q_{len(generators)}²) with the same m:\n{inner.certificate}"
        if inner.certified:
            return RLCT.exact(inner.value, inner.multiplicity, inner.method, text, tree=inner.tree)
        low = max(b for b in (result.bounds[0], inner.bounds[0]) if b is not None)
        high = min((b for b in (result.bounds[1], inner.bounds[1]) if b is not None), default=None)
        return RLCT.bounded(low, high, inner.method, f"{result.certificate}\n{text}", tree=inner.tree)

    return Reduction(Local(tuple(generators), g.variables, tuple(problem.h), True, "the origin"), lift)


def reparametrization(problem: Local, head: str, fallback: Callable[[], RLCT]) -> Reduction | None:
    """Analytic coordinates of one variable each that make the germs polynomial
    (:func:`singular.analytic.reparametrize`), lifted unchanged when certified; ``fallback()`` otherwise."""
    symbols = [sympy.Symbol(n) for n in problem.names]
    changed = reparametrize(list(problem.exprs), symbols)
    if changed is None:
        return None
    polys, steps = changed

    def lift(inner: RLCT) -> RLCT:
        if not inner.certified:
            return fallback()
        text = (
            f"{head}Analytic coordinates {', '.join(steps)} (each φ(u) − φ(0) with φ'(0) != 0: an analytic "
            "diffeomorphism with a unit Jacobian, u = v·unit, so the prior's monomial is kept; "
            f"singular.analytic.reparametrize) make it polynomial: {', '.join(map(str, polys))}.\n{inner.certificate}"
        )
        return RLCT.exact(inner.value, inner.multiplicity, inner.method, text, tree=inner.tree)

    exprs = tuple(polys) if problem.ideal else (polys[0],)
    return Reduction(Local(exprs, problem.names, problem.h, problem.ideal, "the origin"), lift)
