"""The tms study of :mod:`studies.tms` from the command line.

    python examples/tms_study.py --out study-tms --seed 0 [--quick]
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # studies/ is beside examples/, not installed
from studies import main  # noqa: E402

if __name__ == "__main__":
    main("tms")
