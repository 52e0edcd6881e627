"""The benchmark's report: its rows, a summary per estimator, and the files it writes.

:class:`BenchmarkReport` holds the :class:`~validation.rows.BenchmarkRow` of every (estimator,
case, seed) of :func:`~validation.benchmark.run_benchmark`; :func:`summarize` condenses one
estimator's rows; :meth:`BenchmarkReport.write` writes ``report.md``, ``report.csv``,
``report.json`` and the figures of :mod:`validation.plots`.
"""

from __future__ import annotations

import csv
import functools
import json
import pathlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import sympy
from scipy import stats

from .plots import plot_estimates, plot_relative_errors, plot_worst_traces
from .rows import BenchmarkRow

__all__ = ["NEAR_TARGET", "SILENT_FAILURE", "BenchmarkReport", "summarize"]

SILENT_FAILURE = 0.3
"""A row further than this (relative to λ) from its target with an "ok" verdict is a silent failure."""
NEAR_TARGET = 0.25
"""The share of rows within this (relative to λ) of their target is reported."""


def _silent(rows: Sequence[Mapping], column: str) -> int:
    return sum(1 for r in rows if r.get(column) is not None and abs(r[column]) > SILENT_FAILURE
               and r.get("verdict") == "ok")


def _exact(lam) -> float:
    """λ (a Rational, or its fraction ``"1/2"`` in a dict row) as a float."""
    return float(sympy.Rational(lam))


def summarize(rows: Sequence[BenchmarkRow | Mapping]) -> dict:
    """The summary of one estimator's rows (see :class:`BenchmarkReport`).

    ``rows`` are :class:`~validation.rows.BenchmarkRow`, or dicts with their columns (``lam``
    as a fraction, ``"1/2"``): the deep-linear-network protocol summarizes its own rows so.

    Examples
    --------
    >>> rows = [dict(lam="1/2", estimate=0.4, std_err=0.1, rel_error=-0.2, seconds=1.0, status="ok",
    ...              sampler_error=None, population_sampler_error=None, data_noise=None, estimator_bias=None)]
    >>> summarize(rows)["coverage"]
    1.0
    """
    rows = [r.to_dict() if isinstance(r, BenchmarkRow) else r for r in rows]
    ok = [r for r in rows if r["estimate"] is not None]
    rel = np.array([r["rel_error"] for r in ok], dtype=float)
    covered = [abs(r["estimate"] - _exact(r["lam"])) <= 1.96 * r["std_err"] for r in ok if r["std_err"]]

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
    lams = [_exact(r["lam"]) for r in ok]
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


_LEGEND = """\
Columns: λ̂ ± s.e. (between chains) and the interval that adds the step's measured bias; rel. error
(λ̂ − λ)/λ against the exact λ; z = (λ̂ − λ)/s.e.; λ(nβ,γ) the estimator's finite-temperature target
with the population loss K, λ_n(nβ,γ) the same on this dataset (L_n in place of K); sampler err.
(λ̂ − λ_n(nβ,γ))/λ (against λ(nβ,γ) where λ_n is missing), data noise (λ_n − λ(nβ,γ))/λ and
estimator bias (λ(nβ,γ) − λ)/λ, which add up to the rel. error; R̂ the largest split-R̂ of the
parameters' squared projections, ‖w − w*‖² and the loss; ε, B and steps the step size, batch
size (– for full batch) and burn-in + draws per chain; div. the chains that diverged; the verdict
and the checks that are not ok."""

_CSV_COLUMNS = ["estimator", "case", "family", "d", "lam", "m", "seed", "n", "estimate", "std_err", "interval",
                "verdict", "rel_error", "z", "target", "dataset_target", "sampler_error", "population_sampler_error",
                "data_noise", "estimator_bias", "covers_target", "covers_dataset_target", "rhat", "step_size",
                "batch_size", "steps", "seconds", "divergences", "status", "reasons"]


