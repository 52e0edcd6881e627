"""Exact real log canonical thresholds (learning coefficients) of polynomial germs.

``rlct(f)`` is the RLCT of |f| at a point (docs/conventions.md#sign-changing-functions): the largest pole −λ of
ζ(z) = ∫_U |f(w)|^z φ(w) dw over a small neighbourhood U, with its order m.
For a sign-changing f this equals 2·rlct(f²), and for K >= 0 it is the RLCT
of K itself.

Routes, each exact and each saying why it is certain:

* ``monomial`` — f = c·w^k·(unit) and φ = w^h·(positive):
  λ = min_j (h_j + 1)/k_j, m = #{j attaining it} (Lin 2011, Prop. 3.7;
  Watanabe 2009, Ch. 2; docs/conventions.md#normal-crossing).
* ``newton`` — the Newton-polyhedron theorem: if every compact face
  polynomial f_γ has no zero on the real torus (R∖{0})^d, then
  λ = 1/t₀ and m = codim of the τ-face, with τ = h + 1 for the prior w^h
  (Varchenko 1976, "Newton polyhedra and estimation of oscillating
  integrals", *Funct. Anal. Appl.* 10:175-196; Lin 2011, *Algebraic methods
  for evaluating integrals in Bayesian statistics*, Ch. 4, the theorem for
  "sos-nondegenerate" functions with monomial priors, Thm 4.15 as cited in
  shared/cases; Watanabe 2009, §7).  Applied to K = f², whose Newton polyhedron is 2Γ₊(f)
  and whose face polynomials are (f_γ)², the condition reads "f_γ has no
  real zero on the torus" and the answer 2·1/(2t₀) = 1/t₀ is the same, so
  one test serves f >= 0 and sign-changing f alike.
  For a sign-changing f a weaker condition suffices when t₀ > 1 and the prior
  is positive: every compact face polynomial is free of *critical points* on
  the torus (Varchenko's non-degeneracy); the smooth zero sets it allows only
  add poles at −1 < −1/t₀ (Varchenko 1976; Arnold, Gusein-Zade & Varchenko
  1988, *Singularities of differentiable maps* vol. II, Ch. 8).
  A germ f = unit·g^e (square-free decomposition over Q) has λ(f) = λ(g)/e
  with the same multiplicity, since |f|^z ≍ |g|^(e·z); this is tried when f
  itself is not certified.

When neither route proves the answer, the result is ``certified=False`` with
valid bounds: above, the Newton bound λ <= 1/t₀ (|f| <= C·Σ_v |w^v| over the
vertices v); below, 1/ord₀(f), because the real log canonical threshold is at
least the complex one (Saito 2007, arXiv:0707.2308, §1) and the complex one is
at least 1/mult₀(f) (Kollár 1997, *Singularities of pairs*, Lemma 8.10).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

import sympy

from resolution import (
    BadArgument,
    Budget,
    BudgetExceeded,
    OutsideDomain,
    ParseError,
    UnknownVariable,
    WallClockExceeded,
    Germ,
    NewtonPolyhedron,
    ResolutionTree,
    ZeroGerm,
    format_monomial,
    germ,
    parse_expression,
    parse_names,
    parse_point,
    resolve,
    torus_critical_free,
    torus_zero_free,
    wall_clock,
)
from resolution.morse import morse_threshold, quadratic_part_matrix
from resolution.squares import sum_of_squares

from .analytic import (Truncation, hyperplane_coordinate, is_polynomial, rational_polynomial, reparametrize, taylor,
                       truncate, value_at_origin)
from .errors import NotVanishing, UnknownMethod
from .prior import prior_exponents
from .arrangement import arrangement_rlct
from .quasihomogeneous import quasi_homogeneous_rlct

__all__ = ["RLCT", "rlct"]

METHODS = ("auto", "monomial", "newton", "resolution")

#: Face enumeration (Qhull on the minimal points and their unit shifts) is attempted up to this
#: many variables, and from 5 variables on only while the point cloud stays this small: Qhull's
#: cost grows steeply with dimension (measured here: 7 variables, 480 points, about 6 s).
MAX_FACE_ENUMERATION_DIM = 7
MAX_FACE_ENUMERATION_CLOUD = 600

#: The perfect-power reduction f = unit·g^e is tried on germs up to this size.
MAX_POWER_CHECK_TERMS = 80
MAX_POWER_CHECK_DIM = 6


def _q(value: sympy.Rational | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class RLCT:
    """A real log canonical threshold, how it was obtained, and why it is certain.

    Attributes
    ----------
    value : sympy.Rational or None
        λ when certified, else None (see ``bounds``).
    multiplicity : int or None
        m when certified, else None.
    method : str
        ``"monomial"``, ``"newton"`` or ``"resolution"``.
    certified : bool
        True only when a theorem's hypotheses were verified exactly.
    certificate : str
        In words: the computation and why it is certain, or why not.
    bounds : tuple of (Rational or None, Rational or None)
        Valid lower and upper bounds on λ; both equal ``value`` when certified.
    tree : resolution.ResolutionTree or None
        The resolution tree, for ``method="resolution"``.
    """

    value: sympy.Rational | None
    multiplicity: int | None
    method: str
    certified: bool
    certificate: str
    bounds: tuple[sympy.Rational | None, sympy.Rational | None]
    tree: ResolutionTree | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        if self.certified:
            return (
                f"RLCT(value={self.value}, multiplicity={self.multiplicity}, "
                f"method={self.method!r}, certified=True)"
            )
        low, high = (_q(b) for b in self.bounds)
        return f"RLCT(value=None, bounds=({low}, {high}), method={self.method!r}, certified=False)"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict: exact numbers as strings like ``"1/4"``.

        Examples
        --------
        >>> rlct("x^2*y^4").to_dict()["rlct"]
        '1/4'
        """
        return {
            "rlct": _q(self.value),
            "multiplicity": self.multiplicity,
            "method": self.method,
            "certified": self.certified,
            "lower_bound": _q(self.bounds[0]),
            "upper_bound": _q(self.bounds[1]),
            "certificate": self.certificate,
        }

    def summary(self) -> str:
        """A few human-readable lines: value, multiplicity, method, certificate.

        Examples
        --------
        >>> print(rlct("x^2*y^4").summary().splitlines()[0])
        RLCT 1/4, multiplicity 1 (method: monomial, certified)
        """
        if self.certified:
            head = f"RLCT {self.value}, multiplicity {self.multiplicity} (method: {self.method}, certified)"
        else:
            low, high = (_q(b) or "?" for b in self.bounds)
            head = f"RLCT not certified: {low} <= RLCT <= {high} (method: {self.method})"
        return head + "\n" + "\n".join("  " + line for line in self.certificate.splitlines())


