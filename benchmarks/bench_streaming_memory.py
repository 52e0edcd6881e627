"""Peak memory of the statistics streamed over the draws: ``estimate_llc(..., waic=True)`` and
``estimate_llc(..., observables=...)``, each against the same call without them.

WAIC needs, for every sample, the mean, variance and log-mean-exp of its likelihood over the
draws; the observables (issue 15) need the moments of every probe sample's loss with the training
loss and the shifted loss.  Both are accumulated as the draws come, so the extra memory must not
grow with the number of draws.  Before issue 18 every kept draw's per-sample NLLs were stored for
WAIC: +0.7 GB at n = 10⁵ and +2.8 GB at n = 4·10⁵.  Target for the observables: 10⁴ probe samples ×
1000 draws × 4 chains within 200 MB.

Each measurement runs in its own process (peak resident memory, ``ru_maxrss``), with torch and BLAS
pinned to one thread.  Run: ``python benchmarks/bench_streaming_memory.py [--n 100000 400000] [--probes 10000]``.
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
from estimators import LLCWarning, average_loss, estimate_llc, sample_losses
n, kind, probes, draws = {n}, {kind!r}, {probes}, {draws}
gen = torch.Generator().manual_seed(0)
def data(rows):
    x = torch.randn(rows, 4, generator=gen)
    return x, x @ torch.tensor([1.0, -1.0, 0.5, 0.0]) + torch.randn(rows, generator=gen)
train, probe, shifted = data(n), data(probes), data(probes)
model = torch.nn.Linear(4, 1)
observables = {{"probe": sample_losses(probe), "shifted": average_loss(shifted)}} if kind == "observables" else None
warnings.simplefilter("ignore", LLCWarning)
est = estimate_llc(model, train, step_size=1e-5, num_draws=draws, num_burnin=0, checks=False, waic=kind == "waic",
                   observables=observables, seed=0)
kept = est.waic.num_draws if kind == "waic" else est.observables.draws * 4 if kind == "observables" else 0
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, kept)
"""


def peak_mb(n: int, kind: str, *, probes: int = 0, draws: int = 400) -> tuple[float, int]:
    """(peak resident MB, draws streamed) of one run in a fresh process."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    code = CHILD.format(n=n, kind=kind, probes=max(probes, 1), draws=draws)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    mb, kept = out.stdout.split()
    return float(mb), int(kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100_000, 400_000], help="dataset sizes for WAIC")
    parser.add_argument("--probes", type=int, default=10_000, help="probe samples for the observables")
    args = parser.parse_args()
    print("| run | peak MB without | peak MB with | extra MB | draws streamed (all chains) |")
    print("|---|---|---|---|---|")
    for n in args.n:
        base, _ = peak_mb(n, "none")
        with_waic, draws = peak_mb(n, "waic")
        print(f"| WAIC, n = {n} | {base:.0f} | {with_waic:.0f} | {with_waic - base:.0f} | {draws} |")
    n = 10_000
    base, _ = peak_mb(n, "none", draws=1000)
    observed, draws = peak_mb(n, "observables", probes=args.probes, draws=1000)
    print(f"| observables, {args.probes} probe samples + a shifted set of {args.probes}, n = {n} | {base:.0f} | "
          f"{observed:.0f} | {observed - base:.0f} | {draws} |")


if __name__ == "__main__":
    main()
