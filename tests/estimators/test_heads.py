"""attention_head_masks checked against the models' own forward, not against the slicing it does.

A head's output is its block of the per-head concatenation that the output projection reads (the
``reshape(..., -1)`` of the (heads, head_dim) axes in transformers' attention forwards).  So:
perturbing exactly the entries of a head's mask in the input projections must change that block
(and, in grouped-query attention, the blocks of the other query heads of its key/value group) and
no other; perturbing every other entry of those projections must leave the block alone; and the
head's mask in the output projection must act only through the head's block of inputs.  Layers and
heads are found by class name and config here, independently of the structural recognition.
"""

import copy
from typing import NamedTuple

import numpy as np
import pytest
import torch

from estimators import BadSetting, attention_head_masks

transformers = pytest.importorskip("transformers")

_TINY = {"intermediate_size": 64, "num_hidden_layers": 2, "vocab_size": 50}


def _gpt2(**config):
    return transformers.GPT2LMHeadModel(transformers.GPT2Config(n_layer=2, n_head=2, n_embd=16, vocab_size=50,
                                                                n_positions=32, **config))


def _llama(kv_heads, **config):
    return transformers.LlamaForCausalLM(transformers.LlamaConfig(hidden_size=32, num_attention_heads=4,
                                                                  num_key_value_heads=kv_heads, **_TINY, **config))


def _qwen2():
    return transformers.Qwen2ForCausalLM(transformers.Qwen2Config(hidden_size=32, num_attention_heads=4,
                                                                  num_key_value_heads=2, **_TINY))


def _qwen3():
    return transformers.Qwen3ForCausalLM(transformers.Qwen3Config(hidden_size=32, num_attention_heads=4,
                                                                  num_key_value_heads=2, head_dim=8, **_TINY))


# builder, attention class, output projection, parameters of the attention shared by all its heads
CASES = {
    "gpt2": (_gpt2, "GPT2Attention", "c_proj", {"c_proj.bias"}),
    "llama-gqa": (lambda: _llama(2), "LlamaAttention", "o_proj", set()),
    "llama-mha": (lambda: _llama(4), "LlamaAttention", "o_proj", set()),
    "llama-mqa-bias": (lambda: _llama(1, attention_bias=True), "LlamaAttention", "o_proj", {"o_proj.bias"}),
    "qwen2-qkv-bias": (_qwen2, "Qwen2Attention", "o_proj", set()),
    "qwen3": (_qwen3, "Qwen3Attention", "o_proj", {"q_norm.weight", "k_norm.weight"}),
}


class Case(NamedTuple):
    model: torch.nn.Module
    modules: list  # (name, attention module), layer by layer
    out_proj: str
    shared: set
    heads: int
    kv_heads: int
    masks: dict


@pytest.fixture(params=list(CASES), scope="module")
def case(request):
    build, attention, out_proj, shared = CASES[request.param]
    torch.manual_seed(0)
    model = build().double().eval()
    modules = [(name, m) for name, m in model.named_modules() if type(m).__name__ == attention]
    heads = model.config.num_attention_heads
    kv_heads = getattr(model.config, "num_key_value_heads", None) or heads
    return Case(model, modules, out_proj, shared, heads, kv_heads, attention_head_masks(model))