def _manifestly_nonnegative(expr: sympy.Expr) -> bool:
    """True when ``expr`` is >= 0 by its form (sums and products of squares, positive constants)."""
    if isinstance(expr, sympy.Rational):
        return expr >= 0
    if isinstance(expr, sympy.Pow):
        base, power = expr.args
        if isinstance(power, sympy.Integer) and power > 0:
            return power % 2 == 0 or _manifestly_nonnegative(base)
        return False
    if isinstance(expr, (sympy.Add, sympy.Mul)):
        return all(_manifestly_nonnegative(arg) for arg in expr.args)
    return False


def _normal_crossing(g: Germ, h: Sequence[int]) -> RLCT | None:
    """f = c·w^k·(unit) when the componentwise minimum k of the support is itself a term."""
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
    return RLCT(value, len(attained), "monomial", True, certificate, (value, value))


def _newton(
    g: Germ,
    h: Sequence[int],
    *,
    nonnegative: bool,
    lower: sympy.Rational,
    lower_reason: str,
) -> RLCT:
    tau = tuple(k + 1 for k in h)
    terms = g.terms
    if all(c < 0 for _, c in terms):  # |f| = |-f|
        terms = tuple((e, -c) for e, c in terms)
        g = Germ(g.variables, terms, g.nonneg, g.point)
    polyhedron = NewtonPolyhedron(g.support)
    distance = polyhedron.distance(tau)
    t0, face = distance.t0, distance.face
    upper = 1 / t0
    head = (
        f"Newton polyhedron: τ = {tau} (prior exponents + 1), t₀ = {t0} "
        f"(exact LP; supporting normal {tuple(str(v) for v in distance.normal)}), "
        f"τ-face = {face.describe()}, codimension {face.codim}."
    )
    mask = g.nonneg_mask
    torus = "positive torus in " + ", ".join(sorted(g.nonneg)) + ", real torus elsewhere" if g.nonneg else "real torus"
    coefficient = g.coefficients

    def good(e: tuple[int, ...]) -> bool:
        return coefficient[e] > 0 and all(k % 2 == 0 for k, m in zip(e, mask) if not m)

    bad = [p for p in polyhedron.points if not good(p)]
    theorem = (
        "Every compact face polynomial f_γ has no zero on the "
        f"{torus}, so f is Newton non-degenerate and λ = 1/t₀ = {upper}, m = {face.codim} "
        "(Varchenko 1976; Lin 2011 Ch. 4, Thm 4.15)."
    )
    if not bad:
        reason = (
            "Every minimal term of f is c·w^e with c > 0 and e even in each unconstrained variable, "
            "so every face polynomial is positive on the torus."
        )
        return RLCT(upper, face.codim, "newton", True, f"{head}\n{reason}\n{theorem}", (upper, upper))

    def uncertified(reason: str) -> RLCT:
        text = (
            f"{head}\nNewton bound: λ <= 1/t₀ = {upper}. {lower_reason}\nNot certified: {reason}\n"
            "A resolution of singularities is needed to decide (not available yet)."
        )
        return RLCT(None, None, "newton", False, text, (lower, upper))

    cloud = len(polyhedron.points) * (g.dimension + 1)
    if g.dimension > MAX_FACE_ENUMERATION_DIM or (g.dimension > 4 and cloud > MAX_FACE_ENUMERATION_CLOUD):
        return uncertified(
            "terms of mixed sign or odd exponents need a face-by-face check, and face enumeration is "
            f"limited to {MAX_FACE_ENUMERATION_DIM} variables and, from 5 variables on, "
            f"{MAX_FACE_ENUMERATION_CLOUD} hull points (here {g.dimension} variables, {cloud} points)."
        )
    try:
        faces = sorted(
            {face for point in bad for face in polyhedron.compact_faces(containing=point)},
            key=lambda face: (face.dim, face.points),
        )
    except BudgetExceeded as exc:
        return uncertified(str(exc))
    face_terms = [(gamma, g.restrict(gamma.points).terms) for gamma in faces]
    zero_lines, failure = [], None
    for gamma, terms in face_terms:
        decision = torus_zero_free(terms, g.variables, nonneg=mask, nonnegative=nonnegative)
        if decision.zero_free is not True:
            kind = "degenerate on" if decision.zero_free is False else "undecided on"
            failure = f"{kind} the {gamma.describe()}: {decision.reason}."
            break
        zero_lines.append(f"  {gamma.describe()}: {decision.reason}")
    if failure is None:
        checked = "\n".join(zero_lines)
        reason = (
            f"Compact faces with a negative or odd term, checked one by one:\n{checked}\n"
            "Every other compact face holds only positive even terms, so it is positive on the torus."
        )
        return RLCT(upper, face.codim, "newton", True, f"{head}\n{reason}\n{theorem}", (upper, upper))
    if t0 <= 1 or any(h):
        return uncertified(failure)
    # Varchenko's theorem for a real function: critical-point-free faces and t0 > 1 suffice.
    # The faces before the failure are zero-free, so critical-free by Euler's identity.
    critical_lines = [f"{line} (no zero, so no critical point)" for line in zero_lines]
    for gamma, terms in face_terms[len(zero_lines):]:
        decision = torus_critical_free(terms, g.variables, nonneg=mask)
        if decision.zero_free is not True:
            return uncertified(
                f"{failure} Varchenko's weaker condition fails too: on the {gamma.describe()}, {decision.reason}."
            )
        critical_lines.append(f"  {gamma.describe()}: {decision.reason}")
    checked = "\n".join(critical_lines)
    reason = (
        f"f_γ vanishes on the torus ({failure[:-1]}), but no compact face polynomial has a critical "
        f"point there:\n{checked}\n"
        "Every other compact face holds only positive even terms, so it has no zero, hence no critical point."
    )
    varchenko = (
        f"Varchenko non-degenerate with t₀ = {t0} > 1 and a positive prior: λ = 1/t₀ = {upper}, "
        f"m = {face.codim} (Varchenko 1976; Arnold, Gusein-Zade & Varchenko 1988, vol. II, Ch. 8: the "
        "smooth zero sets of the faces only add poles at -1 < -1/t₀)."
    )
    return RLCT(upper, face.codim, "newton", True, f"{head}\n{reason}\n{varchenko}", (upper, upper))


