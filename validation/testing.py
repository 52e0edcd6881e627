"""A pytest helper for other projects' CI: fail when an LLC estimator is off on exact cases.

Examples
--------
A test file in your project (see ``examples/test_my_estimator.py``)::

    import pytest

    from validation.testing import assert_estimator_calibrated

    def my_estimator(model, data, w_star):
        ...  # return a float, or an object with .mean and .std_err

    @pytest.mark.slow
    def test_my_estimator_is_calibrated():
        assert_estimator_calibrated(my_estimator, suite="quick", max_median_rel_error=0.15)

The helper only raises ``AssertionError``, so it needs no test runner of its own; under pytest
(``pip install singular-toolkit[testing]``), the toolkit's plugin (:mod:`validation.pytest_plugin`)
knows the ``slow`` mark and skips such tests unless ``--runslow`` is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from estimators import BadSetting

from .benchmark import BenchmarkReport, run_benchmark
from .cases import Case
from .cases import suite as suite_cases

__all__ = ["assert_estimator_calibrated"]


def assert_estimator_calibrated(
    estimator: Callable,
    suite: str = "quick",
    *,
    max_median_rel_error: float = 0.15,
    max_nan_rate: float = 0.0,
    cases: Iterable[Case | str] | None = None,
    seeds: Sequence[int] = (0,),
    n: int = 10_000,
    out=None,
) -> BenchmarkReport:
    """Run ``estimator`` on a suite and raise ``AssertionError`` (with the table) when it is off.

    The criterion is the median over runs of |λ̂ − λ|/λ (so an estimator that is 30% low everywhere,
    or ±30% at random, fails at 0.15), and the share of runs that gave no finite estimate.

    Parameters
    ----------
    estimator : callable
        ``(model, data, w_star) -> float`` or an object with ``mean`` (see :func:`run_benchmark`),
        or a :class:`~validation.benchmark.Estimator`.
    suite : {"quick", "full"}
        The cases, unless ``cases`` names them.
    max_median_rel_error, max_nan_rate : float
        The thresholds.
    seeds, n, out
        As for :func:`~validation.benchmark.run_benchmark`.

    Returns
    -------
    BenchmarkReport
        When the estimator passes.

    Raises
    ------
    AssertionError
        When it does not.
    BadSetting
        ``estimator`` is not one callable; ``cases``, ``seeds`` or ``n`` as for
        :func:`~validation.benchmark.run_benchmark` (``seeds=[]``: no runs to judge).

    Examples
    --------
    >>> oracle = lambda module, data, w_star: len(w_star) / 2  # exact on regular models
    >>> report = assert_estimator_calibrated(oracle, cases=["regular-1", "regular-2"], n=50)
    >>> report.summaries["<lambda>"]["median_abs_rel_error"]
    0.0
    >>> assert_estimator_calibrated(lambda m, d, w: 0.35 * len(w), cases=["regular-1"], n=50)
    Traceback (most recent call last):
    ...
    AssertionError: estimator <lambda> is not calibrated: median |relative error| 0.300 > 0.15
    ...
    """
    if not callable(estimator):
        raise BadSetting("estimator", estimator, "must be one callable (model, data, w_star) -> estimate, or an "
                                                 "Estimator; call assert_estimator_calibrated once per estimator")
    named = suite_cases(suite)
    chosen = cases if cases is not None else named
    report = run_benchmark(estimator, chosen, seeds=seeds, n=n, out=out)
    (name, summary), = report.summaries.items()
    problems = []
    if summary["nan_rate"] > max_nan_rate:
        problems.append(f"NaN rate {summary['nan_rate']:.2f} > {max_nan_rate}")
    error = summary["median_abs_rel_error"]
    if error is None or error > max_median_rel_error:
        problems.append(f"median |relative error| {'none' if error is None else f'{error:.3f}'} > {max_median_rel_error}")
    if problems:
        raise AssertionError(f"estimator {name} is not calibrated: {'; '.join(problems)}\n\n{report.to_markdown()}")
    return report
