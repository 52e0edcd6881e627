"""Induction heads in a two-layer attention-only transformer, with per-head weight-refined LLCs.

Data: sequences of 2L tokens whose second half repeats the first, tokens uniform over a vocabulary
of V.  Only an induction circuit predicts the second half: a head in layer 0 that attends to the
previous token, composed with a head in layer 1 that attends to the token after the previous
occurrence of the current one (Olsson et al. 2022, "In-context learning and induction heads").
Model: token and learned position embeddings, two layers of two attention heads each (no MLPs,
no layer norm), a linear unembedding.  Per head we record, at every checkpoint, its
previous-token score (layer 0: mean attention from position i to i − 1) or its induction score
(layer 1: mean attention from position i of the repeat to position i − L + 1), and its
weight-refined LLC (Wang et al. 2024, arXiv:2410.02984: only that head's q, k, v, o weights are
sampled).  The loss is the next-token cross-entropy summed over the positions of a sequence (one
sequence is one sample: docs/conventions.md#loss-units).
"""

from __future__ import annotations

import json
import math
import pathlib

import numpy as np
import torch

from estimators import llc_trajectory, plot_observables

from ._training import checkpoint_steps, train

__all__ = ["AttentionOnly", "repeated_sequences", "next_token_nll", "head_scores", "run"]

# RMSProp-SGLD: once the induction circuit has formed the minimum is so sharp that SGLD's chains
# run away at every step size tried (1e-5 to 3e-4) while RMSProp-SGLD at 1e-4 stays stable.
# vectorize=False: for this many small operations, one chain at a time is faster than vmap here.
_SAMPLER = dict(sampler="rmsprop_sgld", step_size=1e-4, num_chains=2, num_draws=100, num_burnin=50, batch_size=64,
                localization=1.0, vectorize=False)


class _Head(torch.nn.Module):
    def __init__(self, d_model: int, d_head: int):
        super().__init__()
        self.q, self.k, self.v = (torch.nn.Linear(d_model, d_head, bias=False) for _ in range(3))
        self.o = torch.nn.Linear(d_head, d_model, bias=False)

    def pattern(self, x: torch.Tensor) -> torch.Tensor:
        scores = self.q(x) @ self.k(x).transpose(-1, -2) / math.sqrt(self.q.out_features)
        causal = torch.ones(x.shape[-2], x.shape[-2], dtype=torch.bool).tril()
        return torch.softmax(scores.masked_fill(~causal, float("-inf")), dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.o(self.pattern(x) @ self.v(x))


class AttentionOnly(torch.nn.Module):
    """Attention-only transformer; parameter names ``blocks.{layer}.{head}.{q,k,v,o}.weight``."""

    def __init__(self, vocab: int, context: int, d_model: int = 32, d_head: int = 16, heads: int = 2, layers: int = 2):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, d_model)
        self.pos = torch.nn.Parameter(0.1 * torch.randn(context, d_model))
        self.blocks = torch.nn.ModuleList(
            torch.nn.ModuleList(_Head(d_model, d_head) for _ in range(heads)) for _ in range(layers))
        self.unembed = torch.nn.Linear(d_model, vocab, bias=False)

    def residuals(self, tokens: torch.Tensor) -> list[torch.Tensor]:
        """The residual stream entering each layer, and leaving the last."""
        x = self.embed(tokens) + self.pos[: tokens.shape[-1]]
        streams = [x]
        for block in self.blocks:
            x = x + sum(head(x) for head in block)
            streams.append(x)
        return streams

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.unembed(self.residuals(tokens)[-1])


def repeated_sequences(n: int, half: int, vocab: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs, next-token targets): n sequences of 2·half tokens, the second half repeating the first.

    Examples
    --------
    >>> x, y = repeated_sequences(2, 3, 10, seed=0)
    >>> bool((x[:, :3] == x[:, 3:]).all()), bool((y[:, :-1] == x[:, 1:]).all())
    (True, True)
    """
    gen = torch.Generator().manual_seed(seed)
    first = torch.randint(0, vocab, (n, half), generator=gen)
    seqs = torch.cat([first, first, first[:, :1]], dim=1)  # one extra token: the target after the last
    return seqs[:, :-1], seqs[:, 1:]


def next_token_nll(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy summed over a sequence's positions, averaged over sequences."""
    per_token = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                                  reduction="none")
    return per_token.reshape(targets.shape).sum(dim=-1).mean()