def _perfect_power(g: Germ) -> tuple[Germ, int] | None:
    """f = unit·g^e with e >= 2 and g vanishing at 0 (square-free decomposition over Q), if so.

    Only tried on germs within :data:`MAX_POWER_CHECK_TERMS` terms and
    :data:`MAX_POWER_CHECK_DIM` variables: sympy's multivariate square-free
    decomposition can take minutes on large germs.
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


def _ideal_form(expr: sympy.Expr) -> tuple[list[sympy.Expr], int, str] | None:
    """|f| ≍ (Σ q_i²)^{e/2} read off the *unexpanded* expression, if its form shows it.

    c·b^e (e >= 2) gives ([b], e); a sum of terms c_i·∏ b^(2k) with every c_i > 0 gives the
    square roots ∏ b^k with e = 2 (Σ c_i q_i² ≍ Σ q_i²).
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


def _gram_form(g: Germ) -> tuple[list[sympy.Expr], str] | None:
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


def _squares_route(squares: tuple[list[sympy.Expr], str], g: Germ, h: Sequence[int], result: RLCT,
                   budget: Budget) -> RLCT:
    """λ(f) as the ideal ⟨q_i⟩ of f = Σ d_i·q_i² (:func:`_gram_form`), by every route for ideals
    (smooth directions eliminated first); ``result``'s bounds are kept when it does not certify."""
    generators, how = squares
    prior = "*".join(f"{n}**{k}" for n, k in zip(g.variables, h) if k) or None
    inner = _rlct(generators, g.variables, prior, None, (), "auto", budget, 8)
    text = f"{how}, so λ(f) = λ(q_1² + … + q_{len(generators)}²) with the same m:\n{inner.certificate}"
    if inner.certified:
        return RLCT(inner.value, inner.multiplicity, inner.method, True, text, inner.bounds, inner.tree)
    low = max(b for b in (result.bounds[0], inner.bounds[0]) if b is not None)
    high = min((b for b in (result.bounds[1], inner.bounds[1]) if b is not None), default=None)
    return RLCT(None, None, inner.method, False, f"{result.certificate}\n{text}", (low, high), inner.tree)


