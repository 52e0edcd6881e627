"""The digits study of :mod:`validation.studies.digits` from the command line.

    python examples/digits_study.py --out study-digits --seed 0 [--quick]
"""

from validation.studies import main

if __name__ == "__main__":
    main("digits")
