"""The ``singular`` command line: one module per command, one error boundary in :func:`main`.

``singular rlct EXPR`` computes an exact RLCT (:mod:`.rlct`); ``singular resolve EXPR`` resolves its
singularities and shows the tree (:mod:`.resolve`); ``singular tour`` runs the tour of classic
examples (:mod:`.tour`); ``singular model rrr|dln|tanh|regression ...`` gives a model's learning
coefficient (:mod:`.model`); ``singular estimate EXPR --params ...`` estimates the LLC of a regression
model beside the exact value (:mod:`.estimate`); ``singular bench`` runs the ground-truth benchmark
(:mod:`.bench`).

Each command module has ``add_parser(commands)`` and ``run(args) -> int`` and imports the library
it needs when it runs, so that ``singular --help`` and the exact commands start without torch.  A bad
argument is argparse's error; the library's bad-input errors (``GermError``, ``SingularError``,
``EstimatorError``, all ``ValueError`` subclasses) and ``OSError`` are caught here, once.  Either way:
one line on stderr and exit status 2.  Any computed result, certified or not, exits 0; output cut off
by its reader (a closed pipe) exits 1 without a message.  Nothing in the library imports this package.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from . import bench, estimate, model, resolve, rlct, tour
from ._args import Parser

__all__ = ["main"]

#: The commands in the order ``singular --help`` lists them.
COMMANDS = (rlct, resolve, tour, model, estimate, bench)

#: The library's bad-input errors, as (module, class): reported in one line with exit status 2.
INPUT_ERRORS = (("resolution", "GermError"), ("singular", "SingularError"), ("estimators", "EstimatorError"))


def _parser() -> Parser:
    """The parser of every command; each sets ``run``, the function that runs it."""
    top = Parser(prog="singular", description="Exact learning coefficients of singular models.")
    commands = top.add_subparsers(dest="command", required=True, parser_class=Parser)
    for command in COMMANDS:
        command.add_parser(commands)
    return top


def _bad_input(exc: Exception) -> bool:
    """Whether ``exc`` is the user's bad input (a library input error, or a file that cannot be
    written); an error class whose module is not loaded cannot have been raised, so none is imported."""
    loaded = tuple(getattr(sys.modules[module], name) for module, name in INPUT_ERRORS if module in sys.modules)
    return isinstance(exc, (OSError, *loaded))


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
    try:
        return args.run(args)
    except BrokenPipeError:
        # The reader left (``singular tour | head``): nothing to report.  stdout goes to devnull so that
        # the interpreter's final flush does not fail again (Python docs, signal module, "Note on SIGPIPE").
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        if not _bad_input(exc):
            raise
        print(f"singular: error: {exc}", file=sys.stderr)
        return 2