def _resolution(
    expr: sympy.Expr | None,
    g: Germ,
    h: Sequence[int],
    budget: Budget,
    *,
    lower: sympy.Rational,
    upper: sympy.Rational,
    bound_reason: str,
) -> RLCT:
    """λ(f) by resolving the ideal that f's form gives (see :func:`_ideal_form`), then dividing by e."""
    names = g.variables
    form = _ideal_form(expr) if expr is not None else None
    if form is not None:
        symbols = {n: sympy.Symbol(n) for n in names}
        shift = {symbols[n]: symbols[n] + p for n, p in zip(names, g.point) if p}
        generators = [sympy.expand(q.xreplace(shift)) for q in form[0]]
        e, how = form[1], form[2]
    else:
        power = _perfect_power(g)
        if power is not None:
            generators, e = [power[0].as_expr()], power[1]
            how = f"f = unit·({generators[0]})^{e} (square-free decomposition over Q)"
        elif (squares := _gram_form(g)) is not None:
            generators, e, how = squares[0], 2, squares[1]
        else:
            generators, e, how = [g.as_expr()], 1, ""
    ideal = ", ".join(str(q) for q in generators)
    reduction = (
        f"{how}, so |f|^z ≍ (Σ q_i²)^(e·z/2) for the ideal ⟨{ideal}⟩ with e = {e}: λ(f) = λ(ideal)/{e}, same m.\n"
        if e != 1 or len(generators) > 1
        else ""
    )
    tree = resolve(generators, names, measure=h, budget=budget)
    tree.graph["power"] = e
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
        return RLCT(value, multiplicity, "resolution", True, certificate, (value, value), tree)
    reasons = sorted({d["reason"] for _, d in tree.nodes(data=True) if d["status"] == "open"})
    if best is not None:
        upper = min(upper, best[0] / e)
    text = (
        f"{reduction}Resolution not finished ({size}): {'; '.join(reasons)}.\n"
        f"{bound_reason} Upper bound {upper}: the Newton bound, and the threshold of every resolved leaf."
    )
    return RLCT(None, None, "resolution", False, text, (lower, upper), tree)


