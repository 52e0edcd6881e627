"""``singular rlct EXPR``: the exact RLCT of |EXPR| at a point, with its certificate."""

from __future__ import annotations

import argparse
import json

from ._args import count, seconds

__all__ = ["add_parser", "exact_rlct", "germ_arguments", "run", "show"]


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``rlct`` to the subcommands ``commands``."""
    p = commands.add_parser("rlct", help="the exact RLCT of |EXPR| at a point")
    germ_arguments(p)
    p.add_argument("--nonneg", help="variables constrained to be >= 0, e.g. t,s")
    p.add_argument("--method", choices=("auto", "monomial", "newton", "resolution"), default="auto")
    p.set_defaults(run=run)


def germ_arguments(p: argparse.ArgumentParser) -> None:
    """The germ, its prior and point, and the resolution budget: the options of ``rlct`` and ``resolve``."""
    p.add_argument("expr", metavar="EXPR", help="a polynomial or analytic function, e.g. 'x^2*y^4' ('^' or '**')")
    p.add_argument("--vars", help="variable order, e.g. x,y,z (default: sorted names in EXPR)")
    p.add_argument("--prior", help="prior monomial times a positive constant, e.g. 'x^2*y' (default 1)")
    p.add_argument("--at", help="the point, e.g. x=1,y=0 (default the origin)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--max-depth", type=count, default=40, help="resolution budget: depth (default 40)")
    p.add_argument("--max-charts", type=count, default=2000, help="resolution budget: charts (default 2000)")
    p.add_argument("--max-terms", type=count, default=2_000_000,
                   help="resolution budget: polynomial terms built (default 2000000)")
    p.add_argument("--seconds", type=seconds, default=None,
                   help="wall-clock cut-off in seconds (default none); it only stops a run, and says so")


def exact_rlct(args: argparse.Namespace, *, method: str, nonneg: str | tuple = ()):
    """:func:`singular.rlct` of the germ given by the options of :func:`germ_arguments`."""
    from singular import rlct

    return rlct(args.expr, variables=args.vars, prior=args.prior, at=args.at, nonneg=nonneg, method=method,
                max_depth=args.max_depth, max_charts=args.max_charts, max_terms=args.max_terms,
                seconds=args.seconds)


def show(result, as_json: bool) -> None:
    """Print an RLCT result: its summary, or one JSON object."""
    print(json.dumps(result.to_dict(), ensure_ascii=False) if as_json else result.summary())


def run(args: argparse.Namespace) -> int:
    """Compute the RLCT with the chosen method and print it; a bad germ raises the library's error."""
    show(exact_rlct(args, method=args.method, nonneg=args.nonneg or ()), args.json)
    return 0
