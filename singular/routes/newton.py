"""The Newton route: λ = 1/t₀ for a Newton non-degenerate germ, and the closed forms that refine it.

The Newton-polyhedron theorem: if every compact face polynomial f_γ has no zero on the real torus
(R∖{0})^d, then λ = 1/t₀ and m = codim of the τ-face, with τ = h + 1 for the prior w^h (Varchenko 1976,
"Newton polyhedra and estimation of oscillating integrals", *Funct. Anal. Appl.* 10:175-196; Lin 2011,
*Algebraic methods for evaluating integrals in Bayesian statistics*, Ch. 4, Thm 4.15; Watanabe 2009, §7).
Applied to K = f², whose Newton polyhedron is 2Γ₊(f) and whose face polynomials are (f_γ)², the condition
reads "f_γ has no real zero on the torus" and the answer 2·1/(2t₀) = 1/t₀ is the same, so one test serves
f >= 0 and sign-changing f alike.  For a sign-changing f a weaker condition suffices when t₀ > 1 and the prior
is positive: every compact face polynomial is free of *critical points* on the torus (Varchenko's
non-degeneracy); the smooth zero sets it allows only add poles at −1 < −1/t₀ (Varchenko 1976; Arnold,
Gusein-Zade & Varchenko 1988, *Singularities of differentiable maps* vol. II, Ch. 8).

When the condition fails the route still proves bounds: above, λ <= 1/t₀ (|f| <= C·Σ_v |w^v| over the vertices
v); below, 1/ord₀(f), because the real log canonical threshold is at least the complex one (Saito 2007,
arXiv:0707.2308, §1) and the complex one is at least 1/mult₀(f) (Kollár 1997, *Singularities of pairs*,
Lemma 8.10).
"""

from __future__ import annotations

from typing import Callable, Sequence

import sympy

from resolution import BudgetExceeded, Germ, NewtonPolyhedron, torus_critical_free, torus_zero_free

from ..result import RLCT

__all__ = ["closed_form", "lower_bound", "newton"]

#: Face enumeration (Qhull on the minimal points and their unit shifts) is attempted up to this
#: many variables, and from 5 variables on only while the point cloud stays this small: Qhull's
#: cost grows steeply with dimension (measured here: 7 variables, 480 points, about 6 s).
MAX_FACE_ENUMERATION_DIM = 7
MAX_FACE_ENUMERATION_CLOUD = 600


def lower_bound(g: Germ) -> tuple[sympy.Rational, str]:
    """1/ord(f) and why it is a lower bound on λ (Saito 2007; Kollár 1997 Lemma 8.10)."""
    lower = sympy.Rational(1, g.order)
    return lower, (
        f"Lower bound 1/ord(f) = {lower}: the real log canonical threshold is at least the complex "
        "one, which is at least 1/ord (Saito 2007; Kollár 1997 Lemma 8.10)."
    )


def newton(
    g: Germ,
    h: Sequence[int],
    *,
    nonnegative: bool,
    lower: sympy.Rational,
    lower_reason: str,
) -> RLCT:
    """λ(|f|) = 1/t₀ with m = codim of the τ-face when f is Newton non-degenerate (module docstring); otherwise the
    bounds ``lower`` (justified by ``lower_reason``) <= λ <= 1/t₀ and the face that failed.

    ``nonnegative`` says f >= 0 by its form, which lets the torus test use a sum-of-squares argument.

    Examples
    --------
    >>> from resolution import germ
    >>> g = germ("x^6 + x^2*y^2 + y^8")
    >>> newton(g, (0, 0), nonnegative=False, lower=lower_bound(g)[0], lower_reason=lower_bound(g)[1])
    RLCT(value=1/2, multiplicity=2, method='newton', certified=True)
    """
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
        return RLCT.exact(upper, face.codim, "newton", f"{head}\n{reason}\n{theorem}")

    def uncertified(reason: str) -> RLCT:
        text = (
            f"{head}\nNewton bound: λ <= 1/t₀ = {upper}. {lower_reason}\nNot certified by the Newton route: "
            f"{reason}"
        )
        return RLCT.bounded(lower, upper, "newton", text)

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
        return RLCT.exact(upper, face.codim, "newton", f"{head}\n{reason}\n{theorem}")
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
    return RLCT.exact(upper, face.codim, "newton", f"{head}\n{reason}\n{varchenko}")


def closed_form(g: Germ, h: Sequence[int], route: Callable, method: str) -> RLCT | None:
    """A closed-form route that returns (λ, m, certificate) or None (:func:`singular.quasihomogeneous.
    quasi_homogeneous_rlct`, :func:`singular.arrangement.arrangement_rlct`) as a certified result, or None."""
    found = route(g, h)
    if found is None:
        return None
    value, multiplicity, text = found
    return RLCT.exact(value, multiplicity, method, text)
