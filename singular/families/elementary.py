"""Regular models and normal crossings: the two closed forms every other case reduces to."""

from __future__ import annotations

from typing import Sequence

import sympy

from ..errors import BadModel
from ..models import RegressionModel
from ..rlct import RLCT
from ._common import check_count, formula

__all__ = ["normal_crossing", "normal_crossing_model", "regular", "regular_model"]


def regular(d: int) -> RLCT:
    """λ = d/2, m = 1 for a model whose Fisher information is positive definite at w0.

    Examples
    --------
    >>> regular(3)
    RLCT(value=3/2, multiplicity=1, method='formula', source='regular model', certified=True)

    References
    ----------
    Watanabe (2009), *Algebraic Geometry and Statistical Learning Theory*, §1.4 and
    §6 (the regular case of the main formula); Lin (2011), Cor. 4.20 (full-rank Hessian gives (d/2, 1)).
    """
    check_count("d", d, minimum=1)
    value = sympy.Rational(d, 2)
    text = f"Regular model with d = {d} parameters: K has a positive definite Hessian, λ = d/2 = {value}, m = 1."
    return formula(value, 1, "regular model", text)


def regular_model(d: int) -> RegressionModel:
    """Linear regression y = w·x + N(0, 1), x ~ N(0, I_d), at w0 = 0.

    Examples
    --------
    >>> regular_model(2).K()
    w1**2/2 + w2**2/2
    """
    check_count("d", d, minimum=1)
    w = [sympy.Symbol(f"w{j + 1}") for j in range(d)]
    x = [sympy.Symbol(f"x{j + 1}") for j in range(d)]
    return RegressionModel(sum(a * b for a, b in zip(w, x)), params=[str(s) for s in w],
                           inputs=[str(s) for s in x], name=f"regular(d={d})")


def normal_crossing(k: Sequence[int], h: Sequence[int] | None = None) -> RLCT:
    """K = w^k·(unit), prior w^h·(unit): λ = min_j (h_j + 1)/k_j, m = #{j attaining it}.

    Examples
    --------
    >>> normal_crossing([2, 4])
    RLCT(value=1/4, multiplicity=1, method='formula', source='normal crossing', certified=True)

    References
    ----------
    Watanabe (2009), Thm 2.3 / Ch. 2; Lin (2011), Prop. 3.7.
    """
    k = [check_count("k", v) for v in k]
    h = [check_count("h", v) for v in (h if h is not None else [0] * len(k))]
    if len(h) != len(k) or not any(k):
        raise BadModel("k", k, "give one exponent per variable (h of the same length), not all zero")
    ratios = [sympy.Rational(b + 1, a) for a, b in zip(k, h) if a]
    value = min(ratios)
    multiplicity = ratios.count(value)
    text = f"Normal crossing K = w^{tuple(k)}, prior w^{tuple(h)}: λ = min (h_j+1)/k_j = {value}, m = {multiplicity}."
    return formula(value, multiplicity, "normal crossing", text)


def normal_crossing_model(k: Sequence[int]) -> RegressionModel:
    """y = (∏ w_j^(k_j/2))·x + N(0, 1), x ~ N(0, 1), so K = w^k / 2 (every k_j even).

    Examples
    --------
    >>> normal_crossing_model([2, 4]).K()
    w1**2*w2**4/2
    """
    k = [check_count("k", v) for v in k]
    if any(v % 2 for v in k) or not any(k):
        raise BadModel("k", k, "a regression model gives K = (monomial)²: every exponent must be even, not all 0")
    w = [sympy.Symbol(f"w{j + 1}") for j in range(len(k))]
    f = sympy.Mul(*[s ** (v // 2) for s, v in zip(w, k)]) * sympy.Symbol("x")
    return RegressionModel(f, params=[str(s) for s in w], inputs="x", name=f"normal_crossing(k={tuple(k)})")
