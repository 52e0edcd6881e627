"""``singular tour``: exact RLCTs of classic examples, each beside its literature value.

It runs :func:`singular.rlct` on textbook germs and prints, beside each answer, the value the
literature gives (none of them comes from this code).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from singular import RLCT

__all__ = ["TOUR", "TourStop", "add_parser", "format_tour", "run", "run_tour"]


@dataclass(frozen=True, slots=True)
class TourStop:
    """One example: the germ, its prior, the literature's (λ, m) and the source."""

    expr: str
    prior: str | None
    literature: str
    source: str


TOUR: tuple[TourStop, ...] = (
    TourStop("x^2*y^4", None, "1/4, m=1", "Lau et al. 2023 (arXiv:2308.12108), normal-crossing table"),
    TourStop("w1^2*w2^6", "w1", "1/6, m=1", "Lau et al. 2023, monomial prior"),
    TourStop("x^2 + y^2 + z^2", None, "3/2, m=1", "regular point, d/2 (Watanabe 2009)"),
    TourStop("y^4 + x^6", None, "5/12, m=1", "Howald: lct<y^2,x^3> = 5/6, halved (Macaulay2)"),
    TourStop("x^6 + x^2*y^2 + y^8", None, "1/2, m=2", "monomialThreshold<x^3,xy,y^4> = 1 (Macaulay2)"),
    TourStop("a^2 + b^2*c^2", None, "1, m=2", "Lin 2011 Prop. 4.5 sum rule"),
    TourStop("x^2 - y^3", None, "5/6, m=1", "real lct of the cusp (Varchenko non-degenerate)"),
    TourStop("(x^2 - y^3)^2", None, "5/12, m=1", "the cusp squared: sos-degenerate, yet 5/6 / 2"),
    TourStop("(x + y)^2 + y^4", None, "3/4, m=1", "Lin 2011 Remark 4.19 (Newton degenerate)"),
    TourStop("(x + y)^2", None, "1/2, m=1", "Lin 2011 Remark 4.19: u = x + y (resolution)"),
    TourStop("(y - x^2)^2 + x^6", None, "2/3, m=1", "u = y - x^2: 1/2 + 1/6 (resolution)"),
    TourStop("(a*b + c*d)^2", None, "1/2, m=1", "reduced-rank regression, Aoyagi & Watanabe 2005 (shared/cases RRR-07)"),
    TourStop(
        "(a1*b1 + a2*b2)^2 + (a1*b1^3 + a2*b2^3)^2", None, "2/3, m=1", "tanh network H=2 (shared/cases T3-H2)"
    ),
)


def run_tour() -> list[tuple[TourStop, RLCT]]:
    """Compute every stop of the tour.

    Examples
    --------
    >>> stop, result = run_tour()[0]
    >>> stop.literature, result.value
    ('1/4, m=1', 1/4)
    """
    from singular import rlct

    return [(stop, rlct(stop.expr, prior=stop.prior)) for stop in TOUR]


def format_tour(rows: list[tuple[TourStop, RLCT]]) -> str:
    """A plain-text table of the tour.

    Examples
    --------
    >>> print(format_tour(run_tour()[:1]).splitlines()[2])
    x^2*y^4               1      1/4          1   monomial    yes        1/4, m=1    Lau et al. 2023 (arXiv:2308.12108), normal-crossing table
    """
    width = max([22, *(len(stop.expr) + 2 for stop, _ in rows)])
    header = f"{'f':<{width}}{'prior':<7}{'λ':<13}{'m':<4}{'method':<12}{'certified':<11}{'literature':<12}source"
    lines = [header, "-" * len(header)]
    for stop, result in rows:
        if result.certified:
            value, mult = str(result.value), str(result.multiplicity)
        else:
            value, mult = f"[{result.bounds[0]}, {result.bounds[1]}]", "-"
        lines.append(
            f"{stop.expr:<{width}}{stop.prior or '1':<7}{value:<13}{mult:<4}{result.method:<12}"
            f"{'yes' if result.certified else 'no':<11}{stop.literature:<12}{stop.source}"
        )
    lines.append("")
    lines.append("Uncertified rows would give valid bounds [lower, upper] instead of a value.")
    return "\n".join(lines)


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``tour`` to the subcommands ``commands``."""
    commands.add_parser("tour", help="exact RLCTs of classic examples beside their literature values").set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the tour's table."""
    print(format_tour(run_tour()))
    return 0
