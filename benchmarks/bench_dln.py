"""Deep linear networks at scale: LLC estimates (SGLD, RMSProp-SGLD) against Aoyagi's exact λ.

    python benchmarks/bench_dln.py [--out bench-dln] [--quick] [--no-1e6] [--max-steps 2000]
                                   [--samplers sgld=auto,rmsprop_sgld=auto]

Prints the per-bucket table of :func:`studies.dln_scale.dln_table` next to the published numbers
of Furman & Lau (2024); rows are kept in ``OUT/rows.jsonl``, so a killed run resumes.  ``--quick``
runs the 10³ and 10⁴ buckets only (about 2 minutes here); the full run adds 10⁵ and 10⁶.
"""

import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # studies/ is beside benchmarks/, not installed
from studies.dln_scale import DLN_SAMPLERS, dln_table, run_dln_scale  # noqa: E402

PUBLISHED = (
    "Furman & Lau (2024), plain SGLD: median about 17% low; 10–20% low up to 10⁵ parameters; "
    "20–75% low from 10⁶ up; 40 of 593 runs NaN."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench-dln")
    parser.add_argument("--quick", action="store_true", help="the 10³ and 10⁴ buckets only")
    parser.add_argument("--no-1e6", action="store_true", help="leave out the 10⁶ bucket (about 1 hour here)")
    parser.add_argument("--samplers", default=",".join(f"{k}={v}" for k, v in DLN_SAMPLERS.items()),
                        help="name=step_size pairs (a number or auto), comma-separated (default: %(default)s)")
    parser.add_argument("--max-steps", type=int, default=2000, help="budget per chain (default 2000)")
    args = parser.parse_args()
    samplers = {name: step if step == "auto" else float(step)
                for name, step in (pair.split("=") for pair in args.samplers.split(","))}
    buckets, counts = (10**3, 10**4, 10**5, 10**6), (12, 12, 8, 4)
    keep = 2 if args.quick else 3 if args.no_1e6 else 4
    rows = run_dln_scale(buckets[:keep], counts[:keep], samplers=samplers, max_steps=args.max_steps, out=args.out,
                         progress=True)
    table = dln_table(rows)
    pathlib.Path(args.out, "table.md").write_text(table + "\n\n" + PUBLISHED + "\n")
    print(table)
    print()
    print(PUBLISHED)


if __name__ == "__main__":
    main()
