"""Arithmetic on parameter dictionaries ``{name: Tensor}`` whose leading axis is the chain."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

Params = dict[str, Tensor]


def tree_map(fn: Callable[..., Tensor], *trees: Params) -> Params:
    """``{k: fn(t1[k], t2[k], ...)}`` over the keys of the first tree."""
    return {key: fn(*(tree[key] for tree in trees)) for key in trees[0]}


def per_chain_sum(tree: Params) -> Tensor:
    """Σ over every non-chain axis and every entry: one number per chain."""
    return sum(value.reshape(value.shape[0], -1).sum(dim=1) for value in tree.values())


def per_chain_dot(a: Params, b: Params) -> Tensor:
    """Σ a·b over every non-chain axis and every entry, one number per chain, without an
    elementwise product the size of the parameters (a batched matrix product per tensor)."""
    return sum(torch.bmm(x.reshape(x.shape[0], 1, -1), b[k].reshape(x.shape[0], -1, 1)).reshape(x.shape[0])
               for k, x in a.items())


def squared_distance(a: Params, b: Params) -> Tensor:
    """‖a − b‖² per chain."""
    return per_chain_sum(tree_map(lambda x, y: (x - y).square(), a, b))


def potential_gradient(grads: Params, params: Params, center: Params, *, nbeta: float, localization: float) -> Params:
    """∇U for U(w) = nβ·L(w) + (γ/2)‖w − w*‖², from the loss gradient ∇L (docs/conventions.md#the-local-tempered-posterior)."""
    return tree_map(lambda g, w, c: nbeta * g + localization * (w - c), grads, params, center)


def potential(loss: Tensor, params: Params, center: Params, *, nbeta: float, localization: float) -> Tensor:
    """U(w) = nβ·L(w) + (γ/2)‖w − w*‖² per chain."""
    return nbeta * loss + 0.5 * localization * squared_distance(params, center)


def chain_mask(mask: Tensor, like: Tensor) -> Tensor:
    """A per-chain boolean mask shaped to broadcast against ``like`` (chains first)."""
    return mask.reshape(mask.shape + (1,) * (like.dim() - 1))

