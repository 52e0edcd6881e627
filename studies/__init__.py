"""Worked studies of the LLC on networks people study: each trains seeded models, saves checkpoints,
estimates LLC trajectories and writes its figures and a ``summary.json``.  Applications of the
toolkit, not part of it: they live beside ``examples/`` and ``benchmarks/`` in the repository and are
not in the wheel (they seed torch's global RNG to train).

- :mod:`~studies.tms`: the toy model of superposition and its k-gon critical points;
- :mod:`~studies.grokking`: modular addition, memorisation then generalisation;
- :mod:`~studies.grokking_influence`: the same run's layer susceptibilities and training
  pairs' Bayesian influence on the test loss;
- :mod:`~studies.induction`: a two-layer attention-only transformer learning induction;
- :mod:`~studies.digits`: an MLP on scikit-learn's digits under two optimizers;
- :mod:`~studies.dln_scale`: deep linear networks from 10³ to 10⁶ parameters against Aoyagi's λ
  (``benchmarks/bench_dln.py`` runs it).

Each study but the last has ``run(out, seed=0, quick=False)``; ``examples/*_study.py`` call it from the
command line.
"""

from __future__ import annotations

import argparse
import importlib
import json
from collections.abc import Sequence

__all__ = ["STUDIES", "main"]

STUDIES = ("tms", "grokking", "grokking_influence", "induction", "digits")


def main(study: str, argv: Sequence[str] | None = None) -> dict:
    """The command line of one study: ``--out DIR --seed N [--quick]``; prints the summary's headline.

    Examples
    --------
    >>> main("nonsense", [])
    Traceback (most recent call last):
    ...
    ValueError: unknown study 'nonsense'; choose from tms, grokking, grokking_influence, induction, digits
    """
    if study not in STUDIES:
        raise ValueError(f"unknown study {study!r}; choose from {', '.join(STUDIES)}")
    module = importlib.import_module(f"{__name__}.{study}")
    parser = argparse.ArgumentParser(description=module.__doc__.splitlines()[0])
    parser.add_argument("--out", default=f"study-{study}", help="folder for checkpoints, LLC logs, figures, summary")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a few steps and draws: a smoke test, not a result")
    args = parser.parse_args(argv)
    summary = module.run(args.out, seed=args.seed, quick=args.quick)
    headline = {k: v for k, v in summary.items() if not isinstance(v, (list, dict)) or k in (
        "first_change", "final_llc", "final_test_acc", "final_llc_by_head", "kgons", "test_acc_crosses")}
    print(json.dumps(headline, indent=1, default=str))
    print(f"figures and summary.json in {args.out}/")
    return summary
