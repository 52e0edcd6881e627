"""Seeded training runs that save their checkpoints, shared by the studies."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable, Sequence

import numpy as np
import torch


def checkpoint_steps(total: int, count: int) -> list[int]:
    """About ``count`` steps from 1 to ``total``, half spaced linearly and half logarithmically.

    Examples
    --------
    >>> checkpoint_steps(1000, 6)
    [1, 32, 333, 667, 1000]
    """
    log = np.unique(np.round(np.logspace(0, np.log10(total), max(2, count // 2))).astype(int))
    lin = np.unique(np.round(np.linspace(0, total, max(2, count - count // 2) + 1)[1:]).astype(int))
    return sorted({int(s) for s in np.concatenate([log, lin]) if s >= 1})


def train(
    model: torch.nn.Module,
    batch_loss: Callable[[torch.nn.Module, int], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    steps: int,
    save_at: Sequence[int],
    folder: pathlib.Path,
    metrics: Callable[[torch.nn.Module], dict] | None = None,
) -> list[dict]:
    """Run ``steps`` optimizer steps on ``batch_loss(model, step)``; save the state dict at ``save_at``.

    An optimizer with ``needs_closure = True`` gets ``step(closure)``, the closure recomputing
    ``batch_loss(model, step)`` (which must then pick the same batch for the same step).

    Checkpoints go to ``folder/step_000120.pt``; ``metrics(model)`` (e.g. test accuracy) is recorded
    at each checkpoint into ``folder/metrics.json``, which is returned.  When that file already
    lists every checkpoint, training is skipped and the final checkpoint loaded into ``model``: a
    study re-run reuses its training run.
    """
    folder.mkdir(parents=True, exist_ok=True)
    record = folder / "metrics.json"
    wanted = sorted(set(save_at))
    if record.exists():
        rows = json.loads(record.read_text())
        if [r["step"] for r in rows] == wanted and all((folder / f"step_{s:06d}.pt").exists() for s in wanted):
            model.load_state_dict(torch.load(folder / f"step_{wanted[-1]:06d}.pt", weights_only=True))
            return rows
    rows = []
    for step in range(1, steps + 1):
        model.train()
        loss = batch_loss(model, step)
        optimizer.zero_grad()
        loss.backward()
        if getattr(optimizer, "needs_closure", False):
            optimizer.step(lambda step=step: batch_loss(model, step))
        else:
            optimizer.step()
        if step in wanted:
            model.eval()
            torch.save(model.state_dict(), folder / f"step_{step:06d}.pt")
            with torch.no_grad():
                rows.append({"step": step, "train_batch_loss": float(loss), **(metrics(model) if metrics else {})})
    record.write_text(json.dumps(rows, indent=1))
    return rows
