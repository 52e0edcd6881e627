"""The machinery under ``estimate_llc``: per-chain random streams, minibatches, and the vectorized
(or sequential) loss-and-gradient of a module at stacked parameters."""

from __future__ import annotations

import logging

import numpy as np
import torch
from torch import Tensor
from torch.func import grad_and_value, vmap
from torch.utils._pytree import tree_map

from ._data import Batch, Data
from ._kernel import Noise
from ._objective import Objective
from ._params import Params

logger = logging.getLogger("estimators")

_NOISE_FLOATS_PER_CHUNK = 2**18


class ChainStreams:
    """Independent random streams per chain, from ``SeedSequence(seed).spawn(num_chains)``.

    Chain i's streams depend on ``seed`` and i only, so chain i draws the same noise and the same
    minibatches whatever the number of chains and however they are grouped (``groups``).  Noise
    is drawn in chunks of a size fixed by the parameter count (never by the number of chains), a
    group of chains at a time, on ``device`` (generators there, so that no step copies random
    numbers from the host; the numbers then depend on the device's generator).
    """

    def __init__(self, seed: int, num_chains: int, shapes: dict[str, torch.Size], *, n: int,
                 device: torch.device, dtype: torch.dtype, groups: list[slice]):
        self.shapes = shapes
        self.sizes = [int(np.prod(shape)) for shape in shapes.values()]
        self.total = sum(self.sizes)
        self.n, self.device, self.dtype = n, device, dtype
        self.noise_gens, self.batch_gens = [], []
        for child in np.random.SeedSequence(seed).spawn(num_chains):
            noise_seed, batch_seed = (int(s) for s in child.generate_state(2, dtype=np.uint64))
            self.noise_gens.append(torch.Generator(device=device).manual_seed(noise_seed))
            self.batch_gens.append(torch.Generator(device=device).manual_seed(batch_seed))
        self.chunk = max(1, min(512, _NOISE_FLOATS_PER_CHUNK // max(1, self.total)))
        self.groups = groups
        self._drawn: dict[int, tuple[Tensor, Tensor]] = {}  # group index -> its chunk of (normals, uniforms)
        self._k = [self.chunk] * len(groups)
        self._perm: Tensor | None = None
        self._pos = 0

    def noise(self, group: int = 0) -> Noise:
        """The next step's noise for the chains of ``groups[group]``: only that group's chunk is held,
        and none once a chunk is used up."""
        if self._k[group] == self.chunk:
            normals, uniforms = [], []
            for gen in self.noise_gens[self.groups[group]]:
                normals.append(torch.randn((self.chunk, self.total), generator=gen, dtype=self.dtype,
                                           device=self.device))
                uniforms.append(torch.rand((self.chunk,), generator=gen, dtype=self.dtype, device=self.device))
            self._drawn[group] = torch.stack(normals), torch.stack(uniforms)
            self._k[group] = 0
        normals, uniforms = self._drawn[group]
        k = self._k[group]
        flat, uniform = normals[:, k], uniforms[:, k]
        self._k[group] += 1
        if self._k[group] == self.chunk:
            del self._drawn[group]
        normal, offset = {}, 0
        for (name, shape), size in zip(self.shapes.items(), self.sizes):
            normal[name] = flat[:, offset : offset + size].reshape((flat.shape[0],) + tuple(shape))
            offset += size
        return Noise(normal=normal, uniform=uniform)

    def batch_indices(self, batch_size: int) -> Tensor | None:
        """``(chains, batch_size)`` sample indices, epochs without replacement; ``None`` for the full batch
        (``batch_size >= n``)."""
        if batch_size >= self.n:
            return None
        if self._perm is None or self._pos + batch_size > self.n:
            self._perm = torch.stack([torch.randperm(self.n, generator=gen, device=self.device)
                                      for gen in self.batch_gens])
            self._pos = 0
        idx = self._perm[:, self._pos : self._pos + batch_size]
        self._pos += batch_size
        return idx


def make_loss_and_grad(objective: Objective, *, per_chain_batch: bool, vectorize: bool):
    """``(params, batch) -> (loss per chain, grads per chain)`` of the :class:`Objective`.

    Vectorized: ``vmap(grad_and_value(...))`` over the chain axis (and over per-chain batches).
    Sequential: one ``torch.autograd.grad`` per chain, for modules ``vmap`` cannot handle.
    """
    if vectorize:
        batched = vmap(grad_and_value(objective), in_dims=(0, 0 if per_chain_batch else None))

        def vectorized(params: Params, batch: Batch) -> tuple[Tensor, Params]:
            grads, loss = batched(params, batch)
            return loss, grads

        return vectorized

    def sequential(params: Params, batch: Batch) -> tuple[Tensor, Params]:
        chains = next(iter(params.values())).shape[0]
        losses, grads = [], {name: [] for name in params}
        for c in range(chains):
            leaves = {name: value[c].detach().requires_grad_(True) for name, value in params.items()}
            with torch.enable_grad():
                loss = objective(leaves, _chain(batch, c) if per_chain_batch else batch)
                parts = torch.autograd.grad(loss, list(leaves.values()), allow_unused=True)
            losses.append(loss.detach())
            for (name, leaf), part in zip(leaves.items(), parts):
                grads[name].append(torch.zeros_like(leaf) if part is None else part)
        return torch.stack(losses), {name: torch.stack(parts) for name, parts in grads.items()}

    return sequential


def make_loss(objective: Objective, *, per_chain_batch: bool, vectorize: bool):
    """``(params, batch) -> loss per chain`` without gradients (same layouts as :func:`make_loss_and_grad`)."""
    batched = vmap(objective, in_dims=(0, 0 if per_chain_batch else None))

    def losses(params: Params, batch: Batch) -> Tensor:
        with torch.no_grad():
            if vectorize:
                return batched(params, batch)
            chains = next(iter(params.values())).shape[0]
            return torch.stack([objective({k: v[c] for k, v in params.items()},
                                          _chain(batch, c) if per_chain_batch else batch) for c in range(chains)])

    return losses


def _chain(batch: Batch, c: int) -> Batch:
    """Chain c's minibatch of per-chain batches (every field ``(chains, B, ...)``)."""
    return tree_map(lambda t: t[c], batch)


def full_data_loss(objective: Objective, params: Params, data: Data, *, chunk: int = 8192) -> float:
    """L_n at ``params`` (one point, no chain axis) on the whole dataset, chunks weighted by their rows."""
    with torch.no_grad():
        return sum(float(objective(params, batch)) * rows for batch, rows in data.chunks(chunk)) / data.n


def per_sample_nll(objective: Objective, params: Params, data: Data, *, chunk: int = 8192) -> Tensor:
    """−log p(sample i | w) for every sample i at one point ``params``: the loss of one-row batches."""
    with torch.no_grad():
        return torch.cat([objective.per_sample(params, batch) for batch, _ in data.chunks(chunk)])
