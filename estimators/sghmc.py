"""Stochastic gradient Hamiltonian Monte Carlo (SGHMC) as a pure transition."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from ._kernel import LossAndGrad, Noise, StepInfo
from ._params import Params, potential_gradient, tree_map

__all__ = ["SGHMCState", "init", "step"]


class SGHMCState(NamedTuple):
    """Parameters and momenta of every chain (leading axis) and the centre w*."""

    params: Params
    center: Params
    momentum: Params


def init(params: Params, center: Params) -> SGHMCState:
    """The SGHMC state at ``params`` with zero momentum."""
    return SGHMCState(params=params, center=center, momentum=tree_map(torch.zeros_like, params))


def step(
    state: SGHMCState,
    batch: tuple[Tensor, ...],
    noise: Noise,
    *,
    loss_and_grad: LossAndGrad,
    step_size: float,
    nbeta: float,
    localization: float,
    friction: float = 0.1,
) -> tuple[SGHMCState, StepInfo]:
    """One SGHMC transition for every chain.

    v ← (1 − α)·v − (ε/2)·∇U(w) + √(α·ε)·ξ,  w ← w + v,
    with U(w) = nβ·L_B(w) + (γ/2)‖w − w*‖² and α the friction.

    Parameters
    ----------
    friction : float
        α in (0, 1]; α = 1 forgets the momentum and the step *is* an SGLD step with the same ε.
    state, batch, noise, loss_and_grad, step_size, nbeta, localization
        As for :func:`estimators.sgld.step`.

    Examples
    --------
    From rest, with zero noise, the first step is the gradient step of SGLD:

    >>> import torch
    >>> def quadratic(params, batch):
    ...     return (params["w"] ** 2).sum(dim=1), {"w": 2 * params["w"]}
    >>> state = init({"w": torch.tensor([[1.0]])}, {"w": torch.zeros(1, 1)})
    >>> zero = Noise(normal={"w": torch.zeros(1, 1)}, uniform=torch.zeros(1))
    >>> new, _ = step(state, (), zero, loss_and_grad=quadratic, step_size=0.1, nbeta=1.0, localization=0.0)
    >>> new.params["w"], new.momentum["w"]
    (tensor([[0.9000]]), tensor([[-0.1000]]))

    Notes
    -----
    Chen, Fox & Guestrin (2014), "Stochastic gradient Hamiltonian Monte Carlo", eq. 15, with
    learning rate η = ε/2, friction α and no gradient-noise estimate (β̂ = 0); the noise variance
    2αη = αε.
    """
    loss, grads = loss_and_grad(state.params, batch)
    grad_u = potential_gradient(grads, state.params, state.center, nbeta=nbeta, localization=localization)
    scale = (friction * step_size) ** 0.5
    momentum = tree_map(
        lambda v, g, xi: (1 - friction) * v - 0.5 * step_size * g + scale * xi, state.momentum, grad_u, noise.normal
    )
    params = tree_map(torch.add, state.params, momentum)
    info = StepInfo(
        loss=loss,
        grad_potential=grad_u,
        proposal=params,
        preconditioner=None,
    )
    return SGHMCState(params=params, center=state.center, momentum=momentum), info
