"""Grokking modular addition beyond the LLC: the two layers' susceptibilities to the test pairs and
the Bayesian influence of training pairs on the test loss, over training.

The training run is the grokking study's (:func:`studies.grokking.training_run`, the same
checkpoints when ``out`` is shared).  At every fourth checkpoint (and the last), three estimates with the study's
sampler, each observing at its draws the training loss L_n (in full), the test loss L' and the
losses of 8 training pairs (docs/conventions.md#observables-of-the-local-posterior; :mod:`estimators.observables`):

- **susceptibility of each layer** (weights of that layer sampled, the other held at the
  checkpoint): χ = −nβ·Cov(L_n, L' − L_n), the response of the training loss to moving the data
  distribution from the training pairs toward the test pairs;
- **per-sample BIF**, correlation form, of the 8 training pairs on the test loss, from the estimate
  that samples every weight: −Corr(ℓ_i, L').
"""

from __future__ import annotations

import json
import pathlib
import warnings

import numpy as np
import torch

from estimators import (LLCWarning, average_loss, bayesian_influence, estimate_llc, sample_losses,
                        susceptibility)

from ._plotting import figure
from .grokking import SquareMLP, sampler_settings, training_run

__all__ = ["run"]

COMPONENTS = {"layer 1": ["0.*"], "layer 2": ["2.*"], "all": None}
PROBES = 8


def run(out, seed: int = 0, quick: bool = False) -> dict:
    """Train (or reuse the checkpoints), estimate at every fourth checkpoint, write
    ``influence.png`` and ``influence.json``; return the summary (rows per checkpoint)."""
    out = pathlib.Path(out)
    trained = training_run(out, seed=seed, quick=quick)
    X, Y, tr, te, loss_fn = trained.X, trained.Y, trained.train, trained.test, trained.loss_fn
    train, test, probe = (X[tr], Y[tr]), (X[te], Y[te]), (X[tr[:PROBES]], Y[tr[:PROBES]])
    observables = {"train": average_loss(train), "test": average_loss(test), "probe": sample_losses(probe)}
    stride = 11 if quick else 4
    history = trained.history[::stride] + ([trained.history[-1]] if (len(trained.history) - 1) % stride else [])
    rows = []
    for record in history:
        model = SquareMLP(trained.p, trained.width)
        model.load_state_dict(torch.load(out / "checkpoints" / f"step_{record['step']:06d}.pt", weights_only=True))
        row = {"step": record["step"], "train_acc": record["train_acc"], "test_acc": record["test_acc"]}
        for name, weights in COMPONENTS.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", LLCWarning)  # the verdicts are recorded in the rows
                est = estimate_llc(model, train, loss_fn=loss_fn, weights=weights, observables=observables, seed=seed,
                                   checks=not quick, **sampler_settings(quick))
            chi = susceptibility(est, "train", "test", baseline="train")
            row[name] = {"llc": est.mean, "llc_std_err": est.std_err, "llc_verdict": est.verdict,
                         "chi": chi.value, "chi_std_err": chi.std_err, "chi_verdict": chi.verdict}
            if weights is None:
                bif = bayesian_influence(est, "probe", "test", form="correlation")
                row["bif"] = np.asarray(bif.value).tolist()
                row["bif_std_err"] = np.asarray(bif.std_err).tolist()
                row["bif_verdict"] = bif.verdict
        rows.append(row)
    _plot(rows, out / "influence.png", title=f"modular addition, p = {trained.p}, {len(tr)} training pairs")
    summary = {"p": trained.p, "width": trained.width, "train_pairs": len(tr), "sampler": sampler_settings(quick),
               "probe_pairs": tr[:PROBES].tolist(), "rows": rows}
    (out / "influence.json").write_text(json.dumps(summary, indent=1))
    return summary


def _plot(rows: list[dict], path: pathlib.Path, *, title: str) -> pathlib.Path:
    """Accuracies, χ ± 1.96 s.e. of all weights and of each layer, and the probe pairs' BIF over the
    checkpoints (a Figure of its own: no global matplotlib state)."""
    steps = [r["step"] for r in rows]
    fig = figure((7, 10))
    acc, whole, layers, bif = fig.subplots(4, 1, sharex=True)
    acc.plot(steps, [r["train_acc"] for r in rows], label="train accuracy")
    acc.plot(steps, [r["test_acc"] for r in rows], label="test accuracy")
    acc.set_ylabel("accuracy")
    acc.legend()
    for ax, names in ((whole, ("all",)), (layers, ("layer 1", "layer 2"))):
        for name in names:
            ax.errorbar(steps, [r[name]["chi"] for r in rows], yerr=[1.96 * r[name]["chi_std_err"] for r in rows],
                        capsize=2, label=f"{'all weights' if name == 'all' else name} sampled")
        ax.axhline(0.0, color="grey", linewidth=0.5)
        ax.set_ylabel("χ = −nβ·Cov(L_n, L_test − L_n)")
        ax.legend()
    values = np.array([r["bif"] for r in rows])
    for i in range(values.shape[1]):
        bif.plot(steps, values[:, i], color="tab:purple", alpha=0.6)
    bif.axhline(0.0, color="grey", linewidth=0.5)
    bif.set_ylabel("BIF (corr.) of 8 training\npairs on the test loss")
    bif.set_xlabel("training step")
    bif.set_xscale("log")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return path
