"""The tms study of :mod:`validation.studies.tms` from the command line.

    python examples/tms_study.py --out study-tms --seed 0 [--quick]
"""

from validation.studies import main

if __name__ == "__main__":
    main("tms")
