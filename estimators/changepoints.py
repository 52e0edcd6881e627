"""Candidate phase transitions in a trajectory: change points in level or slope, with p-values.

A trajectory (the LLC, the loss or any observable against the training step) is fitted by
straight-line segments, one line per segment, by least squares (weighted by 1/s.e.² when standard
errors are given).  The best segmentation with k change points is exact (dynamic programming over
all breakpoints, Bai & Perron 2003); k is chosen by BIC.  Each change point found is then tested
on its own: the two lines of the segments it separates against one line through both, an F-test
(nested linear models, 4 against 2 parameters), whose p-value is multiplied by the number of
positions the break could have taken in that stretch (Bonferroni): the break was searched for,
so the plain F p-value would be optimistic.  The correction is conservative (Andrews 1993 gives
the exact sup-F null distribution for a single break).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .errors import BadData, BadSetting

__all__ = ["Transition", "find_transitions"]


@dataclass(frozen=True, slots=True)
class Transition:
    """A change point at ``step``: segments ``[…, index)`` and ``[index, …)`` differ.

    ``level_change`` is the jump between the two fitted lines at the step, ``slope_change`` the
    difference of their slopes (per unit of the axis searched: the step or its log);
    ``kind`` says which of the two explains more of the change (a level shift with one common
    slope, or a bend of one continuous line); ``p_value`` is that of the F-test (see the module).
    """

    step: float
    index: int
    kind: str
    level_change: float
    slope_change: float
    p_value: float


def _fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, columns: np.ndarray | None = None):
    """Weighted least squares of y on ``columns`` (default: a line in x): coefficients and RSS."""
    a = np.column_stack([np.ones_like(x), x]) if columns is None else columns
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(a * sw[:, None], y * sw, rcond=None)
    return coef, float(np.sum(w * (y - a @ coef) ** 2))


def _segment_costs(x, y, w, min_size):
    """cost[i, j] = the weighted RSS of one line through points i..j−1 (inf below ``min_size`` points).

    All segments at once from prefix sums of w, wx, wy, wx², wxy, wy² (x and y centred first, to
    keep the cancellations small).
    """
    n = len(x)
    x = x - np.average(x, weights=w)
    y = y - np.average(y, weights=w)
    sums = [np.concatenate([[0.0], np.cumsum(v)]) for v in (w, w * x, w * y, w * x * x, w * x * y, w * y * y)]
    sw, sx, sy, sxx, sxy, syy = (s[None, :] - s[:, None] for s in sums)  # [i, j]: points i..j−1
    with np.errstate(divide="ignore", invalid="ignore"):
        cxx = sxx - sx**2 / sw
        cxy = sxy - sx * sy / sw
        cyy = syy - sy**2 / sw
        rss = np.where(cxx > 1e-12 * np.maximum(sxx, 1e-300), cyy - cxy**2 / cxx, cyy)
    size = np.arange(n + 1)[None, :] - np.arange(n + 1)[:, None]
    return np.where(size >= min_size, np.maximum(rss, 0.0), np.inf)


def _best_splits(cost: np.ndarray, k: int, min_size: int) -> tuple[float, list[int]]:
    """The least total cost of k + 1 segments covering [0, n), and its breakpoints."""
    n = cost.shape[0] - 1
    best = cost[0].copy()
    back: list[np.ndarray] = []
    for _ in range(k):
        new = np.full(n + 1, np.inf)
        arg = np.zeros(n + 1, dtype=int)
        for j in range(n + 1):
            totals = best[:j] + cost[:j, j]
            if totals.size and np.isfinite(totals.min()):
                arg[j] = int(np.argmin(totals))
                new[j] = totals[arg[j]]
        best = new
        back.append(arg)
    splits, j = [], n
    for arg in reversed(back):
        j = int(arg[j])
        splits.append(j)
    return float(best[n]), sorted(splits)


def find_transitions(
    steps: Sequence[float],
    values: Sequence[float],
    *,
    std_err: Sequence[float] | None = None,
    max_changes: int = 3,
    min_size: int = 3,
    log_steps: bool = False,
    alpha: float = 0.01,
) -> list[Transition]:
    """Change points in level or slope of ``values`` against ``steps`` (see the module).

    Parameters
    ----------
    steps, values : sequences of numbers
        The trajectory, e.g. checkpoints' training steps and their LLC estimates.
    std_err : sequence, optional
        Standard errors of the values; the fits are then weighted by 1/s.e.².
    max_changes : int
        The most change points considered; the number kept is chosen by BIC.
    min_size : int
        The fewest points in a segment (≥ 2).
    log_steps : bool
        Search against log(step) (steps must then be > 0): for training runs whose checkpoints are
        spaced logarithmically.
    alpha : float
        Change points whose F-test p-value is above ``alpha`` are dropped.

    Returns
    -------
    list of Transition, in order of step.

    Raises
    ------
    BadData
        Lengths differ, too few points, non-finite values, non-increasing steps.

    Examples
    --------
    A line that bends at step 50:

    >>> steps = np.arange(100.0)
    >>> values = np.where(steps < 50, 0.0, steps - 50) + np.random.default_rng(0).normal(0, 1, 100)
    >>> [(abs(t.step - 50) <= 3, t.kind, t.p_value < 1e-6) for t in find_transitions(steps, values)]
    [(True, 'slope', True)]
    """
    x = np.asarray(steps, dtype=float)
    y = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise BadData(f"steps and values must be 1-d of one length; got shapes {x.shape} and {y.shape}")
    if min_size < 2:
        raise BadSetting("min_size", min_size, "must be at least 2 (a segment's line needs two points)")
    if max_changes < 0:
        raise BadSetting("max_changes", max_changes, "must be >= 0")
    if not 0 < alpha <= 1:
        raise BadSetting("alpha", alpha, "must be in (0, 1]")
    if len(x) < 2 * min_size:
        raise BadData(f"{len(x)} points: need at least 2·min_size = {2 * min_size} to look for a change")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise BadData("steps and values must be finite (drop the checkpoints whose estimate is NaN)")
    if np.any(np.diff(x) <= 0):
        raise BadData("steps must be strictly increasing")
    if log_steps:
        if x[0] <= 0:
            raise BadData("log_steps needs steps > 0")
        x = np.log(x)
    if std_err is None:
        w = np.ones_like(y)
    else:
        se = np.asarray(std_err, dtype=float)
        if se.shape != y.shape or not np.all(np.isfinite(se)) or np.any(se <= 0):
            raise BadData("std_err must be positive and finite, one per value")
        w = 1 / se**2
    n = len(x)
    floor = 1e-12 * (float(np.sum(w * (y - np.average(y, weights=w)) ** 2)) + 1e-300)  # exact fits: no 0/0
    cost = np.maximum(_segment_costs(x, y, w, min_size), floor)
    best_bic, splits = math.inf, []
    for k in range(min(max_changes, n // min_size - 1) + 1):
        rss, cand = _best_splits(cost, k, min_size)
        if not np.isfinite(rss):
            break
        bic = n * math.log(rss / n) + (3 * k + 2) * math.log(n)
        if bic < best_bic - 1e-9:
            best_bic, splits = bic, cand
    bounds = [0, *splits, n]
    found = []
    for i, s in enumerate(splits):
        lo, hi = bounds[i], bounds[i + 2]
        found.append(_test(x[lo:hi], y[lo:hi], w[lo:hi], s - lo, float(steps[s]), s, min_size, floor))
    return [t for t in found if t.p_value <= alpha]


def _test(x, y, w, at, step, index, min_size, floor) -> Transition:
    (left, rss_left), (right, rss_right) = _fit(x[:at], y[:at], w[:at]), _fit(x[at:], y[at:], w[at:])
    rss_two, rss_one = max(rss_left + rss_right, floor), max(_fit(x, y, w)[1], floor)
    dof = len(x) - 4
    if dof <= 0:
        p = 1.0
    else:
        f = ((rss_one - rss_two) / 2) / (rss_two / dof)
        p = float(stats.f.sf(f, 2, dof))
    p = min(1.0, p * (len(x) - 2 * min_size + 1))
    x0 = (x[at - 1] + x[at]) / 2
    after = np.arange(len(x)) >= at
    ones = np.ones_like(x)
    shift = _fit(x, y, w, np.column_stack([ones, x, after]))[1]
    bend = _fit(x, y, w, np.column_stack([ones, x, np.where(after, x - x0, 0.0)]))[1]
    return Transition(
        step=step, index=index, kind="level" if shift < bend else "slope",
        level_change=float((right[0] + right[1] * x0) - (left[0] + left[1] * x0)),
        slope_change=float(right[1] - left[1]), p_value=p,
    )


def defined_transitions(steps, values, std_err=None, *, log_steps: bool = False, max_changes: int = 3,
                        min_size: int = 3, alpha: float = 0.01) -> list[Transition]:
    """:func:`find_transitions` on the points whose value (and s.e., when given) is finite, s.e. > 0, and,
    with ``log_steps``, whose step is > 0; each transition's ``index`` is that of its point in ``steps``.

    Examples
    --------
    >>> steps = np.arange(0.0, 40.0)
    >>> values = np.where(steps < 20, 0.1, 0.9)
    >>> values[3] = np.nan
    >>> [(t.step, t.index) for t in defined_transitions(steps, values, np.full(40, 0.01), log_steps=True)]
    [(20.0, 20)]
    """
    steps, values = np.asarray(steps, dtype=float), np.asarray(values, dtype=float)
    keep = np.isfinite(values)
    if std_err is not None:
        std_err = np.asarray(std_err, dtype=float)
        keep &= np.isfinite(std_err) & (std_err > 0)
    if log_steps:
        keep &= steps > 0
    found = find_transitions(steps[keep], values[keep], std_err=None if std_err is None else std_err[keep],
                             max_changes=max_changes, min_size=min_size, log_steps=log_steps, alpha=alpha)
    points = np.flatnonzero(keep)
    return [dataclasses.replace(t, index=int(points[t.index])) for t in found]
