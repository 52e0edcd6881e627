"""Reduced-rank regression: y = B·A·x + noise, A of size H × M, B of size N × H, true rank r.

References
----------
M. Aoyagi and S. Watanabe (2005), "Stochastic complexities of reduced rank regression in
Bayesian estimation", *Neural Networks* 18(7):924-933, Main Theorem (the four cases and
the multiplicity); the same case analysis is implemented in the R package sBIC
(Drton & Plummer 2017, ``learnCoef.ReducedRankRegressions``).
"""

from __future__ import annotations

import sympy

from ..errors import BadModel
from ..models import RegressionModel
from ..rlct import RLCT
from ._common import check_count, formula, identity_block, matrix_symbols, names_of

__all__ = ["rrr", "rrr_model", "rrr_size"]

_PAPER = "Aoyagi & Watanabe (2005)"


def _check(inputs: int, outputs: int, rank: int, true_rank: int) -> None:
    for name, value in (("inputs", inputs), ("outputs", outputs), ("rank", rank)):
        check_count(name, value, minimum=1)
    check_count("true_rank", true_rank)
    if true_rank > min(inputs, outputs, rank):
        raise BadModel(
            "true_rank", true_rank,
            f"the true rank cannot exceed min(inputs, outputs, rank) = {min(inputs, outputs, rank)} "
            "(a rank-H model cannot realise it)",
        )


def rrr(inputs: int, outputs: int, rank: int, true_rank: int = 0) -> RLCT:
    """The learning coefficient of reduced-rank regression (Aoyagi & Watanabe 2005, Main Theorem).

    Parameters
    ----------
    inputs, outputs : int
        M (dimension of x) and N (dimension of y).
    rank : int
        H, the inner dimension of B·A.
    true_rank : int
        r, the rank of the true matrix (r <= min(M, N, H)).

    Returns
    -------
    RLCT
        λ and m, ``method="formula"``, ``source="Aoyagi & Watanabe (2005)"``.

    Examples
    --------
    >>> rrr(5, 5, 3, 0)
    RLCT(value=13/2, multiplicity=2, method='formula', source='Aoyagi & Watanabe (2005)', certified=True)

    Notes
    -----
    With M, N, H, r as above:

    1. if N + r <= M + H, M + r <= N + H and H + r <= M + N:
       λ = [2(H + r)(M + N) − (M − N)² − (H + r)²]/8 with m = 1 when M + N + H + r is even,
       and λ = [2(H + r)(M + N) − (M − N)² − (H + r)² + 1]/8 with m = 2 when it is odd;
    2. if M + H < N + r: λ = (HM − Hr + Nr)/2, m = 1;
    3. if N + H < M + r: λ = (HN − Hr + Mr)/2, m = 1;
    4. if M + N < H + r: λ = MN/2, m = 1.

    The value is global: the minimum over a neighbourhood of the whole true set, attained
    at a point where B and A have rank r.
    """
    _check(inputs, outputs, rank, true_rank)
    M, N, H, r = inputs, outputs, rank, true_rank
    if N + r <= M + H and M + r <= N + H and H + r <= M + N:
        odd = (M + N + H + r) % 2
        value = sympy.Rational(2 * (H + r) * (M + N) - (M - N) ** 2 - (H + r) ** 2 + odd, 8)
        case, multiplicity = f"case 1 (M+N+H+r {'odd' if odd else 'even'})", 1 + odd
    elif M + H < N + r:
        value, case, multiplicity = sympy.Rational(H * M - H * r + N * r, 2), "case 2 (M+H < N+r)", 1
    elif N + H < M + r:
        value, case, multiplicity = sympy.Rational(H * N - H * r + M * r, 2), "case 3 (N+H < M+r)", 1
    else:
        value, case, multiplicity = sympy.Rational(M * N, 2), "case 4 (M+N < H+r)", 1
    certificate = (
        f"Reduced-rank regression with M = {M} inputs, N = {N} outputs, rank H = {H}, true rank r = {r}: "
        f"{case} of the Main Theorem of Aoyagi & Watanabe (2005), λ = {value}, m = {multiplicity}."
    )
    return formula(value, multiplicity, _PAPER, certificate)


def rrr_size(inputs: int, outputs: int, rank: int, true_rank: int = 0) -> tuple[str, int]:
    """The name and the number of parameters H·(M + N) of :func:`rrr_model`, without building it.

    Examples
    --------
    >>> rrr_size(5, 5, 3, 0)
    ('rrr(M=5, N=5, H=3, r=0)', 30)
    """
    _check(inputs, outputs, rank, true_rank)
    return f"rrr(M={inputs}, N={outputs}, H={rank}, r={true_rank})", rank * (inputs + outputs)


def rrr_model(inputs: int, outputs: int, rank: int, true_rank: int = 0) -> RegressionModel:
    """The model y = B·A·x + N(0, I), x ~ N(0, I_M), at the true parameter A0 = B0 = diag(I_r, 0).

    Entries are named ``a{i}_{j}`` (A, H × M) and ``b{i}_{j}`` (B, N × H).

    Examples
    --------
    >>> rrr_model(1, 1, 2, 0).coefficient_ideal().generators
    (a1_1*b1_1 + a2_1*b1_2,)
    """
    _check(inputs, outputs, rank, true_rank)
    A, B = matrix_symbols("a", rank, inputs), matrix_symbols("b", outputs, rank)
    x = sympy.Matrix([sympy.Symbol(f"x{j + 1}") for j in range(inputs)])
    A0, B0 = identity_block(rank, inputs, true_rank), identity_block(outputs, rank, true_rank)
    at = {str(s): v for m, m0 in ((A, A0), (B, B0)) for s, v in zip(m, m0)}
    return RegressionModel(
        list(B * A * x),
        params=names_of([A, B]),
        inputs=[str(s) for s in x],
        at=at,
        name=rrr_size(inputs, outputs, rank, true_rank)[0],
    )
