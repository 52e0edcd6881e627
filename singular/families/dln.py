"""Deep linear networks: y = W_L ⋯ W_1·x + noise, W_l of size H_l × H_(l-1), true product of rank r.

References
----------
M. Aoyagi (2024), "Consideration on the learning efficiency of multiple-layered neural
networks with linear units", *Neural Networks* 172:106132 (preprint SSRN 4404877),
Theorem 1; restated by Furman & Lau (2024), "Estimating the local learning coefficient at
scale", arXiv:2402.03698, Theorem B.1.
"""

from __future__ import annotations

from itertools import combinations
from typing import Sequence

import sympy

from ..errors import BadModel
from ..models import RegressionModel
from ..rlct import RLCT
from ._common import check_count, formula, identity_block, matrix_symbols, names_of

__all__ = ["dln", "dln_model", "dln_size"]

_PAPER = "Aoyagi (2024)"


def _check(widths: Sequence[int], true_rank: int) -> list[int]:
    widths = [check_count("widths", w, minimum=1) for w in widths]
    if len(widths) < 2:
        raise BadModel("widths", widths, "give the input width and at least one layer (H_0, H_1, ..., H_L)")
    check_count("true_rank", true_rank)
    if true_rank > min(widths):
        raise BadModel("true_rank", true_rank, f"the true rank cannot exceed the smallest width {min(widths)}")
    return widths


def _subset(deficits: list[int]) -> tuple[int, ...]:
    """The index set Σ of Aoyagi (2024), Thm 1: |Σ| = ℓ + 1 with
    max_Σ M < min_Σᶜ M, Σ_Σ M >= ℓ·max_Σ M and Σ_Σ M < ℓ·min_Σᶜ M (conditions on an empty Σᶜ drop).

    The first condition makes Σ the indices of the ℓ + 1 smallest deficits, so only those sets are tried.
    """
    n = len(deficits)
    order = sorted(range(n), key=lambda i: deficits[i])
    for size in range(2, n + 1):
        chosen = tuple(sorted(order[:size]))
        inside = [deficits[i] for i in chosen]
        outside = [deficits[i] for i in order[size:]]
        ell, total = size - 1, sum(inside)
        if outside and not (max(inside) < min(outside) and total < ell * min(outside)):
            continue
        if total >= ell * max(inside):
            return chosen
    raise ArithmeticError(f"no index set Σ satisfies Aoyagi's conditions for M = {deficits}")


def dln(widths: Sequence[int], true_rank: int = 0) -> RLCT:
    """The learning coefficient of a deep linear network (Aoyagi 2024, Thm 1).

    Parameters
    ----------
    widths : sequence of int
        H_0 (input), H_1, …, H_L (output).
    true_rank : int
        r, the rank of the true product matrix.

    Returns
    -------
    RLCT
        λ, and m where the theorem's multiplicity is supported (see Notes); otherwise
        ``multiplicity=None`` with the reason in the certificate.

    Examples
    --------
    >>> dln([2, 3, 4, 5], 1)
    RLCT(value=4, multiplicity=1, method='formula', source='Aoyagi (2024)', certified=True)
    >>> dln([1, 1, 1, 1]).multiplicity is None
    True

    Notes
    -----
    With M_s = H_s − r (s = 0, …, L), Σ the index set of :func:`_subset`, ℓ = |Σ| − 1,
    S = Σ_{s∈Σ} M_s, M̄ = ⌈S/ℓ⌉ and a = S − (M̄ − 1)·ℓ:

        λ = (−r² + r(H_0 + H_L))/2 + a(ℓ − a)/(4ℓ) − ℓ(ℓ − 1)/4·(S/ℓ)² + ½ Σ_{i<j ∈ Σ} M_i M_j.

    The multiplicity is reported as 1 when a = ℓ and as 2 when ℓ = 2, a = 1: there it
    agrees with Aoyagi & Watanabe (2005) for reduced-rank regression (L = 2), and with
    the implementation of Furman & Lau (formula a(ℓ − a) + 1).  For ℓ >= 3 with a < ℓ that
    formula gives values we could not check against the paper's statement, so none is
    reported.
    """
    widths = _check(widths, true_rank)
    r = true_rank
    deficits = [w - r for w in widths]
    chosen = _subset(deficits)
    inside = [deficits[i] for i in chosen]
    ell, total = len(inside) - 1, sum(inside)
    top = -(-total // ell)
    a = total - (top - 1) * ell
    value = (
        sympy.Rational(-(r**2) + r * (widths[0] + widths[-1]), 2)
        + sympy.Rational(a * (ell - a), 4 * ell)
        - sympy.Rational(ell * (ell - 1), 4) * sympy.Rational(total, ell) ** 2
        + sympy.Rational(sum(p * q for p, q in combinations(inside, 2)), 2)
    )
    if a == ell or (ell == 2 and a == 1):
        multiplicity, m_text = a * (ell - a) + 1, f"m = {a * (ell - a) + 1}"
    else:
        multiplicity, m_text = None, f"m not reported (ℓ = {ell} >= 3 with a = {a} < ℓ: not confirmed in the paper)"
    certificate = (
        f"Deep linear network, widths {list(widths)}, true rank r = {r}: M_s = H_s − r = {deficits}, "
        f"Σ = {[i for i in chosen]} (values {inside}), ℓ = {ell}, a = {a}; Aoyagi (2024) Thm 1 gives "
        f"λ = {value}; {m_text}."
    )
    return formula(value, multiplicity, _PAPER, certificate)


def dln_size(widths: Sequence[int], true_rank: int = 0) -> tuple[str, int]:
    """The name and the number of parameters of :func:`dln_model`, without building it.

    Examples
    --------
    >>> dln_size([20, 30, 10, 40, 25], 7)
    ('dln(widths=[20, 30, 10, 40, 25], r=7)', 2300)
    """
    widths = _check(widths, true_rank)
    return f"dln(widths={list(widths)}, r={true_rank})", sum(p * q for p, q in zip(widths, widths[1:]))


def dln_model(widths: Sequence[int], true_rank: int = 0) -> RegressionModel:
    """y = W_L ⋯ W_1·x + N(0, I), x ~ N(0, I), at W_l = diag(I_r, 0) (entries ``w{l}_{i}_{j}``).

    Examples
    --------
    >>> dln_model([1, 1, 1]).K()
    w1_1_1**2*w2_1_1**2/2
    """
    widths = _check(widths, true_rank)
    layers = [matrix_symbols(f"w{l}_", widths[l], widths[l - 1]) for l in range(1, len(widths))]
    x = sympy.Matrix([sympy.Symbol(f"x{j + 1}") for j in range(widths[0])])
    product = x
    for layer in layers:
        product = layer * product
    at = {
        str(s): v
        for l, layer in enumerate(layers, start=1)
        for s, v in zip(layer, identity_block(widths[l], widths[l - 1], true_rank))
    }
    return RegressionModel(
        [sympy.expand(q) for q in product],
        params=names_of(layers),
        inputs=[str(s) for s in x],
        at=at,
        name=dln_size(widths, true_rank)[0],
    )