def _group(heads, kv_heads, h):
    """Query heads reading the key/value head of query head h (transformers' ``repeat_kv``)."""
    size = heads // kv_heads
    return set(range(h // size * size, (h // size + 1) * size))


def test_keys_shapes_dtypes(case):
    model, modules, heads, masks = case.model, case.modules, case.heads, case.masks
    assert list(masks) == [f"layer {i} head {h}" for i in range(len(modules)) for h in range(heads)]
    params = dict(model.named_parameters())
    for mask in masks.values():
        for name, m in mask.items():
            assert m.dtype == torch.bool and m.shape == params[name].shape and m.any()


def test_union_covers_the_attention_but_its_shared_parameters(case):
    modules, heads, masks = case.modules, case.heads, case.masks
    for i, (prefix, module) in enumerate(modules):
        union = {}
        for h in range(heads):
            for name, m in masks[f"layer {i} head {h}"].items():
                assert name.startswith(prefix + ".")
                union[name] = union.get(name, torch.zeros_like(m)) | m
        local = {f"{prefix}.{n}" for n, _ in module.named_parameters()}
        assert set(union) == local - {f"{prefix}.{n}" for n in case.shared}
        assert all(m.all() for m in union.values())


def test_heads_overlap_only_in_the_keys_and_values_of_their_group(case):
    modules, heads, kv_heads, masks = case.modules, case.heads, case.kv_heads, case.masks
    for i in range(len(modules)):
        for a in range(heads):
            for b in range(a + 1, heads):
                ma, mb = masks[f"layer {i} head {a}"], masks[f"layer {i} head {b}"]
                overlap = {n for n in ma.keys() & mb.keys() if (ma[n] & mb[n]).any()}
                if b in _group(heads, kv_heads, a) and kv_heads < heads:
                    assert {n.rsplit(".", 2)[-2] for n in overlap} == {"k_proj", "v_proj"}
                    assert all(torch.equal(ma[n], mb[n]) for n in overlap)
                else:
                    assert not overlap


def _perturbed(model, masks, seed=1):
    """A copy of the model with Gaussian noise added to exactly the masked entries."""
    out = copy.deepcopy(model)
    params = dict(out.named_parameters())
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, mask in masks.items():
            params[name].add_(0.5 * torch.randn(mask.shape, generator=gen, dtype=torch.float64) * mask)
    return out


def _head_inputs(model, modules, out_proj, tokens):
    """What each attention module's output projection reads: (batch, positions, heads·head_dim)."""
    seen = {}
    hooks = [model.get_submodule(f"{prefix}.{out_proj}").register_forward_pre_hook(
        lambda _, args, i=i: seen.__setitem__(i, args[0])) for i, (prefix, _) in enumerate(modules)]
    with torch.no_grad():
        model(input_ids=tokens)
    for hook in hooks:
        hook.remove()
    return seen


def _changed(a, b):
    """Indices of the last axis where a and b differ anywhere."""
    return set(torch.nonzero((a - b).abs().amax(dim=tuple(range(a.ndim - 1))) > 1e-10).flatten().tolist())


def _block(heads, width, h):
    return set(range(h * width // heads, (h + 1) * width // heads))


def test_a_heads_input_masks_change_exactly_its_groups_outputs(case):
    model, modules, out_proj, heads, masks = case.model, case.modules, case.out_proj, case.heads, case.masks
    tokens = torch.randint(0, 50, (3, 9), generator=torch.Generator().manual_seed(0))
    before = _head_inputs(model, modules, out_proj, tokens)
    for i, (prefix, module) in enumerate(modules):
        width = before[i].shape[-1]
        output_weight = f"{prefix}.{out_proj}.weight"
        for h in range(heads):
            mask = {n: m for n, m in masks[f"layer {i} head {h}"].items() if n != output_weight}
            after = _head_inputs(_perturbed(model, mask), modules, out_proj, tokens)
            assert _changed(after[i], before[i]) == set().union(
                *(_block(heads, width, g) for g in _group(heads, case.kv_heads, h)))
            queries = {n: m for n, m in mask.items() if ".q_proj." in n}
            if queries:
                after = _head_inputs(_perturbed(model, queries), modules, out_proj, tokens)
                assert _changed(after[i], before[i]) == _block(heads, width, h)
            rest = {f"{prefix}.{n}": ~mask.get(f"{prefix}.{n}", torch.zeros_like(p, dtype=torch.bool))
                    for n, p in module.named_parameters() if not n.startswith(out_proj) and n not in case.shared}
            after = _head_inputs(_perturbed(model, rest), modules, out_proj, tokens)
            changed = _changed(after[i], before[i])
            assert changed and not changed & _block(heads, width, h)


def test_a_heads_output_mask_acts_only_through_its_inputs(case):
    model, modules, out_proj, heads, masks = case.model, case.modules, case.out_proj, case.heads, case.masks
    tokens = torch.zeros(1, 1, dtype=torch.long)
    widths = {i: x.shape[-1] for i, x in _head_inputs(model, modules, out_proj, tokens).items()}
    for i, (prefix, module) in enumerate(modules):
        width = widths[i]
        units = torch.eye(width, dtype=torch.float64)
        with torch.no_grad():
            before = getattr(module, out_proj)(units)
        for h in range(heads):
            name = f"{prefix}.{out_proj}.weight"
            perturbed = _perturbed(model, {name: masks[f"layer {i} head {h}"][name]})
            with torch.no_grad():
                after = perturbed.get_submodule(f"{prefix}.{out_proj}")(units)
            assert _changed(after.T, before.T) == _block(heads, width, h)


def test_layers_selects_and_is_checked():
    torch.manual_seed(0)
    model = _llama(2)
    every = attention_head_masks(model)
    for layers in ([1], 1, np.int64(1)):
        some = attention_head_masks(model, layers=layers)
        assert list(some) == [f"layer 1 head {h}" for h in range(4)]
        assert all(torch.equal(some[k][n], every[k][n]) for k in some for n in some[k])
    for layers in ([2], [-1], ["0"], "0"):
        with pytest.raises(BadSetting, match="layers"):
            attention_head_masks(model, layers=layers)


def test_no_recognised_attention_is_a_clear_error():
    with pytest.raises(BadSetting, match="no attention module") as error:
        attention_head_masks(torch.nn.TransformerEncoderLayer(16, 2))
    for words in ("GPT2Attention", "LlamaAttention", "by hand", "named_parameters()"):
        assert words in str(error.value)
    with pytest.raises(BadSetting, match="torch.nn.Module"):
        attention_head_masks(None)


def test_cross_attention_is_refused_by_name():
    with pytest.raises(BadSetting, match=r"'transformer\.h\.0\.crossattention'.*cross-attention"):
        attention_head_masks(_gpt2(add_cross_attention=True))


class _Attention(torch.nn.Module):
    """A hand-made module with the Llama projections: 4 query heads of head_dim 8."""

    def __init__(self, kv_rows, head_dim=8):
        super().__init__()
        self.q_proj, self.k_proj, self.v_proj = (torch.nn.Linear(32, rows) for rows in (32, kv_rows, kv_rows))
        self.o_proj = torch.nn.Linear(32, 32)
        self.head_dim = head_dim


@pytest.mark.parametrize("module, words", [
    (_Attention(24), "4 query heads and 3 key/value heads"),
    (_Attention(20), r"k_proj.weight of shape \(20, 32\) does not split"),
    (_Attention(16, head_dim=None), "head_dim=None"),
])
def test_unsplittable_llama_style_layouts_are_refused(module, words):
    with pytest.raises(BadSetting, match=words):
        attention_head_masks(torch.nn.Sequential(module))
