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
from ._params import Params
from .errors import BadData

SCALES = (0.01, 0.3, 1.0)
ONE_SAMPLE = ("the loss of one sample alone fails: the module's output for a sample must not depend on the rest of "
              "the batch (e.g. batch norm without running statistics, track_running_stats=False), since the "
              "likelihood is per sample")
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
    """Where the inputs and the targets are in the data: ``(0, 1)`` for ``(X, Y)``; for a mapping, its
    one target field (among :data:`TARGET_KEYS`) and the others: one field among :data:`INPUT_KEYS`
    is passed as the module's argument, several fields by name (``module(input_ids=…,
    attention_mask=…)``), so that no field is left out.  :class:`BadData` otherwise."""
    if isinstance(fields, Mapping):
        targets = [k for k in TARGET_KEYS if k in fields]
        inputs = tuple(k for k in fields if k not in targets)
        if len(targets) != 1 or not inputs:
            raise BadData(f"the data's fields are named {list(fields)}; loss_fn(output, target) needs exactly one "
                          f"target field (one of {TARGET_KEYS}) and the module's inputs. Pass "
                          "batch_loss=lambda model, batch: ... to use the fields as they are")
        return (inputs[0] if len(inputs) == 1 and inputs[0] in INPUT_KEYS else inputs), targets[0]
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
        where, target = self.keys
        if isinstance(where, tuple):  # several named fields: by name
            output = module(**{key: batch[key] for key in where})
        else:
            inputs = batch[where]
            output = module(**inputs) if isinstance(inputs, Mapping) else module(inputs)
        return self.loss_fn(model_output(output), batch[target])

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
        loss = self.loss(self.model, batch)
        return loss.reshape(()) if isinstance(loss, Tensor) and loss.numel() == 1 else loss


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
            try:
                return torch.stack([one(tree_map(lambda t: t[i], batch)) for i in range(count)])
            except (RuntimeError, ValueError) as err:
                raise BadData(f"{ONE_SAMPLE} ({err})") from err


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
        if not isinstance(value, Tensor):
            raise BadData(f"the loss returned a {type(value).__name__}; it must return a tensor (not .item() or a "
                          "Python number), the mean negative log-likelihood over the batch")
        if value.numel() != 1:
            raise BadData(f"the loss returned {tuple(value.shape)} on a batch of {2 * k} rows; it must return the mean "
                          "negative log-likelihood over the batch, one number (with a torch loss, reduction='mean')")
        value = float(value)
        if data.n >= 2:
            parts = float(objective(center, first)), float(objective(center, second))
            mean, total = (parts[0] + parts[1]) / 2, parts[0] + parts[1]
            if abs(total) > 1e-12 and abs(value - total) < abs(value - mean) and abs(mean - total) > 1e-9 * abs(total):
                raise BadData(f"the loss sums over the batch instead of averaging: L(A ∪ B) = {value:.6g} is nearer "
                              f"L(A) + L(B) = {total:.6g} than their mean {mean:.6g} (reduction='sum'?, or a loss "
                              "that is not a mean over samples). The LLC needs the mean negative log-likelihood per "
                              "sample (docs/conventions.md#loss-units); use reduction='mean'")
        objective.per_sample(center, first)  # a sample's loss must not need the rest of the batch
        eps = torch.finfo(next(iter(center.values())).dtype).eps
        for scale in SCALES:
            moved = {name: p + scale * (p.abs().mean() + 1) * torch.randn(p.shape, generator=gen).to(p)
                     for name, p in center.items()}
            if _changed(float(objective(moved, both)), value, eps):
                _check_gradient(objective, center, moved, both, eps)
                return
    raise BadData(f"the loss does not change when the sampled parameters move (L = {value:.6g} at w* and at "
                  f"{len(SCALES)} points up to {max(SCALES):g}·(mean |w*| + 1) away): the module's output does not "
                  "depend on them, or the loss is constant (with loss_fn(output, target), the output read is the "
                  "module's tensor, a tuple's first element or a mapping's 'logits'). An LLC of such a model is not "
                  "defined; check which parameters are sampled, the targets and the output")


def _changed(value: float, reference: float, eps: float) -> bool:
    """More than a few units of rounding (ε the dtype's) from ``reference``; a non-finite value has changed."""
    return not abs(value - reference) <= 4 * eps * max(1.0, abs(reference))


def _check_gradient(objective: Objective, center: Params, moved: Params, batch: Batch, eps: float) -> None:
    """Refuse a loss that depends on a sampled tensor but has no gradient with respect to it (a
    ``.detach()``, ``.data``, ``.item()`` or ``no_grad`` on the way), naming the tensor."""
    leaves = {name: p.detach().clone().requires_grad_(True) for name, p in moved.items()}
    with torch.enable_grad():
        loss = objective(leaves, batch)
        if not loss.requires_grad:
            raise BadData("the loss has no gradient with respect to the sampled parameters (a .detach(), .item(), "
                          ".data or torch.no_grad() in the forward or the loss?); the chains need ∇L")
        grads = torch.autograd.grad(loss, list(leaves.values()), allow_unused=True)
    base = float(loss)
    for (name, p), g in zip(moved.items(), grads):
        if g is not None and bool(g.abs().max() > 0):
            continue
        shifted = {**moved, name: center[name] + (moved[name] - center[name]) * 2}
        with torch.no_grad():
            if _changed(float(objective(shifted, batch)), base, eps):
                raise BadData(f"the loss depends on {name} but has no gradient with respect to it (a .detach(), "
                              ".data or torch.no_grad() on its way to the output?); the chains need ∇L")

