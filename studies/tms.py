"""The toy model of superposition with 6 features in 2 hidden dimensions: k-gons and their LLCs.

Model (Elhage et al. 2022): x̂ = ReLU(WᵀW·x + b), W ∈ R^(2×6), b ∈ R^6, trained on the squared error
½‖x̂ − x‖² (the Gaussian negative log-likelihood, σ = 1, up to a constant: docs/conventions.md#loss-units).  Data in the
high-sparsity limit of Chen et al. (2023, arXiv:2310.06301): each input has exactly one non-zero
feature, uniform on [0, 1], at a uniform position.  Chen et al. find that the critical points
are regular k-gons (k columns of W at the vertices of a regular polygon, the rest near zero with
their biases), and that training moves from high-loss, low-λ k-gons to low-loss, high-λ ones.

**The theoretical λ of a trained k-gon** is computed here, not read from Chen et al. (whose table
we could not read).  At a k-gon the zero set of K near w* is, we argue, a manifold: the rotations
of the hidden plane (one dimension), times the free directions of every dead feature whose bias
is negative (its ReLU never fires, so its two weights and its bias do not change the loss: three
dimensions each).  Where the zero set is a manifold of dimension d − r and the Hessian has rank r
(Morse–Bott), λ = r/2 (Watanabe 2009, §7.1 regular case, applied transversally).  The study
checks the premise: the Hessian's numerical nullity must equal 1 + 3·(dead features with b < 0),
and reports λ = rank/2 only where it does.  For example a 5-gon with one dead feature (b < 0)
has nullity 4 and λ = 14/2 = 7; a 6-gon has λ = 17/2.
"""

from __future__ import annotations

import json
import math
import pathlib
import warnings

import numpy as np
import torch
from sympy import Rational

from estimators import LLCWarning, estimate_llc, llc_trajectory
from singular import Phase, compare_phases

from ._plotting import figure
from ._training import checkpoint_steps, train

__all__ = ["TMS", "tms_data", "classify_kgon", "hessian_spectrum", "negative_bias_twin", "theoretical_llc", "run"]

FEATURES, HIDDEN = 6, 2
_SAMPLER = dict(step_size=5e-4, num_chains=4, num_draws=500, num_burnin=200, batch_size=500, localization=0.1)


