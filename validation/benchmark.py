"""The ground-truth benchmark: any LLC estimator against exact cases, with the error split in three.

:func:`run_benchmark` runs an estimator on every (case, seed), compares each estimate λ̂ with the
exact λ of the case, with the estimator's own finite-temperature target λ(nβ, γ) (docs/conventions.md#the-finite-temperature-target,
population K, by quadrature for d <= 3) and with the same target on the very dataset the estimate
saw, λ_n(nβ, γ) (L_n in place of K), and collects the rows in a :class:`BenchmarkReport`:

- **signed relative error** (λ̂ − λ)/λ, split into
- **sampler error** (λ̂ − λ_n(nβ, γ))/λ: is the sampler right about the posterior it was given?
- **data noise** (λ_n(nβ, γ) − λ(nβ, γ))/λ: the dataset's noise moves the minimum of L_n off w*
  (an exact sampler sees it too), and
- **estimator bias** (λ(nβ, γ) − λ)/λ: is the temperature right?  The three add up to the total.

Where λ_n has no closed route the sampler error is taken against λ(nβ, γ) (and the data noise is
left empty).  λ_n comes from quadrature of the empirical loss for d <= 3 models polynomial in the
inputs, else from a long full-batch MALA run on the dataset; λ(nβ, γ) for d > 3 from a long MALA
run on the noise-free population loss (:func:`reference_target`), when ``reference_draws`` is set.
Our estimators' rows also carry the verdict, its reasons and the interval of each estimate.

Rows are appended to ``rows.jsonl`` in the output folder as they finish; a re-run with the same
folder skips every (estimator, case, seed, n) already there, so a killed run loses nothing.
"""

from __future__ import annotations

import functools
import json
import math
import numbers
import pathlib
import reprlib
import time
import warnings
from dataclasses import dataclass, field
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor

import numpy as np
import torch
from scipy import stats

from estimators import BadSetting, LLCEstimate, LLCWarning, default_nbeta, estimate_llc, extrapolate_llc
from estimators.rowlog import RowLog, exclusive, fill_rows

from .cases import Case, Problem, case, suite
from .quadrature import dataset_target_llc, target_llc

__all__ = [
    "DEFAULT_ESTIMATORS", "SUITE_SETTINGS", "BenchmarkReport", "Estimator", "Extrapolation", "dataset_reference",
    "reference_target", "run_benchmark", "summarize",
]

_MAX_QUADRATURE_D = 3
_TRACE_POINTS = 200
SILENT_FAILURE = 0.3
"""A row further than this (relative to λ) from its target with an "ok" verdict is a silent failure."""
NEAR_TARGET = 0.25


@dataclass(frozen=True)
class Estimator:
    """One of our samplers with its settings (``"auto"`` ones chosen per estimate), as a benchmark estimator.

    Calling it on a :class:`~validation.cases.Problem` runs :func:`estimators.estimate_llc`.

    Examples
    --------
    >>> Estimator("rmsprop_sgld").name
    'rmsprop_sgld(auto, localization=1, nbeta=n/log n, chains=4, max_steps=5000)'
    >>> Estimator("sgld", step_size=3e-4, num_draws=600, num_burnin=100, batch_size=256).name
    'sgld(step_size=0.0003, localization=1, nbeta=n/log n, chains=4, draws=600, burnin=100, batch=256)'
    """

    sampler: str = "sgld"
    step_size: float | str = "auto"
    localization: float = 1.0
    nbeta: float | None = None
    num_chains: int = 4
    num_draws: int | str = "auto"
    num_burnin: int | str = "auto"
    batch_size: int | None = None
    control_variate: bool = True
    max_steps: int = 5000
    target_rse: float = 0.05
    extrapolate: tuple[float, ...] | None = None

    @property
    def automatic(self) -> bool:
        return "auto" in (self.step_size, self.num_draws, self.num_burnin)

    @property
    def name(self) -> str:
        nbeta = "n/log n" if self.nbeta is None else f"{self.nbeta:g}"
        if self.step_size == "auto" and self.num_draws == "auto" and self.num_burnin == "auto":
            head = f"{self.sampler}(auto, localization={self.localization:g}, nbeta={nbeta}, chains={self.num_chains}"
            tail = f", max_steps={self.max_steps}" + ("" if self.batch_size is None else f", batch={self.batch_size}")
        else:
            step = self.step_size if isinstance(self.step_size, str) else f"{self.step_size:g}"
            head = (f"{self.sampler}(step_size={step}, localization={self.localization:g}, nbeta={nbeta}, "
                    f"chains={self.num_chains}")
            tail = (f", draws={self.num_draws}, burnin={self.num_burnin}, batch={self.batch_size or 'auto'}"
                    + (f", max_steps={self.max_steps}" if self.automatic else ""))
        tail += "" if self.control_variate else ", plain minibatch losses"
        tail += "" if self.extrapolate is None else f", extrapolated over nβ × {list(self.extrapolate)}"
        return head + tail + ")"

    def estimate(self, problem: Problem, nbeta: float, step_size: float | str | None = None, *,
                 observables: dict | None = None) -> LLCEstimate:
        """One :func:`~estimators.estimate_llc` on ``problem`` at ``nbeta`` with these settings
        (``step_size`` in place of the estimator's when given), evaluating ``observables`` at the draws."""
        return estimate_llc(
            problem.module, problem.data, loss_fn=problem.loss_fn,
            step_size=self.step_size if step_size is None else step_size, sampler=self.sampler,
            nbeta=nbeta, localization=self.localization, num_chains=self.num_chains, num_draws=self.num_draws,
            num_burnin=self.num_burnin, batch_size=self.batch_size, control_variate=self.control_variate,
            max_steps=self.max_steps, target_rse=self.target_rse, seed=problem.seed, observables=observables,
        )

    def __call__(self, problem: Problem) -> LLCEstimate | Extrapolation:
        base = self.nbeta if self.nbeta is not None else default_nbeta(problem.n)
        if self.extrapolate is None:
            return self.estimate(problem, base)
        # a given ε·nβ is held fixed, so the discretisation bias does not change along the sweep
        nbetas = tuple(base * f for f in self.extrapolate)
        estimates = tuple(self.estimate(problem, nb, self.step_size if self.step_size == "auto"
                                         else self.step_size * base / nb) for nb in nbetas)
        mean, std_err = extrapolate_llc(nbetas, [e.mean for e in estimates], [e.std_err for e in estimates])
        return Extrapolation(mean, std_err, nbetas, self.localization, estimates)


