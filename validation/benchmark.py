"""The ground-truth benchmark: any LLC estimator against exact cases, with the error split in two.

:func:`run_benchmark` runs an estimator on every (case, seed), compares each estimate λ̂ with the
exact λ of the case and with the estimator's own finite-temperature target λ(nβ, γ) (MATH.md §4,
by quadrature for d <= 3), and collects the rows in a :class:`BenchmarkReport`:

- **signed relative error** (λ̂ − λ)/λ, split into
- **sampler error** (λ̂ − λ(nβ, γ))/λ: is the sampler right about the posterior it was given? and
- **estimator bias** (λ(nβ, γ) − λ)/λ: is the temperature right?  They add up to the total.

For d > 3 the target comes from a long MALA run on the population loss (:func:`reference_target`)
when ``reference_draws`` is set.

Rows are appended to ``rows.jsonl`` in the output folder as they finish; a re-run with the same
folder skips every (estimator, case, seed, n) already there, so a killed run loses nothing.
"""

from __future__ import annotations

import functools
import json
import math
import pathlib
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import numpy as np
import torch
from scipy import stats

from estimators import LLCEstimate, default_nbeta, estimate_llc, extrapolate_llc
from estimators.records import RowLog

from .cases import QUICK, Case, Problem, case
from .quadrature import target_llc

__all__ = [
    "DEFAULT_ESTIMATORS", "BenchmarkReport", "Estimator", "Extrapolation", "reference_target", "run_benchmark", "summarize",
]

_MAX_QUADRATURE_D = 3
_TRACE_POINTS = 200


