"""The observables benchmark: susceptibilities, Bayesian influence functions and the multiplicity,
estimated from the chains, against their exact values (issue 15; docs/conventions.md#observables-of-the-local-posterior).

Per (estimator, case, seed), on the case's dataset of n samples (:meth:`Case.build`):

- **χ̂** = ``susceptibility(est, "train", "shifted", baseline="train")``: the response of the training loss L_n
  (observed in full at every draw) to shifting the inputs toward large |x| (q'(x) ∝ x₁²·q(x)), with
  L' the average loss on n samples of q';
- **BIF̂** = ``bayesian_influence(est, "probe", "shifted")``: −Cov(ℓ_i, L') for 4 probe samples of q.

Each is compared with the exact value under the posterior the sampler was given (L_n of this
dataset and L' of this shifted sample: ``chi_dataset``, ``bif_dataset``) and under the population (K,
and K' the population loss under q': ``chi_population``, ``bif_population``), both by
:func:`validation.quadrature.posterior_moments`.  The **sampler error** (χ̂ − χ_n)/|χ_n| asks whether
the sampler is right about the posterior it was given; the **data noise** (χ_n − χ_K)/|χ_K| and the
total (χ̂ − χ_K)/|χ_K| how far this dataset's value is from the population's.  A BIF's errors are
norms over the probe samples, ‖BIF̂ − BIF_n‖₂/‖BIF_n‖₂ and so on.  The data noise of a BIF is large
by construction: the shifted sample's own noise gives L' a gradient at w* of order n^(−1/2), whose
covariance with ℓ_i (of order 1/nβ) outweighs the quadratic part (of order 1/nβ²) that K' alone
has.  There is no temperature bias to split off: χ and BIF are defined at the sampled nβ.

**m̂** (``multiplicity=True``): the same estimator at the temperatures :data:`SWEEP` × n/log n on
noise-free outputs y = f(x, w*) (so that w* minimizes L_n at every temperature), fitted by
:func:`estimators.estimate_multiplicity`, against the exact m.
"""

from __future__ import annotations

import dataclasses
import math
import pathlib
import time
import warnings
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import torch

from estimators import (LLCWarning, average_loss, bayesian_influence, default_nbeta, estimate_multiplicity,
                        sample_losses, susceptibility)
from estimators.errors import BadSetting
from estimators.rowlog import RowLog, exclusive, fill_rows

from .benchmark import Estimator, Suite, _chosen_cases, _chosen_seeds, _is_int
from .cases import Case
from .quadrature import dataset_loss, posterior_moments, shifted_loss
from .quadrature import sample_losses as exact_sample_losses
from .rows import MultiplicityRow, ObservableRow, observable_row_from_dict
from .torch_bridge import regression_data, regression_module

__all__ = ["ObservableReport", "SHIFT", "SWEEP", "run_observable_benchmark", "shifted_inputs"]

SHIFT = "large-|x|"
"""The shifted input law q'(x) ∝ x₁²·q(x) of the susceptibilities (:func:`shifted_inputs`)."""
SWEEP = (0.25, 1.0, 4.0, 16.0, 64.0)
"""The multiplicity sweep's temperatures, as multiples of n/log n."""
PROBES = 4
_PROBE_SEED = 10**6
_SHIFT_SEED = 2 * 10**6


