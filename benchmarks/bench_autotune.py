"""What the automatic settings and the self-checks cost, against the sampling they tune.

For each case of the quick suite and each sampler, one ``estimate_llc`` call with automatic
settings, its time split into

- **tuning**: the measurements the rules read (the Hessian's spectrum at w* by Lanczos, the full
  gradient at w*, the per-sample gradient noise at the chains' points during burn-in);
- **checks**: the minimum check's line search or conjugate gradients, the split-half curvature
  test and the coupled run at ε/2;
- **sampling**: everything else (burn-in and draws, which any estimate runs).

Target (issue 20): tuning ≤ 25% of sampling.  Run: ``python benchmarks/bench_autotune.py [--n 2000]
[--max-steps 2000] [--samplers sgld,rmsprop_sgld]``; torch and BLAS are pinned to one thread.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import collections  # noqa: E402
import functools  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import torch  # noqa: E402

torch.set_num_threads(1)

from estimators import LLCWarning, _probe, curvature, estimate_llc, llc  # noqa: E402
from validation.cases import QUICK, case  # noqa: E402

SPENT: dict[str, float] = collections.defaultdict(float)
PARTS = {"spectrum": "tuning", "gradient_at_center": "tuning", "noise_trace": "tuning",
         "minimum": "checks", "curvature_error": "checks", "_richardson": "checks"}


def _timed(name, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            SPENT[name] += time.perf_counter() - start
    return wrapper


def _instrument() -> None:
    probe = _probe.Probe
    for name in ("spectrum", "minimum", "curvature_error", "noise_trace"):
        setattr(probe, name, _timed(name, getattr(probe, name)))
    curvature.full_gradient = _timed("gradient_at_center", curvature.full_gradient)
    llc._richardson = _timed("_richardson", llc._richardson)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--max-steps", type=int, default=2000)
    parser.add_argument("--samplers", default="sgld,rmsprop_sgld")
    args = parser.parse_args()
    _instrument()
    warnings.simplefilter("ignore", LLCWarning)
    print(f"n = {args.n}, max_steps = {args.max_steps}, 4 chains, one thread")
    print(f"| case | sampler | steps | tuning s | checks s | sampling s | tuning / sampling | checks / sampling |")
    print("|---|---|---|---|---|---|---|---|")
    totals = collections.defaultdict(float)
    for name in QUICK:
        problem = case(name).build(args.n, seed=0)
        for sampler in args.samplers.split(","):
            SPENT.clear()
            start = time.perf_counter()
            est = estimate_llc(problem.module, problem.data, loss_fn=problem.loss_fn, sampler=sampler,
                               max_steps=args.max_steps, seed=0)
            total = time.perf_counter() - start
            parts = collections.defaultdict(float)
            for key, seconds in SPENT.items():
                parts[PARTS[key]] += seconds
            sampling = total - parts["tuning"] - parts["checks"]
            for key, value in (("tuning", parts["tuning"]), ("checks", parts["checks"]), ("sampling", sampling)):
                totals[key] += value
            steps = est.config.num_burnin + est.config.num_draws
            print(f"| {name} | {sampler} | {steps} | {parts['tuning']:.2f} | {parts['checks']:.2f} | {sampling:.2f} | "
                  f"{parts['tuning'] / sampling:.1%} | {parts['checks'] / sampling:.1%} |", flush=True)
    print(f"\nall: tuning {totals['tuning']:.1f} s, checks {totals['checks']:.1f} s, sampling {totals['sampling']:.1f} s; "
          f"tuning / sampling = {totals['tuning'] / totals['sampling']:.1%}, "
          f"checks / sampling = {totals['checks'] / totals['sampling']:.1%}")


if __name__ == "__main__":
    main()
