"""The induction study of :mod:`studies.induction` from the command line.

    python examples/induction_study.py --out study-induction --seed 0 [--quick]
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # studies/ is beside examples/, not installed
from studies import main  # noqa: E402

if __name__ == "__main__":
    main("induction")