@dataclass(frozen=True)
class Extrapolation:
    """A temperature-extrapolated estimate (:func:`estimators.extrapolate_llc`) and its sweep."""

    mean: float
    std_err: float
    nbetas: tuple[float, ...]
    localization: float
    estimates: tuple[LLCEstimate, ...]


DEFAULT_ESTIMATORS = {
    "sgld": Estimator("sgld"),
    "rmsprop_sgld": Estimator("rmsprop_sgld"),
    "sghmc": Estimator("sghmc"),
    "mala": Estimator("mala"),
    "sgld_extrapolated": Estimator("sgld", extrapolate=(0.5, 1.0, 2.0)),
    "sgld_plain": Estimator("sgld", control_variate=False),
    "sgld_fixed": Estimator("sgld", step_size=3e-4, num_draws=600, num_burnin=100, batch_size=256),
    "rmsprop_sgld_fixed": Estimator("rmsprop_sgld", step_size=1e-3, num_draws=600, num_burnin=100, batch_size=256),
}
"""The benchmark's estimators (``singular bench --sampler``): automatic settings (step size,
batch size, burn-in and draws chosen per estimate, within ``max_steps``), 4 chains, γ = 1,
nβ = n/log n, the same-batch control variate (``sgld_plain``: without it).  ``sgld_fixed`` and
``rmsprop_sgld_fixed`` are the fixed settings used before the automatic ones (600 draws after 100,
batch 256, ε = 3e-4 and 1e-3), kept for comparison."""

SUITE_SETTINGS = {"quick": {"n": 2000, "seeds": 1, "max_steps": 1200},
                  "full": {"n": 10_000, "seeds": 1, "max_steps": 5000}}
"""Defaults of ``singular bench`` per suite: the quick suite runs in about 3 minutes on 2 cores."""


def _estimator_name(estimator: Callable) -> str:
    name = getattr(estimator, "name", None)
    if isinstance(name, str):
        return name
    return getattr(estimator, "__name__", None) or repr(estimator)


def _call(estimator: Callable, problem: Problem):
    """Our :class:`Estimator` takes the problem; any other callable takes (model, data, w*)."""
    if isinstance(estimator, Estimator):
        return estimator(problem)
    return estimator(problem.module, problem.data, problem.w_star)


@functools.lru_cache(maxsize=256)
def _target(name: str, nbeta: float, localization: float) -> float:
    return target_llc(case(name).model, nbeta, localization)


@functools.lru_cache(maxsize=256)
def _dataset_target(name: str, n: int, seed: int, nbeta: float, localization: float) -> float:
    """λ_n(nβ, γ) of the dataset ``case(name).build(n, seed=seed)`` by quadrature (every estimator's rows share it)."""
    x, y = (t.detach().cpu().numpy() for t in case(name).build(n, seed=seed).data)
    return dataset_target_llc(case(name).model, x, y, nbeta, localization)


