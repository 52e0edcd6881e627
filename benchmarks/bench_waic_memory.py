"""Peak memory of ``estimate_llc(..., waic=True)`` against the same call without WAIC.

WAIC needs, for every sample, the mean, variance and log-mean-exp of its likelihood over the
draws.  They are accumulated as the draws come (4 × chains × n floats), so the extra memory must
not grow with the number of draws kept; before (issue 18, item 14) every kept draw's per-sample
NLLs were stored: +0.7 GB at n = 10⁵ and +2.8 GB at n = 4·10⁵.

Each measurement runs in its own process (peak resident memory, ``ru_maxrss``), with torch and BLAS
pinned to one thread.  Run: ``python benchmarks/bench_waic_memory.py [--n 100000 400000]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

CHILD = """
import os, resource, warnings
import torch
torch.set_num_threads(1)
from estimators import LLCWarning, estimate_llc
n, waic = {n}, {waic}
gen = torch.Generator().manual_seed(0)
x = torch.randn(n, 4, generator=gen)
y = x @ torch.tensor([1.0, -1.0, 0.5, 0.0]) + torch.randn(n, generator=gen)
model = torch.nn.Linear(4, 1)
warnings.simplefilter("ignore", LLCWarning)
est = estimate_llc(model, (x, y), step_size=1e-5, num_draws=400, num_burnin=0, checks=False, waic=waic, seed=0)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, est.waic.num_draws if waic else 0)
"""


def peak_mb(n: int, waic: bool) -> tuple[float, int]:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", CHILD.format(n=n, waic=waic)], capture_output=True, text=True,
                         check=True, env=env)
    mb, draws = out.stdout.split()
    return float(mb), int(draws)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100_000, 400_000])
    args = parser.parse_args()
    print("| n | peak MB without WAIC | peak MB with WAIC | extra MB | WAIC draws | extra / data size |")
    print("|---|---|---|---|---|---|")
    for n in args.n:
        base, _ = peak_mb(n, False)
        with_waic, draws = peak_mb(n, True)
        data_mb = n * 5 * 4 / 2**20
        print(f"| {n} | {base:.0f} | {with_waic:.0f} | {with_waic - base:.0f} | {draws} | "
              f"{(with_waic - base) / data_mb:.1f} |")


if __name__ == "__main__":
    main()
