"""The local learning coefficient of a trained module: ``estimate_llc`` and its result."""

from __future__ import annotations

import fnmatch
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor
from tqdm.auto import tqdm

from ._chains import ChainStreams, full_data_loss, logger, make_loss, make_loss_and_grad, per_sample_nll
from ._data import as_tensors
from ._tree import Params, potential, potential_gradient
from .diagnostics import TrendTest, ess, llc_from_losses, rhat, trend_test
from .errors import BadData, BadSetting
from .losses import cross_entropy_nll, default_nbeta, gaussian_nll
from .mala import log_acceptance
from .samplers import Sampler, sampler_from_name

__all__ = [
    "Diagnostics",
    "Divergence",
    "LLCConfig",
    "LLCEstimate",
    "NBetaSweep",
    "WAIC",
    "estimate_llc",
    "nbeta_sweep",
]

_ACCEPTANCE_CHECK_EVERY = 25
_WAIC_DRAWS = 100
_MIN_ACCEPTANCE = 0.5
_MAX_RHAT = 1.05


class Divergence(NamedTuple):
    """The first non-finite loss of a chain: ``step`` counts from 0 over burn-in and draws."""

    chain: int
    step: int
    in_burnin: bool


@dataclass(frozen=True, slots=True)
class LLCConfig:
    """Every setting an estimate was made with, including the ones filled in by default."""

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
class Diagnostics:
    """How far an estimate can be trusted.  ``warnings`` says in words what to act on."""

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


@dataclass(frozen=True, eq=False)
class LLCEstimate:
    """An LLC estimate with everything it was computed from.

    ``mean`` and ``std_err`` are over the non-diverged chains' ``per_chain`` estimates (the
    standard error is their spread over √chains; with one chain, from its effective sample size).
    ``losses`` is the (chains, draws) trace after burn-in (with ``control_variate``, the adjusted
    L_B(w_t) − L_B(w*) + L_n(w*)); ``init_loss`` is L_n(w*) on the full data.
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

    def __repr__(self) -> str:
        return (
            f"LLCEstimate(mean={self.mean:.4g}, std_err={self.std_err:.2g}, chains={self.config.num_chains}, "
            f"sampler={self.config.sampler!r}, nbeta={self.nbeta:.6g})"
        )

    def summary(self) -> str:
        """A table of the estimate, its settings, each chain and the diagnostics."""
        c, d = self.config, self.diagnostics
        kept = self.config.num_chains - len(d.excluded_chains)
        lines = [
            f"LLC estimate   {self.mean:.4f} ± {self.std_err:.4f} (s.e., {kept} of {c.num_chains} chains)",
            f"nβ             {self.nbeta:.6g} ({c.nbeta_source})",
            f"L_n(w*)        {self.init_loss:.6g} (loss {c.loss}, n = {c.n})",
            f"sampler        {c.sampler}, ε = {c.step_size:g}, γ = {c.localization:g}, "
            f"{c.num_draws} draws after {c.num_burnin} burn-in, batch {c.batch_size or 'full'}, "
            f"{'vectorized' if c.vectorized else 'sequential'}",
            f"sampled        {c.num_sampled} parameters in {len(c.sampled)} tensors",
            "",
            f"{'chain':>5}  {'λ̂':>10}  {'mean loss':>12}  status",
        ]
        diverged = {div.chain: div for div in d.divergences}
        for i, value in enumerate(self.per_chain):
            status = f"diverged at step {diverged[i].step}" if i in diverged else "ok"
            mean_loss = float(np.mean(self.losses[i])) if i not in diverged else math.nan
            lines.append(f"{i:>5}  {value:>10.4f}  {mean_loss:>12.6g}  {status}")
        acceptance = "n/a" if d.acceptance is None else f"{d.acceptance:.3f} ({d.acceptance_source})"
        lines += [
            "",
            f"R-hat {d.rhat:.3f} · ESS {d.ess:.0f} · trend z = {d.trend.z:.2f} (p = {d.trend.p_value:.3g}) · "
            f"acceptance {acceptance}",
        ]
        if self.waic is not None:
            w = self.waic
            lines.append(f"WAIC {w.waic:.6g} · ν {w.singular_fluctuation:.4g} · V {w.functional_variance:.4g}")
        lines += [f"warning: {text}" for text in d.warnings] or ["no warnings"]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """A JSON-ready dictionary (non-finite numbers become ``None``)."""

        def clean(value):
            if isinstance(value, float):
                return value if math.isfinite(value) else None
            if isinstance(value, (list, tuple)):
                return [clean(v) for v in value]
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            return value

        d = self.diagnostics
        return clean(
            {
                "llc": self.mean,
                "std_err": self.std_err,
                "per_chain": [float(v) for v in self.per_chain],
                "init_loss": self.init_loss,
                "nbeta": self.nbeta,
                "seed": self.seed,
                "config": {name: getattr(self.config, name) for name in LLCConfig.__slots__},
                "diagnostics": {
                    "rhat": d.rhat,
                    "ess": d.ess,
                    "trend": d.trend._asdict(),
                    "acceptance": d.acceptance,
                    "acceptance_source": d.acceptance_source,
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
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
        draws = np.arange(self.losses.shape[1])
        for i, trace in enumerate(self.losses):
            top.plot(draws, trace, lw=0.6, label=f"chain {i}")
            running = self.nbeta * (np.cumsum(trace) / (draws + 1) - self.init_loss)
            bottom.plot(draws, running, lw=0.8)
        top.axhline(self.init_loss, color="k", ls="--", lw=0.8, label="L_n(w*)")
        top.set_ylabel("loss")
        top.legend(fontsize="small", ncol=2)
        bottom.axhline(self.mean, color="k", ls="--", lw=0.8)
        bottom.set_ylabel("running λ̂")
        bottom.set_xlabel("draw (after burn-in)")
        fig.suptitle(f"LLC {self.mean:.3f} ± {self.std_err:.3f} ({self.config.sampler}, nβ = {self.nbeta:.4g})")
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return path


def _positive(name: str, value, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadSetting(name, value, "must be a number")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise BadSetting(name, value, "must be a finite number " + (">= 0" if allow_zero else "> 0"))
    return value


def _count(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise BadSetting(name, value, f"must be an integer >= {minimum}")
    return value


def _select(model: torch.nn.Module, weights: Sequence[str] | None) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """Split the module's parameters into (sampled, fixed); ``weights`` are names or glob patterns."""
    named = {name: p.detach() for name, p in model.named_parameters()}
    if not named:
        raise BadSetting("model", type(model).__name__, "has no parameters to sample")
    if weights is None:
        sampled = dict(named)
    else:
        if isinstance(weights, str):
            weights = [weights]
        sampled = {}
        for pattern in weights:
            hits = {name: p for name, p in named.items() if fnmatch.fnmatchcase(name, pattern)}
            if not hits:
                raise BadSetting("weights", pattern, f"matches no parameter; the module has {sorted(named)}")
            sampled.update(hits)
    fixed = {name: p for name, p in named.items() if name not in sampled}
    fixed.update({name: b.detach() for name, b in model.named_buffers()})
    return sampled, fixed


