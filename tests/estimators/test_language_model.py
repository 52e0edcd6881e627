"""``estimate_llc`` on a GPT-2-style causal language model from ``transformers`` (built from a config:
random weights, no download), over token ids with the standard next-token loss, per draw traces
and a weight-refined LLC per attention head (issue 18, item 15)."""

import math
import warnings

import pytest
import torch

from estimators import LLCWarning, estimate_llc
from estimators.heads import attention_head_masks

transformers = pytest.importorskip("transformers")

QUICK = dict(num_chains=2, max_steps=100, checks=False, seed=0)


def _next_token(model, ids):
    return model(input_ids=ids, labels=ids).loss


@pytest.fixture(scope="module")
def lm():
    torch.manual_seed(0)
    config = transformers.GPT2Config(n_layer=1, n_head=2, n_embd=8, n_inner=16, vocab_size=11, n_positions=8,
                                     bos_token_id=0, eos_token_id=0)
    model = transformers.GPT2LMHeadModel(config)
    ids = torch.randint(0, 11, (64, 8), generator=torch.Generator().manual_seed(1))
    return model, ids


def _estimate(model, ids, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LLCWarning)  # random weights: w* is no minimum, the verdict says so
        return estimate_llc(model, ids, batch_loss=_next_token, **QUICK, **kwargs)


def test_a_gpt2_model_over_token_ids_with_traces(lm):
    model, ids = lm
    model.train()  # as a user may leave it: dropout on
    before = {k: v.clone() for k, v in model.state_dict().items()}
    est = _estimate(model, ids, traces=["distance", "gradient_norm", "noise_norm"])
    assert model.training and all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    model.eval()
    with torch.no_grad():  # L_n(w*): HuggingFace's own loss over all the sequences (equal lengths)
        assert est.init_loss == pytest.approx(float(_next_token(model, ids)), rel=1e-5)
    assert est.config.n == 64 and est.config.num_sampled == sum(p.numel() for p in model.parameters())
    assert all(trace.shape == est.losses.shape for trace in est.traces.values())
    assert math.isfinite(est.mean) and est.verdict in ("ok", "doubtful", "unreliable")


def test_a_weight_refined_llc_per_attention_head(lm):
    model, ids = lm
    heads = attention_head_masks(model)
    assert list(heads) == ["layer 0 head 0", "layer 0 head 1"]
    for masks in heads.values():
        est = _estimate(model, ids, weights=masks)
        assert est.config.num_sampled == sum(int(m.sum()) for m in masks.values())
        assert math.isfinite(est.mean)
