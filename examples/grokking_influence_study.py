"""The grokking study's susceptibilities and Bayesian influence functions from the command line.

    python examples/grokking_influence_study.py --out study-grokking --seed 0 [--quick]

Shares its training run (checkpoints) with ``examples/grokking_study.py`` when ``--out`` is the same.
"""

from validation.studies import main

if __name__ == "__main__":
    main("grokking_influence")