class TMS(torch.nn.Module):
    """x̂ = ReLU(WᵀW·x + b) with W (hidden × features) from N(0, scale²) for the given seed, b = 0."""

    def __init__(self, features: int = FEATURES, hidden: int = HIDDEN, seed: int = 0, scale: float = 0.1):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        self.W = torch.nn.Parameter(scale * torch.randn(hidden, features, generator=gen))
        self.b = torch.nn.Parameter(torch.zeros(features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu((x @ self.W.T) @ self.W + self.b)


def tms_data(n: int, features: int = FEATURES, seed: int = 0) -> torch.Tensor:
    """n inputs with one non-zero feature each, uniform on [0, 1] (targets are the inputs).

    Examples
    --------
    >>> x = tms_data(5, seed=0)
    >>> x.shape, (x > 0).sum(dim=1).tolist()
    (torch.Size([5, 6]), [1, 1, 1, 1, 1])
    """
    gen = torch.Generator().manual_seed(seed)
    x = torch.zeros(n, features)
    x[torch.arange(n), torch.randint(0, features, (n,), generator=gen)] = torch.rand(n, generator=gen)
    return x


def classify_kgon(W: torch.Tensor, b: torch.Tensor, *, tol: float = 0.15) -> dict:
    """Which k-gon W is: the live columns (norm > ½ the largest), and whether they are regular.

    Regular means the angular gaps between consecutive live columns all lie within ``tol`` radians
    of 2π/k and their norms within ``tol`` (relative) of each other.

    Examples
    --------
    >>> angles = torch.arange(5) * 2 * math.pi / 5
    >>> W = torch.cat([torch.stack([angles.cos(), angles.sin()]), torch.zeros(2, 1)], dim=1)
    >>> classify_kgon(W, torch.tensor([-0.3] * 5 + [-0.1]))
    {'k': 5, 'regular': True, 'dead_negative': 1, 'dead_positive': 0}
    """
    norms = W.norm(dim=0)
    live = norms > 0.5 * norms.max()
    k = int(live.sum())
    angles = torch.atan2(W[1, live], W[0, live]).sort().values
    gaps = torch.diff(torch.cat([angles, angles[:1] + 2 * math.pi]))
    regular = bool(k >= 2 and (gaps - 2 * math.pi / k).abs().max() < tol
                   and (norms[live].max() - norms[live].min()) / norms[live].max() < tol)
    dead_b = b[~live]
    return {"k": k, "regular": regular, "dead_negative": int((dead_b < 0).sum()), "dead_positive": int((dead_b >= 0).sum())}


def _loss(model: TMS, x: torch.Tensor, params: dict | None = None) -> torch.Tensor:
    """½‖x̂ − x‖² averaged over the inputs: L_n up to its constant (at ``params`` {"W", "b"} if given)."""
    output = model(x) if params is None else torch.func.functional_call(model, params, (x,))
    return 0.5 * ((output - x) ** 2).sum(dim=1).mean()


def hessian_spectrum(model: TMS, x: torch.Tensor) -> np.ndarray:
    """Eigenvalues (ascending, float64) of the Hessian of L_n at the model's parameters."""
    W, b = model.W.detach().double(), model.b.detach().double()
    split = W.numel()

    def loss(flat):
        return _loss(model, x.double(), {"W": flat[:split].reshape(W.shape), "b": flat[split:]})

    hess = torch.autograd.functional.hessian(loss, torch.cat([W.reshape(-1), b]))
    return torch.linalg.eigvalsh(hess).numpy()


def theoretical_llc(model: TMS, x: torch.Tensor, *, nbeta: float, localization: float, rel_tol: float = 1e-4) -> dict:
    """λ = rank(H)/2 where the Morse–Bott premise checks out (see the module); else ``lam`` None.

    The rank counts eigenvalues above ``rel_tol`` times the largest.  ``quadratic_target`` is what
    the estimator converges to in the quadratic approximation at inverse temperature nβ and
    localization γ: ½ Σ_i nβ·h_i/(nβ·h_i + γ) over the Hessian's eigenvalues h_i > 0 (a Gaussian
    integral); it falls short of rank/2 wherever nβ·h_i is not large against γ.
    """
    eig = hessian_spectrum(model, x)
    rank = int((eig > rel_tol * eig.max()).sum())
    shape = classify_kgon(model.W.detach(), model.b.detach())
    nullity, expected = len(eig) - rank, 1 + 3 * shape["dead_negative"]
    kept = eig[eig > rel_tol * eig.max()]
    return {**shape, "rank": rank, "nullity": nullity, "expected_nullity": expected,
            "lam": str(Rational(rank, 2)) if nullity == expected else None,
            "quadratic_target": float(0.5 * np.sum(nbeta * kept / (nbeta * kept + localization))),
            "smallest_kept_eigenvalue": float(eig[len(eig) - rank]) if rank else None}


def _refine(model: TMS, x: torch.Tensor, steps: int) -> None:
    """Full-batch L-BFGS from the SGD end point, to a critical point of L_n precise enough for H."""
    opt = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=steps, tolerance_grad=1e-12,
                            tolerance_change=1e-15, history_size=50, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = _loss(model, x)
        loss.backward()
        return loss

    opt.step(closure)


_KIND = ("k", "regular", "dead_negative", "dead_positive", "lam")


def _kind(row: dict) -> tuple:
    """What makes two critical points the same kind: k, regularity, dead features by sign, λ."""
    return tuple(row[field] for field in _KIND)


def run(out, seed: int = 0, quick: bool = False) -> dict:
    """Train TMS from many seeds, classify the k-gons, estimate their LLCs; one SGD trajectory.

    ``quick`` shrinks everything to a smoke test.  Writes ``kgons.png``, ``trajectory.png``,
    ``summary.json`` and checkpoints under ``out``; returns the summary.
    """
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    n, steps, seeds = (300, 200, 2) if quick else (2000, 10_000, 12)
    sampler = _SAMPLER | ({"num_draws": 40, "num_burnin": 10, "num_chains": 2} if quick else {})
    x = tms_data(n, seed=seed)
    runs, model_of = [], {}
    for run_seed in range(seed, seed + seeds):
        model = TMS(seed=run_seed)
        gen = torch.Generator().manual_seed(run_seed)

        def batch_loss(m, step, gen=gen):
            rows = torch.randint(0, n, (100,), generator=gen)
            return _loss(m, x[rows])

        save_at = checkpoint_steps(steps, 8 if quick else 30)
        metrics = train(model, batch_loss, torch.optim.SGD(model.parameters(), lr=0.1), steps, save_at,
                        out / f"seed_{run_seed}", metrics=lambda m: {"loss": _loss(m, x).item(),
                                                                     **classify_kgon(m.W.detach(), m.b.detach())})
        _refine(model, x, 50 if quick else 500)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LLCWarning)
            est = estimate_llc(model, (x, x), seed=run_seed, **sampler)
        theory = theoretical_llc(model, x, nbeta=est.nbeta, localization=sampler["localization"])
        model_of.setdefault(_kind(theory), model)
        runs.append({"seed": run_seed, "loss": _loss(model, x).item(), **theory,
                     "llc": est.mean, "llc_std_err": est.std_err, "history": metrics})
    traj_seed = max(runs, key=lambda r: len({h["k"] for h in r["history"]}))["seed"]
    trajectory = llc_trajectory(out / f"seed_{traj_seed}", (x, x), model=TMS(), out=out / f"trajectory_{traj_seed}",
                                seed=traj_seed, **sampler)
    kinds = {}
    for r in runs:
        kinds.setdefault(_kind(r), []).append(r)
    groups = sorted(kinds.items(), key=lambda item: -item[1][0]["loss"])
    kgons = [{**dict(zip(_KIND, kind)), "runs": len(group),
              "loss": float(np.mean([r["loss"] for r in group])),
              "quadratic_target": float(np.mean([r["quadratic_target"] for r in group])),
              "llc": float(np.mean([r["llc"] for r in group])),
              "llc_spread": float(np.std([r["llc"] for r in group]))}
             for kind, group in groups]
    twins = [_twin(model_of[_kind(g)], g, x, sampler, seed) for g in kgons if g["dead_positive"] and g["lam"] is not None]
    summary = {"n": n, "steps": steps, "sampler": sampler, "kgons": kgons, "negative_bias_twins": twins, "runs": runs, "trajectory_seed": traj_seed,
               "trajectory": [r.to_dict() for r in trajectory.rows],
               "transitions": {c: [t.__repr__() for t in trajectory.transitions(c, log_steps=True)]
                               for c in ("llc", "loss")} if len(trajectory.rows) >= 6 else {}}
    (out / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    _plot_kgons(runs, twins, out / "kgons.png")
    _plot_trajectory(trajectory, runs[traj_seed - seed]["history"], out / "trajectory.png")
    return summary


def negative_bias_twin(model: TMS, x: torch.Tensor, bias: float = -0.1) -> TMS:
    """The same k-gon with every dead feature switched off: its column zeroed, its bias set to ``bias`` < 0.

    A dead feature with b > 0 outputs (about) its mean; with b < 0 it outputs 0, which costs loss
    but frees its three parameters (the Hessian loses rank 3, so λ drops by 3/2).  The twin is
    refined by L-BFGS to a critical point (the switched-off bias has zero gradient and stays put).
    """
    twin = TMS()
    twin.load_state_dict(model.state_dict())
    norms = twin.W.detach().norm(dim=0)
    dead = norms <= 0.5 * norms.max()
    with torch.no_grad():
        twin.W[:, dead] = 0.0
        twin.b[dead] = bias
    _refine(twin, x, 500)
    return twin


def _twin(model, kind, x, sampler, seed) -> dict:
    """Estimate the negative-bias twin of a k-gon and where the posterior switches between the two."""
    twin = negative_bias_twin(model, x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LLCWarning)
        est = estimate_llc(twin, (x, x), seed=seed, **sampler)
    theory = theoretical_llc(twin, x, nbeta=est.nbeta, localization=sampler["localization"])
    loss = _loss(twin, x).item()
    name = f"{kind['k']}-gon"
    row = {**theory, "loss": loss, "llc": est.mean, "llc_std_err": est.std_err, "of": f"{name}, dead b > 0"}
    if theory["lam"] is not None:
        comparison = compare_phases(Phase(f"{name}, dead b > 0", _loss(model, x).item(), Rational(kind["lam"])),
                                    Phase(f"{name}, dead b < 0", loss, Rational(theory["lam"])))
        row["critical_n"] = comparison.critical_n
        row["preferred"] = list(comparison.preferred)
    return row


def _plot_kgons(runs, twins, path):
    """Each critical point's LLC estimate against its loss and against λ (a Figure of its own)."""
    fig = figure((11, 4))
    left, right = fig.subplots(1, 2)
    for rows, marker, tag in ((runs, "o", "dead b > 0 (trained)"), (twins, "s", "dead b < 0 (twin)")):
        for r in rows:
            label = f"{r['k']}-gon, {tag}"
            left.errorbar(r["loss"], r["llc"], yerr=2 * r["llc_std_err"], fmt=marker, color=f"C{r['k']}", label=label)
            if r["lam"] is not None:
                right.errorbar(float(Rational(r["lam"])), r["llc"], yerr=2 * r["llc_std_err"], fmt=marker,
                               color=f"C{r['k']}", label=label)
    left.set_xlabel("L_n (squared error part)")
    left.set_ylabel("LLC estimate (±2 s.e.)")
    left.set_title("critical points reached and their twins")
    values = [float(Rational(r["lam"])) for r in runs + twins if r["lam"] is not None]
    if values:
        span = [min(values) - 1, max(values) + 1]
        right.plot(span, span, "k--", lw=0.8)
    right.set_xlabel("λ = rank(H)/2 (Morse–Bott premise checked)")
    right.set_ylabel("LLC estimate (±2 s.e.)")
    for ax in (left, right):
        handles, labels = ax.get_legend_handles_labels()
        unique = dict(zip(labels, handles))
        ax.legend(unique.values(), unique.keys(), fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def _plot_trajectory(trajectory, history, path):
    """The loss and the LLC estimate over training (a Figure of its own)."""
    steps = trajectory.steps
    fig = figure((8, 6))
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.plot(steps, trajectory.series("loss"), marker="o", ms=3)
    for h, loss in zip(history, trajectory.series("loss")):
        top.annotate(str(h["k"]), (h["step"], loss), fontsize=7, textcoords="offset points", xytext=(0, 4))
    top.set_ylabel("L_n (labels: k live columns)")
    llc, se = trajectory.series("llc"), trajectory.series("std_err")
    bottom.errorbar(steps, llc, yerr=2 * se, marker="o", ms=3)
    bottom.axhline(0, color="k", lw=0.6)
    bottom.set_ylabel("LLC estimate (< 0: not yet a minimum)")
    bottom.set_xlabel("SGD step")
    bottom.set_xscale("log")
    fig.tight_layout()
    fig.savefig(path, dpi=100)

