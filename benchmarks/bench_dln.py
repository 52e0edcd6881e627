"""Deep linear networks at scale: LLC estimates (SGLD, RMSProp-SGLD) against Aoyagi's exact λ.

    python benchmarks/bench_dln.py [--out bench-dln] [--quick]

Prints the per-bucket table of :func:`validation.dln_scale.dln_table` next to the published numbers
of Furman & Lau (2024); rows are kept in ``OUT/rows.jsonl``, so a killed run resumes.  ``--quick``
runs the 10³ and 10⁴ buckets only (about 2 minutes here); the full run adds 10⁵ and 10⁶.
"""

import argparse
import pathlib

from validation.dln_scale import dln_table, run_dln_scale

PUBLISHED = (
    "Furman & Lau (2024), plain SGLD: median about 17% low; 10–20% low up to 10⁵ parameters; "
    "20–75% low from 10⁶ up; 40 of 593 runs NaN."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench-dln")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    buckets, counts = ((10**3, 10**4), (12, 12)) if args.quick else ((10**3, 10**4, 10**5, 10**6), (12, 12, 8, 4))
    rows = run_dln_scale(buckets, counts, out=args.out, progress=True)
    table = dln_table(rows)
    pathlib.Path(args.out, "table.md").write_text(table + "\n\n" + PUBLISHED + "\n")
    print(table)
    print()
    print(PUBLISHED)


if __name__ == "__main__":
    main()
