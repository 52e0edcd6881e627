"""Full-batch Metropolis-adjusted Langevin (MALA): the exact-sampling reference for small models.

Also home of the Metropolis–Hastings log acceptance ratio of a (preconditioned) Langevin proposal,
which the driver evaluates on SGLD proposals as a step-size check.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from ._kernel import LossAndGrad, Noise, StepInfo
from ._params import Params, chain_mask, per_chain_sum, potential, potential_gradient, tree_map

__all__ = ["MALAState", "init", "log_acceptance", "step"]


class MALAState(NamedTuple):
    """Parameters of every chain, the centre w*, and the cached (L, U, ∇U) at the parameters
    (``None`` before the first step)."""

    params: Params
    center: Params
    cache: tuple[Tensor, Tensor, Params] | None
    accepted: Tensor | None


def init(params: Params, center: Params) -> MALAState:
    """The MALA state at ``params``; the first step evaluates the loss there."""
    return MALAState(params=params, center=center, cache=None, accepted=None)


def log_acceptance(
    u_from: Tensor,
    u_to: Tensor,
    grad_from: Params,
    grad_to: Params,
    w_from: Params,
    w_to: Params,
    *,
    step_size: float,
    preconditioner: Params | None = None,
) -> Tensor:
    """log of the Metropolis–Hastings ratio for the Langevin move w → w', per chain.

    log a = U(w) − U(w') + log q(w | w') − log q(w' | w), where
    q(a | b) = N(a; b − (ε/2)·G∇U(b), ε·G) and G is a diagonal preconditioner (I if ``None``),
    held fixed between the two points.

    Examples
    --------
    For U(w) = w²/2 (a standard normal target), a Langevin move from 0 to 0 is always accepted:

    >>> import torch
    >>> zero = {"w": torch.zeros(1, 1)}
    >>> log_acceptance(torch.zeros(1), torch.zeros(1), zero, zero, zero, zero, step_size=0.1)
    tensor([0.])

    References
    ----------
    Roberts & Tweedie (1996), "Exponential convergence of Langevin distributions and their
    discrete approximations", Bernoulli 2(4), §1.4.3.
    """
    if preconditioner is None:
        preconditioner = tree_map(torch.ones_like, w_from)

    def log_q(to: Params, frm: Params, grad: Params) -> Tensor:
        return -per_chain_sum(
            tree_map(
                lambda a, b, g, p: (a - b + 0.5 * step_size * p * g).square() / (2 * step_size * p),
                to,
                frm,
                grad,
                preconditioner,
            )
        )

    return u_from - u_to + log_q(w_from, w_to, grad_to) - log_q(w_to, w_from, grad_from)


def step(
    state: MALAState,
    batch: tuple[Tensor, ...],
    noise: Noise,
    *,
    loss_and_grad: LossAndGrad,
    step_size: float,
    nbeta: float,
    localization: float,
) -> tuple[MALAState, StepInfo]:
    """One MALA transition for every chain (``batch`` must be the full dataset).

    Propose w' = w − (ε/2)∇U(w) + √ε·ξ, accept when log u < log a(w → w')
    (:func:`log_acceptance`), u = ``noise.uniform``.

    Examples
    --------
    A rejected move leaves the chain where it was (u = 1 rejects everything with a < 1):

    >>> import torch
    >>> def quadratic(params, batch):
    ...     return (params["w"] ** 2).sum(dim=1), {"w": 2 * params["w"]}
    >>> state = init({"w": torch.tensor([[0.0]])}, {"w": torch.zeros(1, 1)})
    >>> far = Noise(normal={"w": torch.tensor([[30.0]])}, uniform=torch.ones(1))
    >>> new, info = step(state, (), far, loss_and_grad=quadratic, step_size=0.1, nbeta=1.0, localization=0.0)
    >>> new.params["w"], new.accepted
    (tensor([[0.]]), tensor([False]))

    Notes
    -----
    Roberts & Tweedie (1996).  The chain's loss trace is the full-batch L_n at each state, so the
    LLC estimator reads exactly the tempered local posterior's expectation.
    """
    if state.cache is None:
        loss, grads = loss_and_grad(state.params, batch)
        u = potential(loss, state.params, state.center, nbeta=nbeta, localization=localization)
        grad_u = potential_gradient(grads, state.params, state.center, nbeta=nbeta, localization=localization)
    else:
        loss, u, grad_u = state.cache
    root = step_size**0.5
    proposal = tree_map(lambda w, g, xi: w - 0.5 * step_size * g + root * xi, state.params, grad_u, noise.normal)
    new_loss, new_grads = loss_and_grad(proposal, batch)
    new_u = potential(new_loss, proposal, state.center, nbeta=nbeta, localization=localization)
    new_grad_u = potential_gradient(new_grads, proposal, state.center, nbeta=nbeta, localization=localization)
    log_a = log_acceptance(u, new_u, grad_u, new_grad_u, state.params, proposal, step_size=step_size)
    accept = torch.log(noise.uniform) < torch.nan_to_num(log_a, nan=-torch.inf)

    def pick(new: Tensor, old: Tensor) -> Tensor:
        return torch.where(chain_mask(accept, new), new, old)

    params = tree_map(pick, proposal, state.params)
    cache = (pick(new_loss, loss), pick(new_u, u), tree_map(pick, new_grad_u, grad_u))
    info = StepInfo(loss=loss, grad_potential=grad_u, proposal=proposal, preconditioner=None,
                    accept_prob=torch.exp(torch.clamp(torch.nan_to_num(log_a, nan=-torch.inf), max=0.0)))
    return MALAState(params=params, center=state.center, cache=cache, accepted=accept), info
