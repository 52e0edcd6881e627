"""The bridge's figures: the benchmark's estimates, errors and worst traces, and resolution trees.

Every function draws on a given ``ax`` (or a new :class:`matplotlib.figure.Figure`) and returns the
figure; none uses pyplot or switches the backend, so a user's session is left as it was.  Saving
is the caller's: ``fig.savefig(path)`` (or ``path=`` where a function offers it).
"""

from __future__ import annotations

import pathlib
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from resolution import ResolutionTree
from resolution.tree import chart_formula, node_label

from .rows import BenchmarkRow

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["draw_tree", "plot_estimates", "plot_relative_errors", "plot_worst_traces"]


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """``ax`` and its figure, or a new figure of ``figsize`` inches with one axes."""
    from matplotlib.figure import Figure  # imported when drawing, so that the benchmark runs without it

    if ax is None:
        fig = Figure(figsize=figsize)
        return fig, fig.subplots()
    return ax.figure, ax


def _by_estimator(rows: Sequence[BenchmarkRow]) -> dict[str, list[BenchmarkRow]]:
    """The rows with an estimate, per estimator in order of first appearance."""
    groups: dict[str, list[BenchmarkRow]] = {}
    for row in rows:
        groups.setdefault(row.estimator, [])
        if row.estimate is not None:
            groups[row.estimator].append(row)
    return groups


def _short(name: str) -> str:
    return name.split("(")[0]


def plot_estimates(rows: Sequence[BenchmarkRow], *, ax: Axes | None = None) -> Figure:
    """λ̂ ± 1.96 s.e. against the exact λ, one colour per estimator, with the diagonal λ̂ = λ.

    Parameters
    ----------
    rows : sequence of BenchmarkRow
        The rows of a :class:`~validation.benchmark.BenchmarkReport` (rows without an estimate are skipped).
    ax : matplotlib Axes, optional
        Where to draw (default: a new 5.5 × 5 inch figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure of ``ax``.

    Examples
    --------
    >>> from validation.benchmark import run_benchmark
    >>> fig = plot_estimates(run_benchmark(lambda m, d, w: 0.5, ["nc-w"], n=50).rows)
    >>> fig.axes[0].get_xlabel()
    'exact λ'
    """
    fig, ax = _axes(ax, (5.5, 5))
    top = 0.0
    for i, (name, group) in enumerate(_by_estimator(rows).items()):
        lam = np.array([float(r.lam) for r in group])
        est = np.array([r.estimate for r in group])
        err = np.array([r.std_err or 0.0 for r in group])
        ax.errorbar(lam * (1 + 0.02 * i), est, yerr=1.96 * err, fmt="o", ms=4, alpha=0.7, label=_short(name))
        top = max(top, lam.max(initial=0), est.max(initial=0))
    ax.plot([0, top * 1.05], [0, top * 1.05], "k--", lw=1, label="λ̂ = λ")
    ax.set(xlabel="exact λ", ylabel="estimated λ̂ (± 1.96 s.e.)", title="Estimates against the exact value")
    ax.legend(fontsize=8)
    return fig


def plot_relative_errors(rows: Sequence[BenchmarkRow], *, ax: Axes | None = None) -> Figure:
    """The signed relative error (λ̂ − λ)/λ in percent against λ (log axis), one colour per estimator.

    Parameters and returns as for :func:`plot_estimates` (default size 6 × 4 inches).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from validation.benchmark import run_benchmark
    >>> ax = Figure().subplots()
    >>> plot_relative_errors(run_benchmark(lambda m, d, w: 0.5, ["nc-w"], n=50).rows, ax=ax) is ax.figure
    True
    """
    fig, ax = _axes(ax, (6, 4))
    for i, (name, group) in enumerate(_by_estimator(rows).items()):
        ax.scatter([float(r.lam) * (1 + 0.02 * i) for r in group], [100 * r.rel_error for r in group],
                   s=14, alpha=0.7, label=_short(name))
    ax.axhline(0, color="k", lw=1)
    ax.set(xscale="log", xlabel="exact λ", ylabel="signed relative error (%)", title="Relative error against λ")
    ax.legend(fontsize=8)
    return fig


def plot_worst_traces(rows: Sequence[BenchmarkRow], *, count: int = 4) -> Figure:
    """The thinned loss traces L_n(w) of every chain of the ``count`` rows furthest from λ, side by side,
    with L_n(w*) dotted; rows without a trace (plain estimators) are skipped.

    Returns
    -------
    matplotlib.figure.Figure
        A new figure of one panel per row (one empty panel when no row has a trace).

    Examples
    --------
    >>> from validation.benchmark import run_benchmark
    >>> len(plot_worst_traces(run_benchmark(lambda m, d, w: 0.5, ["nc-w"], n=50).rows).axes)
    1
    """
    from matplotlib.figure import Figure

    worst = sorted((r for r in rows if r.trace and r.rel_error is not None), key=lambda r: -abs(r.rel_error))[:count]
    fig = Figure(figsize=(3.5 * max(1, len(worst)), 3))
    axes = fig.subplots(1, max(1, len(worst)), squeeze=False)
    for ax, r in zip(axes[0], worst):
        for chain in r.trace:
            ax.plot([np.nan if v is None else v for v in chain], lw=0.7)
        if r.init_loss is not None:
            ax.axhline(r.init_loss, color="k", lw=0.8, ls=":")
        ax.set_title(f"{r.case} s{r.seed}: {100 * r.rel_error:+.0f}%\n{_short(r.estimator)}", fontsize=8)
        ax.set_xlabel("draw (thinned)", fontsize=8)
    axes[0][0].set_ylabel("L_n(w)")
    return fig


def _layout(tree: ResolutionTree) -> dict[int, tuple[float, float]]:
    """Leaves side by side in depth-first order, each parent centred over its children."""
    position: dict[int, tuple[float, float]] = {}
    column = 0

    def place(node: int) -> float:
        nonlocal column
        children = sorted(tree.successors(node))
        if not children:
            x = float(column)
            column += 1
        else:
            x = sum(place(c) for c in children) / len(children)
        position[node] = (x, -float(tree.nodes[node]["depth"]))
        return x

    place(0)
    return position


def _wrapped(text: str, width: int = 26, lines: int = 3) -> str:
    """``text`` in lines of at most ``width`` characters, at most ``lines`` of them (… marks a cut)."""
    rows = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]
    if len(rows) > lines:
        rows = rows[:lines]
        rows[-1] = rows[-1][: width - 1] + "…"
    return "\n".join(rows)


def draw_tree(tree: ResolutionTree, path: str | pathlib.Path | None = None, *, ax: Axes | None = None,
              power: int | None = None, title: str = "") -> Figure:
    """Draw ``tree``: one box per chart, leaves labelled (λ(f), m) with λ(f) = λ(I)/``power``
    (default the graph's), the minimizing leaf highlighted, powers written ``^`` throughout.

    Boxes sit one column per leaf; a new figure is sized so that each column is as wide as the
    longest label, so labels neither overlap nor leave the figure; long formulas are wrapped and
    cut after three lines.

    Parameters
    ----------
    tree : ResolutionTree
        A tree of :func:`resolution.resolve`.
    path : path, optional
        Also save the figure there (PNG, 120 dpi).
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure sized to the tree).
    power : int, optional
        λ(f) = λ(I)/power on the labels (default ``tree.graph["power"]``, else 1).
    title : str
        The title's head (default the generators).

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> from resolution import resolve
    >>> fig = draw_tree(resolve(["x**2 - y**3"], ["x", "y"]))
    >>> fig.axes[0].get_title().startswith("x^2 - y^3: ")
    True
    """
    power = power or tree.graph.get("power", 1)
    position = _layout(tree)
    best = tree.minimum()
    labels = {n: node_label(tree, n, power) + "\n" + _wrapped(chart_formula(tree.nodes[n]["chart"])) for n in tree}
    columns = 1 + max(x for x, _ in position.values())
    widest = max(len(line) for label in labels.values() for line in label.splitlines())
    column_inches = 0.075 * widest + 0.3
    row_inches = 0.16 * max(label.count("\n") + 1 for label in labels.values()) + 0.5
    own = ax is None
    fig, ax = _axes(ax, (max(6.0, column_inches * columns), max(3.0, row_inches * (1 + tree.depth))))
    for a, b in tree.edges:
        (xa, ya), (xb, yb) = position[a], position[b]
        ax.plot([xa, xb], [ya, yb], color="#757575", linewidth=0.8, zorder=1)
    for n, data in tree.nodes(data=True):
        colour = {"leaf": "#c8e6c9", "inner": "#eeeeee", "open": "#ffcdd2"}[data["status"]]
        if best is not None and n == best[2]:
            colour = "#66bb6a"
        x, y = position[n]
        ax.text(x, y, labels[n], ha="center", va="center", fontsize=7, family="monospace", zorder=2,
                bbox=dict(boxstyle="round,pad=0.3", facecolor=colour, edgecolor="#424242"))
    ax.set_xlim(-0.6, columns - 0.4)
    ax.set_ylim(-tree.depth - 0.6, 0.6)
    summary = "complete" if tree.complete else f"incomplete ({tree.graph['stopped'] or 'open nodes'})"
    head = (title or ", ".join(tree.graph["generators"])).replace("**", "^")
    value = "" if best is None else f"; λ(f) = {best[0] / power}, m = {best[1]} at node {best[2]}"
    ax.set_title(_wrapped(f"{head}: {tree.number_of_nodes()} charts, depth {tree.depth}, {summary}{value}",
                          width=max(60, int(12 * columns)), lines=4), fontsize=9)
    ax.axis("off")
    if own:  # a given ax's figure is laid out by its owner
        fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig
