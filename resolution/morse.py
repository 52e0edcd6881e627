"""Morse points: a function with zero value and gradient and a non-degenerate Hessian at 0.

By the Morse lemma (Milnor 1963, *Morse theory*, Lemma 2.2; for analytic f the coordinates
are analytic) such an f is v_1² + … + v_p² − v_(p+1)² − … − v_d² in analytic coordinates v
with Jacobian a unit, so |f| has the threshold of that quadratic form:

* definite (p = d or p = 0): |f| ≍ |v|², λ = d/2, m = 1 (the regular case: Watanabe 2009, §2.4);
* indefinite: one blow-up of the origin resolves the quadric cone.  In the chart v_1 = s,
  v_i = s·t_i the form is s²·Q(1, t) with Jacobian |s|^(d−1), so the exceptional divisor
  gives the pole −d/2; the strict transform Q(1, t) = 0 is smooth (a non-degenerate form has
  no singular point on its projective quadric) and meets the divisor transversally, adding the
  pole −1.  Hence λ = min(d/2, 1) and m = 2 exactly when both are 1 (d = 2: |xy| has λ = 1,
  m = 2), else m = 1 (Arnold, Gusein-Zade & Varchenko 1988, vol. II, §6.1: the oscillation
  index of a Morse critical point; Watanabe 2009, §2.4 for the definite case).
"""

from __future__ import annotations

from typing import Sequence

import sympy

__all__ = ["morse_threshold", "quadratic_part_matrix"]


def quadratic_part_matrix(terms: Sequence[tuple[tuple[int, ...], sympy.Expr]], d: int) -> sympy.Matrix:
    """The Hessian of the degree-2 terms (exponent, coefficient), as an exact symmetric matrix.

    Examples
    --------
    >>> quadratic_part_matrix([((1, 1, 0), 1), ((0, 0, 2), 1)], 3)
    Matrix([
    [0, 1, 0],
    [1, 0, 0],
    [0, 0, 2]])
    """
    hessian = sympy.zeros(d, d)
    for e, c in terms:
        if sum(e) != 2:
            continue
        i, j = [k for k in range(d) for _ in range(e[k])]
        if i == j:
            hessian[i, i] += 2 * c
        else:
            hessian[i, j] += c
            hessian[j, i] += c
    return hessian


def morse_threshold(hessian: sympy.Matrix) -> tuple[sympy.Rational, int, str, str] | None:
    """(λ, m, kind, explanation) of |f| at a Morse point with this Hessian; None if it is degenerate.

    ``kind`` is ``"regular point"`` for a definite Hessian and ``"Morse point"`` otherwise.

    Examples
    --------
    >>> morse_threshold(sympy.Matrix([[0, 1, 0], [1, 0, 0], [0, 0, 2]]))[:2]   # xy + z²
    (1, 1)
    >>> morse_threshold(sympy.Matrix([[0, 1], [1, 0]]))[:2]                      # xy
    (1, 2)
    >>> morse_threshold(sympy.Matrix([[2, 0], [0, 0]])) is None                  # x² + (higher)
    True
    """
    d = hessian.shape[0]
    if d == 0 or hessian.det() == 0:
        return None
    half = sympy.Rational(d, 2)
    if hessian.is_positive_definite or (-hessian).is_positive_definite:
        return half, 1, "regular point", (
            f"one generator with a definite Hessian at 0: by the Morse lemma it is ±(v_1² + … + v_{d}²) in "
            f"analytic coordinates, so λ(I) = d/2 = {half}, m = 1"
        )
    value = min(half, sympy.Integer(1))
    multiplicity = 2 if half == 1 else 1
    return value, multiplicity, "Morse point", (
        f"one generator with a non-degenerate indefinite Hessian at 0 (a Morse point): by the Morse lemma it is "
        f"a non-degenerate indefinite quadratic form in analytic coordinates, whose blow-up at 0 has the divisor "
        f"pole d/2 = {half} and the smooth strict transform's pole 1: λ(I) = min(d/2, 1) = {value}, "
        f"m = {multiplicity} (Milnor 1963 Lemma 2.2; Arnold, Gusein-Zade & Varchenko 1988, vol. II §6.1)"
    )