def _germ_rlct(
    g: Germ,
    h: Sequence[int],
    *,
    nonnegative: bool,
    method: str,
    expr: sympy.Expr | None = None,
    budget: Budget | None = None,
) -> RLCT:
    if method in ("auto", "monomial"):
        result = _normal_crossing(g, h)
        if result is not None:
            return result
    if method == "auto":
        result = _morse(g, h)
        if result is not None:
            return result
    lower = sympy.Rational(1, g.order)
    lower_reason = (
        f"Lower bound 1/ord(f) = {lower}: the real log canonical threshold is at least the complex "
        "one, which is at least 1/ord (Saito 2007; Kollár 1997 Lemma 8.10)."
    )
    result = _newton(g, h, nonnegative=nonnegative, lower=lower, lower_reason=lower_reason)
    if method == "resolution":
        return _resolution(expr, g, h, budget, lower=lower, upper=result.bounds[1], bound_reason=lower_reason)
    if method == "monomial":
        return RLCT(
            None,
            None,
            "monomial",
            False,
            "f is not a monomial times a unit (the minimum of its exponents is not a term), so the "
            f"normal-crossing formula does not apply. {lower_reason} Newton bound: λ <= {result.bounds[1]}.",
            (lower, result.bounds[1]),
        )
    if not result.certified and method == "auto":
        result = _closed_route(g, h, result, quasi_homogeneous_rlct, "quasi-homogeneous")
    if not result.certified and method == "auto":
        result = _closed_route(g, h, result, arrangement_rlct, "hyperplane arrangement")
    if not result.certified:
        result = _power_of_newton(g, h, result, method)
    if result.certified or method != "auto" or budget is None:
        return result
    if expr is None or _ideal_form(expr) is None:
        squares = _gram_form(g)
        if squares is not None:
            return _squares_route(squares, g, h, result, budget)
    low, high = result.bounds
    resolved = _resolution(expr, g, h, budget, lower=low, upper=high, bound_reason=lower_reason)
    if resolved.certified:
        return resolved
    low, high = max(result.bounds[0], resolved.bounds[0]), min(result.bounds[1], resolved.bounds[1])
    text = f"{result.certificate}\nResolution of singularities: {resolved.certificate}"
    return RLCT(None, None, "resolution", False, text, (low, high), resolved.tree)


def _morse(g: Germ, h: Sequence[int]) -> RLCT | None:
    """f of order 2 with a non-degenerate quadratic part and a positive prior (:mod:`resolution.morse`)."""
    if any(h) or g.order != 2:
        return None
    found = morse_threshold(quadratic_part_matrix(g.terms, g.dimension))
    if found is None:
        return None
    value, multiplicity, kind, text = found
    text = f"f has order 2 at the point: {text.replace('λ(I)', 'λ')}."
    return RLCT(value, multiplicity, kind, True, text, (value, value))


def _closed_route(g: Germ, h: Sequence[int], result: RLCT, route, method: str) -> RLCT:
    """A route that returns (λ, m, certificate) or None (:mod:`singular.quasihomogeneous`,
    :mod:`singular.arrangement`); ``result`` when it does not apply."""
    found = route(g, h)
    if found is None:
        return result
    value, multiplicity, text = found
    return RLCT(value, multiplicity, method, True, text, (value, value))


def _power_of_newton(g: Germ, h: Sequence[int], result: RLCT, method: str) -> RLCT:
    """Newton on g when f = unit·g^e (see :func:`_perfect_power`); ``result`` when that does not apply."""
    power = _perfect_power(g)
    if power is None:
        return result
    base, e = power
    inner = _germ_rlct(base, h, nonnegative=False, method=method)
    note = (
        f"f = unit·g^{e} with g = {base.as_expr()} (square-free decomposition over Q), so |f|^z ≍ |g|^({e}z): "
        f"λ(f) = λ(g)/{e} with the same multiplicity. For g:\n"
    )
    if inner.certified:
        value = inner.value / e
        return RLCT(value, inner.multiplicity, inner.method, True, note + inner.certificate, (value, value))
    low = max(result.bounds[0], inner.bounds[0] / e)
    high = min(result.bounds[1], inner.bounds[1] / e)
    return RLCT(None, None, result.method, False, f"{result.certificate}\nAlso, {note}{inner.certificate}", (low, high))


def _primitive(polys: Sequence[sympy.Expr]) -> list[sympy.Expr]:
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


def _localize(
    exprs: Sequence[sympy.Expr], variables: Iterable[str] | str | None, prior: object, at: object
) -> tuple[tuple[str, ...], list[sympy.Expr], tuple[int, ...], str]:
    """Names, the expressions in local coordinates at the point, the prior's exponents there, the point as text.

    Raises UnknownVariable for a name outside ``variables`` and NotVanishing when an expression is not 0 there.
    """
    names = _names(exprs, variables)
    point = parse_point(at)
    for name in point:
        if name not in names:
            raise UnknownVariable(name, names, "the point")
    symbols = [sympy.Symbol(n) for n in names]
    shift = {s: s + point[str(s)] for s in symbols if point.get(str(s), 0) != 0}
    local = [e.xreplace(shift) for e in exprs]
    where = "(" + ", ".join(f"{n}={point.get(n, 0)}" for n in names) + ")"
    for e in local:
        value = value_at_origin(e, symbols)
        if value != 0:
            raise NotVanishing(value, where)
    h = tuple(0 if point.get(n, 0) != 0 else k for n, k in zip(names, prior_exponents(prior, names)))
    return names, local, h, where