def _default_loss(y: Tensor):
    return gaussian_nll(1.0) if y.is_floating_point() else cross_entropy_nll()


def estimate_llc(
    model: torch.nn.Module,
    data,
    *,
    step_size: float,
    loss_fn: Callable[[Tensor, Tensor], Tensor] | None = None,
    sampler: str | Sampler = "sgld",
    nbeta: float | None = None,
    localization: float = 1.0,
    num_chains: int = 4,
    num_draws: int = 1000,
    num_burnin: int = 200,
    batch_size: int | None = None,
    control_variate: bool = True,
    weights: Sequence[str] | None = None,
    waic: bool = False,
    vectorize: bool = True,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = False,
) -> LLCEstimate:
    """Estimate the local learning coefficient of ``model`` at its current parameters w*.

    Runs ``num_chains`` chains of ``sampler`` from w* on the local tempered posterior
    p(w) ∝ exp(−nβ·L_n(w) − (γ/2)‖w − w*‖²) and returns λ̂ = nβ·(E[L] − L_n(w*)) with diagnostics.

    Parameters
    ----------
    model : torch.nn.Module
        Any module; its parameters at call time are w*.  It is not modified.
    data : (X, Y) tensors, Dataset or DataLoader
        The n samples defining L_n.  They are held as two tensors (a DataLoader contributes its
        dataset and its batch size).
    step_size : float
        ε > 0 of the transition.
    loss_fn : callable, optional
        ``(output, target) -> average negative log-likelihood per sample`` (MATH.md §1).  Default:
        :func:`gaussian_nll` with σ = 1 for floating-point targets, :func:`cross_entropy_nll` for
        integer targets; which one is recorded on the result.
    sampler : str or sampler
        ``'sgld'``, ``'rmsprop_sgld'``, ``'sghmc'``, ``'mala'`` (full batch), or an instance of
        :class:`SGLD`, :class:`RMSPropSGLD`, :class:`SGHMC`, :class:`MALA` with its own settings.
    nbeta : float, optional
        nβ > 0; default n / log n with n the dataset size (:func:`default_nbeta`).
    localization : float
        γ ≥ 0, the strength of the pull towards w*.
    num_chains, num_draws, num_burnin : int
        Chains, recorded draws per chain (≥ 4), and steps discarded before them.
    batch_size : int, optional
        Minibatch size (default: the DataLoader's, else 256), capped at n.
    control_variate : bool
        Record L_B(w_t) − L_B(w*) + L_n(w*) instead of L_B(w_t) at each draw (default; False gives
        the plain estimator of Lau et al. 2023), with L_B(w*) the loss
        at w* on the same minibatch (one extra forward pass per step, no gradient).  Same
        expectation, far less minibatch noise: the noise of the two losses on one batch is nearly
        the same.  Without it the noise of λ̂ grows like nβ·sd(loss)/√(draws·batch) when the draws
        cover few passes over the data (the ground-truth benchmark's n = 10⁵ runs).  No effect in
        full batch.
    weights : list of str, optional
        Names or glob patterns of the parameters to sample (weight-refined LLC); the others stay at
        w*.  Default: all.
    waic : bool
        Also compute the functional variance, singular fluctuation and WAIC from up to 100 draws
        per chain, each evaluated on the full dataset.
    vectorize : bool
        Run the chains as one ``vmap``-ed computation (default).  If the module cannot be vmapped
        the chains run one at a time and the reason is logged once; ``False`` forces that.
    seed : int
        Chain i's noise and minibatches come from ``SeedSequence(seed).spawn(num_chains)[i]``.
    device : optional
        Where to compute; default the device of the module's parameters.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    LLCEstimate

    Raises
    ------
    BadSetting
        A setting out of range, an unknown sampler, a module without parameters, a weight
        pattern that matches nothing.
    BadData
        Empty data, non-finite values, X and Y of different lengths, or data the module or the
        loss rejects.

    Examples
    --------
    A regular model with d = 2 parameters has λ = d/2 = 1:

    >>> import torch
    >>> gen = torch.Generator().manual_seed(0)
    >>> x = torch.randn(2000, 2, generator=gen)
    >>> y = x @ torch.tensor([1.0, -1.0]) + torch.randn(2000, generator=gen)
    >>> model = torch.nn.Linear(2, 1, bias=False)
    >>> with torch.no_grad():
    ...     _ = model.weight.copy_(torch.linalg.lstsq(x, y[:, None]).solution.T)
    >>> est = estimate_llc(model, (x, y), step_size=2e-4, batch_size=2000, num_draws=2000, num_burnin=500)
    >>> abs(est.mean - 1.0) < 4 * est.std_err + 0.02
    True

    Notes
    -----
    λ̂ uses the minibatch loss at each draw and the full-data L_n(w*) (Lau et al. 2023, Def. 3).
    Chains whose loss becomes non-finite are excluded from the mean and listed in
    ``diagnostics.divergences``; a negative λ̂ means the chains found lower loss than w*, which
    is then not a local minimum.  For SGLD and RMSProp-SGLD, every 25th step also computes the
    Metropolis acceptance probability its proposal would have had on the same minibatch: values
    well below 1 mean the step size is too large for the local curvature.

    References
    ----------
    Lau, Furman, Wang, Murfet & Wei (2023), arXiv:2308.12108; Wang et al. (2024),
    "Differentiation and specialization of attention heads via the refined local learning
    coefficient", arXiv:2410.02984 (weight- and data-refined LLC: pass ``weights`` and a
    sub-dataset); Watanabe (2010), JMLR 11, "Asymptotic equivalence of Bayes cross validation and
    widely applicable information criterion" (V, ν, WAIC).
    """
    if not isinstance(model, torch.nn.Module):
        raise BadSetting("model", type(model).__name__, "must be a torch.nn.Module")
    sampler = sampler_from_name(sampler)
    step_size = _positive("step_size", step_size)
    localization = _positive("localization", localization, allow_zero=True)
    num_chains = _count("num_chains", num_chains, 1)
    num_draws = _count("num_draws", num_draws, 4)
    num_burnin = _count("num_burnin", num_burnin, 0)
    _count("seed", seed, 0)
    sampled, fixed = _select(model, weights)
    first = next(iter(sampled.values()))
    device = torch.device(device) if device is not None else first.device
    x, y, loader_batch = as_tensors(data, device=device)
    n = x.shape[0]
    if nbeta is None:
        if n < 2:
            raise BadData("n = 1 sample: the default nβ = n / log n needs n >= 2; pass nbeta")
        nbeta, nbeta_source = default_nbeta(n), f"default n / log n, n = {n}"
    else:
        nbeta, nbeta_source = _positive("nbeta", nbeta), "given"
    if batch_size is not None:
        _count("batch_size", batch_size, 1)
    batch = min(batch_size or loader_batch or 256, n)
    per_chain_batch = not sampler.full_batch and batch < n
    control_variate = bool(control_variate) and per_chain_batch
    loss_fn = loss_fn if loss_fn is not None else _default_loss(y)
    center = {name: p.to(device) for name, p in sampled.items()}
    fixed = {name: t.to(device) for name, t in fixed.items()}

    try:
        init_loss = full_data_loss(model, loss_fn, {**center, **fixed}, x, y)
    except (RuntimeError, ValueError, TypeError, IndexError) as err:
        raise BadData(f"the model or loss_fn rejected the data: {err}") from err
    if not math.isfinite(init_loss):
        raise BadData(f"L_n(w*) = {init_loss} is not finite; check the data and the model at w*")

    streams = ChainStreams(
        seed,
        num_chains,
        {name: p.shape for name, p in center.items()},
        n=n,
        batch_size=batch if per_chain_batch else None,
        device=device,
        dtype=first.dtype,
    )
    stacked = {name: p.unsqueeze(0).expand((num_chains,) + p.shape).clone() for name, p in center.items()}
    centers = {name: p.unsqueeze(0).expand((num_chains,) + p.shape) for name, p in center.items()}
    state = sampler.init(stacked, centers)

    def next_batch() -> tuple[Tensor, Tensor]:
        idx = streams.batch_indices()
        return (x, y) if idx is None else (x[idx], y[idx])

    trial = (x[:batch].expand((num_chains,) + x[:batch].shape), y[:batch].expand((num_chains,) + y[:batch].shape))
    loss_and_grad, fallback = _loss_and_grad(
        model, loss_fn, fixed, stacked, trial if per_chain_batch else (x, y), per_chain_batch, vectorize
    )
    kwargs = {"loss_and_grad": loss_and_grad, "step_size": step_size, "nbeta": nbeta, "localization": localization}
    loss_at_center = (make_loss(model, loss_fn, fixed, per_chain_batch=True, vectorize=fallback is None)
                      if control_variate else None)
    total = num_burnin + num_draws
    trace = torch.empty((num_chains, total), dtype=torch.float64, device=device)
    acceptance = []
    waic_steps = set(num_burnin + np.unique(np.linspace(0, num_draws - 1, min(_WAIC_DRAWS, num_draws)).astype(int)))
    waic_draws: list[Tensor] = []

    bar = tqdm(total=total, desc="LLC chains", unit="step", disable=not progress)
    for t in range(total):
        batch_t, before = next_batch(), state.params
        state, info = sampler.step(state, batch_t, streams.noise(), **kwargs)
        trace[:, t] = info.loss.detach()
        if loss_at_center is not None and t >= num_burnin:  # burn-in losses are not used
            trace[:, t] += init_loss - loss_at_center(centers, batch_t)
        if sampler.langevin_proposal and t % _ACCEPTANCE_CHECK_EVERY == 0:
            acceptance.append(_proposal_acceptance(before, info, state.center, batch_t, **kwargs))
        elif sampler.name == "mala":
            acceptance.append(state.accepted.to(torch.float64))
        if waic and t in waic_steps:
            waic_draws.append(_per_sample_nll(model, loss_fn, fixed, state.params, x, y))
        bar.update(1)
    bar.close()

    return _result(
        trace.cpu().numpy(),
        acceptance,
        waic_draws,
        init_loss=init_loss,
        nbeta=nbeta,
        n=n,
        seed=seed,
        fallback=fallback,
        sampler=sampler,
        config=LLCConfig(
            sampler=repr(sampler) if sampler != sampler_from_name(sampler.name) else sampler.name,
            step_size=step_size,
            nbeta=nbeta,
            nbeta_source=nbeta_source,
            localization=localization,
            num_chains=num_chains,
            num_draws=num_draws,
            num_burnin=num_burnin,
            batch_size=batch if per_chain_batch else None,
            n=n,
            loss=_name(loss_fn),
            sampled=tuple(center),
            num_sampled=sum(p.numel() for p in center.values()),
            vectorized=fallback is None,
            control_variate=control_variate,
        ),
    )


def _name(fn) -> str:
    """A function's qualified name; anything else (our loss helpers, partials) by its repr."""
    return getattr(fn, "__qualname__", None) or repr(fn)


def _loss_and_grad(model, loss_fn, fixed, stacked, trial, per_chain_batch, vectorize):
    """The vectorized loss-and-gradient if it runs on a trial batch, else the sequential one."""
    reason = None if vectorize else "vectorize=False"
    if vectorize:
        candidate = make_loss_and_grad(model, loss_fn, fixed, per_chain_batch=per_chain_batch, vectorize=True)
        try:
            candidate(stacked, trial)
            return candidate, None
        except Exception as err:  # vmap refuses many things; the sequential path handles them all
            reason = f"{type(err).__name__}: {err}".splitlines()[0]
            logger.warning("chains run one at a time: the module cannot be vmapped (%s)", reason)
    sequential = make_loss_and_grad(model, loss_fn, fixed, per_chain_batch=per_chain_batch, vectorize=False)
    try:
        sequential(stacked, trial)
    except (RuntimeError, ValueError, TypeError, IndexError) as err:
        raise BadData(f"the model or loss_fn failed on a minibatch: {err}") from err
    return sequential, reason


def _proposal_acceptance(
    before: Params, info, center: Params, batch, *, loss_and_grad, step_size, nbeta, localization
) -> Tensor:
    """min(1, a) for the Langevin proposal the step made from ``before``, on the step's own minibatch."""
    loss, grads = loss_and_grad(info.proposal, batch)
    u_to = potential(loss, info.proposal, center, nbeta=nbeta, localization=localization)
    grad_to = potential_gradient(grads, info.proposal, center, nbeta=nbeta, localization=localization)
    log_a = log_acceptance(
        potential(info.loss, before, center, nbeta=nbeta, localization=localization),
        u_to,
        info.grad_potential,
        grad_to,
        before,
        info.proposal,
        step_size=step_size,
        preconditioner=info.preconditioner,
    )
    return torch.exp(torch.clamp(log_a, max=0.0)).to(torch.float64)


def _per_sample_nll(model, loss_fn, fixed, params: Params, x: Tensor, y: Tensor) -> Tensor:
    """(chains, n) negative log-likelihoods of every sample at every chain's current parameters."""
    rows = []
    for c in range(next(iter(params.values())).shape[0]):
        point = {**{name: value[c] for name, value in params.items()}, **fixed}
        try:
            rows.append(per_sample_nll(model, loss_fn, point, x, y))
        except Exception as err:  # the loss must be evaluable one sample at a time
            raise BadSetting("waic", True, f"needs loss_fn to work on one sample at a time ({err})") from err
    return torch.stack(rows).to(torch.float64)


def _first_nonfinite(trace: np.ndarray) -> list[int | None]:
    bad = ~np.isfinite(trace)
    return [int(np.argmax(row)) if row.any() else None for row in bad]


def _result(trace, acceptance, waic_draws, *, init_loss, nbeta, n, seed, fallback, sampler, config) -> LLCEstimate:
    burnin = config.num_burnin
    draws = trace[:, burnin:]
    divergences = tuple(
        Divergence(chain=c, step=step, in_burnin=step < burnin)
        for c, step in enumerate(_first_nonfinite(trace))
        if step is not None
    )
    excluded = tuple(div.chain for div in divergences)
    kept = [c for c in range(trace.shape[0]) if c not in excluded]
    per_chain = llc_from_losses(draws, nbeta=nbeta, init_loss=init_loss)
    per_chain[list(excluded)] = math.nan
    good = draws[kept]
    if len(kept) >= 2:
        mean, std_err = float(per_chain[kept].mean()), float(per_chain[kept].std(ddof=1) / math.sqrt(len(kept)))
    elif len(kept) == 1:
        mean = float(per_chain[kept[0]])
        std_err = float(nbeta * good.std(ddof=1) / math.sqrt(max(ess(good), 1.0)))
    else:
        mean = std_err = math.nan
    if kept:
        chains_rhat, chains_ess, trend = rhat(good), ess(good), trend_test(good)
    else:
        chains_rhat = chains_ess = math.nan
        trend = TrendTest(z_per_chain=(), z=math.nan, p_value=math.nan, moving=False)

    accept, source = None, None
    if acceptance and kept:
        accept = float(torch.stack(acceptance)[:, kept].nanmean())
        source = "MALA acceptance rate" if sampler.name == "mala" else "MALA test of SGLD proposals, every 25th step"

    warnings_ = []
    if divergences:
        where = ", ".join(f"chain {d.chain} at step {d.step}" for d in divergences)
        warnings_.append(f"{len(divergences)} chain(s) diverged ({where}) and were excluded; lower step_size")
    if kept and mean < 0:
        warnings_.append("λ̂ < 0: the chains found lower loss than at w*, so w* is not a local minimum")
    if trend.moving:
        warnings_.append(f"the loss trace is still moving (trend z = {trend.z:.1f}); raise num_burnin or num_draws")
    if kept and len(kept) > 1 and not chains_rhat <= _MAX_RHAT:
        warnings_.append(f"R-hat {chains_rhat:.3f} > {_MAX_RHAT}: the chains disagree; run longer")
    if accept is not None and accept < _MIN_ACCEPTANCE:
        warnings_.append(
            f"acceptance {accept:.2f} < {_MIN_ACCEPTANCE}: step_size is large for the local curvature; lower it"
        )
    if fallback is not None and fallback != "vectorize=False":
        warnings_.append(f"chains ran one at a time ({fallback})")
    if warnings_:
        warnings.warn("; ".join(warnings_), RuntimeWarning, stacklevel=3)

    return LLCEstimate(
        mean=mean,
        std_err=std_err,
        per_chain=per_chain,
        losses=draws,
        init_loss=init_loss,
        nbeta=nbeta,
        config=config,
        seed=seed,
        diagnostics=Diagnostics(
            rhat=chains_rhat,
            ess=chains_ess,
            trend=trend,
            acceptance=accept,
            acceptance_source=source,
            divergences=divergences,
            excluded_chains=excluded,
            not_local_minimum=bool(kept) and mean < 0,
            fallback_reason=fallback,
            warnings=tuple(warnings_),
        ),
        waic=_waic(waic_draws, kept, nbeta=nbeta, n=n) if waic_draws and kept else None,
    )


def _waic(waic_draws: list[Tensor], kept: list[int], *, nbeta: float, n: int) -> WAIC:
    """V, ν and WAIC from per-sample NLLs of the pooled draws (Watanabe 2010, eqs. 7-10)."""
    nll = torch.stack(waic_draws)[:, kept].reshape(-1, n)
    draws = nll.shape[0]
    variance = float(nll.var(dim=0, correction=1).sum()) if draws > 1 else math.nan
    training = float((math.log(draws) - torch.logsumexp(-nll, dim=0)).mean())
    beta = nbeta / n
    return WAIC(
        functional_variance=variance,
        singular_fluctuation=beta * variance / 2,
        training_loss=training,
        waic=training + beta * variance / n,
        num_draws=draws,
    )


@dataclass(frozen=True, eq=False)
class NBetaSweep:
    """Estimates at several inverse temperatures, and the slope dλ̂ / d log nβ between them."""

    nbetas: tuple[float, ...]
    estimates: tuple[LLCEstimate, ...]

    @property
    def slope(self) -> float:
        """Least-squares slope of λ̂ against log nβ (0 if λ̂ does not depend on the temperature)."""
        logs = np.log(np.asarray(self.nbetas))
        values = np.asarray([e.mean for e in self.estimates])
        return float(np.polyfit(logs, values, 1)[0]) if len(logs) > 1 else math.nan

    @property
    def extrapolated(self) -> tuple[float, float]:
        """(λ, s.e.) from :func:`extrapolate_llc` over the sweep: the estimate at nβ → ∞."""
        return extrapolate_llc(self.nbetas, [e.mean for e in self.estimates], [e.std_err for e in self.estimates])

    def summary(self) -> str:
        """One row per temperature: nβ, λ̂ ± s.e., R-hat, warnings."""
        rows = [f"{'nβ':>12}  {'λ̂':>10}  {'s.e.':>8}  {'R-hat':>6}  warnings"]
        for nbeta, e in zip(self.nbetas, self.estimates):
            rows.append(
                f"{nbeta:>12.6g}  {e.mean:>10.4f}  {e.std_err:>8.4f}  {e.diagnostics.rhat:>6.3f}  "
                f"{len(e.diagnostics.warnings)}"
            )
        rows.append(f"slope dλ̂/dlog nβ = {self.slope:.4f}")
        if len(self.nbetas) > 1:
            lam, se = self.extrapolated
            rows.append(f"extrapolated to nβ → ∞ (λ − c/log nβ): {lam:.4f} ± {se:.4f}")
        return "\n".join(rows)

    def to_dict(self) -> dict:
        return {"nbetas": list(self.nbetas), "slope": self.slope, "estimates": [e.to_dict() for e in self.estimates]}


def nbeta_sweep(estimate: Callable[[float], LLCEstimate], nbetas: Sequence[float]) -> NBetaSweep:
    """Run ``estimate(nbeta)`` at each inverse temperature and collect the results.

    ``estimate`` is usually ``functools.partial(estimate_llc, model, data, step_size=...)`` called
    with ``nbeta=``; at finite nβ the estimator's target λ(nβ, γ) approaches λ like
    λ − (m − 1)/log nβ (MATH.md §4), so a slope well away from 0 says the temperature matters.

    Examples
    --------
    >>> import functools, torch
    >>> gen = torch.Generator().manual_seed(0)
    >>> x = torch.randn(500, 1, generator=gen); y = x[:, 0] + torch.randn(500, generator=gen)
    >>> model = torch.nn.Linear(1, 1, bias=False)
    >>> with torch.no_grad():
    ...     _ = model.weight.fill_(float((x[:, 0] @ y) / (x[:, 0] @ x[:, 0])))
    >>> run = functools.partial(estimate_llc, model, (x, y), step_size=1e-3, num_draws=2000, batch_size=500)
    >>> sweep = nbeta_sweep(lambda nb: run(nbeta=nb), [50.0, 200.0])
    >>> [round(nb) for nb in sweep.nbetas]
    [50, 200]
    """
    values = tuple(_positive("nbeta", nb) for nb in nbetas)
    if not values:
        raise BadSetting("nbetas", list(nbetas), "must hold at least one inverse temperature")
    return NBetaSweep(nbetas=values, estimates=tuple(estimate(nb) for nb in values))


def extrapolate_llc(nbetas: Sequence[float], values: Sequence[float],
                    std_errs: Sequence[float] | None = None) -> tuple[float, float]:
    """The temperature-extrapolated LLC: fit λ̂(nβ) = λ − c/log nβ and return (λ, its s.e.).

    At finite nβ the estimator aims at λ(nβ, γ) ≈ λ − (m − 1)/log nβ (MATH.md §4; the free energy's
    log log n term), so estimates at several nβ, fitted with this form, remove the leading bias.
    Weighted least squares with weights 1/s.e.² when ``std_errs`` are given (and positive).  The
    power corrections (nβ)^−(μ−λ) that dominate when m = 1 are not in the form; the benchmark shows
    where that matters.

    Examples
    --------
    >>> nb = [100.0, 1000.0, 10000.0]
    >>> lam, se = extrapolate_llc(nb, [0.5 - 1 / math.log(t) for t in nb])
    >>> round(lam, 10), se < 1e-9
    (0.5, True)
    """
    x = 1 / np.log(np.asarray(nbetas, dtype=float))
    y = np.asarray(values, dtype=float)
    if len(x) < 2 or len(set(x.tolist())) < 2:
        raise BadSetting("nbetas", list(nbetas), "extrapolation needs at least two distinct inverse temperatures")
    w = np.ones_like(y)
    if std_errs is not None:
        se = np.asarray(std_errs, dtype=float)
        if np.all(se > 0):
            w = 1 / se**2
    design = np.stack([np.ones_like(x), x], axis=1)
    normal = design.T @ (design * w[:, None])
    coef = np.linalg.solve(normal, design.T @ (w * y))
    if std_errs is not None and np.all(np.asarray(std_errs, dtype=float) > 0):
        cov = np.linalg.inv(normal)
    else:
        dof = max(len(y) - 2, 1)
        cov = np.linalg.inv(normal) * float(np.sum((design @ coef - y) ** 2)) / dof
    return float(coef[0]), float(math.sqrt(max(cov[0, 0], 0.0)))
