"""Drawing a resolution tree as a PNG (matplotlib via networkx)."""

from __future__ import annotations

import pathlib

import networkx as nx

from resolution import ResolutionTree
from resolution.tree import chart_formula

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


def draw_tree(tree: ResolutionTree, path: str | pathlib.Path, *, power: int | None = None, title: str = "") -> pathlib.Path:
    """Draw ``tree`` to a PNG: leaves labelled (λ, m) (λ divided by ``power``, default the graph's), the
    minimizing leaf highlighted.

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
    width = max(6.0, 2.2 * (1 + max(x for x, _ in position.values())))
    height = max(3.0, 1.8 * (1 + tree.depth))
    figure, axes = plt.subplots(figsize=(min(width, 40.0), min(height, 30.0)))
    colours, labels = [], {}
    for n, data in tree.nodes(data=True):
        colour = {"leaf": "#c8e6c9", "inner": "#e0e0e0", "open": "#ffcdd2"}[data["status"]]
        if best is not None and n == best[2]:
            colour = "#43a047"
        colours.append(colour)
        if data["status"] == "leaf":
            t = data["threshold"]
            labels[n] = f"({t.value / power}, {t.multiplicity})\n{chart_formula(data['chart'])}"
        else:
            labels[n] = f"{n}: {data['status']}"
    nx.draw_networkx_edges(tree, position, ax=axes, arrows=True, edge_color="#757575")
    nx.draw_networkx_nodes(tree, position, ax=axes, node_color=colours, node_size=900, edgecolors="#424242")
    nx.draw_networkx_labels(tree, position, labels=labels, ax=axes, font_size=7)
    summary = "complete" if tree.complete else f"incomplete ({tree.graph['stopped'] or 'open nodes'})"
    head = title or ", ".join(tree.graph["generators"])
    value = "" if best is None else f"; λ = {best[0] / power}, m = {best[1]} at node {best[2]}"
    axes.set_title(f"{head}: {tree.number_of_nodes()} charts, depth {tree.depth}, {summary}{value}", fontsize=9)
    axes.axis("off")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
