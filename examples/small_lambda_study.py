"""What reduces SGLD's underestimate at small λ?  One factor at a time, on the small-λ cases.

Run: ``python examples/small_lambda_study.py [--out DIR] [--seeds 3]`` (about 10 minutes on 2 cores;
resumable: rows are kept in DIR/rows.jsonl).  Prints one markdown table: per variant, the median
signed relative error against λ, split into sampler error and estimator bias (MATH.md §4), the
coverage of λ, and the seconds spent.
"""

from __future__ import annotations

import argparse
import dataclasses

from validation.benchmark import Estimator, run_benchmark

CASES = ["nc-w1w2^3", "nc-w1^3w2^3", "nc-w1w2^4", "nc-w1w2^5", "polynet-r3-L2"]
BASE = Estimator("sgld", step_size=3e-4, num_draws=700, num_burnin=150)
N = 10_000
NBETA = N / __import__("math").log(N)


def variants() -> list[tuple[str, Estimator, int]]:
    """(label, estimator, n): the base setting and one change at a time."""
    r = dataclasses.replace
    return [
        ("base: SGLD ε=3e-4, batch 256, 700 draws, nβ=n/log n, γ=1, n=1e4", BASE, N),
        ("plain minibatch losses (no control variate)", r(BASE, control_variate=False), N),
        ("step size 1e-4", r(BASE, step_size=1e-4), N),
        ("step size 1e-3", r(BASE, step_size=1e-3), N),
        ("4000 draws", r(BASE, num_draws=4000), N),
        ("batch 2000", r(BASE, batch_size=2000), N),
        ("nβ × 4 (ε / 4)", r(BASE, nbeta=4 * NBETA, step_size=BASE.step_size / 4), N),
        ("n = 1e5", BASE, 100_000),
        ("n = 1e5, plain minibatch losses", r(BASE, control_variate=False), 100_000),
        ("RMSProp-SGLD ε=1e-3", r(BASE, sampler="rmsprop_sgld", step_size=1e-3), N),
        ("SGHMC", r(BASE, sampler="sghmc"), N),
        ("MALA (full batch)", r(BASE, sampler="mala"), N),
        ("extrapolated over nβ × {½, 1, 2}", r(BASE, extrapolate=(0.5, 1.0, 2.0)), N),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="small-lambda-study")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    print("| variant | median error | sampler error | estimator bias | coverage | s |")
    print("|---|---|---|---|---|---|")
    for label, est, n in variants():
        report = run_benchmark(est, CASES, seeds=range(args.seeds), n=n, out=args.out)
        s = report.summaries[est.name]
        print(f"| {label} | {100 * s['median_rel_error']:+.0f}% | {100 * s['median_sampler_error']:+.0f}% | "
              f"{100 * s['median_estimator_bias']:+.0f}% | {s['coverage']:.2f} | {s['seconds']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
