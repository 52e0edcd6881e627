"""Grokking modular addition: does the LLC move before the test accuracy does?

Task: (a, b) ↦ a + b mod p, as one-hot codes of a and b concatenated; a fraction of the p² pairs is
the training set.  Model: a one-hidden-layer MLP with the square activation, trained full-batch
with AdamW on the squared error against one-hot targets (the Gaussian negative log-likelihood,
σ = 1: docs/conventions.md#loss-units).  This is the setting of Gromov (2023), "Grokking modular arithmetic"
(arXiv:2301.02679), where the network first memorises the training pairs and only later
generalises; Power et al. (2022) named the phenomenon.  The LLC is estimated on the training set
at every checkpoint (nβ = n/log n with n the number of training pairs).
"""

from __future__ import annotations

import json
import pathlib
from dataclasses import dataclass

import torch

from estimators import gaussian_nll, llc_trajectory, plot_observables

from ._training import checkpoint_steps, train

__all__ = ["SquareMLP", "TrainingRun", "modular_addition", "run", "sampler_settings", "training_run"]

_SAMPLER = dict(step_size=1e-4, num_chains=4, num_draws=300, num_burnin=100, batch_size=64, localization=1.0)


class _Square(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * x


class SquareMLP(torch.nn.Sequential):
    """Linear(2p → width), x ↦ x², Linear(width → p), with PyTorch's default initialisation."""

    def __init__(self, p: int, width: int):
        super().__init__(torch.nn.Linear(2 * p, width), _Square(), torch.nn.Linear(width, p))


def modular_addition(p: int, train_fraction: float, seed: int):
    """(X, Y, labels, train indices, test indices) for a + b mod p over all p² pairs.

    Examples
    --------
    >>> X, Y, labels, tr, te = modular_addition(5, 0.4, seed=0)
    >>> X.shape, Y.shape, len(tr), len(te), int(labels[7])  # pair 7 is (1, 2)
    (torch.Size([25, 10]), torch.Size([25, 5]), 10, 15, 3)
    """
    if not (p >= 2 and 0 < train_fraction < 1):
        raise ValueError(f"need p >= 2 and 0 < train_fraction < 1, got p={p}, train_fraction={train_fraction}")
    a, b = (t.reshape(-1) for t in torch.meshgrid(torch.arange(p), torch.arange(p), indexing="ij"))
    labels = (a + b) % p
    one_hot = torch.nn.functional.one_hot
    X = torch.cat([one_hot(a, p), one_hot(b, p)], dim=1).float()
    Y = one_hot(labels, p).float()
    order = torch.randperm(p * p, generator=torch.Generator().manual_seed(seed))
    cut = int(round(train_fraction * p * p))
    return X, Y, labels, order[:cut], order[cut:]


@dataclass(frozen=True)
class TrainingRun:
    """The seeded training run of the study: its data, split, loss, checkpoint history and sizes."""

    p: int
    width: int
    steps: int
    X: torch.Tensor
    Y: torch.Tensor
    labels: torch.Tensor
    train: torch.Tensor
    test: torch.Tensor
    loss_fn: object
    history: list[dict]


def sampler_settings(quick: bool) -> dict:
    """The LLC sampler of the study (a smoke-test budget with ``quick``)."""
    return _SAMPLER | ({"num_draws": 30, "num_burnin": 10, "num_chains": 2} if quick else {})


def training_run(out, seed: int = 0, quick: bool = False) -> TrainingRun:
    """Train the study's network, saving checkpoints to ``out/checkpoints`` (reused when already there)."""
    out = pathlib.Path(out)
    p, width, fraction, steps = (11, 32, 0.5, 150) if quick else (23, 128, 0.4, 8000)
    X, Y, labels, tr, te = modular_addition(p, fraction, seed)
    loss_fn = gaussian_nll()
    torch.manual_seed(seed)
    model = SquareMLP(p, width)

    def metrics(m):
        logits = m(X)
        right = (logits.argmax(dim=1) == labels).float()
        return {"train_acc": float(right[tr].mean()), "test_acc": float(right[te].mean()),
                "train_loss": float(loss_fn(logits[tr], Y[tr])), "test_loss": float(loss_fn(logits[te], Y[te])),
                "weight_norm": float(torch.cat([q.reshape(-1) for q in m.parameters()]).norm())}

    save_at = checkpoint_steps(steps, 12 if quick else 60)
    history = train(model, lambda m, step: loss_fn(m(X[tr]), Y[tr]),
                    torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1.0), steps, save_at,
                    out / "checkpoints", metrics)
    return TrainingRun(p, width, steps, X, Y, labels, tr, te, loss_fn, history)


def run(out, seed: int = 0, quick: bool = False) -> dict:
    """Train, checkpoint, estimate the LLC trajectory; find change points; write figures and summary.

    Returns the summary: per checkpoint the train/test accuracy and loss and the LLC; the step
    where training accuracy first reaches 1 (memorisation) and where test accuracy crosses 50% and
    90%; the first change point after memorisation of each of LLC, train loss, test accuracy and
    weight norm, with the answer to "did the LLC move first?".
    """
    out = pathlib.Path(out)
    run_ = training_run(out, seed=seed, quick=quick)
    p, width, steps, history = run_.p, run_.width, run_.steps, run_.history
    X, Y, tr, loss_fn = run_.X, run_.Y, run_.train, run_.loss_fn
    sampler = sampler_settings(quick)
    trajectory = llc_trajectory(out / "checkpoints", (X[tr], Y[tr]), model=SquareMLP(p, width), loss_fn=loss_fn,
                                out=out / "llc", seed=seed, **sampler)
    rows = [h | {"llc": r.llc, "llc_std_err": r.std_err} for h, r in zip(history, trajectory.rows)]
    columns = {"llc": trajectory.series("llc"), "train_loss": [h["train_loss"] for h in history],
               "test_acc": [h["test_acc"] for h in history], "weight_norm": [h["weight_norm"] for h in history]}
    found = plot_observables(trajectory.steps, columns, out / "grokking.png", std_errs={"llc": trajectory.series("std_err")},
                             title=f"modular addition, p = {p}, {len(tr)} training pairs")
    memorised = next((h["step"] for h in history if h["train_acc"] == 1.0), None)
    after = {name: [t.step for t in ts if memorised is not None and t.step > memorised] for name, ts in found.items()}
    first = {name: (steps_[0] if steps_ else None) for name, steps_ in after.items()}
    summary = {"p": p, "width": width, "train_pairs": len(tr), "steps": steps, "sampler": sampler, "rows": rows,
               "transitions": {name: [t.__repr__() for t in ts] for name, ts in found.items()},
               "memorised_at": memorised,
               "test_acc_crosses": {f"{level:.0%}": next((h["step"] for h in history if h["test_acc"] >= level), None)
                                    for level in (0.5, 0.9)},
               "first_change": first,
               "llc_moves_first": (None if first["llc"] is None or first["test_acc"] is None
                                   else first["llc"] < first["test_acc"])}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary
