"""The LLC of a small GPT-2-style language model, and a weight-refined LLC per attention head.

    python examples/gpt2_llc.py [--steps 300] [--seed 0] [--quick]

A two-layer GPT-2 built from a config (random initial weights, nothing downloaded) is trained with
Adam on a synthetic token language (each sequence repeats a random 3-token motif, so the second
half is predictable from the first), then:

- ``estimate_llc`` with ``batch_loss``: the standard next-token loss of HuggingFace's
  ``GPT2LMHeadModel(input_ids=..., labels=...)`` on a dataset of token ids with no separate targets,
  keeping the distance from w*, gradient-norm and noise-norm traces per draw;
- one weight-refined LLC per attention head, with the masks of
  :func:`estimators.heads.attention_head_masks` (a head is a slice of the fused ``c_attn`` and of
  ``c_proj``, not a parameter of its own).

Every estimate is printed with its verdict.  Needs ``transformers`` (in the ``dev`` extra).
"""

from __future__ import annotations

import argparse
import warnings

import torch

from estimators import LLCWarning, estimate_llc
from estimators.heads import attention_head_masks

VOCAB, LENGTH, MOTIF = 12, 12, 3


def motif_tokens(count: int, *, seed: int) -> torch.Tensor:
    """``(count, LENGTH)`` token ids: a random motif of 3 tokens repeated along each sequence."""
    gen = torch.Generator().manual_seed(seed)
    motifs = torch.randint(0, VOCAB, (count, MOTIF), generator=gen)
    return motifs.repeat(1, LENGTH // MOTIF)


def next_token_loss(model, ids: torch.Tensor) -> torch.Tensor:
    """The mean next-token cross-entropy (nats per predicted token) of a causal LM on token ids."""
    return model(input_ids=ids, labels=ids).loss


def build(seed: int):
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    config = GPT2Config(n_layer=2, n_head=2, n_embd=16, n_inner=32, vocab_size=VOCAB, n_positions=LENGTH,
                        bos_token_id=0, eos_token_id=0, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    return GPT2LMHeadModel(config)


def train(model, ids: torch.Tensor, steps: int, *, seed: int) -> float:
    gen = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(steps):
        batch = ids[torch.randint(0, len(ids), (64,), generator=gen)]
        optimizer.zero_grad()
        loss = next_token_loss(model, batch)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        return float(next_token_loss(model, ids))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="Adam steps before estimating")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="fewer samples and a smaller sampling budget")
    args = parser.parse_args(argv)
    ids = motif_tokens(256 if args.quick else 1024, seed=args.seed)
    model = build(args.seed)
    loss = train(model, ids, 100 if args.quick else args.steps, seed=args.seed)
    print(f"trained: next-token loss {loss:.3f} nats (a random guess is {torch.log(torch.tensor(VOCAB)):.3f})")
    budget = dict(max_steps=300 if args.quick else 2000, seed=args.seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LLCWarning)  # each verdict is printed below
        whole = estimate_llc(model, ids, batch_loss=next_token_loss,
                             traces=["distance", "gradient_norm", "noise_norm"], **budget)
        print(f"\nwhole model ({whole.config.num_sampled} parameters): LLC {whole.mean:.2f} ± {whole.std_err:.2f}, "
              f"{whole.verdict}")
        for reason in whole.diagnostics.trust.reasons:
            print(f"  - {reason}")
        for name, trace in whole.traces.items():
            print(f"  {name:<14} first draw {trace[:, 0].mean():.3g}, last draw {trace[:, -1].mean():.3g}")
        print(f"\n{'head':<18} {'sampled':>8} {'LLC':>8} {'s.e.':>6}  verdict")
        for head, masks in attention_head_masks(model).items():
            est = estimate_llc(model, ids, batch_loss=next_token_loss, weights=masks, **budget)
            print(f"{head:<18} {est.config.num_sampled:>8} {est.mean:>8.3f} {est.std_err:>6.3f}  {est.verdict}")
            for reason in est.diagnostics.trust.reasons:
                print(f"{'':<20}- {reason}")


if __name__ == "__main__":
    main()