@dataclass(frozen=True)
class Estimator:
    """One of our samplers with fixed settings, as a benchmark estimator.

    Calling it on a :class:`~validation.cases.Problem` runs :func:`estimators.estimate_llc`.

    Examples
    --------
    >>> Estimator("rmsprop_sgld", step_size=1e-3).name
    'rmsprop_sgld(step_size=0.001, localization=1, nbeta=n/log n, chains=4, draws=600, batch=256)'
    """

    sampler: str = "sgld"
    step_size: float = 3e-4
    localization: float = 1.0
    nbeta: float | None = None
    num_chains: int = 4
    num_draws: int = 600
    num_burnin: int = 100
    batch_size: int = 256
    control_variate: bool = True
    extrapolate: tuple[float, ...] | None = None

    @property
    def name(self) -> str:
        nbeta = "n/log n" if self.nbeta is None else f"{self.nbeta:g}"
        tail = "" if self.control_variate else ", plain minibatch losses"
        tail += "" if self.extrapolate is None else f", extrapolated over nβ × {list(self.extrapolate)}"
        return (f"{self.sampler}(step_size={self.step_size:g}, localization={self.localization:g}, nbeta={nbeta}, "
                f"chains={self.num_chains}, draws={self.num_draws}, batch={self.batch_size}{tail})")

    def _estimate(self, problem: Problem, nbeta: float, step_size: float) -> LLCEstimate:
        return estimate_llc(
            problem.module, problem.data, loss_fn=problem.loss_fn, step_size=step_size, sampler=self.sampler,
            nbeta=nbeta, localization=self.localization, num_chains=self.num_chains, num_draws=self.num_draws,
            num_burnin=self.num_burnin, batch_size=self.batch_size, control_variate=self.control_variate,
            seed=problem.seed,
        )

    def __call__(self, problem: Problem) -> LLCEstimate | Extrapolation:
        base = self.nbeta if self.nbeta is not None else default_nbeta(problem.n)
        if self.extrapolate is None:
            return self._estimate(problem, base, self.step_size)
        # ε·nβ is held fixed, so the discretisation bias does not change along the sweep
        nbetas = tuple(base * f for f in self.extrapolate)
        estimates = tuple(self._estimate(problem, nb, self.step_size * base / nb) for nb in nbetas)
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
    "sgld": Estimator("sgld", step_size=3e-4),
    "rmsprop_sgld": Estimator("rmsprop_sgld", step_size=1e-3),
    "sghmc": Estimator("sghmc", step_size=3e-4),
    "mala": Estimator("mala", step_size=3e-4, num_draws=500, num_burnin=100),
    "sgld_extrapolated": Estimator("sgld", step_size=3e-4, extrapolate=(0.5, 1.0, 2.0)),
    "sgld_plain": Estimator("sgld", step_size=3e-4, control_variate=False),
}
"""The benchmark's settings per sampler (``singular bench --sampler``): 4 chains, 600 draws after 100
burn-in, batch 256, γ = 1, nβ = n/log n, the same-batch control variate (``sgld_plain``: without it);
step sizes from a coarse search on the quick suite."""


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
def reference_target(name: str, nbeta: float, localization: float, *, draws: int = 2000, inputs: int = 20_000,
                     seed: int = 0) -> tuple[float, float]:
    """λ(nβ, γ) for any case by a long full-batch MALA run on the population loss: (value, s.e.).

    The population K(w) = E_x[(f(x, w) − f(x, w*))²]/2 is replaced by its average over ``inputs``
    draws of x with *noise-free* outputs y = f(x, w*), so the loss is K up to a constant and an
    O(inputs^−1/2) relative error in the moments, with no noise term pulling the chains away
    from w*.  The step size is the largest of 1/nβ·{1, 1/3, 1/10, 1/30, 1/100} whose 200-draw
    pilot accepts at least 60% of proposals.  Used where quadrature is not (d > 3).

    Examples
    --------
    >>> value, se = reference_target("regular-1", 100.0, 1.0, draws=400, inputs=2000)
    >>> abs(value - 100 / 2 / 101) < 5 * se + 0.02  # exact: t·(d/2)/(t + γ)
    True
    """
    c = case(name)
    problem = c.build(inputs, seed=seed)
    x = problem.data[0]
    with torch.no_grad():
        y = problem.module(x)
    settings = dict(loss_fn=problem.loss_fn, sampler="mala", nbeta=nbeta, localization=localization, seed=seed)
    with warnings.catch_warnings():  # a reference run's diagnostics are not the user's to act on
        warnings.simplefilter("ignore", RuntimeWarning)
        for factor in (1.0, 1 / 3, 1 / 10, 1 / 30, 1 / 100):
            step = factor / nbeta
            pilot = estimate_llc(problem.module, (x, y), step_size=step, num_chains=2, num_draws=200, num_burnin=100,
                                 **settings)
            if (pilot.diagnostics.acceptance or 0.0) >= 0.6:
                break
        run = estimate_llc(problem.module, (x, y), step_size=step, num_chains=4, num_draws=draws,
                           num_burnin=draws // 4, **settings)
    return run.mean, run.std_err


def _finite(value) -> float | None:
    return float(value) if value is not None and math.isfinite(float(value)) else None


def _row(est_name: str, c: Case, seed: int, n: int, result, seconds: float, caught: list[str],
         reference_draws: int) -> dict:
    row = {
        "estimator": est_name, "case": c.name, "family": c.family, "d": c.d, "lam": str(c.lam), "m": c.m,
        "seed": seed, "n": n, "seconds": seconds, "warnings": caught,
        "estimate": None, "std_err": None, "rhat": None, "divergences": None, "nbeta": None, "localization": None,
        "target": None, "target_route": None, "trace": None, "status": "ok",
    }
    if isinstance(result, Exception):
        row["status"] = f"error: {type(result).__name__}: {result}"
        return row
    if isinstance(result, LLCEstimate):
        d = result.diagnostics
        row.update(estimate=_finite(result.mean), std_err=_finite(result.std_err), rhat=_finite(d.rhat),
                   divergences=len(d.divergences), nbeta=result.nbeta, localization=result.config.localization)
        losses = np.asarray(result.losses, dtype=float)
        if losses.size:
            step = max(1, losses.shape[1] // _TRACE_POINTS)
            row["trace"] = [[_finite(v) for v in chain[::step]] for chain in losses]
            row["init_loss"] = _finite(result.init_loss)
    elif isinstance(result, Extrapolation):
        row.update(estimate=_finite(result.mean), std_err=_finite(result.std_err), localization=result.localization,
                   rhat=max(e.diagnostics.rhat for e in result.estimates),
                   divergences=sum(len(e.diagnostics.divergences) for e in result.estimates))
        if c.d <= _MAX_QUADRATURE_D:
            targets = [_target(c.name, nb, result.localization) for nb in result.nbetas]
            row["target"] = extrapolate_llc(result.nbetas, targets)[0]
            row["target_route"] = "quadrature, extrapolated"
    elif hasattr(result, "mean"):
        row.update(estimate=_finite(result.mean), std_err=_finite(getattr(result, "std_err", None)))
    elif isinstance(result, (int, float, np.floating, np.integer)) and not isinstance(result, bool):
        row["estimate"] = _finite(result)
    else:
        row["status"] = f"error: the estimator returned a {type(result).__name__}, not a number or an estimate"
        return row
    if row["estimate"] is None:
        row["status"] = "nan"
    if row["nbeta"] is not None and row["localization"]:
        if c.d <= _MAX_QUADRATURE_D:
            row["target"] = _target(c.name, float(row["nbeta"]), float(row["localization"]))
            row["target_route"] = "quadrature"
        elif reference_draws:
            row["target"], row["target_std_err"] = reference_target(
                c.name, float(row["nbeta"]), float(row["localization"]), draws=reference_draws)
            row["target_route"] = f"MALA reference ({reference_draws} draws × 4 chains)"
    return row


def _key(row: dict) -> tuple:
    return (row["estimator"], row["case"], row["seed"], row["n"])


def run_benchmark(
    estimator: Callable | Sequence[Callable] = Estimator(),
    cases: Iterable[Case | str] | None = None,
    *,
    seeds: Sequence[int] = (0,),
    n: int = 10_000,
    out: str | pathlib.Path | None = None,
    progress: bool = False,
    reference_draws: int = 0,
) -> BenchmarkReport:
    """Run estimators on cases and seeds; return the report (and keep ``out/rows.jsonl`` up to date).

    Parameters
    ----------
    estimator : Estimator, callable, or a sequence of them
        An :class:`Estimator` (our samplers), or any callable ``(model, data, w_star) -> float``,
        :class:`~estimators.LLCEstimate` or an object with ``mean`` (and ``std_err``).  Its
        ``name`` attribute, else its qualified name, labels the rows.
    cases : cases or names, optional
        Default: the quick suite :data:`~validation.cases.QUICK`.
    seeds : ints
        One dataset (and one estimator seed) per seed.
    n : int
        The dataset size.
    out : path, optional
        A folder: rows are appended to ``out/rows.jsonl`` as they finish, and rows already there
        are not recomputed.
    progress : bool
        A tqdm bar over the runs.
    reference_draws : int
        For cases with d > 3 (no quadrature), the draws per chain of the MALA reference run that
        gives λ(nβ, γ) (:func:`reference_target`); 0 leaves their target and error split empty.

    Examples
    --------
    >>> report = run_benchmark(lambda model, data, w: 0.5, ["nc-w", "regular-2"], n=100)
    >>> [round(r["rel_error"], 3) for r in report.rows]
    [0.0, -0.5]
    """
    from tqdm.auto import tqdm

    estimators_ = list(estimator) if isinstance(estimator, (list, tuple)) else [estimator]
    chosen = [c if isinstance(c, Case) else case(c) for c in (QUICK if cases is None else cases)]
    log = RowLog(None if out is None else pathlib.Path(out) / "rows.jsonl", key=_key)
    jobs = [(e, c, s) for e in estimators_ for c in chosen for s in seeds]
    rows = []
    bar = tqdm(jobs, desc="bench", disable=not progress, leave=False)
    for est, c, seed in bar:
        name = _estimator_name(est)
        key = (name, c.name, seed, n)
        if log.get(key) is not None:
            rows.append(log.get(key))
            continue
        bar.set_postfix_str(c.name)
        problem = c.build(n, seed=seed)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = _call(est, problem)
            except Exception as exc:  # any estimator's failure is a row, not the end of the run
                result = exc
        row = _row(name, c, seed, n, result, time.perf_counter() - start, [str(w.message) for w in caught],
                   reference_draws)
        rows.append(row)
        log.append(row)
    return BenchmarkReport([_with_errors(r) for r in rows])


def _with_errors(row: dict) -> dict:
    """Add the derived columns: relative error, z-score, sampler error, estimator bias."""
    row = dict(row)
    lam = _float(row["lam"])
    est, se, target = row["estimate"], row["std_err"], row["target"]
    row["rel_error"] = (est - lam) / lam if est is not None else None
    row["z"] = (est - lam) / se if est is not None and se else None
    row["sampler_error"] = (est - target) / lam if est is not None and target is not None else None
    row["estimator_bias"] = (target - lam) / lam if target is not None else None
    return row


def summarize(rows: Sequence[dict]) -> dict:
    """The summary of one estimator's rows (see :class:`BenchmarkReport`).

    Examples
    --------
    >>> rows = [dict(lam="1/2", estimate=0.4, std_err=0.1, rel_error=-0.2, seconds=1.0, status="ok",
    ...              sampler_error=None, estimator_bias=None)]
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

    median, q1, q3 = quartiles(rel)
    lams = [_float(r["lam"]) for r in ok]
    rho = None
    if len(set(lams)) > 1 and len({r["estimate"] for r in ok}) > 1 and len(ok) > 2:
        rho = float(stats.spearmanr(lams, [r["estimate"] for r in ok]).statistic)
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
        "median_sampler_error": quartiles(r["sampler_error"] for r in ok)[0],
        "median_estimator_bias": quartiles(r["estimator_bias"] for r in ok)[0],
    }


def _float(text: str) -> float:
    num, _, den = text.partition("/")
    return float(num) / float(den or 1)


@dataclass
class BenchmarkReport:
    """Rows (one per estimator, case and seed) and a summary per estimator.

    Per row: ``case, family, d, lam, m, seed, n, estimate, std_err, rel_error`` (signed, against λ),
    ``z`` ((λ̂ − λ)/s.e.), ``rhat``, ``seconds``, ``divergences``, ``target`` (λ(nβ, γ)),
    ``sampler_error``, ``estimator_bias``, ``status`` and a thinned loss ``trace``.
    Per estimator (:func:`summarize`): median and IQR of the signed relative error, the median
    absolute relative error, coverage (share of runs whose λ̂ ± 1.96 s.e. contains λ), Spearman ρ
    between λ and λ̂ (None when either is constant), NaN rate, total seconds, and the medians of the two error parts.
    """

    rows: list[dict]
    summaries: dict[str, dict] = field(init=False)

    def __post_init__(self) -> None:
        names = list(dict.fromkeys(r["estimator"] for r in self.rows))
        self.summaries = {name: summarize([r for r in self.rows if r["estimator"] == name]) for name in names}

    def to_markdown(self) -> str:
        """The per-case table and the summary, as markdown."""
        lines = []
        for name, summary in self.summaries.items():
            lines += [f"### {name}", "", "| case | d | λ | m | λ̂ ± s.e. | rel. error | z | λ(nβ,γ) | sampler err. | "
                      "estimator bias | R̂ | s | div. |", "|" + "---|" * 13]
            for r in (r for r in self.rows if r["estimator"] == name):
                lines.append(
                    f"| {r['case']} (seed {r['seed']}) | {r['d']} | {r['lam']} | {r['m']} | "
                    f"{_fmt(r['estimate'], r['std_err'])} | {_pct(r['rel_error'])} | {_num(r['z'], 1)} | "
                    f"{_num(r['target'], 3)} | {_pct(r['sampler_error'])} | {_pct(r['estimator_bias'])} | "
                    f"{_num(r['rhat'], 2)} | {r['seconds']:.1f} | {r['divergences'] if r['divergences'] is not None else '–'} |"
                )
            s = summary
            q1, q3 = s["iqr_rel_error"]
            lines += ["", f"median signed relative error {_pct(s['median_rel_error'])} (IQR {_pct(q1)} to {_pct(q3)}); "
                      f"sampler error {_pct(s['median_sampler_error'])}, estimator bias {_pct(s['median_estimator_bias'])} "
                      f"(medians); coverage {_num(s['coverage'], 2)}; Spearman ρ {_num(s['spearman'], 3)}; "
                      f"NaN rate {_num(s['nan_rate'], 2)}; {s['runs']} runs in {s['seconds']:.0f} s", ""]
        return "\n".join(lines)

    def to_csv(self, path: str | pathlib.Path) -> None:
        """One line per row (without the trace)."""
        import csv

        columns = ["estimator", "case", "family", "d", "lam", "m", "seed", "n", "estimate", "std_err", "rel_error", "z",
                   "target", "sampler_error", "estimator_bias", "rhat", "seconds", "divergences", "status"]
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


def _fmt(est, se) -> str:
    if est is None:
        return "NaN"
    return f"{est:.3f} ± {se:.3f}" if se else f"{est:.3f}"


def _pct(value) -> str:
    return "–" if value is None else f"{100 * value:+.0f}%"


def _num(value, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"