def _quiet_mala(module, data, *, loss_fn, nbeta, localization, seed, max_steps) -> LLCEstimate:
    """A reference run: full-batch MALA, automatic step (acceptance 0.574) and draws (s.e. 1%)."""
    with warnings.catch_warnings():  # a reference run's verdict is recorded in the row, not warned about
        warnings.simplefilter("ignore", LLCWarning)
        return estimate_llc(module, data, loss_fn=loss_fn, sampler="mala", nbeta=nbeta, localization=localization,
                            target_rse=0.01, max_steps=max_steps, checks=False, seed=seed)


@functools.lru_cache(maxsize=256)
def reference_target(name: str, nbeta: float, localization: float, *, draws: int = 2000, inputs: int = 20_000,
                     seed: int = 0) -> tuple[float, float]:
    """λ(nβ, γ) for any case by a long full-batch MALA run on the population loss: (value, s.e.).

    The population K(w) = E_x[(f(x, w) − f(x, w*))²]/2 is replaced by its average over ``inputs``
    draws of x with *noise-free* outputs y = f(x, w*), so the loss is K up to a constant and an
    O(inputs^−1/2) relative error in the moments, with no noise term pulling the chains away
    from w*.  MALA's step is adapted to an acceptance rate of 0.574, and it draws until the
    standard error is 1% of the value or ``draws`` steps per chain are spent.  Used where
    quadrature is not (d > 3).

    Examples
    --------
    >>> value, se = reference_target("regular-1", 100.0, 1.0, draws=600, inputs=2000)
    >>> abs(value - 100 / 2 / 101) < 5 * se + 0.02  # exact: t·(d/2)/(t + γ)
    True
    """
    problem = case(name).build(inputs, seed=seed)
    x = problem.data[0]
    with torch.no_grad():
        y = problem.module(x)
    run = _quiet_mala(problem.module, (x, y), loss_fn=problem.loss_fn, nbeta=nbeta, localization=localization,
                      seed=seed, max_steps=draws)
    return run.mean, run.std_err


@functools.lru_cache(maxsize=256)
def dataset_reference(name: str, n: int, seed: int, nbeta: float, localization: float, *,
                      draws: int = 2000) -> tuple[float, float, str]:
    """λ_n(nβ, γ) on the dataset of ``case(name).build(n, seed=seed)`` by a long full-batch MALA run:
    (value, s.e., the run's verdict).  For cases with no quadrature of the empirical loss.

    Examples
    --------
    >>> value, se, verdict = dataset_reference("regular-1", 500, 0, 100.0, 1.0, draws=600)
    >>> 0.3 < value < 0.7 and se < 0.05
    True
    """
    problem = case(name).build(n, seed=seed)
    run = _quiet_mala(problem.module, problem.data, loss_fn=problem.loss_fn, nbeta=nbeta, localization=localization,
                      seed=seed, max_steps=draws)
    return run.mean, run.std_err, run.verdict


def _finite(value) -> float | None:
    return float(value) if value is not None and math.isfinite(float(value)) else None


def _number(value) -> float | None:
    """``value`` as a float when it is one real number (a Python or numpy int or float, not a bool, or a
    0-d real array or tensor), else None."""
    if isinstance(value, torch.Tensor):
        real = value.ndim == 0 and not value.dtype.is_complex and value.dtype != torch.bool
        value = value.detach()
    elif isinstance(value, (np.ndarray, np.generic)):
        real = value.ndim == 0 and value.dtype.kind in "iuf"
    else:
        real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    return float(value) if real else None


def _mean_and_std_err(result) -> tuple[float, float | None] | None:
    """(λ̂, s.e.) of what a plain estimator returned: a number, or an object whose ``mean`` (and
    ``std_err``, when it has one) are numbers; None for anything else."""
    value = _number(result)
    if value is not None:
        return value, None
    mean, std_err = _number(getattr(result, "mean", None)), getattr(result, "std_err", None)
    if mean is None or (std_err is not None and _number(std_err) is None):
        return None
    return mean, _number(std_err)


def _unusable(name: str, result) -> str:
    """The status of a row whose estimator returned something that is not an estimate."""
    shape = getattr(result, "shape", None)
    what = f"a {type(result).__name__}" + ("" if shape is None else f" of shape {tuple(shape)}")
    what += f" ({reprlib.repr(result)})"
    fields = [f".{a} is {reprlib.repr(getattr(result, a))}" for a in ("mean", "std_err")
              if getattr(result, a, None) is not None and not callable(getattr(result, a))]
    what += f" whose {', '.join(fields)}" if fields else ""
    return (f"error: estimator {name} returned {what}, not an estimate: return a float, a numpy scalar, a 0-d array "
            "or tensor, an LLCEstimate, or an object whose .mean (and .std_err) are such numbers")


