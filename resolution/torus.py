"""Does a polynomial vanish somewhere on the real torus?

The Newton-polyhedron theorem needs, for every compact face γ, a proof that
the face polynomial f_γ has no zero on the real torus (R∖{0})^d (on the
positive torus (0, ∞) in coordinates constrained to be >= 0).  This module
decides that question exactly where it can, and says "undecided" otherwise;
it never guesses.

Methods, in order (each exact):

1. a single monomial never vanishes on the torus;
2. a sum of even monomials with coefficients of one sign is a sum of squares
   of monomials times a sign, so it has no zero on the torus;
3. a polynomial whose exponents lie on a line, f = x^a0 · Q(x^v) with v
   primitive, vanishes on the torus exactly when Q has a non-zero real root
   (x ↦ x^v maps the torus onto R∖{0} since some v_j is odd); real roots are
   counted by Sturm sequences (sympy ``count_roots``);
4. a quadratic form is zero-free when it is definite (exact Cholesky in sympy);
5. for a polynomial known to be >= 0 and quasi-homogeneous (a face polynomial
   of a non-negative function), a zero on the torus is a critical point
   (f_γ >= 0 attains its minimum there) and conversely Euler's identity
   Σ n_i x_i ∂_i f_γ = c·f_γ (c > 0) makes every critical point a zero; so a
   Gröbner basis {1} for (∂_1 f_γ, …, ∂_d f_γ, 1 − z·x_1⋯x_d) over Q proves
   there is none, even over C;
6. a polynomial whose terms split into blocks in disjoint variables, each
   block zero-free on the torus by these tests (recursively) and of one strict
   sign on every orthant (read at the points (±1, …, ±1)), the same sign for
   every block, has that sign everywhere on the torus, e.g. x² + 2xy + 2y² + z⁴
   or x² + xy² + y⁴ + z⁴;
7. a sign change between two sample points of one orthant proves a zero
   (intermediate value theorem on the connected orthant), as does an exact
   zero at a sample point.

Constrained coordinates are handled by the substitution x_j = s_j², which maps
the real torus in s onto the positive torus in x.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from math import gcd, prod
from typing import Sequence

import sympy

from ._exact import rank
from .germ import format_monomial

__all__ = ["TorusDecision", "torus_critical_free", "torus_zero_free"]

Term = tuple[tuple[int, ...], sympy.Rational]

_GROEBNER_MAX_VARIABLES = 5
_GROEBNER_MAX_TERMS = 30
_SAMPLE_MAX_VARIABLES = 5


@dataclass(frozen=True, slots=True)
class TorusDecision:
    """The answer for one polynomial.

    ``zero_free`` is True (proved: no zero on the torus), False (proved: a
    zero exists) or None (not decided); ``reason`` says how, in words.
    """

    zero_free: bool | None
    reason: str


def _evaluate(terms: Sequence[Term], point: Sequence[int]) -> Fraction:
    return sum(
        (Fraction(int(c.p), int(c.q)) * prod(x**k for x, k in zip(point, e)) for e, c in terms),
        Fraction(0),
    )


def _line_polynomial(terms: Sequence[Term], names: Sequence[str]) -> tuple[sympy.Poly, str]:
    """For exponents on a line, f = x^a0·Q(x^v) with v primitive: Q and a description."""
    exps = [e for e, _ in terms]
    base = exps[0]
    diff = [a - b for a, b in zip(exps[1], base)]
    g = gcd(*diff)
    v = tuple(k // g for k in diff)
    pivot = next(j for j, k in enumerate(v) if k)
    steps = [(e[pivot] - base[pivot]) // v[pivot] for e in exps]
    low = min(steps)
    t = sympy.Symbol("t")
    q = sympy.Poly(sum(c * t ** (s - low) for (_, c), s in zip(terms, steps)), t, domain=sympy.QQ)
    return q, f"exponents on a line: f_γ = monomial·Q(t) with t = {format_monomial(v, names)}, Q = {q.as_expr()}"


def _on_a_line(terms: Sequence[Term], names: Sequence[str]) -> TorusDecision:
    q, head = _line_polynomial(terms, names)
    if q.count_roots() == 0:
        return TorusDecision(True, f"{head}, which has no real root (Sturm count)")
    root = sympy.real_roots(q)[0]
    return TorusDecision(False, f"{head}, which has the real root t = {root}: f_γ vanishes on the torus")


def _quadratic_form(terms: Sequence[Term], d: int, *, nonsingular: bool = False) -> TorusDecision | None:
    if any(sum(e) != 2 for e, _ in terms):
        return None
    matrix = sympy.zeros(d, d)
    for e, c in terms:
        idx = [j for j, k in enumerate(e) for _ in range(k)]
        i, j = idx
        if i == j:
            matrix[i, i] += c
        else:
            matrix[i, j] += c / 2
            matrix[j, i] += c / 2
    used = [j for j in range(d) if any(e[j] for e, _ in terms)]
    sub = matrix.extract(used, used)
    if nonsingular:
        return TorusDecision(True, "a non-singular quadratic form") if sub.det() != 0 else None
    if sub.is_positive_definite or (-sub).is_positive_definite:
        return TorusDecision(True, "a definite quadratic form (exact Cholesky): no real zero but 0")
    return None


def _even_one_signed(terms: Sequence[Term]) -> bool:
    """Test 2: every exponent even and every coefficient of one sign."""
    return len({c > 0 for _, c in terms}) == 1 and all(k % 2 == 0 for e, _ in terms for k in e)


def _orthant_signs(terms: Sequence[Term], d: int) -> set[int]:
    """The signs of the polynomial at the points (±1, …, ±1) of its variables' orthants."""
    used = [j for j in range(d) if any(e[j] for e, _ in terms)]
    signs = set()
    for choice in itertools.product((-1, 1), repeat=len(used)):
        point = [1] * d
        for j, v in zip(used, choice):
            point[j] = v
        value = _evaluate(terms, point)
        signs.add((value > 0) - (value < 0))
    return signs


def _blocks(terms: Sequence[Term], d: int, names: Sequence[str]) -> TorusDecision | None:
    """Test 6: blocks in disjoint variables, each zero-free and of one sign on the whole torus, all the same.

    A block with no zero on the torus has one sign on each (connected) orthant, read off at the
    orthant's point (±1, …, ±1); if that sign is the same on every orthant and for every block,
    their sum has that strict sign everywhere on the torus.
    """
    parent = list(range(d))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for e, _ in terms:
        used = [j for j, k in enumerate(e) if k]
        for j in used[1:]:
            parent[find(j)] = find(used[0])
    groups: dict[int, list[Term]] = {}
    for term in terms:
        used = [j for j, k in enumerate(term[0]) if k]
        groups.setdefault(find(used[0]) if used else -1, []).append(term)
    if len(groups) < 2 or -1 in groups:
        return None
    if any(sum(1 for j in range(d) if any(e[j] for e, _ in block)) > _SAMPLE_MAX_VARIABLES for block in groups.values()):
        return None
    reasons, signs = [], set()
    for block in groups.values():
        decision = torus_zero_free(block, names)
        if decision.zero_free is not True:
            return None
        signs |= _orthant_signs(block, d)
        reasons.append(decision.reason)
    if len(signs) != 1:
        return None
    return TorusDecision(True, f"a sum of {len(groups)} blocks in disjoint variables, each without a zero on the "
                               f"torus and of one strict sign there, the same for all ({'; '.join(reasons)})")


def _groebner(terms: Sequence[Term], d: int) -> TorusDecision | None:
    symbols = sympy.symbols(f"x0:{d}")
    z = sympy.Dummy("z")
    poly = sum(c * sympy.Mul(*(s**k for s, k in zip(symbols, e))) for e, c in terms)
    generators = [sympy.diff(poly, s) for s in symbols] + [1 - z * sympy.Mul(*symbols)]
    basis = sympy.groebner([g for g in generators if g != 0], *symbols, z, order="grevlex", domain=sympy.QQ)
    if list(basis.exprs) == [1]:
        return TorusDecision(True, "f_γ >= 0 and the Gröbner basis of its gradient ideal saturated by "
                                   "x_1⋯x_d is {1}: no critical point, hence no zero, on the torus")
    return None


def _sample(terms: Sequence[Term], d: int, names: Sequence[str]) -> TorusDecision | None:
    values = (-2, -1, 1, 2)
    by_orthant: dict[tuple[bool, ...], tuple[int, int]] = {}
    for point in itertools.product(values, repeat=d):
        value = _evaluate(terms, point)
        where = ", ".join(f"{n}={x}" for n, x in zip(names, point))
        if value == 0:
            return TorusDecision(False, f"f_γ vanishes at ({where})")
        orthant = tuple(x > 0 for x in point)
        signs = by_orthant.setdefault(orthant, (0, 0))
        signs = (signs[0] + (value > 0), signs[1] + (value < 0))
        by_orthant[orthant] = signs
        if signs[0] and signs[1]:
            return TorusDecision(False, f"f_γ changes sign in the orthant of ({where}), so it vanishes "
                                        "there (intermediate value theorem)")
    return None


def _substitute_squares(
    terms: Sequence[Term], names: Sequence[str], nonneg: Sequence[bool] | None
) -> tuple[list[Term], list[str]]:
    """x_j = s_j² in the constrained coordinates: the positive torus in x is the real torus in s."""
    mask = tuple(nonneg) if nonneg is not None else (False,) * len(names)
    terms = [(tuple(2 * k if m else k for k, m in zip(e, mask)), sympy.Rational(c)) for e, c in terms if c != 0]
    return terms, [f"{n}(={n}'^2)" if m else n for n, m in zip(names, mask)]