@dataclass(frozen=True)
class BenchmarkReport:
    """Rows (one :class:`~validation.rows.BenchmarkRow` per estimator, case and seed) and a summary per estimator.

    Per estimator (:func:`summarize`): median and IQR of the signed relative error, the median
    absolute relative error, coverage (share of runs whose λ̂ ± 1.96 s.e. contains λ), Spearman ρ
    between λ and λ̂, NaN rate, seconds, the medians of the error's parts, the median |sampler
    error| (against λ_n and against λ(nβ, γ)), the shares of rows within ±25% of each target, the
    intervals' coverage of each target, the verdict counts, and the silent failures (rows more than
    30% from the target with an "ok" verdict).

    Examples
    --------
    >>> from validation.benchmark import run_benchmark
    >>> report = run_benchmark(lambda model, data, w: 0.5, ["nc-w"], n=50)
    >>> report.rows[0].lam, report.summaries["<lambda>"]["median_rel_error"]
    (1/2, 0.0)
    """

    rows: tuple[BenchmarkRow, ...]

    @functools.cached_property
    def summaries(self) -> dict[str, dict]:
        """:func:`summarize` of each estimator's rows, in order of first appearance."""
        names = dict.fromkeys(r.estimator for r in self.rows)
        return {name: summarize([r for r in self.rows if r.estimator == name]) for name in names}

    def to_markdown(self) -> str:
        """The legend, the per-case table and the summary, as markdown."""
        lines = [_LEGEND, ""]
        for name, summary in self.summaries.items():
            lines += [f"### {name}", "", "| case | d | λ | m | λ̂ ± s.e. | interval | rel. error | z | λ(nβ,γ) | "
                      "λ_n(nβ,γ) | sampler err. | data noise | estimator bias | R̂ | ε | B | steps | s | div. | "
                      "verdict |", "|" + "---|" * 20]
            for r in (r for r in self.rows if r.estimator == name):
                lines.append(
                    f"| {r.case} (seed {r.seed}) | {r.d} | {r.lam} | {r.m} | {_fmt(r.estimate, r.std_err)} | "
                    f"{_span(r.interval)} | {_pct(r.rel_error)} | {_num(r.z, 1)} | {_num(r.target, 3)} | "
                    f"{_num(r.dataset_target, 3)} | {_pct(r.sampler_error)} | {_pct(r.data_noise)} | "
                    f"{_pct(r.estimator_bias)} | {_num(r.rhat, 2)} | {_num(r.step_size, 2, 'g')} | "
                    f"{r.batch_size or '–'} | {r.steps or '–'} | {r.seconds:.1f} | "
                    f"{r.divergences if r.divergences is not None else '–'} | {_verdict(r)} |"
                )
            lines += ["", _summary_line(summary), ""]
        return "\n".join(lines)

    def to_csv(self, path: str | pathlib.Path) -> None:
        """One line per row (without the trace)."""
        with pathlib.Path(path).open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=_CSV_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(r.to_dict() for r in self.rows)

    def to_dict(self) -> dict:
        """JSON-ready: the summaries and the rows (:meth:`BenchmarkRow.to_dict`, without traces)."""
        return {"summaries": self.summaries,
                "rows": [{k: v for k, v in r.to_dict().items() if k != "trace"} for r in self.rows]}

    def to_json(self, path: str | pathlib.Path) -> None:
        pathlib.Path(path).write_text(json.dumps(self.to_dict(), indent=1))

    def plot(self, folder: str | pathlib.Path) -> list[pathlib.Path]:
        """Three PNGs in ``folder``: λ̂ against λ (with the diagonal), relative error against λ, and the
        loss traces of the worst runs (:mod:`validation.plots`)."""
        folder = pathlib.Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        figures = {"estimate_vs_exact.png": plot_estimates(self.rows),
                   "relative_error.png": plot_relative_errors(self.rows),
                   "worst_traces.png": plot_worst_traces(self.rows)}
        for name, fig in figures.items():
            fig.tight_layout()
            fig.savefig(folder / name, dpi=110)
        return [folder / name for name in figures]

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


def _verdict(row: BenchmarkRow) -> str:
    if row.verdict is None:
        return "–"
    reasons = ", ".join(text.split(":")[0] for text in row.reasons or [])
    return row.verdict + (f": {reasons}" if reasons else "")


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