def _targets(row: dict, c: Case, problem: Problem, reference_draws: int) -> None:
    """Fill the population target λ(nβ, γ) and the dataset target λ_n(nβ, γ) of a row, with their routes."""
    nbeta, gamma = float(row["nbeta"]), float(row["localization"])
    if c.d <= _MAX_QUADRATURE_D:
        row["target"], row["target_route"] = _target(c.name, nbeta, gamma), "quadrature"
    elif reference_draws:
        row["target"], row["target_std_err"] = reference_target(c.name, nbeta, gamma, draws=reference_draws)
        row["target_route"] = f"MALA on the noise-free population loss (≤ {reference_draws} steps × 4 chains)"
    try:
        row["dataset_target"] = _dataset_target(c.name, problem.n, problem.seed, nbeta, gamma)
        row["dataset_target_route"] = "quadrature of L_n"
    except ValueError:
        if reference_draws:
            value, se, verdict = dataset_reference(c.name, problem.n, problem.seed, nbeta, gamma, draws=reference_draws)
            row.update(dataset_target=_finite(value), dataset_target_std_err=_finite(se),
                       dataset_target_route=f"MALA on the dataset (≤ {reference_draws} steps × 4 chains; {verdict})")


def _row(est_name: str, c: Case, problem: Problem, result, seconds: float, caught: list[str],
         reference_draws: int) -> dict:
    row = {
        "estimator": est_name, "case": c.name, "family": c.family, "d": c.d, "lam": str(c.lam), "m": c.m,
        "seed": problem.seed, "n": problem.n, "seconds": seconds, "warnings": caught,
        "estimate": None, "std_err": None, "interval": None, "verdict": None, "reasons": None, "rhat": None,
        "divergences": None, "nbeta": None, "localization": None, "step_size": None, "batch_size": None,
        "steps": None, "target": None, "target_route": None, "dataset_target": None, "dataset_target_route": None,
        "trace": None, "status": "ok",
    }
    if isinstance(result, Exception):
        row["status"] = f"error: {type(result).__name__}: {result}"
        return row
    if isinstance(result, LLCEstimate):
        d, config = result.diagnostics, result.config
        row.update(estimate=_finite(result.mean), std_err=_finite(result.std_err),
                   interval=[_finite(v) for v in result.interval], verdict=result.verdict,
                   reasons=list(d.trust.reasons), rhat=_finite(d.projection_rhat), divergences=len(d.divergences),
                   nbeta=result.nbeta, localization=config.localization, step_size=config.step_size,
                   batch_size=config.batch_size, steps=config.num_burnin + config.num_draws)
        losses = np.asarray(result.losses, dtype=float)
        if losses.size:
            step = max(1, losses.shape[1] // _TRACE_POINTS)
            row["trace"] = [[_finite(v) for v in chain[::step]] for chain in losses]
            row["init_loss"] = _finite(result.init_loss)
    elif isinstance(result, Extrapolation):
        row.update(estimate=_finite(result.mean), std_err=_finite(result.std_err), localization=result.localization,
                   rhat=max(e.diagnostics.projection_rhat for e in result.estimates),
                   divergences=sum(len(e.diagnostics.divergences) for e in result.estimates),
                   verdict=max((e.verdict for e in result.estimates), key=("ok", "doubtful", "unreliable").index),
                   reasons=[r for e in result.estimates for r in e.diagnostics.trust.reasons])
        if c.d <= _MAX_QUADRATURE_D:
            targets = [_target(c.name, nb, result.localization) for nb in result.nbetas]
            row["target"] = extrapolate_llc(result.nbetas, targets)[0]
            row["target_route"] = "quadrature, extrapolated"
    elif (plain := _mean_and_std_err(result)) is not None:
        row.update(estimate=_finite(plain[0]), std_err=_finite(plain[1]))
    else:
        row["status"] = _unusable(est_name, result)
        return row
    if row["estimate"] is None:
        row["status"] = "nan"
    if row["nbeta"] is not None and row["localization"]:
        _targets(row, c, problem, reference_draws)
    return row


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _chosen_estimators(estimator, out) -> list[Callable]:
    """The estimators of a run, each callable and with a label of its own (not a lambda's, with ``out``)."""
    chosen = list(estimator) if isinstance(estimator, (list, tuple)) else [estimator]
    if not chosen or not all(callable(e) for e in chosen):
        raise BadSetting("estimator", estimator, "must be a callable (model, data, w_star) -> estimate, an Estimator, "
                                                 "or a non-empty list of them")
    names = [_estimator_name(e) for e in chosen]
    shared = sorted({name for name in names if names.count(name) > 1})
    if shared:
        raise BadSetting("estimator", estimator, f"labels two estimators {shared[0]!r}, so their rows would mix: "
                                                 "give each its own name (a def, or a name attribute)")
    if out is not None and "<lambda>" in names:
        raise BadSetting("estimator", estimator, f"includes a lambda, whose rows in out={str(out)!r} any other lambda "
                                                 "would take for its own on a re-run: define it with def, or give it "
                                                 "a name attribute")
    return chosen


def _chosen_cases(cases) -> list[Case]:
    if isinstance(cases, str):
        if cases not in ("quick", "full"):
            raise BadSetting("cases", cases, "is not a suite ('quick' or 'full'); for one case pass a list, "
                                             f"cases=[{cases!r}]")
        cases = suite(cases)
    if cases is None or not isinstance(cases, Iterable):
        raise BadSetting("cases", cases, "must be 'quick', 'full', or a list of cases or case names")
    chosen = [c if isinstance(c, Case) else case(c) for c in cases]
    if not chosen:
        raise BadSetting("cases", cases, "is empty: give at least one case, or a suite ('quick' or 'full')")
    return chosen


def _chosen_seeds(seeds) -> list[int]:
    chosen = list(seeds) if isinstance(seeds, Iterable) else []
    if not chosen or not all(_is_int(s) and s >= 0 for s in chosen):
        raise BadSetting("seeds", seeds, "must be a non-empty list of integers >= 0, e.g. seeds=(0,) or range(3)")
    return [int(s) for s in chosen]


def _key(row: dict) -> tuple:
    return (row["estimator"], row["case"], row["seed"], row["n"])


def run_benchmark(
    estimator: Callable | Sequence[Callable] = Estimator(),
    cases: str | Iterable[Case | str] = "quick",
    *,
    seeds: Sequence[int] = (0,),
    n: int = 10_000,
    out: str | pathlib.Path | None = None,
    progress: bool = False,
    reference_draws: int = 0,
    executor: Executor | None = None,
) -> BenchmarkReport:
    """Run estimators on cases and seeds; return the report (and keep ``out/rows.jsonl`` up to date).

    Parameters
    ----------
    estimator : Estimator, callable, or a sequence of them
        An :class:`Estimator` (our samplers), or any callable ``(model, data, w_star)`` returning a
        number (a float or int, a numpy scalar, a 0-d array or tensor), an
        :class:`~estimators.LLCEstimate`, or an object whose ``mean`` (and ``std_err``) are such
        numbers; anything else makes that row an error that names the estimator and what it
        returned.  Its ``name`` attribute, else its qualified name, labels the rows, so two
        estimators must not share a label; with ``out`` a lambda is refused, since any other
        lambda would find its rows there.
    cases : "quick", "full", or a list of cases or case names
        A suite (default: the quick suite :data:`~validation.cases.QUICK`) or the cases to run;
        one case is a list of one, ``["nc-w"]``.
    seeds : ints
        One dataset (and one estimator seed) per seed, each an integer >= 0.
    n : int
        The dataset size, >= 1.
    out : path, optional
        A folder: rows are appended to ``out/rows.jsonl`` as they finish, and rows already there
        are not recomputed.  A run holds ``out/rows.jsonl.lock`` while it writes, so a second run
        into the same folder is refused (:func:`estimators.rowlog.exclusive`; a lock left by a
        killed run on this host is taken over).
    progress : bool
        A tqdm bar over the runs.
    reference_draws : int
        The budget (steps per chain) of the MALA reference runs: the population target of cases
        with d > 3 (:func:`reference_target`) and the dataset target of cases whose empirical loss
        has no quadrature (:func:`dataset_reference`); 0 leaves those targets empty.
    executor : concurrent.futures.Executor, optional
        Where the rows are computed, one task per (estimator, case, seed): a Dask
        ``Client.get_executor()``, a ``ProcessPoolExecutor``… (default: one after another in this
        process).  Each row runs with one torch thread, so the rows are the same whatever the
        executor and its number of workers; this process alone writes ``out``
        (:func:`estimators.rowlog.fill_rows`).  The estimators and
        cases must then be picklable: an :class:`Estimator` and catalog cases are, a plain
        estimator must be a module-level function for a ``ProcessPoolExecutor`` (Dask also
        takes a lambda).

    Raises
    ------
    BadSetting
        An argument that names no estimator, case or seed (``None``, an empty list, a lambda
        with ``out``, two estimators with one label), or an ``n`` or ``reference_draws`` that is
        not a count; ``out`` in use by another run.

    Examples
    --------
    >>> report = run_benchmark(lambda model, data, w: 0.5, ["nc-w", "regular-2"], n=100)
    >>> [round(r["rel_error"], 3) for r in report.rows]
    [0.0, -0.5]
    """
    estimators_ = _chosen_estimators(estimator, out)
    chosen, seeds = _chosen_cases(cases), _chosen_seeds(seeds)
    if not _is_int(n) or n < 1:
        raise BadSetting("n", n, "must be a positive integer number of samples")
    if not _is_int(reference_draws) or reference_draws < 0:
        raise BadSetting("reference_draws", reference_draws, "must be an integer >= 0 (0: no reference runs)")
    n = int(n)
    path = None if out is None else pathlib.Path(out) / "rows.jsonl"
    tasks = [((name, c.name, seed, n), _run, (est, name, c, n, seed, reference_draws))
             for est, name in zip(estimators_, map(_estimator_name, estimators_)) for c in chosen for seed in seeds]
    with exclusive(path):
        rows = fill_rows(RowLog(path, key=_key), tasks, executor=executor, progress=progress, desc="bench")
    return BenchmarkReport([_with_errors(r) for r in rows])


def _run(est: Callable, name: str, c: Case, n: int, seed: int, reference_draws: int) -> dict:
    """One row: the estimator on the case's dataset of ``n`` samples drawn with ``seed``, timed, its
    warnings kept, its failure a row too (a task of :func:`~estimators.rowlog.fill_rows`)."""
    problem = c.build(n, seed=seed)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = _call(est, problem)
        except Exception as exc:  # any estimator's failure is a row, not the end of the run
            result = exc
    return _row(name, c, problem, result, time.perf_counter() - start, [str(w.message) for w in caught],
                reference_draws)


def _with_errors(row: dict) -> dict:
    """Add the derived columns: relative error, z-score, sampler error, data noise, estimator bias, coverage."""
    row = dict(row)
    lam = _float(row["lam"])
    est, se, target, dataset = row["estimate"], row["std_err"], row["target"], row.get("dataset_target")
    reference = dataset if dataset is not None else target
    row["rel_error"] = (est - lam) / lam if est is not None else None
    row["z"] = (est - lam) / se if est is not None and se else None
    row["sampler_error"] = (est - reference) / lam if est is not None and reference is not None else None
    row["population_sampler_error"] = (est - target) / lam if est is not None and target is not None else None
    row["data_noise"] = (dataset - target) / lam if dataset is not None and target is not None else None
    row["estimator_bias"] = (target - lam) / lam if target is not None else None
    interval = row.get("interval")
    for name, value in (("covers_target", target), ("covers_dataset_target", dataset)):
        row[name] = (interval[0] <= value <= interval[1]) if interval and None not in interval and value is not None \
            else None
    return row


def _silent(rows: Sequence[dict], column: str) -> int:
    return sum(1 for r in rows if r.get(column) is not None and abs(r[column]) > SILENT_FAILURE
               and r.get("verdict") == "ok")


def summarize(rows: Sequence[dict]) -> dict:
    """The summary of one estimator's rows (see :class:`BenchmarkReport`).

    Examples
    --------
    >>> rows = [dict(lam="1/2", estimate=0.4, std_err=0.1, rel_error=-0.2, seconds=1.0, status="ok",
    ...              sampler_error=None, population_sampler_error=None, data_noise=None, estimator_bias=None)]
    >>> summarize(rows)["coverage"]
    1.0
    """
    ok = [r for r in rows if r["estimate"] is not None]
    rel = np.array([r["rel_error"] for r in ok], dtype=float)
    covered = [abs(r["estimate"] - _float(r["lam"])) <= 1.96 * r["std_err"] for r in ok if r["std_err"]]

    def quartiles(values):
        values = np.array([v for v in values if v is not None], dtype=float)
        if values.size == 0:
            return None, None, None
        q1, med, q3 = np.percentile(values, [25, 50, 75])
        return float(med), float(q1), float(q3)

    def absolute_median(column):
        values = np.array([abs(r[column]) for r in ok if r.get(column) is not None], dtype=float)
        return float(np.median(values)) if values.size else None

    def share(column, limit):
        values = [abs(r[column]) <= limit for r in ok if r.get(column) is not None]
        return float(np.mean(values)) if values else None

    def rate(column):
        values = [r[column] for r in ok if r.get(column) is not None]
        return float(np.mean(values)) if values else None

    median, q1, q3 = quartiles(rel)
    lams = [_float(r["lam"]) for r in ok]
    rho = None
    if len(set(lams)) > 1 and len({r["estimate"] for r in ok}) > 1 and len(ok) > 2:
        rho = float(stats.spearmanr(lams, [r["estimate"] for r in ok]).statistic)
    verdicts = {v: sum(1 for r in rows if r.get("verdict") == v) for v in ("ok", "doubtful", "unreliable")}
    return {
        "runs": len(rows),
        "median_rel_error": median,
        "iqr_rel_error": (q1, q3),
        "median_abs_rel_error": float(np.median(np.abs(rel))) if rel.size else None,
        "within_10": float(np.mean(np.abs(rel) <= 0.1)) if rel.size else None,
        "within_20": float(np.mean(np.abs(rel) <= 0.2)) if rel.size else None,
        "coverage": float(np.mean(covered)) if covered else None,
        "spearman": rho,
        "nan_rate": 1 - len(ok) / len(rows) if rows else None,
        "seconds": float(sum(r["seconds"] for r in rows)),
        "seconds_per_run": float(np.mean([r["seconds"] for r in rows])) if rows else None,
        "median_sampler_error": quartiles(r.get("sampler_error") for r in ok)[0],
        "median_abs_sampler_error": absolute_median("sampler_error"),
        "median_abs_population_sampler_error": absolute_median("population_sampler_error"),
        "median_data_noise": quartiles(r.get("data_noise") for r in ok)[0],
        "median_estimator_bias": quartiles(r.get("estimator_bias") for r in ok)[0],
        "near_target": share("sampler_error", NEAR_TARGET),
        "near_population_target": share("population_sampler_error", NEAR_TARGET),
        "interval_coverage": rate("covers_dataset_target"),
        "interval_coverage_population": rate("covers_target"),
        "verdicts": verdicts if any(verdicts.values()) else None,
        "silent_failures": _silent(ok, "sampler_error"),
        "silent_failures_population": _silent(ok, "population_sampler_error"),
    }


def _float(text: str) -> float:
    num, _, den = text.partition("/")
    return float(num) / float(den or 1)


_LEGEND = """\
Columns: λ̂ ± s.e. (between chains) and the interval that adds the step's measured bias; rel. error
(λ̂ − λ)/λ against the exact λ; z = (λ̂ − λ)/s.e.; λ(nβ,γ) the estimator's finite-temperature target
with the population loss K, λ_n(nβ,γ) the same on this dataset (L_n in place of K); sampler err.
(λ̂ − λ_n(nβ,γ))/λ (against λ(nβ,γ) where λ_n is missing), data noise (λ_n − λ(nβ,γ))/λ and
estimator bias (λ(nβ,γ) − λ)/λ, which add up to the rel. error; R̂ the largest split-R̂ of the
parameters' squared projections, ‖w − w*‖² and the loss; ε, B and steps the step size, batch
size (– for full batch) and burn-in + draws per chain; div. the chains that diverged; the verdict
and the checks that are not ok."""


@dataclass
class BenchmarkReport:
    """Rows (one per estimator, case and seed) and a summary per estimator.

    Per row: ``case, family, d, lam, m, seed, n, estimate, std_err, interval, verdict, reasons,
    rel_error`` (signed, against λ), ``z`` ((λ̂ − λ)/s.e.), ``rhat``, ``seconds``, ``divergences``,
    ``step_size, batch_size, steps``, ``target`` (λ(nβ, γ)), ``dataset_target`` (λ_n(nβ, γ)),
    ``sampler_error``, ``population_sampler_error``, ``data_noise``, ``estimator_bias``,
    ``covers_target``, ``covers_dataset_target``, ``status`` and a thinned loss ``trace``.
    Per estimator (:func:`summarize`): median and IQR of the signed relative error, the median
    absolute relative error, coverage (share of runs whose λ̂ ± 1.96 s.e. contains λ), Spearman ρ
    between λ and λ̂, NaN rate, seconds, the medians of the error's parts, the median |sampler
    error| (against λ_n and against λ(nβ, γ)), the shares of rows within ±25% of each target, the
    intervals' coverage of each target, the verdict counts, and the silent failures (rows more than
    30% from the target with an "ok" verdict).
    """

    rows: list[dict]
    summaries: dict[str, dict] = field(init=False)

    def __post_init__(self) -> None:
        names = list(dict.fromkeys(r["estimator"] for r in self.rows))
        self.summaries = {name: summarize([r for r in self.rows if r["estimator"] == name]) for name in names}

    def to_markdown(self) -> str:
        """The legend, the per-case table and the summary, as markdown."""
        lines = [_LEGEND, ""]
        for name, summary in self.summaries.items():
            lines += [f"### {name}", "", "| case | d | λ | m | λ̂ ± s.e. | interval | rel. error | z | λ(nβ,γ) | "
                      "λ_n(nβ,γ) | sampler err. | data noise | estimator bias | R̂ | ε | B | steps | s | div. | "
                      "verdict |", "|" + "---|" * 20]
            for r in (r for r in self.rows if r["estimator"] == name):
                lines.append(
                    f"| {r['case']} (seed {r['seed']}) | {r['d']} | {r['lam']} | {r['m']} | "
                    f"{_fmt(r['estimate'], r['std_err'])} | {_span(r.get('interval'))} | {_pct(r['rel_error'])} | "
                    f"{_num(r['z'], 1)} | {_num(r['target'], 3)} | {_num(r.get('dataset_target'), 3)} | "
                    f"{_pct(r['sampler_error'])} | {_pct(r.get('data_noise'))} | {_pct(r['estimator_bias'])} | "
                    f"{_num(r['rhat'], 2)} | {_num(r.get('step_size'), 2, 'g')} | {r.get('batch_size') or '–'} | "
                    f"{r.get('steps') or '–'} | {r['seconds']:.1f} | "
                    f"{r['divergences'] if r['divergences'] is not None else '–'} | {_verdict(r)} |"
                )
            lines += ["", _summary_line(summary), ""]
        return "\n".join(lines)

    def to_csv(self, path: str | pathlib.Path) -> None:
        """One line per row (without the trace)."""
        import csv

        columns = ["estimator", "case", "family", "d", "lam", "m", "seed", "n", "estimate", "std_err", "interval",
                   "verdict", "rel_error", "z", "target", "dataset_target", "sampler_error", "population_sampler_error",
                   "data_noise", "estimator_bias", "covers_target", "covers_dataset_target", "rhat", "step_size",
                   "batch_size", "steps", "seconds", "divergences", "status", "reasons"]
        with pathlib.Path(path).open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(self.rows)

    def to_dict(self) -> dict:
        """JSON-ready: the summaries and the rows (without traces)."""
        return {"summaries": self.summaries, "rows": [{k: v for k, v in r.items() if k != "trace"} for r in self.rows]}

    def to_json(self, path: str | pathlib.Path) -> None:
        pathlib.Path(path).write_text(json.dumps(self.to_dict(), indent=1))

    def plot(self, folder: str | pathlib.Path) -> list[pathlib.Path]:
        """Three PNGs: λ̂ against λ (with the diagonal), relative error against λ, traces of the worst runs."""
        from ._report_plots import plot_report

        return plot_report(self, pathlib.Path(folder))

    def write(self, folder: str | pathlib.Path) -> list[pathlib.Path]:
        """report.md, report.csv, report.json and the plots into ``folder``."""
        folder = pathlib.Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "report.md").write_text(self.to_markdown())
        self.to_csv(folder / "report.csv")
        self.to_json(folder / "report.json")
        return [folder / "report.md", folder / "report.csv", folder / "report.json", *self.plot(folder)]


def _summary_line(s: dict) -> str:
    q1, q3 = s["iqr_rel_error"]
    text = (f"median |relative error| {_num(s['median_abs_rel_error'], 3)}; median signed relative error "
            f"{_pct(s['median_rel_error'])} (IQR {_pct(q1)} to {_pct(q3)}); median |sampler error| "
            f"{_pct(s['median_abs_sampler_error'])} against λ_n(nβ,γ) and {_pct(s['median_abs_population_sampler_error'])} "
            f"against λ(nβ,γ); within ±25% of λ_n(nβ,γ) {_share(s['near_target'])}, of λ(nβ,γ) "
            f"{_share(s['near_population_target'])}; medians of the parts: sampler {_pct(s['median_sampler_error'])}, "
            f"data noise {_pct(s['median_data_noise'])}, estimator bias {_pct(s['median_estimator_bias'])}; "
            f"coverage of λ by λ̂ ± 1.96 s.e. {_num(s['coverage'], 2)}; Spearman ρ {_num(s['spearman'], 3)}; "
            f"NaN rate {_num(s['nan_rate'], 2)}; {s['runs']} runs in {s['seconds']:.0f} s")
    if s["verdicts"] is not None:
        v = s["verdicts"]
        text += (f"; verdicts {v['ok']} ok, {v['doubtful']} doubtful, {v['unreliable']} unreliable; intervals cover "
                 f"λ_n(nβ,γ) in {_share(s['interval_coverage'])} and λ(nβ,γ) in "
                 f"{_share(s['interval_coverage_population'])} of rows; silent failures (more than "
                 f"{SILENT_FAILURE:.0%} from the target with an ok verdict): {s['silent_failures']} against "
                 f"λ_n(nβ,γ), {s['silent_failures_population']} against λ(nβ,γ)")
    return text


def _verdict(row: dict) -> str:
    if row.get("verdict") is None:
        return "–"
    reasons = ", ".join(text.split(":")[0] for text in row.get("reasons") or [])
    return row["verdict"] + (f": {reasons}" if reasons else "")


def _fmt(est, se) -> str:
    if est is None:
        return "NaN"
    return f"{est:.3f} ± {se:.3f}" if se else f"{est:.3f}"


def _span(interval) -> str:
    if not interval or None in interval:
        return "–"
    return f"[{interval[0]:.3f}, {interval[1]:.3f}]"


def _pct(value) -> str:
    return "–" if value is None else f"{100 * value:+.0f}%"


def _share(value) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _num(value, digits: int, kind: str = "f") -> str:
    return "–" if value is None else f"{value:.{digits}{kind}}"
