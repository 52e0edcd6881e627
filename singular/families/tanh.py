"""One-hidden-layer tanh networks fitting the zero function: y = Σ_h a_h·tanh(b_h·x) + noise.

References
----------
M. Aoyagi and S. Watanabe (2005), "Resolution of singularities and the generalization
error with Bayesian estimation for layered neural network", *IEICE Trans.* J88-D-II(10):
2112-2124 (in Japanese); restated in S. Watanabe (2009), *Algebraic Geometry and
Statistical Learning Theory*, Ch. 7 (the three-layered network example).  The theorem
number in either text could not be checked here.
"""

from __future__ import annotations

import sympy

from ..models import RegressionModel
from ..rlct import RLCT
from ._common import check_count, formula

__all__ = ["tanh", "tanh_ideal", "tanh_model", "tanh_size"]

_PAPER = "Aoyagi & Watanabe (2005)"


def tanh(hidden: int) -> RLCT:
    """λ = (H + i² + i)/(4i + 2) with i = max{j : j² <= H}; m = 2 when H = i², else 1.

    Examples
    --------
    >>> tanh(2)
    RLCT(value=2/3, multiplicity=1, method='formula', source='Aoyagi & Watanabe (2005)', certified=True)

    Notes
    -----
    For x with a distribution whose support has an accumulation point (uniform on
    [−1, 1] here) and a prior positive at the origin.  When H = i², the function
    g(j) = (H + j² + j)/(4j + 2) takes its minimum at j = i − 1 and j = i alike, hence m = 2.
    """
    check_count("hidden", hidden, minimum=1)
    i = int(sympy.sqrt(hidden))
    value = sympy.Rational(hidden + i * i + i, 4 * i + 2)
    multiplicity = 2 if i * i == hidden else 1
    text = (
        f"tanh network with H = {hidden} hidden units fitting 0: i = {i}, λ = (H + i² + i)/(4i + 2) = {value}, "
        f"m = {multiplicity} (Aoyagi & Watanabe 2005; Watanabe 2009, Ch. 7)."
    )
    return formula(value, multiplicity, _PAPER, text)


def tanh_size(hidden: int) -> tuple[str, int]:
    """The name and the number of parameters 2H of :func:`tanh_model`, without building it.

    Examples
    --------
    >>> tanh_size(3)
    ('tanh(H=3)', 6)
    """
    check_count("hidden", hidden, minimum=1)
    return f"tanh(H={hidden})", 2 * hidden


def tanh_model(hidden: int) -> RegressionModel:
    """y = Σ_h a_h·tanh(b_h·x) + N(0, 1), x ~ U[−1, 1], at the origin (true function 0).

    Examples
    --------
    >>> tanh_model(1).rlct()
    RLCT(value=1/2, multiplicity=2, method='monomial', certified=True)
    """
    check_count("hidden", hidden, minimum=1)
    x = sympy.Symbol("x")
    a = [sympy.Symbol(f"a{h + 1}") for h in range(hidden)]
    b = [sympy.Symbol(f"b{h + 1}") for h in range(hidden)]
    return RegressionModel(
        sum(p * sympy.tanh(q * x) for p, q in zip(a, b)),
        params=[str(s) for s in a + b],
        inputs="x",
        input_dist="uniform",
        name=tanh_size(hidden)[0],
    )


def tanh_ideal(hidden: int) -> list[sympy.Expr]:
    """Generators ⟨p_1, p_3, …, p_(2H−1)⟩, p_k = Σ_h a_h b_h^k, of an ideal equivalent to K at 0.

    Examples
    --------
    >>> tanh_ideal(2)
    [a1*b1 + a2*b2, a1*b1**3 + a2*b2**3]

    Notes
    -----
    The coefficient of x^(2k−1) in Σ a_h tanh(b_h x) is t_k·p_(2k−1), where t_k != 0 is the
    k-th odd Taylor coefficient of tanh.  Every p_(2k−1) with k > H lies in the ideal of the
    first H: each b_h² is a root of ∏_j (s − b_j²) = s^H − e_1 s^(H−1) + … ± e_H, so
    b_h^(2H) = Σ_(i>=1) ±e_i b_h^(2H−2i); multiplying by a_h b_h^(2k−1) and summing over h gives
    p_(2k−1+2H) = Σ_i ±e_i p_(2k−1+2H−2i) (Watanabe 2009, Ch. 7).  The tests check this
    membership by a Gröbner basis for small H.
    """
    check_count("hidden", hidden, minimum=1)
    a = [sympy.Symbol(f"a{h + 1}") for h in range(hidden)]
    b = [sympy.Symbol(f"b{h + 1}") for h in range(hidden)]
    return [sum(p * q ** (2 * k - 1) for p, q in zip(a, b)) for k in range(1, hidden + 1)]