def _smooth_reduction(
    exprs: Sequence[sympy.Expr], variables: Iterable[str] | str | None, prior: object, at: object, *,
    method: str, budget: Budget, max_order: int,
) -> RLCT | None:
    """λ of the ideal after eliminating its smooth directions (see :func:`_eliminate`), if any."""
    names, local, h, _ = _localize(exprs, variables, prior, at)
    rest, kept, hk, steps = _eliminate(local, names, h)
    if not steps:
        return None
    count = len(steps)
    head = (
        "Smooth directions removed (v' = v + B/A is an analytic coordinate; sum rule for disjoint variables, "
        "Lin 2011 Prop. 4.5):\n  " + "\n  ".join(steps) + "\n"
    )
    if not rest:
        value = sympy.Rational(count, 2)
        text = head + f"Nothing is left: K ≍ Σ of {count} squared coordinates, λ = {value}, m = 1."
        return RLCT(value, 1, "smooth elimination", True, text, (value, value))
    prior_rest = "*".join(f"{n}**{k}" for n, k in zip(kept, hk) if k) or None
    inner = _rlct(rest, kept, prior_rest, None, (), method, budget, max_order)
    half = sympy.Rational(count, 2)
    text = head + f"λ = {count}/2 + λ(⟨{', '.join(map(str, rest))}⟩):\n" + inner.certificate
    if inner.certified:
        value = half + inner.value
        return RLCT(value, inner.multiplicity, inner.method, True, text, (value, value), inner.tree)
    low, high = (None if b is None else half + b for b in inner.bounds)
    return RLCT(None, None, inner.method, False, text, (low, high), inner.tree)


def _names(exprs: Sequence[sympy.Expr], variables: Iterable[str] | str | None) -> tuple[str, ...]:
    if variables is None:
        return tuple(sorted({str(s) for e in exprs for s in e.free_symbols}))
    names = parse_names(variables, argument="variables")
    for e in exprs:
        extra = sorted({str(s) for s in e.free_symbols} - set(names))
        if extra:
            raise UnknownVariable(extra[0], names, "the expression")
    return names


def _analytic(
    exprs: Sequence[sympy.Expr],
    *,
    ideal: bool,
    variables: Iterable[str] | str | None,
    prior: object,
    at: Mapping[str, object] | str | None,
    method: str,
    budget: Budget,
    max_order: int,
) -> RLCT:
    """λ of |f| (or of Σ g_i² for an ideal) for analytic germs: a certified truncation; else analytic coordinates
    that make the germs polynomial (:func:`singular.analytic.reparametrize`); else, for one function, a Morse point."""
    names, local, h, where = _localize(exprs, variables, prior, at)
    symbols = [sympy.Symbol(n) for n in names]
    cut = truncate(local, symbols, max_order=max_order)
    head = f"Analytic {'ideal' if ideal else 'function'} expanded exactly at {where}. "
    result = _from_truncation(cut, names, h, ideal=ideal, method=method, budget=budget, head=head)
    if result.certified:
        return result
    changed = reparametrize(local, symbols)
    if changed is not None:
        polys, steps = changed
        prior_text = "*".join(f"{n}**{k}" for n, k in zip(names, h) if k) or None
        inner = _rlct(polys if ideal else polys[0], names, prior_text, None, (), method, budget, max_order)
        text = (
            f"{head}Analytic coordinates {', '.join(steps)} (each φ(u) − φ(0) with φ'(0) != 0: an analytic "
            "diffeomorphism with a unit Jacobian, u = v·unit, so the prior's monomial is kept; "
            f"singular.analytic.reparametrize) make it polynomial: {', '.join(map(str, polys))}.\n{inner.certificate}"
        )
        if inner.certified:
            return RLCT(inner.value, inner.multiplicity, inner.method, True, text, inner.bounds, inner.tree)
    factored = len(local) == 1 and hyperplane_coordinate(local[0], symbols, h, cut.monomial, power=2 if ideal else 1)
    if factored:
        return RLCT(factored[0], factored[1], "monomial", True, head + factored[2], (factored[0],) * 2)
    if len(local) == 1 and not any(h):
        morse = _analytic_morse(local[0], symbols, 2 if ideal else 1)
        if morse is not None:
            return morse
    return result


