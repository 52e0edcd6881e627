"""The induction study of :mod:`validation.studies.induction` from the command line.

    python examples/induction_study.py --out study-induction --seed 0 [--quick]
"""

from validation.studies import main

if __name__ == "__main__":
    main("induction")
