"""The parameters ``estimate_llc`` samples (its ``weights``): the module's tensors split into sampled
and fixed, with the masks of partly sampled tensors."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from .errors import BadSetting


@dataclass(frozen=True)
class Selection:
    """The sampled tensors at w* (``center``; a masked tensor by its sampled entries, flat), the rest
    (``fixed``: parameters and buffers), the masks as flat indices with the full tensors (``base``)."""

    center: dict[str, Tensor]
    fixed: dict[str, Tensor]
    masks: dict[str, Tensor]
    base: dict[str, Tensor]
    names: tuple[str, ...]


def select(model: torch.nn.Module, weights, dtype: torch.dtype, device: torch.device) -> Selection:
    """Split the module's parameters into sampled and fixed (``estimate_llc``'s ``weights``).

    Tied parameters are one tensor under several names: any of the names selects it.  Buffers are
    copied, so that nothing the module does during sampling reaches the caller's.
    """
    aliases = dict(model.named_parameters(remove_duplicate=False))
    if not aliases:
        raise BadSetting("model", type(model).__name__, "has no parameters to sample")
    owner = {}
    for name, p in aliases.items():
        owner.setdefault(id(p), name)
    canonical = {name: owner[id(p)] for name, p in aliases.items()}
    params = {name: aliases[name] for name in dict.fromkeys(canonical.values())}
    masks: dict[str, Tensor] = {}
    if weights is None:
        chosen = [name for name, p in params.items() if p.requires_grad]
        if not chosen:
            raise BadSetting("model", type(model).__name__, "has no trainable parameters (requires_grad is False for "
                             "all of them): unfreeze the ones to sample, or name them with weights=[...]")
    elif isinstance(weights, Mapping):
        chosen, whole = [], set()
        for name, mask in weights.items():
            if name not in canonical:
                raise BadSetting("weights", name, f"is not a parameter of the module; it has {sorted(aliases)}")
            target = canonical[name]
            chosen.append(target)
            if _is_true(mask):
                whole.add(target)
            else:  # a tied tensor named twice: the union of its masks
                index = _flat_mask(name, mask, params[target])
                masks[target] = torch.unique(torch.cat([masks[target], index])) if target in masks else index
        for target in whole:
            masks.pop(target, None)
    else:
        if isinstance(weights, str):
            weights = [weights]
        if not isinstance(weights, Iterable) or not all(isinstance(w, str) for w in weights):
            raise BadSetting("weights", weights, "must be parameter names or glob patterns (a list of str), or a "
                             "mapping name -> boolean mask of the parameter's shape")
        chosen = []
        for pattern in weights:
            hits = [canonical[name] for name in aliases if fnmatch.fnmatchcase(name, pattern)]
            if not hits:
                raise BadSetting("weights", pattern, f"matches no parameter; the module has {sorted(aliases)}")
            chosen += hits
    chosen = list(dict.fromkeys(chosen))
    if not chosen:
        raise BadSetting("weights", weights, "selects no parameter; name at least one (or leave weights=None for all "
                         "trainable parameters)")
    cast = (lambda t: t.detach().to(device=device, dtype=dtype if t.is_floating_point() else t.dtype))
    base = {name: cast(params[name]) for name in masks}
    center = {name: base[name].reshape(-1)[masks[name]].clone() if name in masks else cast(params[name])
              for name in chosen}
    fixed = {name: cast(p) for name, p in params.items() if name not in center}
    fixed.update({name: cast(b).clone() for name, b in model.named_buffers()})
    names = tuple(f"{name} ({len(masks[name])} of {base[name].numel()} entries)" if name in masks else name
                  for name in chosen)
    return Selection(center, fixed, {k: v.to(device) for k, v in masks.items()}, base, names)


def _is_true(mask) -> bool:
    """``True`` (Python, numpy or a 0-d tensor): the whole tensor."""
    return isinstance(mask, (bool, np.bool_)) and bool(mask) or (
        isinstance(mask, Tensor) and mask.dim() == 0 and mask.dtype == torch.bool and bool(mask))


def _flat_mask(name: str, mask, param: Tensor) -> Tensor:
    """The flat indices a mask selects: a boolean tensor of the parameter's shape, or integer flat indices."""
    mask = torch.as_tensor(mask)
    if mask.dtype == torch.bool:
        if tuple(mask.shape) != tuple(param.shape):
            raise BadSetting("weights", name, f"has a boolean mask of shape {tuple(mask.shape)}; the parameter's shape "
                             f"is {tuple(param.shape)}")
        index = mask.reshape(-1).nonzero().squeeze(1)
    elif not mask.is_floating_point() and not mask.is_complex() and mask.dim() == 1:
        index = torch.unique(mask.long())
        if len(index) and (index[0] < 0 or index[-1] >= param.numel()):
            raise BadSetting("weights", name, f"has flat indices outside [0, {param.numel()})")
    else:
        raise BadSetting("weights", name, "needs a boolean mask of the parameter's shape or a 1-d tensor of flat "
                         "indices")
    if len(index) == 0:
        raise BadSetting("weights", name, "has a mask that selects no entry")
    return index
