"""The objective L_B(w): the one place where the module, its fixed tensors, the masks of partly
sampled tensors and the loss meet, for one point w and one batch.

Two forms of loss reach it (``estimate_llc``'s ``loss_fn`` and ``batch_loss``):

- ``loss_fn(output, target)`` on data ``(X, Y)`` (or a mapping with an input and a target field):
  the module is called on X (``module(**X)`` when X is a mapping) and its output read as a tensor:
  a tuple's first element, a mapping's ``"logits"`` (a HuggingFace ``ModelOutput`` is one);
- ``batch_loss(module, batch)`` receives the whole batch, whatever its fields.

Either way the module is evaluated through ``torch.func.functional_call`` with the chain's
parameters in place of its own, so nothing of the caller's module changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import Tensor
from torch.func import functional_call, vmap
from torch.utils._pytree import tree_flatten, tree_map

from ._data import Batch, Data
from ._tree import Params
from .errors import BadData

SCALES = (0.01, 0.3, 1.0)
INPUT_KEYS = ("x", "input", "inputs", "input_ids")
TARGET_KEYS = ("y", "target", "targets", "label", "labels")


def model_output(output) -> Tensor:
    """The tensor a ``loss_fn(output, target)`` reads from what a module returned: the tensor itself,
    a tuple's or list's first element (e.g. ``(logits, cache)``), or a mapping's ``"logits"`` (a
    HuggingFace ``ModelOutput``); :class:`BadData` for anything else, naming its type."""
    if isinstance(output, Tensor):
        return output
    if isinstance(output, (tuple, list)) and output and isinstance(output[0], Tensor):
        return output[0]
    if isinstance(output, Mapping) and isinstance(output.get("logits"), Tensor):
        return output["logits"]
    keys = f" with keys {list(output)}" if isinstance(output, Mapping) else ""
    raise BadData(f"the module returned a {type(output).__name__}{keys}; loss_fn(output, target) reads a tensor, the "
                  "first element of a tuple, or the 'logits' of a mapping. Pass batch_loss=lambda model, batch: ... "
                  "to compute the loss from the batch yourself")


def pair_keys(fields: Batch) -> tuple:
    """Where the inputs and the targets are in the data: ``(0, 1)`` for ``(X, Y)``, or the two names of
    a mapping among :data:`INPUT_KEYS` and :data:`TARGET_KEYS`; :class:`BadData` otherwise."""
    if isinstance(fields, Mapping):
        inputs = [k for k in INPUT_KEYS if k in fields]
        targets = [k for k in TARGET_KEYS if k in fields]
        if len(inputs) != 1 or len(targets) != 1:
            raise BadData(f"the data's fields are named {list(fields)}; loss_fn(output, target) needs exactly one "
                          f"input field (one of {INPUT_KEYS}) and one target field (one of {TARGET_KEYS}). Pass "
                          "batch_loss=lambda model, batch: ... to use the fields as they are")
        return inputs[0], targets[0]
    if isinstance(fields, tuple) and len(fields) == 2:
        return 0, 1
    count = len(fields) if isinstance(fields, tuple) else 1
    raise BadData(f"the data has {count} field(s); loss_fn(output, target) needs two, inputs X and targets Y. "
                  "For data without targets (e.g. token ids) pass batch_loss=lambda model, batch: ...")


class PairLoss:
    """``(module, batch) -> loss_fn(output, target)`` with the inputs and targets at ``keys`` of the batch."""

    def __init__(self, loss_fn: Callable[[Tensor, Tensor], Tensor], keys: tuple = (0, 1)):
        self.loss_fn, self.keys = loss_fn, keys

    def __call__(self, module: torch.nn.Module, batch: Batch) -> Tensor:
        inputs, target = batch[self.keys[0]], batch[self.keys[1]]
        output = module(**inputs) if isinstance(inputs, Mapping) else module(inputs)
        return self.loss_fn(model_output(output), target)

    def __repr__(self) -> str:
        return loss_name(self.loss_fn)


def loss_name(fn) -> str:
    """A function's qualified name; anything else (our loss helpers, partials) by its repr."""
    return getattr(fn, "__qualname__", None) or repr(fn)


class _Applied(torch.nn.Module):
    """The module and the loss as one module, so that ``functional_call`` swaps the parameters for both."""

    def __init__(self, model: torch.nn.Module, loss: Callable):
        super().__init__()
        self.model = model
        self.loss = loss

    def forward(self, batch: Batch) -> Tensor:
        return self.loss(self.model, batch)


