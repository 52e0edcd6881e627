"""The local learning coefficient of a trained module: :func:`estimate_llc`, the driver that runs the
chains and assembles their result (:mod:`estimators.results`) with its checks."""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import torch
from torch import Tensor
from tqdm.auto import tqdm

from . import trust as _trust
from ._chains import full_data_loss, per_sample_nll
from ._data import Data, read_data
from ._objective import Objective, PairLoss, check_objective, loss_name, pair_keys
from ._probe import Probe
from ._run import Block, ChainRunner
from ._selection import select
from ._settings import auto_or, check_count, check_device, check_positive
from ._params import Params
from . import _observe
from .curvature import MinimumCheck, unflatten
from .diagnostics import TrendTest, ess, llc_from_losses, rhat, trend_test
from .errors import BadData, BadSetting, LLCWarning
from .losses import cross_entropy_nll, default_nbeta, gaussian_nll
from .observables import Observable
from .results import WAIC, Diagnostics, Divergence, LLCConfig, LLCEstimate, Richardson
from .samplers import Sampler, sampler_from_name
from .trust import Check
from .tuning import TARGET_BIAS_INDEX, bias_index, draw, predicted_bias, standard_error, tune

__all__ = ["estimate_llc"]

TRACES = ("distance", "gradient_norm", "noise_norm")
"""The optional per-draw traces of :func:`estimate_llc` (``traces=``)."""

_WAIC_DRAWS = 100
_LANCZOS_STEPS = 20
_REGULAR_MAX_D = 200
_REGULAR_MARGIN = 10.0
_CHECK_STEPS = (25, 300)
_MAX_DRAW_RETRIES = 2
_CHAIN_BATCH_FLOATS = 2**20  # chains × sampled parameters of one vectorized step, with chain_batch="auto"


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
        chains' generators live on the device they run on), given the same w* to the last bit:
        ``torch.linalg.lstsq``'s default CPU driver ``gelsy`` is not (it reads an uninitialised
        pivot array, so its last digits change from run to run); ``driver="gelsd"`` is.
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
    ...     _ = net.weight.copy_(torch.linalg.lstsq(x, y[:, None], driver="gelsd").solution.T)
    >>> est = estimate_llc(net, (x, y), seed=1)
    >>> est.verdict, abs(est.mean - 1.0) < 0.15   # regular, d = 2: λ = 1
    ('ok', True)
    """
    sampler = sampler_from_name(sampler)
    given_step = auto_or("step_size", step_size, check_positive)
    given_draws = auto_or("num_draws", num_draws, lambda name, v: check_count(name, v, 4))
    given_burnin = auto_or("num_burnin", num_burnin, lambda name, v: check_count(name, v, 0))
    localization = check_positive("localization", localization, allow_zero=True)
    num_chains = check_count("num_chains", num_chains, 1)
    given_chain_batch = auto_or("chain_batch", chain_batch, lambda name, v: check_count(name, v, 1))
    if given_chain_batch is not None and given_chain_batch > num_chains:
        raise BadSetting("chain_batch", given_chain_batch, f"must be at most num_chains = {num_chains}")
    max_steps = check_count("max_steps", max_steps, 100)
    target_rse = check_positive("target_rse", target_rse)
    seed = check_count("seed", seed, 0)
    if batch_size is not None:
        batch_size = check_count("batch_size", batch_size, 1)
    if nbeta is not None:
        nbeta = check_positive("nbeta", nbeta)
    if not isinstance(model, torch.nn.Module):
        raise BadSetting("model", type(model).__name__, "must be a torch.nn.Module")
    if loss_fn is not None and batch_loss is not None:
        raise BadSetting("batch_loss", batch_loss, "and loss_fn are two forms of the loss: pass one of them")
    unknown = sorted(set(traces) - set(TRACES)) if not isinstance(traces, str) else [traces]
    if unknown:
        raise BadSetting("traces", traces, f"must be a list of names among {TRACES}")
    device = check_device(device, model)
    dtype, dtype_source = _compute_dtype(model)
    selection = select(model, weights, dtype, device)
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
        probe = Probe(objective, center, data, nbeta=nbeta, localization=localization, seed=seed)
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
