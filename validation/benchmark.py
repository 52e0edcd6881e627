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
from typing import Literal

import numpy as np
import torch
from scipy import stats

from estimators import BadSetting, LLCEstimate, LLCWarning, default_nbeta, estimate_llc, extrapolate_llc
from estimators.rowlog import RowLog, exclusive, fill_rows

from .cases import Case, Problem, case, suite
from .quadrature import dataset_target_llc, target_llc
from .report import SILENT_FAILURE, BenchmarkReport, _pct, _share, summarize  # noqa: F401 (the last four: dln_scale's)
from .rows import BenchmarkRow

__all__ = [
    "DEFAULT_ESTIMATORS", "SUITE_SETTINGS", "Estimator", "Extrapolation", "dataset_reference", "reference_target",
    "run_benchmark",
]

SamplerName = Literal["sgld", "rmsprop_sgld", "sghmc", "mala"]
"""Our samplers, by the names :func:`estimators.estimate_llc` takes."""
Suite = Literal["quick", "full"]
"""The case suites of :func:`validation.cases.suite`."""

_MAX_QUADRATURE_D = 3
_TRACE_POINTS = 200


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

    sampler: SamplerName = "sgld"
    step_size: float | Literal["auto"] = "auto"
    localization: float = 1.0
    nbeta: float | None = None
    num_chains: int = 4
    num_draws: int | Literal["auto"] = "auto"
    num_burnin: int | Literal["auto"] = "auto"
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

    def estimate(self, problem: Problem, nbeta: float, step_size: float | Literal["auto"] | None = None, *,
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


def _targets(c: Case, problem: Problem, nbeta: float, gamma: float, reference_draws: int) -> dict:
    """The population target λ(nβ, γ) and the dataset target λ_n(nβ, γ) of a row, with their routes."""
    found = {}
    if c.d <= _MAX_QUADRATURE_D:
        found.update(target=_target(c.name, nbeta, gamma), target_route="quadrature")
    elif reference_draws:
        found["target"], found["target_std_err"] = reference_target(c.name, nbeta, gamma, draws=reference_draws)
        found["target_route"] = f"MALA on the noise-free population loss (≤ {reference_draws} steps × 4 chains)"
    try:
        found.update(dataset_target=_dataset_target(c.name, problem.n, problem.seed, nbeta, gamma),
                     dataset_target_route="quadrature of L_n")
    except ValueError:
        if reference_draws:
            value, se, verdict = dataset_reference(c.name, problem.n, problem.seed, nbeta, gamma, draws=reference_draws)
            found.update(dataset_target=_finite(value), dataset_target_std_err=_finite(se),
                         dataset_target_route=f"MALA on the dataset (≤ {reference_draws} steps × 4 chains; {verdict})")
    return found


def _row(est_name: str, c: Case, problem: Problem, result, seconds: float, caught: list[str],
         reference_draws: int) -> BenchmarkRow:
    row = functools.partial(BenchmarkRow, est_name, c.name, c.family, c.d, c.lam, c.m, problem.seed, problem.n,
                            seconds, tuple(caught))
    if isinstance(result, Exception):
        return row(status=f"error: {type(result).__name__}: {result}")
    found = {}
    if isinstance(result, LLCEstimate):
        d, config = result.diagnostics, result.config
        found.update(estimate=_finite(result.mean), std_err=_finite(result.std_err),
                     interval=tuple(_finite(v) for v in result.interval), verdict=result.verdict,
                     reasons=tuple(d.trust.reasons), rhat=_finite(d.projection_rhat), divergences=len(d.divergences),
                     nbeta=result.nbeta, localization=config.localization, step_size=config.step_size,
                     batch_size=config.batch_size, steps=config.num_burnin + config.num_draws)
        losses = np.asarray(result.losses, dtype=float)
        if losses.size:
            step = max(1, losses.shape[1] // _TRACE_POINTS)
            found["trace"] = tuple(tuple(_finite(v) for v in chain[::step]) for chain in losses)
            found["init_loss"] = _finite(result.init_loss)
    elif isinstance(result, Extrapolation):
        found.update(estimate=_finite(result.mean), std_err=_finite(result.std_err), localization=result.localization,
                     rhat=max(e.diagnostics.projection_rhat for e in result.estimates),
                     divergences=sum(len(e.diagnostics.divergences) for e in result.estimates),
                     verdict=max((e.verdict for e in result.estimates), key=("ok", "doubtful", "unreliable").index),
                     reasons=tuple(r for e in result.estimates for r in e.diagnostics.trust.reasons))
        if c.d <= _MAX_QUADRATURE_D:
            targets = [_target(c.name, nb, result.localization) for nb in result.nbetas]
            found.update(target=extrapolate_llc(result.nbetas, targets)[0], target_route="quadrature, extrapolated")
    elif (plain := _mean_and_std_err(result)) is not None:
        found.update(estimate=_finite(plain[0]), std_err=_finite(plain[1]))
    else:
        return row(status=_unusable(est_name, result))
    if found["estimate"] is None:
        found["status"] = "nan"
    if found.get("nbeta") is not None and found.get("localization"):
        found.update(_targets(c, problem, float(found["nbeta"]), float(found["localization"]), reference_draws))
    return row(**found)


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


def _key(row: BenchmarkRow) -> tuple:
    return (row.estimator, row.case, row.seed, row.n)


def run_benchmark(
    estimator: Callable | Sequence[Callable] = Estimator(),
    cases: Suite | Iterable[Case | str] = "quick",
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
    >>> [round(r.rel_error, 3) for r in report.rows]
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
        log = RowLog(path, key=_key, load=BenchmarkRow.from_dict, dump=BenchmarkRow.to_dict)
        rows = fill_rows(log, tasks, executor=executor, progress=progress, desc="bench")
    return BenchmarkReport(tuple(rows))


def _run(est: Callable, name: str, c: Case, n: int, seed: int, reference_draws: int) -> BenchmarkRow:
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
