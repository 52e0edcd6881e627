"""The estimators' figures: observables against the training step, with their change points.

Drawing never uses pyplot or switches matplotlib's backend: a function draws into a given
:class:`~matplotlib.figure.Figure` (or a new one) and saves it only where asked (``path=``).
"""

from __future__ import annotations

import pathlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .errors import BadData, BadSetting
from .changepoints import Transition, defined_transitions

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_observables"]


def plot_observables(steps, columns: Mapping[str, Sequence[float]], path: str | pathlib.Path | None = None, *,
                     std_errs: Mapping[str, Sequence[float]] | None = None,
                     transitions: Mapping[str, Sequence[Transition]] | None = None, title: str = "",
                     fig: Figure | None = None) -> dict[str, list[Transition]]:
    """One row per observable against the step (linear axis left, log axis right), change points dashed.

    The log axis leaves out the points at step 0 (any step <= 0) and says so in the panel.  Where
    ``transitions`` does not give a column's change points, :func:`~estimators.find_transitions`
    finds them (on the log-step axis when every step is > 0, else on the linear one; weighted by
    the column's ``std_errs``; NaN points dropped).

    Parameters
    ----------
    steps : sequence of float, shape (k,)
        The training steps.
    columns : dict name -> sequence of float, each of shape (k,)
        The observables, one row of panels each (NaN or None: not drawn).
    path : path, optional
        Also save the figure there (PNG, 100 dpi).
    std_errs : dict name -> sequence of float, optional
        Standard errors: a ±2 s.e. band, and weights for the change points.
    transitions : dict name -> list of Transition, optional
        Change points to mark instead of those found.
    title : str
        The figure's title.
    fig : matplotlib Figure, optional
        An empty figure to draw in (default: a new one of 11 × 2.4 inches per column).

    Returns
    -------
    dict name -> list of Transition
        The change points drawn, per column.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> steps = np.arange(1.0, 41.0)
    >>> fig = Figure()
    >>> found = plot_observables(steps, {"acc": np.where(steps < 20, 0.1, 0.9)}, fig=fig)
    >>> [t.step for t in found["acc"]], len(fig.axes)
    ([20.0], 2)
    """
    from matplotlib.figure import Figure  # imported when drawing: `import estimators` does not load matplotlib

    steps = np.asarray(steps, dtype=float)
    std_errs, given = dict(std_errs or {}), dict(transitions or {})
    positive = bool(len(steps) and steps.min() > 0)
    fig = Figure(figsize=(11, 2.4 * len(columns))) if fig is None else fig
    found = {}
    axes = fig.subplots(len(columns), 2, squeeze=False, sharex="col")
    for row_axes, (name, values) in zip(axes, columns.items()):
        values = np.asarray(values, dtype=float)
        se = None if std_errs.get(name) is None else np.asarray(std_errs[name], dtype=float)
        if name in given:
            found[name] = list(given[name])
        else:
            try:
                found[name] = defined_transitions(steps, values, se, log_steps=positive)
            except (BadData, BadSetting):
                found[name] = []
        for ax, log in zip(row_axes, (False, True)):
            shown = steps > 0 if log else np.ones(len(steps), dtype=bool)
            ax.set_ylabel(name)
            if not shown.any():
                ax.text(0.5, 0.5, "no step > 0 for a log axis", ha="center", transform=ax.transAxes)
                continue
            ax.plot(steps[shown], values[shown], marker="o", ms=2.5, lw=1)
            if se is not None:
                ax.fill_between(steps[shown], (values - 2 * se)[shown], (values + 2 * se)[shown], alpha=0.25)
            for t in found[name]:
                if t.step > 0 or not log:
                    ax.axvline(t.step, color="C3", ls="--", lw=0.9)
            if log:
                ax.set_xscale("log")
            if not shown.all():
                left_out = ", ".join(f"{v:g}" for v in steps[~shown][:3]) + ("…" if np.sum(~shown) > 3 else "")
                ax.text(0.01, 0.97, f"not on the log axis: step {left_out}", va="top", fontsize=8,
                        transform=ax.transAxes)
    axes[-1][0].set_xlabel("step")
    axes[-1][1].set_xlabel("step (log)")
    fig.suptitle(f"{title} (dashed: change points)" if title else "dashed: change points")
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / fig.get_figheight()))
    if path is not None:
        fig.savefig(path, dpi=100)
    return found
