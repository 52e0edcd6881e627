"""The ``singular`` command line.

``singular rlct EXPR`` computes an exact RLCT; ``singular tour`` runs the
tour of classic examples.  Bad input exits with status 2 and one line on
stderr; any computed result, certified or not, exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

from resolution import GermError
from singular import SingularError, rlct

from .tour import format_tour, run_tour

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"singular: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="singular", description="Exact learning coefficients of singular models.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = commands.add_parser("rlct", help="the exact RLCT of |EXPR| at a point")
    p.add_argument("expr", metavar="EXPR", help="a polynomial, e.g. 'x^2*y^4' ('^' or '**')")
    p.add_argument("--vars", help="variable order, e.g. x,y,z (default: sorted names in EXPR)")
    p.add_argument("--prior", help="prior monomial times a positive constant, e.g. 'x^2*y' (default 1)")
    p.add_argument("--at", help="the point, e.g. x=1,y=0 (default the origin)")
    p.add_argument("--nonneg", help="variables constrained to be >= 0, e.g. t,s")
    p.add_argument("--method", choices=("auto", "monomial", "newton"), default="auto")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    commands.add_parser("tour", help="exact RLCTs of classic examples beside their literature values")
    return parser


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
    try:
        result = rlct(
            args.expr,
            variables=args.vars,
            prior=args.prior,
            at=args.at,
            nonneg=args.nonneg or (),
            method=args.method,
        )
    except (GermError, SingularError) as exc:
        print(f"singular: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result.to_dict(), ensure_ascii=False) if args.json else result.summary())
    return 0

