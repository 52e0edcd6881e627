"""Pure functions of loss traces: the LLC estimator, R-hat, effective sample size, a trend test.

Every function takes a ``(chains, draws)`` array and returns plain floats or arrays; nothing here
knows about models or samplers.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .errors import BadSetting

__all__ = ["TrendTest", "ess", "llc_from_losses", "rhat", "trend_test"]


def _as_chains(x) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] < 4:
        raise BadSetting("traces", arr.shape, "must be a (chains, draws) array with at least 4 draws")
    return arr


def llc_from_losses(losses, *, nbeta: float, init_loss: float) -> np.ndarray:
    """Per-chain LLC estimates λ̂_c = nβ·(mean_t L(w_{c,t}) − L_n(w*)).

    Parameters
    ----------
    losses : array (chains, draws)
        The loss at each draw of each chain (burn-in removed).
    nbeta : float
        nβ of the tempered posterior the draws come from.
    init_loss : float
        L_n(w*) on the full dataset.

    Examples
    --------
    >>> llc_from_losses([[1.0, 1.2], [1.1, 1.1]], nbeta=10.0, init_loss=1.0)
    array([1., 1.])

    References
    ----------
    Lau et al. (2023), "Quantifying degeneracy in singular models via the learning coefficient",
    Definition 3 (docs/conventions.md#the-llc-estimator); Watanabe (2013), "A widely applicable Bayesian information
    criterion", JMLR 14, Thm 4.
    """
    arr = np.asarray(losses, dtype=float)
    if arr.ndim != 2:
        raise BadSetting("losses", arr.shape, "must be a (chains, draws) array")
    return nbeta * (arr.mean(axis=1) - init_loss)


def _split(x: np.ndarray) -> np.ndarray:
    half = x.shape[1] // 2
    return np.concatenate([x[:, :half], x[:, x.shape[1] - half :]], axis=0)


def rhat(traces) -> float:
    """Split-R̂ of a ``(chains, draws)`` array; ``nan`` when every chain is constant.

    Examples
    --------
    Two chains stuck at different levels are flagged (R̂ far above 1):

    >>> x = np.array([[0.0, 0.1, 0.0, 0.1] * 5, [5.0, 5.1, 5.0, 5.1] * 5])
    >>> rhat(x) > 10
    True

    References
    ----------
    Gelman et al. (2013), *Bayesian Data Analysis*, 3rd ed., §11.4, eq. 11.4.
    """
    x = _split(_as_chains(x=traces))
    n = x.shape[1]
    within = x.var(axis=1, ddof=1).mean()
    between = n * x.mean(axis=1).var(ddof=1)
    if within == 0:
        return math.nan
    var_plus = (n - 1) / n * within + between / n
    return float(math.sqrt(var_plus / within))


def _autocovariance(x: np.ndarray) -> np.ndarray:
    n = x.shape[-1]
    centred = x - x.mean(axis=-1, keepdims=True)
    size = 2 ** math.ceil(math.log2(2 * n))
    spectrum = np.fft.rfft(centred, n=size, axis=-1)
    return np.fft.irfft(spectrum * np.conj(spectrum), n=size, axis=-1)[..., :n] / n


def ess(traces) -> float:
    """Effective sample size of a ``(chains, draws)`` array (split chains, Geyer's initial monotone
    sequence); ``nan`` when every chain is constant.

    Examples
    --------
    Independent draws have an ESS near their number:

    >>> rng = np.random.default_rng(0)
    >>> 3000 < ess(rng.standard_normal((4, 1000))) < 5000
    True

    References
    ----------
    Gelman et al. (2013), *Bayesian Data Analysis*, 3rd ed., §11.5; Geyer (1992), "Practical
    Markov chain Monte Carlo", Statistical Science 7(4), §3.3.
    """
    x = _split(_as_chains(traces))
    m, n = x.shape
    acov = _autocovariance(x)
    within = acov[:, 0].mean() * n / (n - 1)
    var_plus = within * (n - 1) / n + (x.mean(axis=1).var(ddof=1) if m > 1 else 0.0)
    if var_plus == 0:
        return math.nan
    rho = 1 - (within - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0
    tau = -1.0
    previous = math.inf
    for k in range(0, n - 1, 2):
        pair = rho[k] + rho[k + 1]
        if pair < 0:
            break
        pair = min(pair, previous)
        tau += 2 * pair
        previous = pair
    return float(m * n / tau)


class TrendTest(NamedTuple):
    """Geweke's comparison of early and late means of each chain, and their pooled z-score."""

    z_per_chain: tuple[float, ...]
    z: float
    p_value: float
    moving: bool


def trend_test(traces, *, first: float = 0.1, last: float = 0.5, alpha: float = 0.001) -> TrendTest:
    """Is the trace still moving?  Compares the mean of the first ``first`` and last ``last``
    fractions of each chain, with autocorrelation-corrected variances.

    The variance of each segment mean is the variance times the integrated autocorrelation time
    τ = draws / ESS over the segment's length, with variance and τ read off the late segment (the
    one that should be stationary: a drift in the early part would inflate both, and short
    segments give unstable ESS).  The per-chain z-scores are pooled as Σz/√chains (a common drift adds up, noise does not);
    ``moving`` when the two-sided p-value is below ``alpha``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> trend_test(rng.standard_normal((4, 500))).moving
    False
    >>> trend_test(rng.standard_normal((4, 500)) + np.linspace(0, 3, 500)).moving
    True

    References
    ----------
    Geweke (1992), "Evaluating the accuracy of sampling-based approaches to the calculation of
    posterior moments", Bayesian Statistics 4, §3.
    """
    x = _as_chains(traces)
    n = x.shape[1]
    a, b = x[:, : max(4, int(first * n))], x[:, n - max(4, int(last * n)) :]
    zs = []
    for early, late in zip(a, b):
        tau = late.size / _single_ess(late)
        var = np.var(late, ddof=1) * tau * (1 / early.size + 1 / late.size)
        zs.append(float((early.mean() - late.mean()) / math.sqrt(var)) if var > 0 else 0.0)
    z = float(sum(zs) / math.sqrt(len(zs)))
    p = math.erfc(abs(z) / math.sqrt(2))
    return TrendTest(z_per_chain=tuple(zs), z=z, p_value=p, moving=p < alpha)


def _single_ess(chain: np.ndarray) -> float:
    value = ess(chain[None, :])
    return min(value, chain.size) if math.isfinite(value) and value > 0 else 1.0
