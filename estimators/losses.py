"""Per-sample average negative log-likelihoods and the default inverse temperature.

Every estimate in this package reads a loss in the units of docs/conventions.md#loss-units: the average negative
log-likelihood per sample, in nats.  Raw mean squared error is *not* such a loss: it is
2σ²·(NLL − const), so sampling exp(−nβ·MSE) samples the NLL posterior at the inverse temperature
2σ²·nβ.  That leaves the LLC λ alone and changes the temperature: the estimate then aims at the
finite-temperature target λ(2σ²·nβ, γ) while the result records nβ (docs/conventions.md#loss-units).  The helpers
below give the NLL, so that the recorded nβ is the one sampled.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from .errors import BadSetting

__all__ = ["cross_entropy_nll", "default_nbeta", "gaussian_nll"]

LossFn = Callable[[Tensor, Tensor], Tensor]


def gaussian_nll(sigma: float = 1.0) -> LossFn:
    """The average NLL of y = f(x, w) + N(0, σ²), as a function ``(output, target) -> scalar``.

    Parameters
    ----------
    sigma : float
        The noise standard deviation σ > 0 of the regression model.

    Returns
    -------
    callable
        ``loss(output, target) = mean((target - output)²) / (2σ²) + log(σ√(2π))``, averaged over
        the samples (the first axis) and summed over output coordinates.

    Raises
    ------
    BadSetting
        If σ is not a positive finite number.

    Examples
    --------
    >>> loss = gaussian_nll(sigma=0.5)
    >>> round(float(loss(torch.zeros(4), torch.ones(4))), 6)
    2.225791
    >>> loss
    gaussian_nll(sigma=0.5)

    Notes
    -----
    L_n(w) = (1/(2σ²n)) Σ_i ‖y_i − f(x_i, w)‖² + (k/2)·log(2πσ²) for k outputs (docs/conventions.md#loss-units).
    The constant cancels in the LLC estimator but keeps L_n an honest NLL for WAIC.
    """
    sigma = float(sigma)
    if not (math.isfinite(sigma) and sigma > 0):
        raise BadSetting("sigma", sigma, "must be a positive finite noise standard deviation")
    return _GaussianNLL(sigma)


class _GaussianNLL:
    __slots__ = ("sigma",)

    def __init__(self, sigma: float):
        self.sigma = sigma

    def __call__(self, output: Tensor, target: Tensor) -> Tensor:
        if output.shape != target.shape:
            output = output.reshape(target.shape)
        squared = (target - output).square().reshape(target.shape[0], -1)
        constant = squared.shape[1] * math.log(self.sigma * math.sqrt(2 * math.pi))
        return squared.sum(dim=1).mean() / (2 * self.sigma**2) + constant

    def __repr__(self) -> str:
        return f"gaussian_nll(sigma={self.sigma!r})"


def cross_entropy_nll() -> LossFn:
    """The average NLL of a categorical model with logits ``output`` and class labels ``target``.

    Returns
    -------
    callable
        ``torch.nn.functional.cross_entropy(output, target)`` (mean over samples, nats); it raises
        ``ValueError`` for logits of fewer than 2 classes, whose cross-entropy is identically 0.

    Examples
    --------
    >>> loss = cross_entropy_nll()
    >>> round(float(loss(torch.zeros(3, 4), torch.tensor([0, 1, 2]))), 6)  # log 4
    1.386294
    """
    return _CrossEntropyNLL()


class _CrossEntropyNLL:
    __slots__ = ()

    def __call__(self, output: Tensor, target: Tensor) -> Tensor:
        if output.dim() > 2:
            raise ValueError(f"cross_entropy_nll reads logits of shape (batch, classes); got {tuple(output.shape)}. "
                             "Sequence logits (batch, positions, vocabulary) need the next-token shift and "
                             "flattening: pass batch_loss=lambda model, batch: ... (e.g. model(input_ids=ids, "
                             "labels=ids).loss for a HuggingFace causal LM)")
        classes = output.shape[1] if output.dim() > 1 else output.shape[0]
        if classes < 2:
            raise ValueError(f"cross_entropy_nll needs logits for at least 2 classes, got output of shape "
                             f"{tuple(output.shape)} (its cross-entropy is 0 whatever the weights); for regression "
                             "pass floating-point targets or loss_fn=gaussian_nll(sigma)")
        return torch.nn.functional.cross_entropy(output, target.long())

    def __repr__(self) -> str:
        return "cross_entropy_nll()"


def default_nbeta(n: int) -> float:
    """The default inverse temperature nβ* = n / log n, with n the **dataset** size.

    Parameters
    ----------
    n : int
        The number of samples in the dataset (not the batch size), n ≥ 2.

    Returns
    -------
    float

    Raises
    ------
    BadSetting
        If n < 2 (log n would be ≤ 0).

    Examples
    --------
    >>> round(default_nbeta(10_000), 3)
    1085.736

    Notes
    -----
    β* = 1/log n is the WBIC temperature (Watanabe 2013, JMLR 14, Thm 4), used for the LLC by
    Lau et al. (2023) and docs/conventions.md#the-local-tempered-posterior.  devinterp 1.x put the batch size in place of n, which makes
    its estimates depend on the batch size.
    """
    if not isinstance(n, int) or n < 2:
        raise BadSetting("n", n, "must be an integer dataset size of at least 2 for nβ = n / log n")
    return n / math.log(n)