def head_scores(model: AttentionOnly, tokens: torch.Tensor) -> dict[str, float]:
    """Previous-token score of each layer-0 head, induction score of each layer-1 head (see the module)."""
    half = tokens.shape[-1] // 2
    streams = model.residuals(tokens)
    scores = {}
    with torch.no_grad():
        for layer, block in enumerate(model.blocks):
            for h, head in enumerate(block):
                att = head.pattern(streams[layer])
                if layer == 0:
                    scores[f"L0H{h} prev-token"] = float(att.diagonal(offset=-1, dim1=-2, dim2=-1).mean())
                else:
                    scores[f"L{layer}H{h} induction"] = float(
                        att[:, half:, 1:half + 1].diagonal(dim1=-2, dim2=-1).mean())
    return scores


def run(out, seed: int = 0, quick: bool = False) -> dict:
    """Train, checkpoint, estimate LLC and per-head refined LLC trajectories; write figures and summary."""
    out = pathlib.Path(out)
    vocab, half, n, steps = (8, 4, 256, 60) if quick else (16, 12, 2048, 1500)
    sampler = _SAMPLER | ({"num_draws": 20, "num_burnin": 5} if quick else {})
    x, y = repeated_sequences(n, half, vocab, seed)
    x_test, y_test = repeated_sequences(512, half, vocab, seed + 10_000)
    torch.manual_seed(seed)
    model = AttentionOnly(vocab, 2 * half)
    gen = torch.Generator().manual_seed(seed)

    def batch_loss(m, step):
        rows = torch.randint(0, n, (64,), generator=gen)
        return next_token_nll(m(x[rows]), y[rows])

    def metrics(m):
        per_token = torch.nn.functional.cross_entropy(m(x_test).reshape(-1, vocab), y_test.reshape(-1),
                                                      reduction="none").reshape(y_test.shape)
        return {"test_loss": float(per_token.sum(dim=1).mean()),
                "first_half_loss": float(per_token[:, : half - 1].mean()),
                "repeat_loss": float(per_token[:, half:-1].mean()), **head_scores(m, x_test[:128])}

    history = train(model, batch_loss, torch.optim.Adam(model.parameters(), lr=1e-3), steps,
                    checkpoint_steps(steps, 6 if quick else 24), out / "checkpoints", metrics)
    components = {f"L{layer}H{h}": [f"blocks.{layer}.{h}.*"] for layer in range(2) for h in range(2)}
    trajectory = llc_trajectory(out / "checkpoints", (x, y), model=AttentionOnly(vocab, 2 * half),
                                loss_fn=next_token_nll, components=components, out=out / "llc", seed=seed, **sampler)
    columns = {"repeat_loss": [h["repeat_loss"] for h in history],
               "first_half_loss": [h["first_half_loss"] for h in history], "llc": trajectory.series("llc")}
    std_errs = {"llc": trajectory.series("std_err")}
    for name in components:
        columns[f"llc/{name}"] = trajectory.series(f"llc/{name}")
        std_errs[f"llc/{name}"] = trajectory.series(f"std_err/{name}")
        score = next(k for k in history[0] if k.startswith(name))
        columns[score] = [h[score] for h in history]
    found = plot_observables(trajectory.steps, columns, out / "induction.png", std_errs=std_errs,
                             title=f"2-layer attention-only transformer, V = {vocab}, 2L = {2 * half}")
    rows = [h | {k: v for k, v in r.to_dict().items() if k.startswith(("llc", "std_err"))} for h, r in zip(history, trajectory.rows)]
    summary = {"vocab": vocab, "context": 2 * half, "sequences": n, "steps": steps, "sampler": sampler, "rows": rows,
               "transitions": {name: [t.__repr__() for t in ts] for name, ts in found.items()},
               "first_change": {name: (ts[0].step if ts else None) for name, ts in found.items()},
               "final_llc_by_head": {name: float(np.nan_to_num(trajectory.series(f"llc/{name}")[-1]))
                                     for name in components}}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary
