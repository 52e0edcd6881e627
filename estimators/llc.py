"""The local learning coefficient of a trained module: ``estimate_llc`` and its result."""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import math
import numbers
import os
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor
from tqdm.auto import tqdm

from . import trust as _trust
from ._chains import full_data_loss, per_sample_nll
from ._data import Data, read_data
from ._objective import Objective, PairLoss, check_objective, loss_name, pair_keys
from ._run import Block, ChainRunner
from ._tree import Params
from . import _observe, curvature
from .curvature import MinimumCheck, _Hessian, flatten, unflatten
from .diagnostics import TrendTest, ess, llc_from_losses, rhat, trend_test
from .errors import BadData, BadSetting, LLCWarning
from .losses import cross_entropy_nll, default_nbeta, gaussian_nll
from .observables import Observable, ObservableDraws
from .samplers import Sampler, sampler_from_name
from .trust import Check, Trust
from .tuning import TARGET_BIAS_INDEX, bias_index, draw, predicted_bias, standard_error, tune

__all__ = [
    "Diagnostics",
    "Divergence",
    "LLCConfig",
    "LLCEstimate",
    "NBetaSweep",
    "Richardson",
    "WAIC",
    "estimate_llc",
    "nbeta_sweep",
]

TRACES = ("distance", "gradient_norm", "noise_norm")
"""The optional per-draw traces of :func:`estimate_llc` (``traces=``)."""

_WAIC_DRAWS = 100
_HESSIAN_FLOATS = 5 * 10**7  # samples × parameters for the curvature at w*: all samples when within this
_HESSIAN_MIN_SAMPLES = 2048
_NOISE_SAMPLES = 1024
_NOISE_FLOATS = 2**28  # samples × parameters for the gradient noise: fewer samples (down to 256) beyond it
_NOISE_MIN_SAMPLES = 256
_LANCZOS_STEPS = 20
_REGULAR_MAX_D = 200
_REGULAR_MARGIN = 10.0
_CHECK_STEPS = (25, 300)
_MAX_DRAW_RETRIES = 2
_CHAIN_BATCH_FLOATS = 2**20  # chains × sampled parameters of one vectorized step, with chain_batch="auto"


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


def _positive(name: str, value, *, allow_zero: bool = False) -> float:
    """A finite float ≥ 0 (or > 0); numpy scalars, 0-d arrays and 0-d tensors are numbers too."""
    value = _scalar(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.ndarray)) or np.ndim(value):
        raise BadSetting(name, value, "must be a number")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise BadSetting(name, value, "must be a finite number " + (">= 0" if allow_zero else "> 0"))
    return value


def _count(name: str, value, minimum: int) -> int:
    """An integer ≥ ``minimum`` (numpy integers and 0-d integer tensors included) as a Python int."""
    value = _scalar(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < minimum:
        raise BadSetting(name, value, f"must be an integer >= {minimum}")
    return int(value)


def _scalar(value):
    """A 0-d tensor as its Python number; anything else as it is."""
    return value.item() if isinstance(value, Tensor) and value.dim() == 0 else value


def _auto_or(name: str, value, check: Callable):
    """``None`` for ``"auto"``, else the value as ``check`` validates it."""
    if isinstance(value, str):
        if value != "auto":
            raise BadSetting(name, value, "must be a number or 'auto'")
        return None
    return check(name, value)


def _device(device, model: torch.nn.Module) -> torch.device:
    """The device to run on: the one given (which must exist here), else the module's."""
    if any(p.is_meta for p in model.parameters()):
        raise BadSetting("model", type(model).__name__, "has parameters on the meta device (shapes without values): "
                         "load its weights first")
    if device is None:
        first = next(model.parameters(), None)
        return first.device if first is not None else torch.device("cpu")
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise BadSetting("device", device, f"is not a torch device ({err})") from err
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (device.index or 0) >= count:
            raise BadSetting("device", str(device), f"is not available: this machine has {count} CUDA device(s)")
    try:
        torch.empty(1, device=device)
    except (RuntimeError, NotImplementedError) as err:
        raise BadSetting("device", str(device), f"is not available here ({str(err).splitlines()[0]})") from err
    if device.type == "meta":
        raise BadSetting("device", str(device), "holds no values: choose a device the chains can run on")
    return device


@dataclass(frozen=True)
class _Selection:
    """The sampled tensors at w* (``center``; a masked tensor by its sampled entries, flat), the rest
    (``fixed``: parameters and buffers), the masks as flat indices with the full tensors (``base``)."""

    center: dict[str, Tensor]
    fixed: dict[str, Tensor]
    masks: dict[str, Tensor]
    base: dict[str, Tensor]
    names: tuple[str, ...]


def _select(model: torch.nn.Module, weights, dtype: torch.dtype, device: torch.device) -> _Selection:
    """Split the module's parameters into sampled and fixed (``estimate_llc``'s ``weights``).

    Tied parameters are one tensor under several names: any of the names selects it.  Buffers are
    copied, so that nothing the module does during sampling reaches the caller's.
    """
    aliases = dict(model.named_parameters(remove_duplicate=False))
    if not aliases:
        raise BadSetting("model", type(model).__name__, "has no parameters to sample")
    owner = {}
    for name, p in aliases.items():
        owner.setdefault(id(p), name)
    canonical = {name: owner[id(p)] for name, p in aliases.items()}
    params = {name: aliases[name] for name in dict.fromkeys(canonical.values())}
    masks: dict[str, Tensor] = {}
    if weights is None:
        chosen = [name for name, p in params.items() if p.requires_grad]
        if not chosen:
            raise BadSetting("model", type(model).__name__, "has no trainable parameters (requires_grad is False for "
                             "all of them): unfreeze the ones to sample, or name them with weights=[...]")
    elif isinstance(weights, Mapping):
        chosen, whole = [], set()
        for name, mask in weights.items():
            if name not in canonical:
                raise BadSetting("weights", name, f"is not a parameter of the module; it has {sorted(aliases)}")
            target = canonical[name]
            chosen.append(target)
            if _is_true(mask):
                whole.add(target)
            else:  # a tied tensor named twice: the union of its masks
                index = _flat_mask(name, mask, params[target])
                masks[target] = torch.unique(torch.cat([masks[target], index])) if target in masks else index
        for target in whole:
            masks.pop(target, None)
    else:
        if isinstance(weights, str):
            weights = [weights]
        if not isinstance(weights, Iterable) or not all(isinstance(w, str) for w in weights):
            raise BadSetting("weights", weights, "must be parameter names or glob patterns (a list of str), or a "
                             "mapping name -> boolean mask of the parameter's shape")
        chosen = []
        for pattern in weights:
            hits = [canonical[name] for name in aliases if fnmatch.fnmatchcase(name, pattern)]
            if not hits:
                raise BadSetting("weights", pattern, f"matches no parameter; the module has {sorted(aliases)}")
            chosen += hits
    chosen = list(dict.fromkeys(chosen))
    if not chosen:
        raise BadSetting("weights", weights, "selects no parameter; name at least one (or leave weights=None for all "
                         "trainable parameters)")
    cast = (lambda t: t.detach().to(device=device, dtype=dtype if t.is_floating_point() else t.dtype))
    base = {name: cast(params[name]) for name in masks}
    center = {name: base[name].reshape(-1)[masks[name]].clone() if name in masks else cast(params[name])
              for name in chosen}
    fixed = {name: cast(p) for name, p in params.items() if name not in center}
    fixed.update({name: cast(b).clone() for name, b in model.named_buffers()})
    names = tuple(f"{name} ({len(masks[name])} of {base[name].numel()} entries)" if name in masks else name
                  for name in chosen)
    return _Selection(center, fixed, {k: v.to(device) for k, v in masks.items()}, base, names)


def _is_true(mask) -> bool:
    """``True`` (Python, numpy or a 0-d tensor): the whole tensor."""
    return isinstance(mask, (bool, np.bool_)) and bool(mask) or (
        isinstance(mask, Tensor) and mask.dim() == 0 and mask.dtype == torch.bool and bool(mask))


def _flat_mask(name: str, mask, param: Tensor) -> Tensor:
    """The flat indices a mask selects: a boolean tensor of the parameter's shape, or integer flat indices."""
    mask = torch.as_tensor(mask)
    if mask.dtype == torch.bool:
        if tuple(mask.shape) != tuple(param.shape):
            raise BadSetting("weights", name, f"has a boolean mask of shape {tuple(mask.shape)}; the parameter's shape "
                             f"is {tuple(param.shape)}")
        index = mask.reshape(-1).nonzero().squeeze(1)
    elif not mask.is_floating_point() and not mask.is_complex() and mask.dim() == 1:
        index = torch.unique(mask.long())
        if len(index) and (index[0] < 0 or index[-1] >= param.numel()):
            raise BadSetting("weights", name, f"has flat indices outside [0, {param.numel()})")
    else:
        raise BadSetting("weights", name, "needs a boolean mask of the parameter's shape or a 1-d tensor of flat "
                         "indices")
    if len(index) == 0:
        raise BadSetting("weights", name, "has a mask that selects no entry")
    return index


def _compute_dtype(model: torch.nn.Module) -> tuple[torch.dtype, str]:
    """The dtype the chains run in: the module's, or float32 for a half-precision module."""
    dtypes = {p.dtype for p in model.parameters() if p.is_floating_point()}
    low = dtypes & {torch.float16, torch.bfloat16}
    if low:
        names = "/".join(sorted(str(d).removeprefix("torch.") for d in low))
        return torch.float32, (f"float32: the module's parameters are {names}, whose 8- or 11-bit mantissa cannot "
                               "hold the steps of the chains or the loss differences nβ·(L − L(w*)); the module is "
                               "evaluated with float32 copies (it is not changed)")
    if not dtypes:
        return torch.get_default_dtype(), "the default dtype (the module has no floating-point parameters)"
    dtype = max(dtypes, key=lambda d: torch.finfo(d).bits)
    return dtype, "the module's"


@contextlib.contextmanager
def _evaluation_mode(model: torch.nn.Module):
    """The module in eval mode (dropout off, batch norm on its running statistics) for the estimate,
    every submodule's own mode restored afterwards."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:  # parents first, so each ends in its own mode; train() for overrides
            module.train(training)


def _default_loss(target: Tensor):
    """Gaussian NLL (σ = 1) for floating targets, cross-entropy for integer ones, and why."""
    if target.is_floating_point():
        return gaussian_nll(1.0), f"gaussian_nll(sigma=1.0), the default because Y is {target.dtype}"
    return cross_entropy_nll(), (f"cross_entropy_nll(), the default because Y is {target.dtype} (class labels); "
                                 "for counts or other regression targets pass float Y or a loss_fn")


def estimate_llc(
    model: torch.nn.Module,
    data,
    *,
    step_size: float | str = "auto",
    loss_fn: Callable[[Tensor, Tensor], Tensor] | None = None,
    batch_loss: Callable[[torch.nn.Module, object], Tensor] | None = None,
    sampler: str | Sampler = "sgld",
    nbeta: float | None = None,
    localization: float = 1.0,
    num_chains: int = 4,
    num_draws: int | str = "auto",
    num_burnin: int | str = "auto",
    batch_size: int | None = None,
    control_variate: bool = True,
    gradient_control_variate: bool | None = None,
    target_rse: float = 0.05,
    max_steps: int = 5000,
    checks: bool = True,
    weights: Sequence[str] | Mapping[str, Tensor] | None = None,
    traces: Sequence[str] = (),
    observables: Mapping[str, Observable | Callable] | None = None,
    observable_traces: bool | str | os.PathLike = False,
    waic: bool = False,
    vectorize: bool = True,
    chain_batch: int | str = "auto",
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = False,
) -> LLCEstimate:
    """Estimate the local learning coefficient of ``model`` at its current parameters w*, and say
    whether the estimate can be trusted.

    Runs ``num_chains`` chains of ``sampler`` from w* on the local tempered posterior
    p(w) ∝ exp(−nβ·L_n(w) − (γ/2)‖w − w*‖²) and returns λ̂ = nβ·(E[L] − L_n(w*)) with its standard
    error, an interval that includes the step's measured bias, and a verdict
    (``est.diagnostics.trust``: "ok", "doubtful" or "unreliable", with the reasons in words).

    Parameters
    ----------
    model : torch.nn.Module
        Any module; its parameters at call time are w*.  It is not modified: it is evaluated in
        eval mode (dropout off, batch norm on its running statistics; every submodule's mode is
        restored afterwards, ``config.mode`` says "eval") through ``torch.func.functional_call``
        with copies of its buffers.  A float16 or bfloat16 module is sampled and evaluated in
        float32 (``config.dtype``, ``config.dtype_source``).
    data : tensors, Dataset or DataLoader
        The n samples defining L_n: ``(X, Y)`` or ``(X,)`` tensors or numpy arrays, a mapping of named
        fields, a ``Dataset`` of samples (collated as a DataLoader would), or a ``DataLoader``, read
        in one pass with its sampler and ``collate_fn``, whose batch size is then kept like a given
        ``batch_size``.  Floating fields are cast to the module's dtype.  ``config.data_source``
        says how n was counted (``docs/estimators.md``, "Your model and data").
    step_size : float or "auto"
        ε > 0 of the transition, or ``"auto"`` (default): chosen during burn-in to hold the bias
        index at 5% (:mod:`estimators.tuning`; MALA: an acceptance rate of 0.574).
    loss_fn : callable, optional
        ``(output, target) -> average negative log-likelihood per sample`` (docs/conventions.md#loss-units), a scalar.
        ``output`` is what the module returns on the inputs (a tuple's first element, a mapping's
        ``"logits"``).  Default: :func:`gaussian_nll` with σ = 1 for floating-point targets,
        :func:`cross_entropy_nll` for integer targets; which one, and why, is recorded on the result.
    batch_loss : callable, optional
        ``(module, batch) -> average negative log-likelihood per sample`` for data of any shape
        (token ids without targets, mappings of fields): ``batch`` holds B rows of every field of
        the data, and the module called inside it runs with the sampled parameters.  Not with
        ``loss_fn``.  A loss that is not a scalar, that sums over the batch, or that does not
        depend on the sampled parameters is refused (:class:`BadData`).
    sampler : str or sampler
        ``'sgld'``, ``'rmsprop_sgld'``, ``'sghmc'``, ``'mala'`` (full batch), or an instance of
        :class:`SGLD`, :class:`RMSPropSGLD`, :class:`SGHMC`, :class:`MALA` with its own settings.
    nbeta : float, optional
        nβ > 0; default n / log n with n the dataset size (:func:`default_nbeta`).
    localization : float
        γ ≥ 0, the strength of the pull towards w*.
    num_chains : int
        Chains, run as one vectorized computation.
    num_draws, num_burnin : int or "auto"
        Recorded draws per chain (≥ 4) and steps discarded before them.  ``"auto"`` (default):
        burn-in until the step size has settled and ‖w − w*‖² has stopped growing; draws until
        the standard error is below ``target_rse``·|λ̂|; all within ``max_steps``.
    batch_size : int, optional
        Minibatch size, capped at n.  Default: the DataLoader's; else, with ``step_size="auto"``,
        chosen from the measured gradient noise (:mod:`estimators.tuning`), and 256 with a given
        step size.  A given batch below what the noise rule chooses makes the estimate "doubtful"
        and says so (``config.advised_batch_size``).
    control_variate : bool
        Record L_B(w_t) − L_B(w*) + L_n(w*) instead of L_B(w_t) at each draw (default; False gives
        the plain estimator of Lau et al. 2023), with L_B(w*) the loss at w* on the same minibatch
        (one extra forward pass per step, no gradient).  Same expectation, far less minibatch
        noise.  No effect in full batch.
    gradient_control_variate : bool, optional
        Step with ∇L_B(w) − ∇L_B(w*) + ∇L_n(w*) instead of ∇L_B(w) (Baker et al. 2019), whose
        noise vanishes near w* where the plain minibatch gradient's does not (one extra backward
        pass at w* per step, and the loss control variate comes with it).  Default: on with an
        automatic step size, off with a given one.  No effect in full batch.
    target_rse : float
        The relative standard error at which automatic draws stop.
    max_steps : int
        The budget per chain for automatic settings: burn-in, draws and three gradient steps per
        step of the discretisation check.  Given ``num_burnin`` and ``num_draws`` are not cut.
    checks : bool
        Run the self-checks that cost computation: the curvature and gradient at w* (is w* a
        minimum? is it a regular point?) and the discretisation check (the chains beside coupled
        copies at ε/2 for 100–300 steps, three gradient evaluations per step; not for MALA).  The
        checks that read the draws (mixing, divergences, bounds, bias index) always run.
    weights : list of str, or mapping name -> mask, optional
        Names or glob patterns of the parameters to sample (weight-refined LLC), or a mapping from a
        parameter's name to a boolean mask of its shape (or a 1-d tensor of flat indices; ``True``
        for all of it): only those entries are sampled, e.g. one attention head's slice of a fused
        projection (:func:`estimators.heads.attention_head_masks`).  The rest stays at w*.  Any name
        of a tied parameter selects it.  Default: the parameters with ``requires_grad=True``.
    traces : list of str
        Extra per-draw traces to keep on the result (``est.traces``), among ``"distance"``
        (‖w − w*‖), ``"gradient_norm"`` and ``"noise_norm"``.  Default: none.
    observables : mapping name -> observable, optional
        Observables to evaluate at every draw (``est.observables``, an :class:`ObservableDraws`):
        :func:`estimators.observables.average_loss` on another dataset,
        :func:`~estimators.observables.sample_losses` of probe samples, or any function of the module
        (``fn(module) -> tensor``).  Their streaming moments with each other and with the training
        loss are kept (memory chains × components × (2 + scalars), whatever the draws) for
        :func:`~estimators.observables.susceptibility` and
        :func:`~estimators.observables.bayesian_influence` (docs/conventions.md#observables-of-the-local-posterior).
    observable_traces : bool or path
        Also keep every draw's values: ``True`` in memory, a folder to write them to (one float32
        file per observable, read back as memory maps).  Needed only for covariances between two
        vector observables of more than 1024 components in all.
    waic : bool
        Also compute the functional variance, singular fluctuation and WAIC from up to 100 draws
        per chain, each evaluated on the full dataset.
    vectorize : bool
        Run the chains as one ``vmap``-ed computation (default).  If the module cannot be vmapped
        the chains run one at a time and the reason is logged once; ``False`` forces that.
    chain_batch : int or "auto"
        How many chains share one vectorized step (1 to ``num_chains``); the other groups follow in
        turn within every step, so a step's gradients, noise and statistics are held for one group
        at a time (the chains' states, one copy of the sampled parameters per chain and per state
        variable of the sampler, are held for all).  ``"auto"`` (default): all chains while
        ``num_chains`` × d ≤ 2²⁰ (d the number of sampled parameters, 4 MB per float32 copy), else
        groups of max(1, ⌊2²⁰ / d⌋) chains.  Chain i's draws do not depend on it beyond float
        rounding (its noise and minibatches come from its own streams; a vmap over another number
        of chains may use differently blocked matrix kernels); ``config.chain_batch`` records the
        size used.  :class:`BadSetting` unless an integer in [1, ``num_chains``] or "auto".
    seed : int
        Chain i's noise and minibatches come from ``SeedSequence(seed).spawn(num_chains)[i]``; the
        probes at w* from their own stream.  Same seed, same numbers (on one kind of device: the
        chains' generators live on the device they run on).
    device : torch.device or str, optional
        Where to run (default: the device of the module's parameters); a device this machine does
        not have is a :class:`BadSetting`.  The data, the parameters and the chains' random
        generators are moved there once; the steps read nothing back to the host until a block of
        steps ends.
    progress : bool
        Show a tqdm progress bar over the steps.

    Returns
    -------
    LLCEstimate

    Raises
    ------
    BadSetting
        A setting out of range, or a module without (trainable) parameters.  Numbers may be
        Python or numpy scalars.
    BadData
        Data that cannot be used; a model or loss that rejects it; a loss that is not a per-sample
        mean or does not depend on the sampled parameters.

    Warns
    -----
    LLCWarning
        Once, when the verdict is "doubtful" or "unreliable", with the reasons.

    Notes
    -----
    The checks (:mod:`estimators.trust`): divergences; a negative estimate; an estimate above d/2
    (the largest λ at a minimum of d parameters); w* not a minimum (the drop of U within reach,
    from the gradient and curvature at w*); the step's bias, predicted by the bias index and
    measured by the coupled ε/2 run, whose Richardson extrapolation λ̂ − 2·(λ̂(ε) − λ̂(ε/2)) is
    reported (Richardson 1911; the coupling is that of multilevel Monte Carlo, Giles 2008);
    the minibatch noise's share; mixing (R-hat and ESS of the parameters' projections, ‖w − w*‖²
    and the loss, Gelman et al. 2013 §11.4–11.5; Geweke's trend test); at a regular point
    (non-degenerate Hessian, d ≤ 200) the Gaussian closed form
    ½Σ nβh/(nβh + γ) − (the offset of w* from the minimum); the standard error.

    The interval is [λ̂ − b⁺ − 1.96·s, λ̂ − b⁻ + 1.96·s] with b the bias of the step (twice the
    measured change at ε/2, else λ̂·p/(1 + p) with p the relative bias predicted from the bias
    index), b⁺ = max(b, 0), b⁻ = min(b, 0), and s² = s.e.² + (the s.e. of b)² (half of b when it is
    predicted); the low end is clipped at 0 when λ̂ ≥ 0, since λ ≥ 0 at a minimum.

    Examples
    --------
    >>> gen = torch.Generator().manual_seed(0)
    >>> x = torch.randn(2000, 2, generator=gen, dtype=torch.float64)
    >>> y = x @ torch.tensor([1.0, -1.0], dtype=torch.float64) + torch.randn(2000, generator=gen, dtype=torch.float64)
    >>> net = torch.nn.Linear(2, 1, bias=False).double()
    >>> with torch.no_grad():
    ...     _ = net.weight.copy_(torch.linalg.lstsq(x, y[:, None]).solution.T)
    >>> est = estimate_llc(net, (x, y), seed=1)
    >>> est.verdict, abs(est.mean - 1.0) < 0.15   # regular, d = 2: λ = 1
    ('ok', True)
    """
    sampler = sampler_from_name(sampler)
    given_step = _auto_or("step_size", step_size, _positive)
    given_draws = _auto_or("num_draws", num_draws, lambda name, v: _count(name, v, 4))
    given_burnin = _auto_or("num_burnin", num_burnin, lambda name, v: _count(name, v, 0))
    localization = _positive("localization", localization, allow_zero=True)
    num_chains = _count("num_chains", num_chains, 1)
    given_chain_batch = _auto_or("chain_batch", chain_batch, lambda name, v: _count(name, v, 1))
    if given_chain_batch is not None and given_chain_batch > num_chains:
        raise BadSetting("chain_batch", given_chain_batch, f"must be at most num_chains = {num_chains}")
    max_steps = _count("max_steps", max_steps, 100)
    target_rse = _positive("target_rse", target_rse)
    seed = _count("seed", seed, 0)
    if batch_size is not None:
        batch_size = _count("batch_size", batch_size, 1)
    if nbeta is not None:
        nbeta = _positive("nbeta", nbeta)
    if not isinstance(model, torch.nn.Module):
        raise BadSetting("model", type(model).__name__, "must be a torch.nn.Module")
    if loss_fn is not None and batch_loss is not None:
        raise BadSetting("batch_loss", batch_loss, "and loss_fn are two forms of the loss: pass one of them")
    unknown = sorted(set(traces) - set(TRACES)) if not isinstance(traces, str) else [traces]
    if unknown:
        raise BadSetting("traces", traces, f"must be a list of names among {TRACES}")
    device = _device(device, model)
    dtype, dtype_source = _compute_dtype(model)
    selection = _select(model, weights, dtype, device)
    data = read_data(data, device=device, dtype=dtype)
    n = data.n
    if nbeta is None:
        if n < 2:
            raise BadData("n = 1 sample: the default nβ = n / log n needs n >= 2; pass nbeta")
        nbeta, nbeta_source = default_nbeta(n), f"default n / log n, n = {n}"
    else:
        nbeta_source = "given"
    batch_given = batch_size or data.loader_batch_size
    if batch_given is None and given_step is not None:
        batch_given = 256
    if batch_loss is not None:
        loss, described = batch_loss, loss_name(batch_loss) + " (batch_loss)"
    else:
        keys = pair_keys(data.fields)
        loss_fn, described = (loss_fn, loss_name(loss_fn)) if loss_fn is not None else _default_loss(
            data.fields[keys[1]])
        loss = PairLoss(loss_fn, keys)
    center = selection.center
    objective = Objective(model, loss, selection.fixed, masks=selection.masks, base=selection.base)
    with _evaluation_mode(model), torch.inference_mode(False):
        try:
            check_objective(objective, center, data, seed=seed)
            init_loss = full_data_loss(objective, center, data)
        except BadData:
            raise
        except (RuntimeError, ValueError, TypeError, IndexError, KeyError, AttributeError) as err:
            upcast = ("; the module runs in float32 copies of its half-precision parameters, so a forward that "
                      "casts its inputs to half (x.half()) fails: cast to the parameters' dtype instead"
                      if dtype_source.startswith("float32:") else "")
            raise BadData(f"the model or the loss rejected the data ({type(err).__name__}: {err}); the loss is "
                          f"{described}{upcast}") from err
        if not math.isfinite(init_loss):
            raise BadData(f"L_n(w*) = {init_loss} is not finite; check the data and the model at w*")
        _observe.trace_folder(observable_traces, list(observables or {}))
        observed = _observe.evaluators(
            observables or {}, objective_for=lambda fn: Objective(model, fn, selection.fixed, masks=selection.masks,
                                                                  base=selection.base),
            training_loss=("batch_loss", batch_loss) if batch_loss is not None else ("loss_fn", loss_fn),
            center=center, device=device, dtype=dtype, vectorize=vectorize, seed=seed)
        if gradient_control_variate is None:
            gradient_control_variate = given_step is None
        probe = _Probe(objective, center, data, nbeta=nbeta, localization=localization, seed=seed)
        center_gradient = None
        if gradient_control_variate and not sampler.full_batch:
            center_gradient = unflatten(probe.gradient.to(dtype), center)
        dimension = sum(p.numel() for p in center.values())
        chain_batch, chain_batch_source = _chain_batch(given_chain_batch, num_chains, dimension)
        runner = ChainRunner(objective=objective, sampler=sampler, data=data, center=center, num_chains=num_chains,
                             nbeta=nbeta, localization=localization, init_loss=init_loss, seed=seed,
                             vectorize=vectorize, control_variate=control_variate, center_gradient=center_gradient,
                             chain_batch=chain_batch)
        spectrum = probe.spectrum(_REGULAR_MAX_D if dimension <= _REGULAR_MAX_D else _LANCZOS_STEPS)
        minimum = probe.minimum(spectrum) if checks else None

        reserve = 0 if sampler.metropolis or not checks else min(3 * _CHECK_STEPS[1], max_steps // 4)
        max_burnin = int(0.4 * (max_steps - reserve))
        bar = tqdm(total=max_steps if given_draws is None else (given_burnin or 0) + given_draws,
                   desc="LLC chains", unit="step", disable=not progress)
        runner.bar = bar
        first_step = min(4 * TARGET_BIAS_INDEX / max(spectrum.top, 1e-300), 1 / nbeta)
        burnin_state, tuned = tune(runner, runner.initial_state(), step_size=given_step, batch_size=batch_given,
                                   num_burnin=given_burnin, max_burnin=max_burnin, first_step=first_step,
                                   noise_at=lambda s: probe.noise_trace(runner, s))
        step, step_source = tuned.step_size, tuned.step_size_source
        max_draws = max(max_steps - reserve - tuned.num_burnin, 4)
        for retry in range(_MAX_DRAW_RETRIES + 1):
            observer = _WAICObserver(objective, data, center, num_chains, given_draws or max_draws) if waic else None
            recorder = _observe.Recorder(observed, center, chains=num_chains, init_loss=init_loss, nbeta=nbeta,
                                         traces=observable_traces,
                                         exact_loss=sampler.full_batch or tuned.batch_size >= n) if observed else None
            state, block, draws_source = draw(runner, burnin_state, step_size=step, batch_size=tuned.batch_size,
                                              num_draws=given_draws, max_draws=max_draws, target_rse=target_rse,
                                              observe=_both(observer, recorder))
            if not (block.diverged and given_step is None and retry < _MAX_DRAW_RETRIES):
                break
            step /= 4
            step_source += f"; lowered to {step:.3g} after a chain diverged in the draws"
        richardson = None
        kept = [c for c, s in enumerate(block.first_nonfinite) if s is None and tuned.first_nonfinite[c] is None]
        if reserve and kept:
            richardson = _richardson(runner, state, block, kept, step=step, batch=tuned.batch_size, reserve=reserve)
        bar.close()

        per_chain_batch = tuned.batch_size < n and not sampler.full_batch
        config = LLCConfig(
            sampler=repr(sampler) if sampler != sampler_from_name(sampler.name) else sampler.name,
            step_size=step, nbeta=nbeta, nbeta_source=nbeta_source, localization=localization, num_chains=num_chains,
            num_draws=block.loss.shape[1], num_burnin=tuned.num_burnin,
            batch_size=tuned.batch_size if per_chain_batch else None, n=n, loss=described, sampled=selection.names,
            num_sampled=dimension, vectorized=runner.fallback is None,
            control_variate=control_variate and per_chain_batch, step_size_source=step_source,
            batch_size_source=tuned.batch_size_source, num_draws_source=draws_source,
            num_burnin_source=tuned.num_burnin_source, target_rse=target_rse, max_steps=max_steps, checks=checks,
            gradient_control_variate=center_gradient is not None and per_chain_batch,
            mode="eval", dtype=str(dtype).removeprefix("torch."), dtype_source=dtype_source, data_source=data.source,
            advised_batch_size=tuned.advised_batch_size if per_chain_batch else None,
            chain_batch=chain_batch, chain_batch_source=chain_batch_source,
        )
        noise = probe.noise_trace(runner, state) * sampler.noise_gain if per_chain_batch and kept else math.nan
        return _result(block, tuned.first_nonfinite, observer, recorder, traces=tuple(traces), config=config,
                       init_loss=init_loss, seed=seed, fallback=runner.fallback, spectrum=spectrum, minimum=minimum,
                       richardson=richardson, noise_trace=noise, metropolis=sampler.metropolis,
                       stiffness=spectrum.top / spectrum.bottom
                       if spectrum.bottom > 0 and sampler.preconditioner(state) is None else None,
                       curvature_noise=probe.curvature_error(spectrum) if checks and spectrum.complete else None)


def _chain_batch(given: int | None, chains: int, dimension: int) -> tuple[int, str]:
    """The chains per vectorized step and the rule that chose it (``estimate_llc``'s ``chain_batch``)."""
    if given is not None:
        return given, "given"
    if chains * dimension <= _CHAIN_BATCH_FLOATS:
        return chains, f"all chains: {chains} × {dimension} parameters ≤ 2^20"
    size = max(1, _CHAIN_BATCH_FLOATS // dimension)
    return size, f"groups of max(1, 2^20 // {dimension}) chains: {chains} × {dimension} parameters > 2^20"


class _Probe:
    """The measurements at w* and at the chains' points that the rules and the checks read."""

    def __init__(self, objective: Objective, center: Params, data: Data, *, nbeta, localization, seed):
        self.objective, self.center, self.data = objective, center, data
        self.nbeta, self.localization, self.seed = nbeta, localization, seed
        gen = torch.Generator().manual_seed(int(np.random.SeedSequence([seed, 0x48]).generate_state(1)[0]))
        device = next(iter(center.values())).device
        order = torch.randperm(data.n, generator=gen).to(device)
        dimension = sum(p.numel() for p in center.values())
        samples = max(_HESSIAN_MIN_SAMPLES, _HESSIAN_FLOATS // max(dimension, 1))
        noise_samples = max(_NOISE_MIN_SAMPLES, min(_NOISE_SAMPLES, _NOISE_FLOATS // max(dimension, 1)))
        self.hessian_idx, self.noise_idx = order[:samples], order[:noise_samples]

    def spectrum(self, steps: int):
        return curvature.spectrum(self.objective, self.center, self.hessian_batch, nbeta=self.nbeta,
                                  localization=self.localization, steps=steps, seed=self.seed)

    @functools.cached_property
    def hessian_batch(self):
        """The samples the curvature at w* is measured on (all of them up to 5·10⁷ samples × parameters)."""
        return self.data.take(self.hessian_idx)

    @functools.cached_property
    def gradient(self) -> Tensor:
        """∇L_n(w*) on all the data, flat (float64)."""
        return curvature.full_gradient(self.objective, self.center, self.data)

    def minimum(self, spectrum) -> MinimumCheck:
        return curvature.minimum(self.objective, self.center, self.data, nbeta=self.nbeta,
                                 localization=self.localization, spectrum=spectrum,
                                 hessian_batch=self.hessian_batch, gradient=self.gradient)

    def curvature_error(self, spectrum) -> float:
        """The standard error of the lowest curvature's data part, from the two halves of the curvature
        samples: |vᵀ∇²U₁v − vᵀ∇²U₂v|/2 along the lowest Ritz vector v (each half's noise is √2 times
        the whole's, so their difference has twice the whole's standard deviation)."""
        halves = self.hessian_idx[: len(self.hessian_idx) // 2], self.hessian_idx[len(self.hessian_idx) // 2:]
        v = spectrum.bottom_vector
        quotients = [float(v @ _Hessian(self.objective, self.center, self.data.take(idx), nbeta=self.nbeta,
                                        localization=self.localization).matvec(v)) for idx in halves]
        return abs(quotients[0] - quotients[1]) / 2

    def noise_trace(self, runner: ChainRunner, state) -> float:
        """tr(G·C) averaged over the chains' current points (per-sample gradients on 1024 samples, fewer
        down to 256 when samples × parameters would pass 2²⁸)."""
        metric = runner.sampler.preconditioner(state)
        rows = Data(self.data.take(self.noise_idx), len(self.noise_idx), "")
        traces = []
        for c in range(runner.num_chains):
            point = {k: v[c] for k, v in state.params.items()}
            if not all(bool(torch.isfinite(v).all()) for v in point.values()):
                continue
            variance = curvature.noise(self.objective, point, rows, vectorize=runner.fallback is None,
                                       reference=self.center if runner.center_gradient is not None else None)
            weight = 1.0 if metric is None else flatten({k: v[c] for k, v in metric.items()}).to(torch.float64)
            traces.append(float((weight * variance).sum()))
        return float(np.mean(traces)) if traces else math.nan


class _WAICObserver:
    """The per-sample statistics WAIC needs, accumulated over the draws as they come: every k-th draw
    (k = draws // 100, so about 100 of them), per chain and sample, Σ(ℓ − ℓ*), Σ(ℓ − ℓ*)² and
    log Σ exp(−ℓ) with ℓ the sample's NLL at the draw and ℓ* at w*.  Memory: 4 × chains × n floats,
    whatever the number of draws."""

    def __init__(self, objective: Objective, data: Data, center: Params, chains: int, draws: int):
        self.objective, self.data = objective, data
        self.every = max(1, draws // _WAIC_DRAWS)
        self.reference = self._nll(center)
        self.sum = torch.zeros((chains, data.n), dtype=torch.float64, device=self.reference.device)
        self.squares = torch.zeros_like(self.sum)
        self.log_mean = torch.full_like(self.sum, -math.inf)
        self.count = 0

    def _nll(self, point: Params) -> Tensor:
        try:
            return per_sample_nll(self.objective, point, self.data).to(torch.float64)
        except Exception as err:  # the loss must be evaluable one sample at a time
            raise BadSetting("waic", True, f"needs the loss to work on one sample at a time ({err})") from err

    def __call__(self, t: int, params: Params, loss: Tensor) -> None:
        if t % self.every:
            return
        chains = next(iter(params.values())).shape[0]
        nll = torch.stack([self._nll({name: value[c] for name, value in params.items()}) for c in range(chains)])
        offset = nll - self.reference
        self.sum += offset
        self.squares += offset.square()
        self.log_mean = torch.logaddexp(self.log_mean, -nll)
        self.count += 1

    def result(self, kept: list[int], *, nbeta: float, n: int) -> WAIC | None:
        """V, ν and WAIC over the pooled draws of the ``kept`` chains (Watanabe 2010, eqs. 7-10)."""
        draws = self.count * len(kept)
        if not draws:
            return None
        total, squares = self.sum[kept].sum(dim=0), self.squares[kept].sum(dim=0)
        variance = float(((squares - total.square() / draws) / (draws - 1)).sum()) if draws > 1 else math.nan
        training = float((math.log(draws) - torch.logsumexp(self.log_mean[kept], dim=0)).mean())
        beta = nbeta / n
        return WAIC(functional_variance=variance, singular_fluctuation=beta * variance / 2, training_loss=training,
                    waic=training + beta * variance / n, num_draws=draws)


def _richardson(runner: ChainRunner, state, block: Block, kept: list[int], *, step: float, batch: int,
                reserve: int) -> Richardson | None:
    """The coupled ε/2 run after the draws (:meth:`ChainRunner.coupled`), its first quarter discarded."""
    steps = int(min(max(block.loss.shape[1] // 4, _CHECK_STEPS[0]), _CHECK_STEPS[1], reserve // 3))
    if steps < 8:
        return None
    coupled, first = runner.coupled(state, steps, step_size=step, batch_size=batch)
    chains = [c for c in kept if first[c] is None]
    if len(chains) < 2:
        return None
    settle = steps // 4
    difference = runner.nbeta * (coupled.coarse[chains, settle:] - coupled.fine[chains, settle:])
    se, mean = standard_error(difference, 1.0, 0.0)
    value = float(runner.nbeta * (block.loss[chains].mean() - runner.init_loss))
    return Richardson(change=mean, std_err=se, extrapolated=value - 2 * mean,
                      relative_bias=2 * mean / value if value else math.nan, steps=steps - settle)


def _moving(block: Block, kept: list[int]) -> tuple[str, ...]:
    """The recorded quantities whose trace still trends (Geweke), by name."""
    named = {"the loss": block.loss[kept], "‖w − w*‖²": block.radius2[kept]}
    return tuple(name for name, values in named.items() if values.shape[1] >= 8 and trend_test(values).moving)


def _mixing(block: Block, kept: list[int]) -> tuple[float, float]:
    """(largest R-hat, smallest ESS) over the squared projections, ‖w − w*‖² and the loss.

    The projections are squared so that chains that differ by w − w* → −(w − w*) (symmetric
    regions of a singular posterior, which give the same λ̂) do not count as disagreeing.
    """
    series = [block.projections[kept, :, k] ** 2 for k in range(block.projections.shape[2])]
    series += [block.radius2[kept], block.loss[kept]]
    rhats = [rhat(s) for s in series if s.shape[1] >= 4]
    sizes = [ess(s) for s in series if s.shape[1] >= 4]
    finite = [r for r in rhats if math.isfinite(r)]
    return (max(finite) if finite and len(kept) > 1 else math.nan,
            min((e for e in sizes if math.isfinite(e)), default=math.nan))


def _gaussian_target(spectrum, minimum: MinimumCheck | None, noise: float | None, nbeta: float,
                     localization: float) -> tuple[float | None, str]:
    """½Σ nβh/(nβh + γ) minus the offset of w*, at a regular point; else ``None`` and why not.

    Regular: every eigenvalue nβh of the data part of ∇²U(w*) is at least 10·max(γ, 1) and at
    least 5 standard errors (``noise``, from two halves of the data) above 0 — a curvature made by
    the data's noise alone (of order nβ/√n) is not a regular direction.
    """
    if minimum is None:
        return None, "checks=False"
    curvatures = np.asarray(spectrum.ritz) - localization
    floor = max(_REGULAR_MARGIN * max(localization, 1.0), 5 * (noise or 0.0))
    if curvatures.min() < floor:  # the lowest Ritz value bounds the lowest eigenvalue from above
        return None, (f"the Hessian at w* is degenerate (smallest nβ·h = {curvatures.min():.3g}, below "
                      f"{floor:.3g}: 10·max(γ, 1) and 5 standard errors of the data's noise): not a regular point")
    if not spectrum.complete:
        return None, f"the Hessian's whole spectrum is computed for d ≤ {_REGULAR_MAX_D} only"
    return float(0.5 * np.sum(curvatures / (curvatures + localization)) - minimum.drop), ""


def _interval(mean: float, std_err: float, richardson: Richardson | None, predicted: float) -> tuple[float, float]:
    """The standard error widened by the step's bias (see :func:`estimate_llc`, Notes)."""
    if not math.isfinite(mean):
        return math.nan, math.nan
    if richardson is not None:
        bias, bias_se = 2 * richardson.change, 2 * richardson.std_err
    elif math.isfinite(predicted):
        bias = mean * predicted / (1 + predicted) if math.isfinite(predicted) and predicted > -1 else 0.0
        bias_se = abs(bias) / 2
    else:
        bias, bias_se = 0.0, 0.0
    half = 1.96 * math.sqrt(std_err**2 + bias_se**2)
    low = mean - max(bias, 0.0) - half
    return (max(low, 0.0) if mean >= 0 else low), mean - min(bias, 0.0) + half


def _both(*observers) -> Callable | None:
    """One ``observe(t, params, loss)`` calling every observer given (None when there is none)."""
    present = [o for o in observers if o is not None]
    if not present:
        return None

    def observe(t: int, params: Params, loss: Tensor) -> None:
        for o in present:
            o(t, params, loss)

    return observe


def _result(block: Block, burnin_nonfinite, observer: _WAICObserver | None, recorder: _observe.Recorder | None, *,
            traces: tuple[str, ...],
            config: LLCConfig, init_loss, seed, fallback, spectrum,
            minimum, richardson, noise_trace, curvature_noise, metropolis: bool,
            stiffness: float | None) -> LLCEstimate:
    burnin, nbeta = config.num_burnin, config.nbeta
    divergences = tuple(
        Divergence(chain=c, step=burnin_step if burnin_step is not None else burnin + draw_step,
                   in_burnin=burnin_step is not None)
        for c, (burnin_step, draw_step) in enumerate(zip(burnin_nonfinite, block.first_nonfinite))
        if burnin_step is not None or draw_step is not None
    )
    excluded = tuple(div.chain for div in divergences)
    kept = [c for c in range(block.loss.shape[0]) if c not in excluded]
    draws = block.loss
    per_chain = llc_from_losses(draws, nbeta=nbeta, init_loss=init_loss)
    per_chain[list(excluded)] = math.nan
    good = draws[kept]
    if len(kept) >= 2:
        mean, std_err = float(per_chain[kept].mean()), float(per_chain[kept].std(ddof=1) / math.sqrt(len(kept)))
    elif len(kept) == 1:
        mean = float(per_chain[kept[0]])
        std_err = standard_error(good, nbeta, init_loss)[0]
    else:
        mean = std_err = math.nan
    if kept:
        chains_rhat, chains_ess, trend = rhat(good), ess(good), trend_test(good)
        projection_rhat, projection_ess = _mixing(block, kept)
        moving = _moving(block, kept)
        x = bias_index(config.step_size, block.sq_grad[kept], block.virial[kept])
    else:
        chains_rhat = chains_ess = projection_rhat = projection_ess = x = math.nan
        trend = TrendTest(z_per_chain=(), z=math.nan, p_value=math.nan, moving=False)
        moving = ()
    if metropolis:  # the Metropolis test removes the step's bias: nothing to predict
        x = math.nan
    predicted = 0.0 if metropolis else predicted_bias(x)
    accept = float(np.nanmean(block.accept[kept])) if block.accept is not None and kept else None
    noise = _noise_share(config, noise_trace, block, kept)
    gaussian, not_regular = _gaussian_target(spectrum, minimum, curvature_noise, nbeta, config.localization)
    interval = _interval(mean, std_err, richardson, predicted)
    checks: list[Check] = [
        _trust.divergence_check(len(divergences), config.num_chains),
        _trust.sign_check(mean, std_err),
        _trust.bound_check(mean, std_err, interval[0], config.num_sampled, predicted),
        _trust.minimum_check(minimum, mean),
        _trust.bias_check(predicted, richardson) if not metropolis else
        Check("discretisation", "ok", 0.0, "Metropolis-corrected: the step size does not bias the estimate"),
        _trust.noise_check(noise, config.batch_size, config.advised_batch_size),
        _trust.mixing_check(projection_rhat, projection_ess, moving, stiffness),
        _trust.regular_check(gaussian, not_regular, mean, std_err, predicted),
        _trust.precision_check(mean, std_err, config.num_draws_source),
    ]
    acceptance = _trust.acceptance_check(accept)
    if acceptance is not None:
        checks.append(acceptance)
    trust = _trust.verdict(checks)
    if trust.verdict != "ok":
        warnings.warn(f"LLC estimate {mean:.4g} is {trust.verdict}: " + "; ".join(trust.reasons), LLCWarning,
                      stacklevel=3)
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
            acceptance_source=None if accept is None else "Metropolis acceptance rate (the sampler's own test)",
            divergences=divergences,
            excluded_chains=excluded,
            not_local_minimum=bool(kept) and mean < 0,
            fallback_reason=fallback,
            warnings=trust.reasons,
            trust=trust,
            projection_rhat=projection_rhat,
            projection_ess=projection_ess,
            bias_index=x,
            predicted_bias=predicted,
            noise_share=noise,
            richardson=richardson,
            minimum=minimum,
            gaussian_target=gaussian,
        ),
        waic=observer.result(kept, nbeta=nbeta, n=config.n) if observer is not None and kept else None,
        interval=interval,
        traces={name: np.sqrt({"distance": block.radius2, "gradient_norm": block.sq_grad,
                               "noise_norm": block.noise2}[name]) for name in traces},
        observables=recorder.result(kept, verdict=trust.verdict, reasons=trust.reasons) if recorder else None,
    )


def _noise_share(config: LLCConfig, noise_trace: float, block: Block, kept: list[int]) -> float:
    """(ε/4)·nβ²·tr(GC)·(1/B − 1/n) / E[(w − w*)·nβ∇L_B]: the minibatch noise's part of the bias index
    (``noise_trace`` already weighed by the sampler's ``noise_gain``)."""
    if config.batch_size is None or not math.isfinite(noise_trace) or not kept:
        return math.nan
    virial = float(np.nanmean(block.virial[kept]))
    if virial <= 0:
        return math.nan
    noise = config.nbeta**2 * noise_trace * (1 / config.batch_size - 1 / config.n)
    return config.step_size / 4 * noise / virial


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
    λ − (m − 1)/log nβ (docs/conventions.md#the-finite-temperature-target), so a slope well away from 0 says the temperature matters.

    Examples
    --------
    >>> import functools, torch
    >>> gen = torch.Generator().manual_seed(0)
    >>> x = torch.randn(500, 1, generator=gen); y = x[:, 0] + torch.randn(500, generator=gen)
    >>> model = torch.nn.Linear(1, 1, bias=False)
    >>> with torch.no_grad():
    ...     _ = model.weight.fill_(float((x[:, 0] @ y) / (x[:, 0] @ x[:, 0])))
    >>> run = functools.partial(estimate_llc, model, (x, y), step_size=1e-3, num_draws=2000, batch_size=500,
    ...                         checks=False)
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

    At finite nβ the estimator aims at λ(nβ, γ) ≈ λ − (m − 1)/log nβ (docs/conventions.md#the-finite-temperature-target; the free energy's
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
