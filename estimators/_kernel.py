"""Types shared by every transition: the noise a step consumes and what a step reports."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from torch import Tensor

from ._params import Params

LossAndGrad = Callable[[Params, tuple[Tensor, ...]], tuple[Tensor, Params]]
"""``(params, batch) -> (loss per chain, ∇loss per chain)``: the minibatch average NLL and its gradient."""


class Noise(NamedTuple):
    """Everything random a transition needs, drawn by the driver: standard normals shaped like the
    parameters (chains first) and one uniform per chain (for Metropolis tests)."""

    normal: Params
    uniform: Tensor


class StepInfo(NamedTuple):
    """What one transition saw, per chain.

    ``loss`` is the loss at the parameters *before* the step (the draw the estimator reads);
    ``grad_potential`` is ∇U there; ``proposal`` is where the step went
    before any accept/reject; ``preconditioner`` is the diagonal G of the proposal (``None`` for G = I);
    ``accept_prob`` is the Metropolis acceptance probability min(1, a) of the proposal, for samplers
    that make a Metropolis test (``None`` for the others): each sampler reports its own diagnostics.
    """

    loss: Tensor
    grad_potential: Params
    proposal: Params
    preconditioner: Params | None
    accept_prob: Tensor | None = None