class Objective:
    """L_B(w) = ``loss(module with w, batch)`` at one point w (no chain axis), as a function of the
    sampled parameters only.

    ``fixed`` are the module's other parameters and buffers (at w*); ``masks`` maps the name of a
    partly sampled tensor to the flat indices of its sampled entries, whose values are then the
    point's ``params[name]`` (shape ``(k,)``) and the rest ``base[name]``.
    """

    def __init__(self, model: torch.nn.Module, loss: Callable, fixed: Params, *, masks: dict[str, Tensor] | None = None,
                 base: Params | None = None):
        self.applied = _Applied(model, loss)
        self.fixed = {f"model.{name}": t for name, t in fixed.items()}
        self.masks = masks or {}
        self.base = {name: t.reshape(-1) for name, t in (base or {}).items()}
        self.shapes = {name: t.shape for name, t in (base or {}).items()}

    def full(self, params: Params) -> Params:
        """Every sampled tensor at its full shape (masked entries scattered into w*)."""
        return {name: self.base[name].scatter(0, self.masks[name], value).reshape(self.shapes[name])
                if name in self.masks else value for name, value in params.items()}

    def __call__(self, params: Params, batch: Batch) -> Tensor:
        full = {f"model.{name}": value for name, value in self.full(params).items()}
        return functional_call(self.applied, (full, self.fixed), (batch,))

    def per_sample(self, params: Params, batch: Batch) -> Tensor:
        """The loss of every row of ``batch`` alone, shape ``(rows,)`` (vmapped, else a loop)."""
        def one(row):
            return self(params, tree_map(lambda t: t.unsqueeze(0), row))

        try:
            return vmap(one)(batch)
        except Exception:  # vmap refuses many modules; one row at a time handles them all
            count = tree_flatten(batch)[0][0].shape[0]
            return torch.stack([one(tree_map(lambda t: t[i], batch)) for i in range(count)])


def check_objective(objective: Objective, center: Params, data: Data, *, seed: int) -> None:
    """Refuse, by name, a loss that is not a per-sample mean or that does not depend on the sampled
    parameters (:class:`BadData`).

    On two disjoint batches A and B of k rows: L must be a scalar; L(A ∪ B) must be the mean of L(A)
    and L(B) (a mean over samples), not their sum (``reduction="sum"``: L(A ∪ B) = L(A) + L(B)); and
    L must change (by more than a few units of rounding) when the sampled parameters move in random
    directions by 1%, 30% and 100% of their scale: far enough that a minimum flat to high order
    (w₁w₂² at 0) still moves, while a loss that does not depend on them stays put exactly.
    """
    k = max(1, min(8, data.n // 2))
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(data.n, generator=gen)[: 2 * k].to(next(iter(center.values())).device)
    first, second, both = data.take(order[:k]), data.take(order[k:2 * k]), data.take(order[: 2 * k])
    with torch.no_grad():
        value = objective(center, both)
        if not isinstance(value, Tensor) or value.numel() != 1:
            shape = tuple(value.shape) if isinstance(value, Tensor) else type(value).__name__
            raise BadData(f"the loss returned {shape} on a batch of {2 * k} rows; it must return the mean negative "
                          "log-likelihood over the batch, one number (with a torch loss, reduction='mean')")
        value = float(value)
        if data.n >= 2:
            parts = float(objective(center, first)), float(objective(center, second))
            mean, total = (parts[0] + parts[1]) / 2, parts[0] + parts[1]
            if abs(total) > 1e-12 and abs(value - total) < abs(value - mean) and abs(mean - total) > 1e-9 * abs(total):
                raise BadData(f"the loss sums over the batch instead of averaging: L(A ∪ B) = {value:.6g} is "
                              f"L(A) + L(B) = {total:.6g}, not their mean {mean:.6g} (reduction='sum'?). The LLC "
                              "needs the mean negative log-likelihood per sample (MATH.md §1); use reduction='mean'")
        eps = torch.finfo(next(iter(center.values())).dtype).eps
        for scale in SCALES:
            moved = {name: p + scale * (p.abs().mean() + 1) * torch.randn(p.shape, generator=gen).to(p)
                     for name, p in center.items()}
            if not abs(float(objective(moved, both)) - value) <= 4 * eps * max(1.0, abs(value)):
                return
    raise BadData(f"the loss does not change when the sampled parameters move (L = {value:.6g} at w* and at "
                  f"{len(SCALES)} points up to {max(SCALES):g}·(mean |w*| + 1) away): the module's output does not "
                  "depend on them, or the loss is constant. An LLC of such a model is not defined; check which "
                  "parameters are sampled and the targets")

