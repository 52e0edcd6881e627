"""Drawing a resolution tree as a PNG (matplotlib via networkx)."""

from __future__ import annotations

import pathlib
import textwrap

from resolution import ResolutionTree
from resolution.tree import chart_formula, node_label

__all__ = ["draw_tree"]


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


def draw_tree(tree: ResolutionTree, path: str | pathlib.Path, *, power: int | None = None, title: str = "") -> pathlib.Path:
    """Draw ``tree`` to a PNG: one box per chart, leaves labelled (λ(f), m) with λ(f) = λ(I)/``power``
    (default the graph's), the minimizing leaf highlighted, powers written ``^`` throughout.

    Boxes sit one column per leaf, each column as wide as the longest label, so labels neither
    overlap nor leave the figure; long formulas are wrapped and cut after three lines.

    Examples
    --------
    >>> import tempfile, os
    >>> from resolution import resolve
    >>> out = draw_tree(resolve(["x**2 - y**3"], ["x", "y"]), os.path.join(tempfile.mkdtemp(), "t.png"))
    >>> out.stat().st_size > 0
    True
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = pathlib.Path(path)
    power = power or tree.graph.get("power", 1)
    position = _layout(tree)
    best = tree.minimum()
    labels = {n: node_label(tree, n, power) + "\n" + _wrapped(chart_formula(tree.nodes[n]["chart"])) for n in tree}
    columns = 1 + max(x for x, _ in position.values())
    widest = max(len(line) for label in labels.values() for line in label.splitlines())
    column_inches = 0.075 * widest + 0.3
    row_inches = 0.16 * max(label.count("\n") + 1 for label in labels.values()) + 0.5
    figure, axes = plt.subplots(figsize=(max(6.0, column_inches * columns), max(3.0, row_inches * (1 + tree.depth))))
    for a, b in tree.edges:
        (xa, ya), (xb, yb) = position[a], position[b]
        axes.plot([xa, xb], [ya, yb], color="#757575", linewidth=0.8, zorder=1)
    for n, data in tree.nodes(data=True):
        colour = {"leaf": "#c8e6c9", "inner": "#eeeeee", "open": "#ffcdd2"}[data["status"]]
        if best is not None and n == best[2]:
            colour = "#66bb6a"
        x, y = position[n]
        axes.text(x, y, labels[n], ha="center", va="center", fontsize=7, family="monospace", zorder=2,
                  bbox=dict(boxstyle="round,pad=0.3", facecolor=colour, edgecolor="#424242"))
    axes.set_xlim(-0.6, columns - 0.4)
    axes.set_ylim(-tree.depth - 0.6, 0.6)
    summary = "complete" if tree.complete else f"incomplete ({tree.graph['stopped'] or 'open nodes'})"
    head = (title or ", ".join(tree.graph["generators"])).replace("**", "^")
    value = "" if best is None else f"; λ(f) = {best[0] / power}, m = {best[1]} at node {best[2]}"
    axes.set_title(_wrapped(f"{head}: {tree.number_of_nodes()} charts, depth {tree.depth}, {summary}{value}",
                            width=max(60, int(12 * columns)), lines=4), fontsize=9)
    axes.axis("off")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
