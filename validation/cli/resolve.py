"""``singular resolve EXPR``: resolve the singularities of EXPR and show the tree (summary, JSON, DOT, PNG)."""

from __future__ import annotations

import argparse
import json
import pathlib

from .rlct import exact_rlct, germ_arguments, show

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``resolve`` to the subcommands ``commands``."""
    r = commands.add_parser("resolve", help="resolve the singularities of EXPR and show the tree")
    germ_arguments(r)
    r.add_argument("--dot", metavar="FILE", help="write the tree as Graphviz DOT")
    r.add_argument("--png", metavar="FILE", help="draw the tree as a PNG")
    r.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Resolve (the RLCT by resolution), write the DOT/PNG files asked for and print the summary or JSON."""
    from resolution.tree import tree_to_dict

    result = exact_rlct(args, method="resolution")
    if result.tree is None:
        show(result, args.json)
        return 0
    _write_tree(args, result.tree)
    if args.json:
        print(json.dumps({**result.to_dict(), "tree": tree_to_dict(result.tree)}, ensure_ascii=False))
    else:
        print(_summary(result))
    return 0


def _summary(result) -> str:
    tree = result.tree
    best = tree.minimum()
    lines = [
        f"charts: {tree.number_of_nodes()}, depth: {tree.depth}, leaves: {len(tree.leaves)}; "
        + ("every leaf normal crossing or monomial." if tree.complete else f"not finished: {tree.graph['stopped'] or 'open nodes'}."),
    ]
    if best is not None:
        value, multiplicity, leaf = best
        chart = tree.nodes[leaf]["chart"]
        power = tree.graph.get("power", 1)
        coordinates = ", ".join(f"{v} = {c}" for v, c in zip(tree.graph["variables"], chart.coordinates))
        lines.append(f"Minimizing leaf {leaf}: (λ, m) = ({value / power}, {multiplicity}); coordinates {coordinates}")
    return "\n".join([result.summary(), *lines])


def _write_tree(args: argparse.Namespace, tree) -> None:
    from resolution.tree import tree_to_dot

    if args.dot:
        pathlib.Path(args.dot).write_text(tree_to_dot(tree))
    if args.png:
        from ..plots import draw_tree

        draw_tree(tree, args.png, title=args.expr)