def shifted_inputs(case: Case, rows: int, *, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``rows`` samples (X', Y') with inputs from q'(x) ∝ x₁²·q(x) and Y' = f(X', w*) + σ·N(0, 1).

    x₁ is drawn by inversion: for a standard normal x₁, |x₁| has the χ law with 3 degrees of freedom
    (density ∝ x²e^(−x²/2)) and a random sign; for x₁ uniform on [a, b], the density ∝ x² has the CDF
    (x³ − a³)/(b³ − a³).  The other inputs keep their law.

    Examples
    --------
    >>> from validation.cases import case
    >>> x, y = shifted_inputs(case("nc-w"), 200_000, seed=0)
    >>> round(float((x[:, 0] ** 2).mean()), 1)  # E_q'[x²] = E[x⁴]/E[x²] = 3
    3.0
    """
    x, _, _ = regression_data(case.model, rows, seed=seed)
    gen = torch.Generator().manual_seed(seed)
    dist = case.model.input_dist
    if hasattr(dist, "lower"):
        a, b = float(dist.lower[0]), float(dist.upper[0])
        u = torch.rand(rows, generator=gen, dtype=torch.float64).numpy()
        first = torch.from_numpy(np.cbrt(a**3 + u * (b**3 - a**3)))
    else:
        radius = torch.randn((rows, 3), generator=gen, dtype=torch.float64).square().sum(dim=1).sqrt()
        first = radius * torch.where(torch.rand(rows, generator=gen) < 0.5, -1.0, 1.0).to(torch.float64)
    x = x.clone()
    x[:, 0] = first.to(x.dtype)
    with torch.no_grad():
        clean = regression_module(case.model, dtype=x.dtype)(x)
    noise = float(case.model.sigma) * torch.randn(clean.shape, generator=gen, dtype=x.dtype)
    return x, clean + noise


def _exact(c: Case, x, y, shifted, probe, nbeta: float, localization: float) -> dict:
    """χ and BIF under the population and under this dataset (None where the dataset has no quadrature)."""
    model = c.model
    probe_losses = exact_sample_losses(model, *probe)
    population = posterior_moments(model, nbeta, localization,
                                   {"shifted": shifted_loss(model, SHIFT), "probe": probe_losses})
    out = {"chi_population": float(population.susceptibility("loss", "shifted")),
           "bif_population": np.atleast_1d(population.bif("probe", "shifted")).tolist(),
           "chi_dataset": None, "bif_dataset": None}
    try:
        dataset = posterior_moments(model, nbeta, localization,
                                    {"shifted": dataset_loss(model, *shifted), "probe": probe_losses}, data=(x, y))
    except ValueError:  # f not polynomial in x: L_n has no moment form
        return out
    out["chi_dataset"] = float(dataset.susceptibility("loss", "shifted"))
    out["bif_dataset"] = np.atleast_1d(dataset.bif("probe", "shifted")).tolist()
    return out


def _numpy(pair) -> tuple[np.ndarray, np.ndarray]:
    return tuple(t.detach().cpu().numpy() for t in pair)


def _observable_row(est_name: str, estimator: Estimator, c: Case, seed: int, n: int) -> dict:
    problem = c.build(n, seed=seed)
    shifted = shifted_inputs(c, n, seed=seed + _SHIFT_SEED)
    probe = regression_data(c.model, PROBES, seed=seed + _PROBE_SEED)[:2]
    nbeta = estimator.nbeta if estimator.nbeta is not None else default_nbeta(n)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LLCWarning)
        est = estimator.estimate(problem, nbeta, observables={"train": average_loss(problem.data),
                                                               "shifted": average_loss(shifted),
                                                               "probe": sample_losses(probe)})
    seconds = time.perf_counter() - start
    chi = susceptibility(est, "train", "shifted", baseline="train")
    bif = bayesian_influence(est, "probe", "shifted")
    exact = _exact(c, *_numpy(problem.data), _numpy(shifted), _numpy(probe), nbeta, estimator.localization)
    return ObservableRow(
        est_name, c.name, c.family, c.d, c.lam, c.m, seed, n, nbeta, estimator.localization, est.mean, est.verdict,
        seconds, float(chi.value), float(chi.std_err), chi.verdict, tuple(chi.reasons),
        tuple(np.atleast_1d(bif.value).tolist()), tuple(np.atleast_1d(bif.std_err).tolist()), bif.verdict,
        exact["chi_population"], exact["bif_population"], exact["chi_dataset"], exact["bif_dataset"])


def _multiplicity_row(est_name: str, estimator: Estimator, c: Case, seed: int, n: int) -> dict:
    """The sweep on noise-free outputs (w* is then the minimum of L_n at every temperature)."""
    problem = c.build(n, seed=seed)
    x = problem.data[0]
    with torch.no_grad():
        clean = (x, problem.module(x).detach().clone())
    noise_free = dataclasses.replace(problem, data=clean)
    base = default_nbeta(n)
    nbetas = [base * f for f in SWEEP]
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LLCWarning)
        estimates = [estimator.estimate(noise_free, nb) for nb in nbetas]
    fit = estimate_multiplicity(nbetas, [e.mean for e in estimates], [e.std_err for e in estimates], max_m=c.d)
    return MultiplicityRow(
        est_name, c.name, c.family, c.d, c.lam, c.m, seed, n, tuple(nbetas), estimator.localization,
        tuple(e.mean for e in estimates), tuple(e.std_err for e in estimates), tuple(e.verdict for e in estimates),
        time.perf_counter() - start, fit.m, fit.confident, fit.lam, fit.std_err, fit.to_dict())


def _key(row: ObservableRow | MultiplicityRow) -> tuple:
    return row.kind, row.estimator, row.case, row.seed, row.n


def run_observable_benchmark(
    estimator: Estimator | Sequence[Estimator] = Estimator(),
    cases: Suite | Iterable[Case | str] = "quick",
    *,
    seeds: Sequence[int] = (0,),
    n: int = 2000,
    multiplicity: bool = True,
    out: str | pathlib.Path | None = None,
    progress: bool = False,
    executor: Executor | None = None,
) -> ObservableReport:
    """Run the observables benchmark (module docstring) and return its report.

    Parameters
    ----------
    estimator : Estimator or a sequence of them
        Our samplers with their settings (:class:`validation.benchmark.Estimator`).
    cases : "quick", "full", or a list of cases or names
        Cases with d <= 3 (the quadrature's reach); others are refused.
    seeds : ints
        One dataset (and chain seed) per seed.
    n : int
        Dataset size (also the shifted sample's).
    multiplicity : bool
        Also run the temperature sweep and fit m̂ (:data:`SWEEP`, 5 estimates per case).
    out : path, optional
        A folder: rows go to ``out/observable_rows.jsonl`` as they finish, and a re-run skips those there.
    progress : bool
        A tqdm bar over the runs.
    executor : concurrent.futures.Executor, optional
        Where the rows are computed, one task per row (default: in this process); the same rows
        whatever the executor (:func:`estimators.rowlog.fill_rows`).

    Raises
    ------
    BadSetting
        No estimator, case or seed; a case with d > 3; ``n`` not a count >= 10.
    """
    chosen_estimators = [estimator] if isinstance(estimator, Estimator) else list(estimator)
    if not chosen_estimators or not all(isinstance(e, Estimator) for e in chosen_estimators):
        raise BadSetting("estimator", estimator, "must be one or more validation.benchmark.Estimator")
    chosen, seeds = _chosen_cases(cases), _chosen_seeds(seeds)
    large = [c.name for c in chosen if c.d > 3]
    if large:
        raise BadSetting("cases", large, "have d > 3: the exact χ and BIF come from quadrature, d <= 3")
    if not _is_int(n) or n < 10:
        raise BadSetting("n", n, "must be an integer number of samples >= 10")
    kinds = [("observables", _observable_row)] + ([("multiplicity", _multiplicity_row)] if multiplicity else [])
    tasks = [((kind, e.name, c.name, s, int(n)), make, (e.name, e, c, s, int(n)))
             for kind, make in kinds for e in chosen_estimators for c in chosen for s in seeds]
    path = None if out is None else pathlib.Path(out) / "observable_rows.jsonl"
    with exclusive(path):
        rows = fill_rows(RowLog(path, key=_key, load=observable_row_from_dict, dump=_to_dict), tasks, executor=executor, progress=progress, desc="observables")
    return ObservableReport(rows)


def _to_dict(row: ObservableRow | MultiplicityRow) -> dict:
    return row.to_dict()


def _median_abs(rows: Sequence[ObservableRow], column: str) -> float | None:
    values = [abs(getattr(r, column)) for r in rows if getattr(r, column) is not None]
    return float(np.median(values)) if values else None


@dataclass
class ObservableReport:
    """The rows of :func:`run_observable_benchmark` (:class:`~validation.rows.ObservableRow` and
    :class:`~validation.rows.MultiplicityRow`) and a summary per estimator."""

    rows: list[ObservableRow | MultiplicityRow]

    def summary(self) -> dict:
        """Per estimator: the median |error| of χ̂ and BIF̂ (total and sampler), their verdicts, and the
        share of correct m̂, of confident m̂, and of confident wrong m̂."""
        out = {}
        for name in dict.fromkeys(r.estimator for r in self.rows):
            obs = [r for r in self.rows if r.estimator == name and r.kind == "observables"]
            sweep = [r for r in self.rows if r.estimator == name and r.kind == "multiplicity"]
            out[name] = {
                "cases": len(obs),
                "median_abs_chi_error": _median_abs(obs, "chi_error"),
                "median_abs_chi_sampler_error": _median_abs(obs, "chi_sampler_error"),
                "median_bif_error": _median_abs(obs, "bif_error"),
                "median_bif_sampler_error": _median_abs(obs, "bif_sampler_error"),
                "chi_verdicts": {v: sum(r.chi_verdict == v for r in obs) for v in ("ok", "doubtful", "unreliable")},
                "sweeps": len(sweep),
                "m_correct": float(np.mean([r.m_correct for r in sweep])) if sweep else None,
                "m_confident": float(np.mean([r.m_confident for r in sweep])) if sweep else None,
                "m_confident_wrong": sum(r.m_confident and not r.m_correct for r in sweep),
            }
        return out

    def to_markdown(self) -> str:
        """The χ/BIF table, the m̂ table, and the summary."""
        lines = ["| estimator | case | λ | χ̂ ± s.e. | χ_n | χ_K | sampler err. | data noise | verdict | "
                 "BIF sampler err. | BIF err. |", "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in (r for r in self.rows if r.kind == "observables"):
            lines.append(
                f"| {r.estimator.split('(')[0]} | {r.case} | {r.lam} | {r.chi:.4g} ± {r.chi_std_err:.2g} | "
                f"{_g(r.chi_dataset)} | {r.chi_population:.4g} | {_pct(r.chi_sampler_error)} | "
                f"{_pct(r.chi_data_noise)} | {r.chi_verdict} | {_pct(r.bif_sampler_error)} | "
                f"{_pct(r.bif_error)} |")
        sweeps = [r for r in self.rows if r.kind == "multiplicity"]
        if sweeps:
            lines += ["", "| estimator | case | λ | m | m̂ | confident | λ̂ corrected ± s.e. | λ̂ over the sweep |",
                      "|---|---|---|---|---|---|---|---|"]
            for r in sweeps:
                lines.append(
                    f"| {r.estimator.split('(')[0]} | {r.case} | {r.lam} | {r.m} | {r.m_hat} | "
                    f"{'yes' if r.m_confident else 'no'} | {_g(r.lam_corrected)} ± {_g(r.lam_corrected_std_err)} "
                    f"| {', '.join(f'{v:.3f}' for v in r.llcs)} |")
        lines.append("")
        for name, s in self.summary().items():
            lines.append(f"- {name}: median |χ error| {_pct(s['median_abs_chi_error'])} (sampler "
                         f"{_pct(s['median_abs_chi_sampler_error'])}), median BIF error {_pct(s['median_bif_error'])} "
                         f"(sampler {_pct(s['median_bif_sampler_error'])}), χ verdicts {s['chi_verdicts']}"
                         + ("" if not s["sweeps"] else
                            f"; m̂ correct {_pct(s['m_correct'])} of {s['sweeps']}, confident {_pct(s['m_confident'])}, "
                            f"confident and wrong {s['m_confident_wrong']}"))
        return "\n".join(lines)


def _g(value) -> str:
    return "–" if value is None or (isinstance(value, float) and not math.isfinite(value)) else f"{value:.4g}"


def _pct(value) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"