def torus_critical_free(
    terms: Sequence[Term],
    names: Sequence[str],
    *,
    nonneg: Sequence[bool] | None = None,
) -> TorusDecision:
    """Decide whether a face polynomial f_γ has no critical point on the torus.

    This is Varchenko's non-degeneracy of a face (the gradient of f_γ has no
    zero on the torus).  ``terms`` must be a face polynomial of a compact
    face, hence quasi-homogeneous for a positive weight, so that Euler's
    identity makes every critical point a zero and a zero-free f_γ
    critical-free.  ``zero_free`` in the answer means "critical-point free".

    Examples
    --------
    >>> torus_critical_free([((2, 0), 1), ((0, 3), -1)], "xy").zero_free   # the cusp x^2 - y^3
    True
    >>> torus_critical_free([((2, 0), 1), ((1, 1), 2), ((0, 2), 1)], "xy").zero_free   # (x + y)^2
    False
    """
    zero = torus_zero_free(terms, names, nonneg=nonneg)
    if zero.zero_free:
        return TorusDecision(True, f"{zero.reason} (so no critical point either, by Euler's identity)")
    terms, names = _substitute_squares(terms, names, nonneg)
    d = len(names)
    base = terms[0][0]
    k = rank([[a - b for a, b in zip(e, base)] for e, _ in terms[1:]])
    if k == 1:
        q, head = _line_polynomial(terms, names)
        repeated = sympy.gcd(q, q.diff())
        if repeated.degree() == 0 or repeated.count_roots() == 0:
            return TorusDecision(True, f"{head}, which has no repeated real root: the real zeros of f_γ "
                                       "on the torus are smooth")
        return TorusDecision(False, f"{head}, which has a repeated real root: f_γ is singular on the torus")
    if _quadratic_form(terms, d, nonsingular=True) is not None:
        return TorusDecision(True, "a non-singular quadratic form: its gradient vanishes only at 0")
    if d <= _GROEBNER_MAX_VARIABLES and len(terms) <= _GROEBNER_MAX_TERMS:
        decision = _groebner(terms, d)
        if decision is not None:
            return TorusDecision(True, "the Gröbner basis of the gradient ideal saturated by x_1⋯x_d is {1}: "
                                       "no critical point on the torus")
    return TorusDecision(None, f"undecided: whether a {k}-dimensional face polynomial has a critical point "
                               "on the torus")


def torus_zero_free(
    terms: Sequence[Term],
    names: Sequence[str],
    *,
    nonneg: Sequence[bool] | None = None,
    nonnegative: bool = False,
) -> TorusDecision:
    """Decide whether sum(c·x^e) has no zero on the (real or positive) torus.

    Parameters
    ----------
    terms : sequence of (exponent, Rational)
        The polynomial, with non-zero coefficients.
    names : sequence of str
        Variable names, for the explanation.
    nonneg : sequence of bool, optional
        For each variable, whether it ranges over (0, ∞) instead of R∖{0}.
    nonnegative : bool
        The caller has proved the polynomial >= 0 on that torus (as every face
        polynomial of a non-negative function is); enables the Gröbner test.

    Returns
    -------
    TorusDecision

    Examples
    --------
    >>> torus_zero_free([((4, 0), 1), ((2, 2), 1), ((0, 4), 1)], "xy").zero_free
    True
    >>> torus_zero_free([((2, 0), 1), ((1, 1), 2), ((0, 2), 1)], "xy").reason
    'exponents on a line: f_γ = monomial·Q(t) with t = x^(-1)*y, Q = t**2 + 2*t + 1, which has the real root t = -1: f_γ vanishes on the torus'
    >>> torus_zero_free([((2, 0), 1), ((1, 1), -2), ((0, 2), 1)], "xy", nonneg=[True, True]).zero_free
    False
    >>> torus_zero_free([((2, 0, 0), 1), ((1, 1, 0), 2), ((0, 2, 0), 2), ((0, 0, 4), 1)], "xyz").reason[:34]
    'a sum of 2 blocks in disjoint vari'
    """
    terms, names = _substitute_squares(terms, names, nonneg)
    d = len(names)
    if not terms:
        return TorusDecision(False, "the polynomial is zero")
    if len(terms) == 1:
        return TorusDecision(True, "a single monomial")
    if _even_one_signed(terms):
        return TorusDecision(True, "every term is an even monomial with a coefficient of the same sign")
    base = terms[0][0]
    k = rank([[a - b for a, b in zip(e, base)] for e, _ in terms[1:]])
    if k == 1:
        return _on_a_line(terms, names)
    for method in (
        lambda: _quadratic_form(terms, d),
        lambda: _blocks(terms, d, names),
        lambda: _groebner(terms, d)
        if nonnegative and d <= _GROEBNER_MAX_VARIABLES and len(terms) <= _GROEBNER_MAX_TERMS
        else None,
        lambda: _sample(terms, d, names) if d <= _SAMPLE_MAX_VARIABLES else None,
    ):
        decision = method()
        if decision is not None:
            return decision
    return TorusDecision(None, f"undecided: a {k}-dimensional face polynomial that none of the exact "
                               "tests settles")
