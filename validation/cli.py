"""The ``singular`` command line.

``singular rlct EXPR`` computes an exact RLCT; ``singular resolve EXPR``
resolves its singularities and shows the tree (summary, JSON, DOT, PNG);
``singular tour`` runs the tour of classic examples.  Bad input exits with status 2 and one line on
stderr; any computed result, certified or not, exits 0.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
from typing import Sequence

from resolution import GermError
from resolution.tree import tree_to_dict
from singular import SingularError, rlct

from .tour import format_tour, run_tour

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"singular: error: {message}\n")


def _germ_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("expr", metavar="EXPR", help="a polynomial, e.g. 'x^2*y^4' ('^' or '**')")
    p.add_argument("--vars", help="variable order, e.g. x,y,z (default: sorted names in EXPR)")
    p.add_argument("--prior", help="prior monomial times a positive constant, e.g. 'x^2*y' (default 1)")
    p.add_argument("--at", help="the point, e.g. x=1,y=0 (default the origin)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--max-depth", type=_count, default=40, help="resolution budget: depth (default 40)")
    p.add_argument("--max-charts", type=_count, default=2000, help="resolution budget: charts (default 2000)")
    p.add_argument("--seconds", type=float, default=60.0, help="resolution budget: seconds (default 60)")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="singular", description="Exact learning coefficients of singular models.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = commands.add_parser("rlct", help="the exact RLCT of |EXPR| at a point")
    _germ_arguments(p)
    p.add_argument("--nonneg", help="variables constrained to be >= 0, e.g. t,s")
    p.add_argument("--method", choices=("auto", "monomial", "newton", "resolution"), default="auto")
    r = commands.add_parser("resolve", help="resolve the singularities of EXPR and show the tree")
    _germ_arguments(r)
    r.add_argument("--dot", metavar="FILE", help="write the tree as Graphviz DOT")
    r.add_argument("--png", metavar="FILE", help="draw the tree as a PNG")
    commands.add_parser("tour", help="exact RLCTs of classic examples beside their literature values")
    return parser


def _resolve_summary(result) -> str:
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
        from .treeplot import draw_tree

        draw_tree(tree, args.png, title=args.expr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Examples
    --------
    >>> main(["rlct", "x^2*y^4"])
    RLCT 1/4, multiplicity 1 (method: monomial, certified)
      f = x^2*y^4; prior monomial 1.
      Normal crossing: λ = min_j (h_j+1)/k_j = min((0+1)/2, (0+1)/4) = 1/4, attained by y, so m = 1 (Lin 2011, Prop. 3.7).
    0
    """
    args = _parser().parse_args(argv)
    if args.command == "tour":
        print(format_tour(run_tour()))
        return 0
    resolving = args.command == "resolve"
    try:
        result = rlct(
            args.expr,
            variables=args.vars,
            prior=args.prior,
            at=args.at,
            nonneg=() if resolving else (args.nonneg or ()),
            method="resolution" if resolving else args.method,
            max_depth=args.max_depth,
            max_charts=args.max_charts,
            seconds=args.seconds,
        )
        if resolving and result.tree is not None:
            _write_tree(args, result.tree)
    except (GermError, SingularError, OSError) as exc:
        print(f"singular: error: {exc}", file=sys.stderr)
        return 2
    if resolving and result.tree is not None:
        if args.json:
            print(json.dumps({**result.to_dict(), "tree": tree_to_dict(result.tree)}, ensure_ascii=False))
        else:
            print(_resolve_summary(result))
        return 0
    print(json.dumps(result.to_dict(), ensure_ascii=False) if args.json else result.summary())
    return 0

