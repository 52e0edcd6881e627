"""The chain runner under ``estimate_llc``: it advances every chain by a number of steps at a given
step size and batch size, and records what each step saw.

Per step and chain it records the loss at the parameters before the step (with the same-batch
control variate when asked), and the two statistics the automatic step size and the bias check
read (:mod:`estimators.tuning`): the squared norm of the data gradient in the sampler's metric,
‖G^½·nβ∇L_B‖², and the virial (w − w*)·nβ∇L_B; and where the chain is: ‖w − w*‖² and its
projections on a few fixed random directions (for R-hat and ESS of the parameters; over 2¹⁶ of
the parameters chosen at random when there are more, so that no direction is a full-size copy).
:meth:`ChainRunner.coupled` runs the discretisation check: the chains at ε beside copies at ε/2
driven by the same Brownian increments.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor
from torch.utils._pytree import tree_flatten, tree_map, tree_unflatten

from ._chains import ChainStreams, logger, make_loss, make_loss_and_grad
from ._data import Batch, Data
from ._kernel import Noise
from ._objective import Objective
from ._params import Params, per_chain_dot
from .errors import BadData

NUM_PROJECTIONS = 4
PROJECTED_ENTRIES = 2**16  # the random directions span this many parameters, chosen at random, when there are more


@dataclass
class Block:
    """What a run of steps recorded, each array ``(chains, steps)`` (``projections``: ``(chains, steps, K)``);
    ``noise2`` is the squared norm of the Gaussian increment the step added, (ε/gain)·Σ G·ξ².

    ``first_nonfinite[c]`` is the first step (within the block) at which chain c's loss or
    parameters were not finite, else ``None``.
    """

    loss: np.ndarray
    sq_grad: np.ndarray
    virial: np.ndarray
    radius2: np.ndarray
    projections: np.ndarray
    noise2: np.ndarray
    accept: np.ndarray | None
    first_nonfinite: list[int | None]

    @property
    def diverged(self) -> bool:
        return any(step is not None for step in self.first_nonfinite)

    @staticmethod
    def concatenate(blocks: list[Block]) -> Block:
        """The blocks one after the other (divergence steps counted from the first block's start)."""
        offsets = np.cumsum([0] + [b.loss.shape[1] for b in blocks])
        first = []
        for c in range(blocks[0].loss.shape[0]):
            hits = [off + b.first_nonfinite[c] for b, off in zip(blocks, offsets) if b.first_nonfinite[c] is not None]
            first.append(int(hits[0]) if hits else None)
        accept = None if blocks[0].accept is None else np.concatenate([b.accept for b in blocks], axis=1)
        return Block(*(np.concatenate([getattr(b, f) for b in blocks], axis=1)
                       for f in ("loss", "sq_grad", "virial", "radius2", "projections", "noise2")), accept, first)


@dataclass
class Coupled:
    """The discretisation check's records: the losses of the chains at ε and of their copies at ε/2
    on the same minibatches, each ``(chains, steps)``."""

    coarse: np.ndarray
    fine: np.ndarray


def _first_nonfinite(values: Tensor) -> list[int | None]:
    bad = ~torch.isfinite(values)
    return [int(torch.nonzero(row)[0]) if bool(row.any()) else None for row in bad.cpu()]


class ChainRunner:
    """Advances ``num_chains`` chains of ``sampler`` from w* and records every step (module docstring).

    The chains step ``chain_batch`` at a time: each group shares one vectorized step and the groups
    follow one another within every step, so what a step holds besides the chains' states (their
    gradients, noise, minibatches and statistics) is one group's.  Chain i's noise and minibatches
    come from its own streams, so its draws do not depend on the grouping beyond float rounding.
    """

    def __init__(self, *, objective: Objective, sampler, data: Data, center: Params, num_chains: int, nbeta: float,
                 localization: float, init_loss: float, seed: int, vectorize: bool, control_variate: bool,
                 center_gradient: Params | None = None, chain_batch: int | None = None):
        self.objective, self.sampler = objective, sampler
        self.data, self.n = data, data.n
        self.num_chains, self.nbeta, self.localization, self.init_loss = num_chains, nbeta, localization, init_loss
        self.control_variate = control_variate
        self.center_gradient = center_gradient
        first = next(iter(center.values()))
        self.dtype, self.device = first.dtype, first.device
        size = num_chains if chain_batch is None else chain_batch
        self.groups = [slice(lo, min(lo + size, num_chains)) for lo in range(0, num_chains, size)]
        self.streams = ChainStreams(seed, num_chains, {k: p.shape for k, p in center.items()}, n=self.n,
                                    device=self.device, dtype=self.dtype, groups=self.groups)
        self.centers = {k: p.unsqueeze(0).expand((num_chains,) + p.shape) for k, p in center.items()}
        gen = torch.Generator().manual_seed(int(np.random.SeedSequence([seed, 0x70]).generate_state(1)[0]))
        keep = min(1.0, PROJECTED_ENTRIES / sum(p.numel() for p in center.values()))
        entries, directions = {}, {}
        for k, p in center.items():  # each entry kept with probability `keep`: no full-size copy for big models
            entries[k] = None if keep == 1 else (torch.rand(p.numel(), generator=gen) < keep).nonzero().squeeze(1)
            count = p.numel() if keep == 1 else len(entries[k])
            directions[k] = torch.randn((NUM_PROJECTIONS, count), generator=gen, dtype=torch.float64)
        norm = torch.sqrt(sum(d.square().sum(dim=1) for d in directions.values()))
        self.directions = {k: (entries[k] if entries[k] is None else entries[k].to(self.device),
                               (d / norm[:, None]).to(self.device, self.dtype)) for k, d in directions.items()}
        self.vectorize = vectorize
        self.fallback: str | None = None if vectorize else "vectorize=False"
        self.bar = None  # a tqdm bar, updated once per step when set
        self._grad_fns: dict[bool, object] = {}
        self._center_loss: dict[bool, object] = {}

    def initial_state(self):
        stacked = {k: c.clone() for k, c in self.centers.items()}
        return self.sampler.init(stacked, self.centers)

    def _batch(self, batch_size: int) -> tuple[Batch, bool]:
        idx = self.streams.batch_indices(batch_size)
        return (self.data.fields, False) if idx is None else (self.data.take(idx), True)

    def loss_and_grad(self, per_chain: bool):
        """The vectorized loss-and-gradient if it runs on a trial batch (one group of chains), else the
        sequential one."""
        if per_chain in self._grad_fns:
            return self._grad_fns[per_chain]
        group = self.groups[0]
        rows = torch.arange(min(self.n, 8), device=self.device)
        trial = self.data.take(rows.expand(group.stop, -1)) if per_chain else self.data.fields
        stacked = {k: c[group].clone() for k, c in self.centers.items()}
        chosen = None
        if self.fallback is None:
            candidate = make_loss_and_grad(self.objective, per_chain_batch=per_chain, vectorize=True)
            try:
                candidate(stacked, trial)
                chosen = candidate
            except Exception as err:  # vmap refuses many things; the sequential path handles them all
                self.fallback = f"{type(err).__name__}: {err}".splitlines()[0]
                logger.warning("chains run one at a time: the module cannot be vmapped (%s)", self.fallback)
        if chosen is None:
            chosen = make_loss_and_grad(self.objective, per_chain_batch=per_chain, vectorize=False)
            try:
                chosen(stacked, trial)
            except (RuntimeError, ValueError, TypeError, IndexError) as err:
                raise BadData(f"the model or loss_fn failed on a minibatch: {err}") from err
        if per_chain and self.center_gradient is not None:
            chosen = self._with_gradient_control_variate(chosen)
        self._grad_fns[per_chain] = chosen
        return chosen

    def _with_gradient_control_variate(self, loss_and_grad):
        """The minibatch estimates L_B(w) − L_B(w*) + L_n(w*) and ∇L_B(w) − ∇L_B(w*) + ∇L_n(w*): unbiased
        for L_n and ∇L_n, with a noise that vanishes as w → w* (Baker, Fearnhead, Fox & Nemeth 2019,
        "Control variates for stochastic gradient MCMC", Statistics and Computing 29, §3)."""
        full = {k: g.unsqueeze(0) for k, g in self.center_gradient.items()}

        def controlled(params: Params, batch) -> tuple[Tensor, Params]:
            # the chains and w* in one vectorized call, each w* copy on its chain's minibatch
            c = next(iter(params.values())).shape[0]
            both = tree_map(lambda p, w: torch.cat([p, w[:c]]), params, self.centers)
            loss, grads = loss_and_grad(both, tree_map(lambda t: torch.cat([t, t]), batch))
            return (loss[:c] - loss[c:] + self.init_loss,
                    tree_map(lambda g, f: g[:c] - g[c:] + f, grads, full))

        return controlled

    def _loss_at_center(self):
        if True not in self._center_loss:
            self.loss_and_grad(True)  # settles vectorized or sequential first
            self._center_loss[True] = make_loss(self.objective, per_chain_batch=True, vectorize=self.fallback is None)
        return self._center_loss[True]

    def _center_losses(self, batch, group: slice) -> Tensor:
        """L_B(w*) on each minibatch of the chains ``group`` (the loss control variate's)."""
        centers = {k: c[group] for k, c in self.centers.items()}
        return self._loss_at_center()(centers, batch).to(torch.float64)

    def _stats(self, info, before: Params, group: slice) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """‖G^½ nβ∇L_B‖², (w − w*)·nβ∇L_B, ‖w − w*‖² and the projections, per chain of ``group``, at ``before``."""
        offset = tree_map(lambda w, c: w - c[group], before, self.centers)
        data_grad = tree_map(lambda g, u: torch.sub(g, u, alpha=self.localization), info.grad_potential, offset)
        metric = info.preconditioner
        sq = per_chain_dot(data_grad, data_grad if metric is None else tree_map(torch.mul, metric, data_grad))
        virial = per_chain_dot(data_grad, offset)
        radius2 = per_chain_dot(offset, offset)
        proj = sum(_project(offset[k], *self.directions[k]) for k in offset)
        return sq, virial, radius2, proj

    def _group_batch(self, batch, per_chain: bool, group: slice):
        """The chains ``group``'s minibatches of ``batch`` (one per chain when ``per_chain``; a shared
        batch, and a single group's, as it is)."""
        return _chains(batch, group) if per_chain and len(self.groups) > 1 else batch

    def _grouped(self, states: tuple, advance) -> tuple:
        """Every chain's states one step on, group after group: ``advance(g, group, parts)`` takes the
        ``g``-th group's slice of each state (the chains ``group``; its centre the group's w*) and
        returns their new values.  With several groups, each group's new states are written into
        preallocated states as it finishes, so that no group's step outlives it."""
        if len(self.groups) == 1:
            return advance(0, self.groups[0], states)
        full = [None] * len(states)
        for g, group in enumerate(self.groups):
            centers = {k: c[group] for k, c in self.centers.items()}
            parts = tuple(_chains(state, group)._replace(center=centers) for state in states)
            for i, new in enumerate(advance(g, group, parts)):
                leaves, spec = tree_flatten(new._replace(center=None))
                if full[i] is None:
                    full[i] = ([leaf.new_empty((self.num_chains,) + leaf.shape[1:]) if isinstance(leaf, Tensor)
                                else leaf for leaf in leaves], spec)
                for target, leaf in zip(full[i][0], leaves):
                    if isinstance(leaf, Tensor):
                        target[group] = leaf
        return tuple(tree_unflatten(leaves, spec)._replace(center=self.centers) for leaves, spec in full)

    def run(self, state, steps: int, *, step_size: float, batch_size: int, record_loss: bool, observe=None):
        """Advance every chain ``steps`` steps; return ``(state, Block)``.

        With ``record_loss`` and a minibatch, the loss recorded is L_B(w_t) − L_B(w*) + L_n(w*)
        when the control variate is on (one extra forward pass at w* per step).  ``observe(t, params, loss)``,
        if given, is called for every draw t with its parameters (before its step) and the loss
        recorded there, shape ``(chains,)``.  The records stay on the chains' device until the
        block ends (one copy to the host per block).
        """
        rec = {name: torch.full((self.num_chains, steps), math.nan, dtype=torch.float64, device=self.device)
               for name in ("loss", "sq_grad", "virial", "radius2", "noise2", "accept")}
        proj = torch.empty((self.num_chains, steps, NUM_PROJECTIONS), dtype=torch.float64, device=self.device)
        kwargs = {"step_size": step_size, "nbeta": self.nbeta, "localization": self.localization}
        metropolis = False
        for t in range(steps):
            batch, per_chain = self._batch(batch_size)
            shifted = record_loss and per_chain and self.control_variate and self.center_gradient is None

            def advance(g: int, group: slice, parts: tuple, t: int = t) -> tuple:
                nonlocal metropolis
                (part,) = parts
                part_batch = self._group_batch(batch, per_chain, group)
                noise = self.streams.noise(g)
                new, info = self.sampler.step(part, part_batch, noise, loss_and_grad=self.loss_and_grad(per_chain),
                                              **kwargs)
                loss = info.loss.detach().to(torch.float64)
                rec["loss"][group, t] = loss + self.init_loss - self._center_losses(part_batch, group) if shifted \
                    else loss
                sq, virial, radius2, proj[group, t] = (v.detach() for v in self._stats(info, part.params, group))
                rec["sq_grad"][group, t], rec["virial"][group, t], rec["radius2"][group, t] = sq, virial, radius2
                metric = info.preconditioner
                rec["noise2"][group, t] = step_size / self.sampler.noise_gain * per_chain_dot(
                    noise.normal, noise.normal if metric is None else tree_map(torch.mul, metric, noise.normal))
                if info.accept_prob is not None:
                    rec["accept"][group, t] = info.accept_prob.detach().to(torch.float64)
                    metropolis = True
                return (new,)

            before = state.params
            (state,) = self._grouped((state,), advance)
            if observe is not None:
                observe(t, before, rec["loss"][:, t])
            if self.bar is not None:
                self.bar.update(1)
        finite = torch.stack([rec[name] for name in ("loss", "sq_grad", "radius2")]).isfinite().all(dim=0)
        first = _first_nonfinite(torch.where(finite, 0.0, math.nan))
        block = Block(*(rec[name].cpu().numpy() for name in ("loss", "sq_grad", "virial", "radius2")),
                      proj.cpu().numpy(), rec["noise2"].cpu().numpy(),
                      rec["accept"].cpu().numpy() if metropolis else None, first)
        return state, block

    def coupled(self, state, steps: int, *, step_size: float, batch_size: int) -> tuple[Coupled, list[int | None]]:
        """The discretisation check: each chain continues at ε while a copy of it takes two steps of
        ε/2 per step, with Brownian increments ξ₁, ξ₂ for the copy and (ξ₁ + ξ₂)/√2 for the chain
        (synchronous coupling), on minibatches B₁ (both) and B₂ (the copy's second half-step).

        Returns the two loss traces (recorded on B₁, with the control variate) and the first
        non-finite step of each chain (either copy).
        """
        coarse_rec = torch.empty((self.num_chains, steps), dtype=torch.float64, device=self.device)
        fine_rec = torch.empty((self.num_chains, steps), dtype=torch.float64, device=self.device)
        states = (state, state)
        kwargs = {"nbeta": self.nbeta, "localization": self.localization}
        root = math.sqrt(0.5)
        for t in range(steps):
            (b1, per1), (b2, per2) = self._batch(batch_size), self._batch(batch_size)

            def advance(g: int, group: slice, parts: tuple, t: int = t) -> tuple:
                coarse, fine = parts
                part1 = self._group_batch(b1, per1, group)
                part2 = self._group_batch(b2, per2, group)
                first_noise, second_noise = self.streams.noise(g), self.streams.noise(g)
                joined = Noise(normal=tree_map(lambda a, b: root * (a + b), first_noise.normal, second_noise.normal),
                               uniform=first_noise.uniform)
                coarse, info_c = self.sampler.step(coarse, part1, joined, loss_and_grad=self.loss_and_grad(per1),
                                                   step_size=step_size, **kwargs)
                fine, info_f = self.sampler.step(fine, part1, first_noise, loss_and_grad=self.loss_and_grad(per1),
                                                 step_size=step_size / 2, **kwargs)
                fine, _ = self.sampler.step(fine, part2, second_noise, loss_and_grad=self.loss_and_grad(per2),
                                            step_size=step_size / 2, **kwargs)
                shift = 0.0
                if per1 and self.control_variate and self.center_gradient is None:
                    shift = self.init_loss - self._center_losses(part1, group)
                coarse_rec[group, t] = info_c.loss.detach().to(torch.float64) + shift
                fine_rec[group, t] = info_f.loss.detach().to(torch.float64) + shift
                return coarse, fine

            states = self._grouped(states, advance)
        first = _first_nonfinite(coarse_rec + fine_rec)
        return Coupled(coarse_rec.cpu().numpy(), fine_rec.cpu().numpy()), first


def _project(offset: Tensor, entries: Tensor | None, directions: Tensor) -> Tensor:
    """``(chains, K)`` projections of one tensor's offsets on the directions' part over its ``entries``
    (flat indices; ``None`` for all of them)."""
    flat = offset.reshape(offset.shape[0], -1)
    return (flat if entries is None else flat[:, entries]) @ directions.T


def _chains(tree, group: slice):
    """The chains ``group`` of every tensor in ``tree`` (chains first); other leaves as they are."""
    return tree_map(lambda leaf: leaf[group] if isinstance(leaf, Tensor) else leaf, tree)
