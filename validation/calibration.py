"""Calibration: which sampler settings to use for a model like mine?

:func:`calibrate` runs a grid of settings on calibration cases, keeps the setting with the smallest
median |relative error|, and reports that setting's error on held-out cases, so the number a user
reads was not used to choose it.
"""

from __future__ import annotations

import dataclasses
import itertools
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from .benchmark import Estimator, SamplerName, run_benchmark
from .cases import Case
from .report import BenchmarkReport

__all__ = ["Calibration", "calibrate"]

DEFAULT_GRID = {"step_size": (1e-4, 3e-4, 1e-3), "localization": (1.0, 10.0), "nbeta": (None,)}


@dataclass(frozen=True)
class Calibration:
    """The chosen setting, every setting's calibration score, and the held-out report."""

    best: Estimator
    scores: tuple[tuple[Estimator, float], ...]
    calibration: BenchmarkReport
    holdout: BenchmarkReport | None

    def summary(self) -> str:
        """The grid, best first, and the held-out error of the chosen setting."""
        lines = ["median |rel. error| on calibration cases, per setting:"]
        lines += [f"  {score:7.3f}  {est.name}" for est, score in sorted(self.scores, key=lambda t: t[1])]
        if self.holdout is not None:
            s = self.holdout.summaries[self.best.name]
            lines.append(f"held out with {self.best.name}: median signed error {s['median_rel_error']:+.3f}, "
                         f"median |error| {s['median_abs_rel_error']:.3f}, coverage {s['coverage']}")
        return "\n".join(lines)


def calibrate(
    sampler: SamplerName | Estimator = "sgld",
    cases: Iterable[Case | str] = (),
    *,
    holdout: Iterable[Case | str] = (),
    grid: Mapping[str, Sequence] | None = None,
    seeds: Sequence[int] = (0,),
    n: int = 10_000,
    out=None,
    progress: bool = False,
    executor: Executor | None = None,
) -> Calibration:
    """Search ``grid`` (fields of :class:`~validation.benchmark.Estimator`) on ``cases``; test on ``holdout``.

    Every (setting, case, seed) is one row of :func:`~validation.benchmark.run_benchmark`, run on
    ``executor`` when one is given (a Dask ``Client.get_executor()``, a ``ProcessPoolExecutor``…;
    default: in this process), with the same rows whatever the executor.

    Examples
    --------
    >>> cal = calibrate("sgld", ["regular-1"], grid={"step_size": [1e-4, 1e-3]}, n=200)
    >>> cal.best.step_size in (1e-4, 1e-3), len(cal.scores)
    (True, 2)
    """
    base = sampler if isinstance(sampler, Estimator) else Estimator(sampler)
    grid = dict(DEFAULT_GRID if grid is None else grid)
    fields = {f.name for f in dataclasses.fields(Estimator)}
    unknown = sorted(set(grid) - fields)
    if unknown:
        raise ValueError(f"grid keys {unknown} are not Estimator settings ({sorted(fields)})")
    cases = list(cases)
    if not cases:
        raise ValueError("calibrate needs at least one calibration case")
    settings = [dataclasses.replace(base, **dict(zip(grid, values))) for values in itertools.product(*grid.values())]
    report = run_benchmark(settings, cases, seeds=seeds, n=n, out=out, progress=progress, executor=executor)
    scores = tuple((est, report.summaries[est.name]["median_abs_rel_error"]) for est in settings)
    ranked = [(est, score) for est, score in scores if score is not None]
    if not ranked:
        raise ValueError("no setting gave a finite estimate on the calibration cases")
    best = min(ranked, key=lambda t: t[1])[0]
    held = list(holdout)
    held_report = (run_benchmark(best, held, seeds=seeds, n=n, out=out, progress=progress, executor=executor)
                   if held else None)
    return Calibration(best, scores, report, held_report)
