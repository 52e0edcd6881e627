"""Parameter masks of the attention heads of a transformer, for weight-refined LLCs per head.

A head is not a parameter of its own: its query, key and value maps are blocks of rows or columns
of projections that all heads share (fused into one ``c_attn`` in GPT-2), and its share of the
output projection is the block of that projection's inputs that carries the head's output.  A
weight-refined LLC of one head (Wang et al. 2024) samples exactly those blocks and holds the rest
of every tensor at w*, so it needs a mask per tensor rather than a list of names:
:func:`attention_head_masks` builds them from the module layouts of HuggingFace ``transformers``,
recognised by structure (no import of ``transformers``).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator
from typing import NamedTuple

import torch
from torch import Tensor

from .errors import BadSetting

__all__ = ["attention_head_masks"]

_BY_HAND = (
    "For other layouts build the masks by hand: weights={parameter_name: mask}, the name as in "
    "model.named_parameters(), the mask a boolean tensor of the parameter's shape, True where "
    "sampled."
)
_RECOGNISED = (
    "GPT-2-style self-attention (transformers' GPT2Attention: Conv1D c_attn with columns "
    "[q | k | v], Conv1D c_proj, an integer head_dim) and Llama-style attention (LlamaAttention "
    "and its kin: nn.Linear q_proj, k_proj, v_proj, o_proj, an integer head_dim, grouped-query "
    "attention allowed)."
)


class _Block(NamedTuple):
    """One head's share of one parameter: ``head_dim`` consecutive indices along ``axis``, from
    ``start + (h // group) * head_dim`` for head h (``group`` query heads share one key/value head)."""

    parameter: str
    axis: int
    start: int
    group: int = 1


class _Layout(NamedTuple):
    """How the heads of one attention module lie in its parameters."""

    family: str
    num_heads: int
    head_dim: int
    blocks: tuple[_Block, ...]


def _not_recognised(name: str, module: torch.nn.Module, family: str, why: str) -> BadSetting:
    return BadSetting("model", type(module).__name__,
                      f"at {name!r} looks like {family} attention but {why}; this layout is not recognised. "
                      f"{_BY_HAND}")


def _head_dim(name: str, module: torch.nn.Module, family: str) -> int:
    head_dim = getattr(module, "head_dim", None)
    if not isinstance(head_dim, int) or isinstance(head_dim, bool) or head_dim < 1:
        raise _not_recognised(name, module, family, f"head_dim={head_dim!r} is not a positive integer")
    return head_dim


def _gpt2_layout(name: str, module: torch.nn.Module) -> _Layout:
    """GPT2Attention (transformers ``models/gpt2/modeling_gpt2.py``): ``Conv1D`` stores its weight
    as (in, out); ``c_attn`` maps the embedding to [q | k | v] (3·embed columns, head h at columns
    h·head_dim … of each third, as ``split(embed)`` then ``view(..., -1, head_dim)`` in the forward);
    ``c_proj`` reads the heads' outputs concatenated, head h at input rows h·head_dim …."""
    family = "GPT-2-style"
    if getattr(module, "is_cross_attention", False):
        raise _not_recognised(name, module, family, "it is cross-attention (c_attn holds k and v only, q_attn holds q)")
    for attribute in ("c_attn", "c_proj"):
        kind = type(getattr(module, attribute)).__name__
        if kind != "Conv1D":
            raise _not_recognised(name, module, family, f"its {attribute} is a {kind}, not a Conv1D")
    head_dim = _head_dim(name, module, family)
    embed = module.c_proj.weight.shape[0]
    qkv = tuple(_Block(f"c_attn.{kind}", axis, start)
                for kind, axis in (("weight", 1), ("bias", 0)) for start in (0, embed, 2 * embed))
    return _Layout(family, embed // head_dim, head_dim, (*qkv, _Block("c_proj.weight", 0, 0)))


def _llama_layout(name: str, module: torch.nn.Module) -> _Layout:
    """LlamaAttention (transformers ``models/llama/modeling_llama.py``) and the families that copy
    it: ``nn.Linear`` weights are (out, in); query head h is rows h·head_dim … of ``q_proj``; key
    and value head j are rows j·head_dim … of ``k_proj``, ``v_proj`` and serve query heads
    j·G … (j+1)·G − 1, G = heads // kv_heads (``repeat_kv``); ``o_proj`` reads the heads' outputs
    concatenated, head h at input columns h·head_dim …."""
    family = "Llama-style"
    projections = ("q_proj", "k_proj", "v_proj", "o_proj")
    for attribute in projections:
        if not isinstance(getattr(module, attribute), torch.nn.Linear):
            kind = type(getattr(module, attribute)).__name__
            raise _not_recognised(name, module, family, f"its {attribute} is a {kind}, not a torch.nn.Linear")
    head_dim = _head_dim(name, module, family)
    heads, kv_heads = (getattr(module, p).weight.shape[0] // head_dim for p in projections[:2])
    if kv_heads < 1 or heads % kv_heads:
        raise _not_recognised(name, module, family, f"its {heads} query heads and {kv_heads} key/value heads of "
                                                    f"head_dim={head_dim} do not form groups")
    group = heads // kv_heads
    blocks = [_Block("q_proj.weight", 0, 0), _Block("k_proj.weight", 0, 0, group),
              _Block("v_proj.weight", 0, 0, group), _Block("o_proj.weight", 1, 0)]
    blocks += [_Block(f"{p}.bias", 0, 0, g) for p, g in (("q_proj", 1), ("k_proj", group), ("v_proj", group))
               if getattr(module, p).bias is not None]
    return _Layout(family, heads, head_dim, tuple(blocks))


def _layout(name: str, module: torch.nn.Module) -> _Layout | None:
    """The module's head layout if it has the projections of a recognised family, else None."""
    if all(hasattr(module, p) for p in ("c_attn", "c_proj")):
        return _gpt2_layout(name, module)
    if all(hasattr(module, p) for p in ("q_proj", "k_proj", "v_proj", "o_proj")):
        return _llama_layout(name, module)
    return None


def _spans(layout: _Layout, head: int) -> Iterator[tuple[str, int, int]]:
    """(parameter, axis, first index) of each block of the head; each block is head_dim long."""
    for block in layout.blocks:
        yield block.parameter, block.axis, block.start + (head // block.group) * layout.head_dim


def _check(name: str, module: torch.nn.Module, layout: _Layout) -> None:
    """Refuse a layout whose head blocks do not tile each parameter's head axis exactly."""
    for parameter, axis in dict.fromkeys((block.parameter, block.axis) for block in layout.blocks):
        shape = tuple(module.get_parameter(parameter).shape)
        firsts = [first for head in range(layout.num_heads)
                  for p, _, first in _spans(layout, head) if p == parameter]
        covered = torch.zeros(shape[axis], dtype=torch.bool)
        for first in firsts:
            covered[first:first + layout.head_dim] = True
        if not firsts or max(firsts) + layout.head_dim > shape[axis] or not covered.all():
            raise _not_recognised(name, module, layout.family,
                                  f"{parameter} of shape {shape} does not split along axis {axis} into "
                                  f"{layout.num_heads} heads of head_dim={layout.head_dim}")


def _layers(layers: int | Iterable[int] | None, count: int) -> list[int]:
    if layers is None:
        return list(range(count))
    wanted = [layers] if isinstance(layers, numbers.Integral) else layers
    if not isinstance(wanted, Iterable) or isinstance(wanted, (str, bytes)):
        raise BadSetting("layers", layers, "must be a layer index or a list of them, e.g. layers=[0]")
    wanted = list(wanted)
    bad = [i for i in wanted if not isinstance(i, numbers.Integral) or isinstance(i, bool) or not 0 <= i < count]
    if bad:
        raise BadSetting("layers", layers, f"must hold layer indices in 0 … {count - 1} (the model has {count} "
                                           f"recognised attention layers); {bad[0]!r} is not one")
    return [int(i) for i in wanted]


def attention_head_masks(model: torch.nn.Module, *,
                         layers: int | Iterable[int] | None = None) -> dict[str, dict[str, Tensor]]:
    """The parameter masks of every attention head, one ``weights=`` mapping per head.

    Pass one value as the ``weights`` of :func:`~estimators.estimate_llc` for the weight-refined
    LLC of that head: ``estimate_llc(model, data, weights=masks["layer 0 head 1"])``.

    Parameters
    ----------
    model : torch.nn.Module
        A transformer whose attention modules have a recognised layout, found by walking
        ``model.named_modules()`` and reading each module's structure (attribute names, the types
        of its projections, their shapes), not its class name:

        - GPT-2-style self-attention, as transformers' ``GPT2Attention``: ``c_attn`` a
          ``Conv1D`` with weight (embed, 3·embed) whose columns are [q | k | v] and bias
          (3·embed,); ``c_proj`` a ``Conv1D`` with weight (embed, embed) whose input rows carry
          the heads' outputs; an integer attribute ``head_dim``.
        - Llama-style attention, as ``LlamaAttention``, ``Qwen2Attention``, ``Qwen3Attention``
          and the other modules built like them (Mistral's, Gemma's, ...): ``nn.Linear`` layers
          ``q_proj`` (weight (heads·head_dim, hidden)), ``k_proj`` and ``v_proj`` (weight
          (kv_heads·head_dim, hidden)), ``o_proj`` (weight (hidden, heads·head_dim)), optional
          biases; an integer attribute ``head_dim``.
          Grouped-query attention: kv_heads divides heads, and query head h reads key/value head
          h // (heads // kv_heads).

        Head counts come from the weight shapes and ``head_dim``, as the modules' forward reads
        them (``view(..., -1, head_dim)``).
    layers : int or list of int, optional
        Indices of the attention layers whose heads to return (default: all).  Layer i is the
        i-th recognised attention module in ``model.named_modules()`` order
        (``transformer.h.i.attn`` in GPT-2, ``model.layers.i.self_attn`` in Llama).

    Returns
    -------
    dict of str to dict of str to torch.Tensor
        Keyed ``"layer {i} head {h}"``, layer-major, h counting from 0 within the layer; each
        value maps parameter names (as ``model.named_parameters()`` gives them) to boolean masks
        of exactly the parameter's shape, on its device, True on the entries of that head:

        - GPT-2: its q, k and v columns of ``c_attn.weight`` ((embed, 3·head_dim) entries) and of
          ``c_attn.bias``, its head_dim input rows of ``c_proj.weight``;
        - Llama: its head_dim rows of ``q_proj.weight``, the head_dim rows of its key/value head in
          ``k_proj.weight`` and ``v_proj.weight``, the matching entries of the q, k, v biases if
          present, its head_dim input columns of ``o_proj.weight``.

        Parameters with no entry for the head are absent from its mapping.  Every attention module
        is checked, whichever ``layers`` are asked for.

    Raises
    ------
    BadSetting
        ``model`` is not a module; it has no recognised attention module (the message lists the
        recognised layouts and how to pass masks by hand); a module with the projections of a
        recognised family has another layout (a ``c_attn`` that is not a ``Conv1D``, GPT-2
        cross-attention whose ``c_attn`` holds k and v only, a head count that does not tile the
        weights, no integer ``head_dim``); ``layers`` holds an index out of range.

    Examples
    --------
    >>> from transformers import GPT2Config, GPT2LMHeadModel
    >>> gpt2 = GPT2LMHeadModel(GPT2Config(n_layer=2, n_head=2, n_embd=16, vocab_size=50, n_positions=32))
    >>> masks = attention_head_masks(gpt2)
    >>> list(masks)
    ['layer 0 head 0', 'layer 0 head 1', 'layer 1 head 0', 'layer 1 head 1']
    >>> for name, mask in masks["layer 1 head 0"].items():  # 16·3·8, 3·8 and 8·16 entries
    ...     print(name, int(mask.sum()))
    transformer.h.1.attn.c_attn.weight 384
    transformer.h.1.attn.c_attn.bias 24
    transformer.h.1.attn.c_proj.weight 128

    Grouped-query attention: query heads 0 and 1 read one key/value head.

    >>> from transformers import LlamaConfig, LlamaForCausalLM
    >>> llama = LlamaForCausalLM(LlamaConfig(hidden_size=32, num_attention_heads=4, num_key_value_heads=2,
    ...                                      intermediate_size=64, num_hidden_layers=2, vocab_size=50))
    >>> heads = attention_head_masks(llama, layers=[1])
    >>> k = "model.layers.1.self_attn.k_proj.weight"
    >>> [torch.equal(heads["layer 1 head 0"][k], heads[f"layer 1 head {h}"][k]) for h in range(4)]
    [True, True, False, False]

    Notes
    -----
    Parameters of an attention module that act on every head alike are in no head's mask: the
    output bias (``c_proj.bias``, ``o_proj.bias``) and, in Qwen3, the norms over head_dim
    (``q_norm``, ``k_norm``).  In grouped-query attention the key and value rows of a group are in
    the mask of every query head of the group, so the refined LLCs of those heads are of
    overlapping sets of weights.  In GPT-2 a head's key bias does not change the model's output
    (the softmax of each query's scores ignores a shift common to all keys): it is a direction
    the loss is flat in, sampled with the head.  (With rotary position embeddings, as in Llama,
    the rotated bias differs from key to key and does count.)

    The masks are dense: their memory is one byte per attention weight per head; ``layers``
    limits it.

    References
    ----------
    Wang et al. (2024), "Differentiation and specialization of attention heads via the refined
    local learning coefficient", arXiv:2410.02984 (the weight-refined LLC).
    """
    if not isinstance(model, torch.nn.Module):
        raise BadSetting("model", type(model).__name__, "is not a torch.nn.Module; pass the transformer itself")
    found = [(name, module, layout) for name, module in model.named_modules()
             if (layout := _layout(name, module)) is not None]
    if not found:
        raise BadSetting("model", type(model).__name__,
                         f"has no attention module with a recognised layout. Recognised: {_RECOGNISED} {_BY_HAND}")
    for name, module, layout in found:
        _check(name, module, layout)
    names = {id(p): name for name, p in model.named_parameters()}
    masks = {}
    for i in _layers(layers, len(found)):
        _, module, layout = found[i]
        for head in range(layout.num_heads):
            mask = {}
            for parameter, axis, first in _spans(layout, head):
                tensor = module.get_parameter(parameter)
                key = names[id(tensor)]
                if key not in mask:
                    mask[key] = torch.zeros_like(tensor, dtype=torch.bool)
                mask[key].narrow(axis, first, layout.head_dim).fill_(True)
            masks[f"layer {i} head {head}"] = mask
    return masks
