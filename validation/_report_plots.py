"""The benchmark report's figures (matplotlib figures drawn without pyplot, so no backend is switched)."""

from __future__ import annotations

import pathlib

import numpy as np

from .benchmark import _float


def plot_report(report, folder: pathlib.Path) -> list[pathlib.Path]:
    """λ̂ vs λ, relative error vs λ, and the loss traces of the three worst runs per estimator."""
    from matplotlib.figure import Figure

    folder.mkdir(parents=True, exist_ok=True)
    names = list(report.summaries)
    paths = [folder / "estimate_vs_exact.png", folder / "relative_error.png", folder / "worst_traces.png"]

    fig = Figure(figsize=(5.5, 5))
    ax = fig.subplots()
    top = 0.0
    for i, name in enumerate(names):
        rows = [r for r in report.rows if r["estimator"] == name and r["estimate"] is not None]
        lam = np.array([_float(r["lam"]) for r in rows])
        est = np.array([r["estimate"] for r in rows])
        err = np.array([r["std_err"] or 0.0 for r in rows])
        ax.errorbar(lam * (1 + 0.02 * i), est, yerr=1.96 * err, fmt="o", ms=4, alpha=0.7, label=name.split("(")[0])
        top = max(top, lam.max(initial=0), est.max(initial=0))
    ax.plot([0, top * 1.05], [0, top * 1.05], "k--", lw=1, label="λ̂ = λ")
    ax.set(xlabel="exact λ", ylabel="estimated λ̂ (± 1.96 s.e.)", title="Estimates against the exact value")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(paths[0], dpi=110)

    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    for i, name in enumerate(names):
        rows = [r for r in report.rows if r["estimator"] == name and r["estimate"] is not None]
        ax.scatter([_float(r["lam"]) * (1 + 0.02 * i) for r in rows], [100 * r["rel_error"] for r in rows],
                   s=14, alpha=0.7, label=name.split("(")[0])
    ax.axhline(0, color="k", lw=1)
    ax.set(xscale="log", xlabel="exact λ", ylabel="signed relative error (%)", title="Relative error against λ")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(paths[1], dpi=110)

    worst = sorted((r for r in report.rows if r.get("trace") and r["rel_error"] is not None),
                   key=lambda r: -abs(r["rel_error"]))[:4]
    fig = Figure(figsize=(3.5 * max(1, len(worst)), 3))
    axes = fig.subplots(1, max(1, len(worst)), squeeze=False)
    for ax, r in zip(axes[0], worst):
        for chain in r["trace"]:
            ax.plot([np.nan if v is None else v for v in chain], lw=0.7)
        if r.get("init_loss") is not None:
            ax.axhline(r["init_loss"], color="k", lw=0.8, ls=":")
        ax.set_title(f"{r['case']} s{r['seed']}: {100 * r['rel_error']:+.0f}%\n{r['estimator'].split('(')[0]}",
                     fontsize=8)
        ax.set_xlabel("draw (thinned)", fontsize=8)
    axes[0][0].set_ylabel("L_n(w)")
    fig.tight_layout()
    fig.savefig(paths[2], dpi=110)
    return paths