def _analytic_morse(expr: sympy.Expr, symbols: Sequence[sympy.Symbol], power: int) -> RLCT | None:
    """λ(|f|^power) for an analytic f with f(0) = 0, ∇f(0) = 0 and a non-degenerate Hessian at 0, a positive
    prior (:mod:`resolution.morse`: the Morse lemma holds with analytic coordinates): λ(|f|)/power, same m."""
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
    return RLCT(value, multiplicity, kind, True, text, (value, value))


def _from_truncation(
    cut: Truncation,
    names: Sequence[str],
    h: Sequence[int],
    *,
    ideal: bool,
    method: str,
    budget: Budget,
    head: str,
) -> RLCT:
    """The RLCT that a truncation of analytic germs (see :mod:`singular.analytic`) proves, or bounds."""
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
        return RLCT(sympy.Integer(1), 1, "smooth point", True, text, (sympy.Integer(1),) * 2)
    if not cut.certified:
        return RLCT(None, None, "analytic", False, f"{head}{cut.explanation}\n{lower_reason}", (lower, None))
    if cut.scope == "ideal":
        target = sympy.Add(*[q**2 for q in cut.generators]) if ideal else cut.generators[0]
        g = germ(target, variables=names)
        inner = _germ_rlct(g, h, nonnegative=ideal, method=method, expr=target, budget=budget)
    elif method in ("auto", "newton"):
        g = germ(cut.generators[0], variables=names)
        inner = _normal_crossing(g, h) or _newton(
            g, h, nonnegative=False, lower=lower or sympy.Rational(1, g.order), lower_reason=lower_reason
        )
    else:
        text = f"{head}{cut.explanation}\nOnly the Newton route is valid for this truncation, not method={method!r}."
        return RLCT(None, None, method, False, text, (lower, None))
    text = f"{head}{cut.explanation}\n{inner.certificate}"
    return RLCT(inner.value, inner.multiplicity, inner.method, inner.certified, text, inner.bounds, inner.tree)


