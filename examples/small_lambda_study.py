"""SGLD's underestimate at small λ: automatic settings against the old fixed ones, on the small-λ cases.

Run: ``python examples/small_lambda_study.py [--out DIR] [--seeds 3]`` (about 40 minutes on 2 cores;
resumable: rows are kept in DIR/rows.jsonl).  Prints one markdown table: per variant, the median
signed relative error against λ, the median sampler error (against the exact sampler's value on
each dataset, λ_n(nβ, γ)), the medians of the data noise and the estimator bias (docs/conventions.md#the-finite-temperature-target), the
coverage of λ_n by the estimates' intervals, the verdicts, the silent failures (more than 30% from
λ_n with an "ok" verdict) and the seconds spent.
"""

from __future__ import annotations

import argparse
import dataclasses

from validation.benchmark import Estimator, run_benchmark

CASES = ["nc-w1w2^3", "nc-w1^3w2^3", "nc-w1w2^4", "nc-w1w2^5", "polynet-r3-L2"]
AUTO = Estimator("sgld")
OLD = Estimator("sgld", step_size=3e-4, num_draws=700, num_burnin=150, batch_size=256)
N = 10_000


def variants() -> list[tuple[str, Estimator]]:
    """(label, estimator): the automatic settings, their budget and samplers, and the old fixed base."""
    r = dataclasses.replace
    return [
        ("automatic: SGLD, budget 5000 steps per chain", AUTO),
        ("automatic, budget 20000 steps", r(AUTO, max_steps=20_000)),
        ("automatic RMSProp-SGLD", r(AUTO, sampler="rmsprop_sgld")),
        ("automatic SGHMC", r(AUTO, sampler="sghmc")),
        ("automatic MALA (full batch)", r(AUTO, sampler="mala")),
        ("automatic, extrapolated over nβ × {½, 1, 2}", r(AUTO, extrapolate=(0.5, 1.0, 2.0))),
        ("old base: SGLD ε=3e-4, batch 256, 700 draws after 150", OLD),
        ("old base with ε=1e-3", r(OLD, step_size=1e-3)),
    ]


def _pct(value: float | None) -> str:
    """A signed percentage, or – where a part is not defined (the extrapolated estimator has no λ_n)."""
    return "–" if value is None else f"{100 * value:+.0f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="small-lambda-study")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    print("| variant | median error | sampler error | data noise | estimator bias | interval covers λ_n | "
          "verdicts ok/doubtful/unreliable | silent failures | s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, est in variants():
        report = run_benchmark(est, CASES, seeds=range(args.seeds), n=N, out=args.out)
        s = report.summaries[est.name]
        v = s["verdicts"] or {"ok": 0, "doubtful": 0, "unreliable": 0}
        cover = "–" if s["interval_coverage"] is None else f"{s['interval_coverage']:.2f}"
        parts = " | ".join(_pct(s[key]) for key in ("median_rel_error", "median_sampler_error", "median_data_noise",
                                                     "median_estimator_bias"))
        print(f"| {label} | {parts} | {cover} | "
              f"{v['ok']}/{v['doubtful']}/{v['unreliable']} | {s['silent_failures']} | {s['seconds']:.0f} |",
              flush=True)


if __name__ == "__main__":
    main()
