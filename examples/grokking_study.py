"""The grokking study of :mod:`validation.studies.grokking` from the command line.

    python examples/grokking_study.py --out study-grokking --seed 0 [--quick]
"""

from validation.studies import main

if __name__ == "__main__":
    main("grokking")
