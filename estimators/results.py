"""The result of :func:`~estimators.llc.estimate_llc`: the estimate, the settings it was made with, and
the diagnostics that say how far it can be trusted."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from . import trust as _trust
from .curvature import MinimumCheck
from .diagnostics import TrendTest
from .observables import ObservableDraws
from .trust import Trust

__all__ = ["Diagnostics", "Divergence", "LLCConfig", "LLCEstimate", "Richardson", "WAIC"]


class Divergence(NamedTuple):
    """The first non-finite loss of a chain: ``step`` counts from 0 over burn-in and draws."""

    chain: int
    step: int
    in_burnin: bool


@dataclass(frozen=True, slots=True)
class LLCConfig:
    """Every setting an estimate was made with, including the ones chosen automatically.

    Each ``*_source`` says which rule chose the setting and the numbers it used ("given" when the
    caller set it).  ``sampled`` names the sampled tensors (a masked one with its count of entries);
    ``mode`` is the module's mode during sampling (always "eval"); ``dtype`` the precision the
    chains ran in; ``data_source`` how n was counted; ``advised_batch_size`` the batch the noise
    rule would have chosen when a smaller one was given.
    """

    sampler: str
    step_size: float
    nbeta: float
    nbeta_source: str
    localization: float
    num_chains: int
    num_draws: int
    num_burnin: int
    batch_size: int | None
    n: int
    loss: str
    sampled: tuple[str, ...]
    num_sampled: int
    vectorized: bool
    control_variate: bool = False
    step_size_source: str = "given"
    batch_size_source: str = "given"
    num_draws_source: str = "given"
    num_burnin_source: str = "given"
    target_rse: float = math.nan
    max_steps: int = 0
    checks: bool = True
    gradient_control_variate: bool = False
    mode: str = "eval"
    dtype: str = "float32"
    dtype_source: str = "the module's"
    data_source: str = ""
    advised_batch_size: int | None = None
    chain_batch: int = 0
    chain_batch_source: str = "given"


@dataclass(frozen=True, slots=True)
class WAIC:
    """The functional variance V, singular fluctuation ν = βV/2 and WAIC = T_n + βV/n from the draws.

    ``training_loss`` is T_n = −(1/n) Σ_i log E_w[p(y_i | x_i, w)]; expectations are over the
    pooled draws of the non-diverged chains (``num_draws`` of them) of the *local* tempered posterior.
    """

    functional_variance: float
    singular_fluctuation: float
    training_loss: float
    waic: float
    num_draws: int


@dataclass(frozen=True, slots=True)
class Richardson:
    """The discretisation check: the chains at ε beside coupled copies at ε/2 (same Brownian
    increments), over ``steps`` steps after the copies settled.

    ``change`` is λ̂(ε) − λ̂(ε/2) on that window (mean over chains) with its ``std_err``; to first
    order in ε the bias at ε is twice the change, so ``extrapolated`` = λ̂ − 2·change is the
    Richardson extrapolation to ε → 0 and ``relative_bias`` = 2·change/λ̂.
    """

    change: float
    std_err: float
    extrapolated: float
    relative_bias: float
    steps: int

    @property
    def z(self) -> float:
        return self.change / self.std_err if self.std_err > 0 else math.nan


@dataclass(frozen=True, slots=True)
class Diagnostics:
    """How far an estimate can be trusted: ``trust`` holds the verdict, its reasons and every check;
    ``warnings`` repeats the reasons (what to act on).

    ``rhat`` and ``ess`` are over the loss trace; ``projection_rhat`` (the largest) and
    ``projection_ess`` (the smallest) are over the parameters' projections on fixed random
    directions, ‖w − w*‖² and the loss.  ``bias_index`` is x of :mod:`estimators.tuning` over the
    draws and ``predicted_bias`` = x/(1 − x); ``noise_share`` is the minibatch noise's share of it.
    ``minimum`` says how far w* is from a minimum; ``gaussian_target`` is the closed form at a
    regular point (``None`` elsewhere).
    """

    rhat: float
    ess: float
    trend: TrendTest
    acceptance: float | None
    acceptance_source: str | None
    divergences: tuple[Divergence, ...]
    excluded_chains: tuple[int, ...]
    not_local_minimum: bool
    fallback_reason: str | None
    warnings: tuple[str, ...]
    trust: Trust = field(default_factory=lambda: _trust.verdict(()))
    projection_rhat: float = math.nan
    projection_ess: float = math.nan
    bias_index: float = math.nan
    predicted_bias: float = math.nan
    noise_share: float = math.nan
    richardson: Richardson | None = None
    minimum: MinimumCheck | None = None
    gaussian_target: float | None = None


def _clean(value):
    """JSON-ready: non-finite floats become ``None``, numpy scalars and tuples plain values."""
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, eq=False)
class LLCEstimate:
    """An LLC estimate with everything it was computed from, and its verdict.

    ``mean`` and ``std_err`` are over the non-diverged chains' ``per_chain`` estimates (the
    standard error is their spread over √chains; with one chain, from its effective sample size).
    ``interval`` is (low, high): the standard error widened by the measured bias of the step
    (the discretisation check, else the bias index) — see :func:`estimate_llc`.
    ``losses`` is the (chains, draws) trace after burn-in (with ``control_variate``, the adjusted
    L_B(w_t) − L_B(w*) + L_n(w*)); ``init_loss`` is L_n(w*) on the full data.  ``traces`` holds the
    per-draw traces asked for with ``traces=`` (each ``(chains, draws)``): ``"distance"`` ‖w − w*‖,
    ``"gradient_norm"`` ‖G^½·nβ∇L_B(w)‖ (the data gradient in the sampler's metric G, G = I for
    SGLD) and ``"noise_norm"`` the norm of the step's Gaussian increment, ‖(εG/gain)^½·ξ‖ (arrays,
    so not in :meth:`to_dict`).  ``observables`` holds the moments of the observables asked for
    with ``observables=`` (:class:`~estimators.observables.ObservableDraws`).
    """

    mean: float
    std_err: float
    per_chain: np.ndarray
    losses: np.ndarray
    init_loss: float
    nbeta: float
    config: LLCConfig
    seed: int
    diagnostics: Diagnostics
    waic: WAIC | None = field(default=None)
    interval: tuple[float, float] = (math.nan, math.nan)
    traces: dict[str, np.ndarray] = field(default_factory=dict)
    observables: ObservableDraws | None = field(default=None, repr=False)

    @property
    def verdict(self) -> str:
        """"ok", "doubtful" or "unreliable" (``diagnostics.trust``)."""
        return self.diagnostics.trust.verdict

    def __repr__(self) -> str:
        return (
            f"LLCEstimate(mean={self.mean:.4g}, std_err={self.std_err:.2g}, chains={self.config.num_chains}, "
            f"sampler={self.config.sampler!r}, nbeta={self.nbeta:.6g}, verdict={self.verdict!r})"
        )

    def summary(self) -> str:
        """A table of the estimate, its verdict, its settings and where they came from, each chain and every check."""
        c, d = self.config, self.diagnostics
        kept = self.config.num_chains - len(d.excluded_chains)
        low, high = self.interval
        lines = [
            f"LLC estimate   {self.mean:.4f} ± {self.std_err:.4f} (s.e., {kept} of {c.num_chains} chains); "
            f"interval [{low:.4f}, {high:.4f}] with the step's bias",
            f"verdict        {d.trust.verdict.upper()}",
            *[f"  - {reason}" for reason in d.trust.reasons],
            f"nβ             {self.nbeta:.6g} ({c.nbeta_source})",
            f"L_n(w*)        {self.init_loss:.6g} (loss {c.loss}, n = {c.n})",
            f"data           {c.data_source}",
            f"module         {c.mode} mode, {c.dtype} ({c.dtype_source})",
            f"sampler        {c.sampler}, γ = {c.localization:g}, {'vectorized' if c.vectorized else 'sequential'} "
            f"({c.chain_batch} chains per step: {c.chain_batch_source}), "
            f"{c.num_sampled} parameters in {len(c.sampled)} tensors",
            f"step size      {c.step_size:.4g} ({c.step_size_source})",
            f"batch size     {c.batch_size or 'full'} ({c.batch_size_source})",
            f"burn-in        {c.num_burnin} ({c.num_burnin_source})",
            f"draws          {c.num_draws} ({c.num_draws_source})",
            "",
            f"{'chain':>5}  {'λ̂':>10}  {'mean loss':>12}  status",
        ]
        diverged = {div.chain: div for div in d.divergences}
        for i, value in enumerate(self.per_chain):
            status = f"diverged at step {diverged[i].step}" if i in diverged else "ok"
            mean_loss = float(np.mean(self.losses[i])) if i not in diverged else math.nan
            lines.append(f"{i:>5}  {value:>10.4f}  {mean_loss:>12.6g}  {status}")
        lines += ["", "checks"]
        lines += [f"  {check.name:<18} {check.status:<10} {check.message}" for check in d.trust.checks]
        if self.waic is not None:
            w = self.waic
            lines.append(f"WAIC {w.waic:.6g} · ν {w.singular_fluctuation:.4g} · V {w.functional_variance:.4g}")
        if self.observables is not None:
            o = self.observables
            lines.append(f"observables    {', '.join(f'{n} ({o.size(n)})' for n in o.names)} at {o.draws} draws of "
                         f"{len(o.chains)} chains; traces {'kept' if o.traces is not None else 'not kept'}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """A JSON-ready dictionary (non-finite numbers become ``None``)."""
        d = self.diagnostics
        return _clean(
            {
                "llc": self.mean,
                "std_err": self.std_err,
                "interval": list(self.interval),
                "verdict": d.trust.verdict,
                "per_chain": [float(v) for v in self.per_chain],
                "observables": None if self.observables is None else
                {"sizes": {n: self.observables.size(n) for n in self.observables.names},
                 "draws": self.observables.draws, "chains": list(self.observables.chains)},
                "init_loss": self.init_loss,
                "nbeta": self.nbeta,
                "seed": self.seed,
                "config": {name: getattr(self.config, name) for name in LLCConfig.__slots__},
                "diagnostics": {
                    "trust": d.trust.to_dict(),
                    "rhat": d.rhat,
                    "ess": d.ess,
                    "projection_rhat": d.projection_rhat,
                    "projection_ess": d.projection_ess,
                    "trend": d.trend._asdict(),
                    "acceptance": d.acceptance,
                    "acceptance_source": d.acceptance_source,
                    "bias_index": d.bias_index,
                    "predicted_bias": d.predicted_bias,
                    "noise_share": d.noise_share,
                    "richardson": None if d.richardson is None else
                    {name: getattr(d.richardson, name) for name in Richardson.__slots__},
                    "minimum": None if d.minimum is None else d.minimum._asdict(),
                    "gaussian_target": d.gaussian_target,
                    "divergences": [div._asdict() for div in d.divergences],
                    "excluded_chains": list(d.excluded_chains),
                    "not_local_minimum": d.not_local_minimum,
                    "fallback_reason": d.fallback_reason,
                    "warnings": list(d.warnings),
                },
                "waic": None if self.waic is None else {n: getattr(self.waic, n) for n in WAIC.__slots__},
            }
        )

    def plot(self, path):
        """Draw the loss traces and the running λ̂ of every chain to a PNG at ``path``; return ``path``."""
        from matplotlib.figure import Figure

        fig = Figure(figsize=(8, 6))
        top, bottom = fig.subplots(2, 1, sharex=True)
        draws = np.arange(self.losses.shape[1])
        for i, trace in enumerate(self.losses):
            top.plot(draws, trace, lw=0.6, label=f"chain {i}")
            running = self.nbeta * (np.cumsum(trace) / (draws + 1) - self.init_loss)
            bottom.plot(draws, running, lw=0.8)
        top.axhline(self.init_loss, color="k", ls="--", lw=0.8, label="L_n(w*)")
        top.set_ylabel("loss")
        top.legend(fontsize="small", ncol=2)
        bottom.axhline(self.mean, color="k", ls="--", lw=0.8)
        bottom.axhspan(*self.interval, color="k", alpha=0.1, lw=0) if all(map(math.isfinite, self.interval)) else None
        bottom.set_ylabel("running λ̂")
        bottom.set_xlabel("draw (after burn-in)")
        fig.suptitle(f"LLC {self.mean:.3f} ± {self.std_err:.3f} ({self.config.sampler}, nβ = {self.nbeta:.4g}) — "
                     f"{self.verdict}")
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        return path