def rlct(
    f: str | sympy.Expr | Germ | Sequence[str | sympy.Expr],
    *,
    variables: Iterable[str] | str | None = None,
    prior: str | sympy.Expr | None = None,
    at: Mapping[str, object] | str | None = None,
    nonneg: Iterable[str] | str = (),
    method: str = "auto",
    max_depth: int = 40,
    max_charts: int = 2000,
    max_terms: int = 2_000_000,
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
    max_depth, max_charts, max_terms : deterministic budgets of the resolution
        Depth and charts of the tree, and polynomial terms built (:class:`resolution.Budget`).
        Over budget, the result is uncertified with the best bounds found; the same input and
        budget give the same answer on any machine, however loaded.
    seconds : float or None
        A wall-clock cut-off from the start (parsing included), default none.  It only stops a
        run: the result is then uncertified (``method="stopped"``, bounds unknown) and says
        that the clock, not a budget, stopped it.
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

    Notes
    -----
    With the default positive prior and K >= 0, λ is the learning
    coefficient of a model with Kullback-Leibler divergence K (docs/conventions.md#the-learning-coefficient).
    For an ideal ⟨g_1, …, g_k⟩ pass K = g_1² + … + g_k²; Lin (2011) would
    call 2·λ the RLCT of the ideal.
    """
    if method not in METHODS:
        raise UnknownMethod(method, METHODS)
    budget = Budget(max_depth, max_charts, max_terms, seconds)
    return within(budget, lambda: _rlct(f, variables, prior, at, nonneg, method, budget, max_order))


def within(budget: Budget, compute: Callable[[], RLCT]) -> RLCT:
    """``compute()`` under the budget's wall-clock cut-off: an uncertified result saying so when it runs out."""
    try:
        with wall_clock(budget.seconds):
            return compute()
    except WallClockExceeded as exc:
        return RLCT(None, None, "stopped", False, f"Not certified: {exc}.", (None, None))


def _rlct(f, variables, prior, at, nonneg, method: str, budget: Budget, max_order: int) -> RLCT:
    """:func:`rlct` after its budget is set."""
    if isinstance(f, Germ):
        if variables is not None or at is not None or nonneg:
            raise BadArgument("f", f, "variables, at and nonneg are fixed by a Germ: build the germ with them, or "
                                      "pass the expression")
        g, h, note = _unfold_germ(f, _local_prior(prior, f))
        return _noted(_checked_germ_rlct(g, h, f, nonnegative=False, method=method, expr=None, budget=budget), note)
    ideal = isinstance(f, (list, tuple))
    if ideal and not f:
        raise ParseError("[]", "an ideal needs at least one generator")
    exprs = [parse_expression(q) for q in (f if ideal else [f])]
    exprs, variables, prior, note = _unfold_orthant(exprs, variables, prior, at, nonneg)
    options = dict(variables=variables, prior=prior, at=at, method=method, budget=budget, max_order=max_order)
    # constants that simplify to rationals (cos(1)² + sin(1)² − 1) make no germ analytic: same polynomial, exactly
    exprs = [rational_polynomial(e, list(e.free_symbols)) or e for e in exprs]
    if not all(is_polynomial(e, list(e.free_symbols)) for e in exprs):
        return _noted(_analytic(exprs, ideal=ideal, **options), note)
    if ideal:
        reduced = _smooth_reduction(exprs, variables, prior, at, method=method, budget=budget, max_order=max_order)
        if reduced is not None:
            return _noted(reduced, note)
        expr = sympy.Add(*[e**2 for e in _primitive(exprs)])
    else:
        (expr,) = exprs
    try:
        g = germ(expr, variables=variables, at=at, max_terms=budget.max_germ_terms)
    except BudgetExceeded as exc:
        text = f"{note}Not certified: {exc} (max_germ_terms); no route was tried."
        return RLCT(None, None, "stopped", False, text, (None, None))
    nonnegative = _manifestly_nonnegative(expr)
    return _noted(_checked_germ_rlct(g, _local_prior(prior, g), f, nonnegative=nonnegative, method=method, expr=expr,
                                     budget=budget), note)


def _local_prior(prior: object, g: Germ) -> tuple[int, ...]:
    """The prior's exponents at the germ's point: factors w_j^h_j with w0_j != 0 are units there."""
    h = prior_exponents(prior, g.variables)
    return tuple(0 if p != 0 else k for k, p in zip(h, g.point)) if g.point else h


def _checked_germ_rlct(g: Germ, h: Sequence[int], f: object, **options: object) -> RLCT:
    """:func:`_germ_rlct` after the checks that f is non-zero and vanishes at the point."""
    if g.is_zero:
        raise ZeroGerm(str(f))
    if g.constant_term != 0:
        where = ", ".join(f"{v}={p}" for v, p in zip(g.variables, g.point)) or "the origin"
        raise NotVanishing(g.constant_term, f"({where})")
    return _germ_rlct(g, h, **options)


_ORTHANT_NOTE = (
    "Sign constraints {names} >= 0 unfolded: w_j = s_j² maps R onto [0, ∞) two-to-one with dw_j = 2|s_j|·ds_j, so "
    "∫_(w_j >= 0) |f|^z w^h dw = ½ ∫ |f(…, s_j², …)|^z |s_j|^(2h_j + 1) ds: the same (λ, m) for f(s²) with the "
    "prior exponent 2h_j + 1 and no constraint (each s_j is named like its w_j below).\n"
)


def _unfold_orthant(
    exprs: list[sympy.Expr], variables: object, prior: object, at: object, nonneg: object
) -> tuple[list[sympy.Expr], object, object, str]:
    """Expressions, variables and prior with every active constraint w_j >= 0 unfolded by w_j = s_j².

    A constraint is active where w0_j = 0; at w0_j > 0 it is dropped, and w0_j < 0 is an error.
    """
    wanted = parse_names(nonneg, argument="nonneg")
    if not wanted:
        return exprs, variables, prior, ""
    names = _names(exprs, variables)
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


def _unfold_germ(g: Germ, h: tuple[int, ...]) -> tuple[Germ, tuple[int, ...], str]:
    """:func:`_unfold_orthant` for a :class:`~resolution.Germ` (its constraints are the active ones)."""
    if not g.nonneg:
        return g, h, ""
    mask = g.nonneg_mask
    terms = tuple(sorted((tuple(2 * k if m else k for k, m in zip(e, mask)), c) for e, c in g.terms))
    h = tuple(2 * k + 1 if m else k for k, m in zip(h, mask))
    return Germ(g.variables, terms, frozenset(), g.point), h, _ORTHANT_NOTE.format(names=", ".join(sorted(g.nonneg)))


def _noted(result: RLCT, note: str) -> RLCT:
    """``result`` with ``note`` before its certificate."""
    if not note:
        return result
    return RLCT(result.value, result.multiplicity, result.method, result.certified, note + result.certificate,
                result.bounds, result.tree)
