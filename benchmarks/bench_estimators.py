"""Speed and memory of LLC estimation, against the slowest honest baseline and against a peer.

(a) Chains as a tensor axis: an analytic regression model with 6 scalar parameters,
    100 chains × 1,000 SGLD steps, vectorized (one ``estimate_llc`` call) against one chain at a
    time (100 calls with one chain each) and against the sequential fallback (``vectorize=False``).
    Target: ≥ 30× over one chain at a time.
(b) An MLP with two hidden layers of 64 on 10,000 synthetic points, batch 256, 4 chains: SGLD steps
    per second of ``estimate_llc`` against a plain torch loop doing the same forward + backward
    passes and the same update on tensor-indexed batches (the physical floor; target ≤ 1.15× its
    time), and against devinterp 1.3.2 with the same model, data, steps, chains and batch size
    (target ≥ 3× its throughput).  devinterp runs in its own virtual environment
    (``benchmarks/.venv-devinterp``), created by this script if missing.
(c) Memory: peak resident memory above the process's baseline (model and data built, torch
    loaded), in units of the parameter size, for a wider MLP (two hidden layers of 1024,
    ~1.06M parameters), per chain.

Every number is measured in the run that prints it; each method runs in its own subprocess so that
peak memory is its own.

Run: python benchmarks/bench_estimators.py [--steps 1000] [--skip-devinterp]
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import resource
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
PEER_VENV = HERE / ".venv-devinterp"
N, BATCH, INPUTS, STEP, NBETA, GAMMA = 10_000, 256, 10, 1e-4, 10_000 / math.log(10_000), 1.0


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _mlp_and_data(hidden: int):
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(INPUTS, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, 1),
    )
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(N, INPUTS, generator=gen)
    with torch.no_grad():  # in chunks, so that building the data sets no high-water mark of its own
        y = torch.cat([model(x[i : i + BATCH]) for i in range(0, N, BATCH)]) + torch.randn(N, 1, generator=gen)
    return model, x, y


def _mse_half(out, target):
    """Gaussian NLL with σ = 1 up to its constant, written the same way in every worker."""
    return 0.5 * ((out - target) ** 2).mean()


def worker_ours(hidden: int, steps: int, chains: int) -> dict:
    from estimators import LLCWarning, estimate_llc

    import warnings

    warnings.simplefilter("ignore", LLCWarning)
    model, x, y = _mlp_and_data(hidden)

    def run(draws):
        estimate_llc(model, (x, y), loss_fn=_mse_half, step_size=STEP, nbeta=NBETA, localization=GAMMA,
                     num_chains=chains, num_draws=draws, num_burnin=0, batch_size=BATCH, seed=0,
                     checks=False)  # the sampling loop alone: the self-checks are timed in bench_autotune.py

    start = time.perf_counter()
    run(4)  # torch.func loads its machinery (and sympy) on first use: ~2 s once per process
    first = time.perf_counter() - start
    base = _rss_mb()
    start = time.perf_counter()
    run(steps)
    return {"seconds": time.perf_counter() - start, "base_mb": base, "peak_mb": _rss_mb(), "warmup": first}


def worker_plain(hidden: int, steps: int, chains: int) -> dict:
    import copy

    import torch

    model, x, y = _mlp_and_data(hidden)
    base = _rss_mb()
    start = time.perf_counter()
    gen = torch.Generator().manual_seed(0)
    for _ in range(chains):
        chain = copy.deepcopy(model)
        params = list(chain.parameters())
        center = [p.detach().clone() for p in params]
        order, pos = torch.randperm(N, generator=gen), 0
        for _ in range(steps):
            if pos + BATCH > N:
                order, pos = torch.randperm(N, generator=gen), 0
            idx = order[pos : pos + BATCH]
            pos += BATCH
            loss = _mse_half(chain(x[idx]), y[idx])
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, g, c in zip(params, grads, center):
                    p.add_(-0.5 * STEP * (NBETA * g + GAMMA * (p - c)) + STEP**0.5 * torch.randn(p.shape, generator=gen))
    return {"seconds": time.perf_counter() - start, "base_mb": base, "peak_mb": _rss_mb()}


def worker_devinterp(hidden: int, steps: int, chains: int) -> dict:
    import warnings

    import torch
    from devinterp.optim.sgld import SGLD
    from devinterp.slt.sampler import estimate_learning_coeff_with_summary

    warnings.simplefilter("ignore")
    model, x, y = _mlp_and_data(hidden)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=BATCH, shuffle=True)
    base = _rss_mb()
    start = time.perf_counter()
    estimate_learning_coeff_with_summary(
        model, loader, evaluate=lambda m, batch: _mse_half(m(batch[0]), batch[1]), sampling_method=SGLD,
        optimizer_kwargs=dict(lr=STEP, localization=GAMMA, nbeta=NBETA), num_chains=chains, num_draws=steps,
        num_burnin_steps=0, seed=0, verbose=False, online=False,
    )
    return {"seconds": time.perf_counter() - start, "base_mb": base, "peak_mb": _rss_mb()}


WORKERS = {"ours": worker_ours, "plain": worker_plain, "devinterp": worker_devinterp}


def _run_worker(name: str, hidden: int, steps: int, chains: int, python: str = sys.executable) -> dict:
    out = subprocess.run(
        [python, str(pathlib.Path(__file__).resolve()), "--worker", name, "--hidden", str(hidden),
         "--steps", str(steps), "--chains", str(chains)],
        capture_output=True, text=True, check=True, cwd=HERE.parent,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def ensure_peer_venv() -> str:
    """The devinterp 1.3.2 environment's python, created on first use (torch 2.13.0 from local disk)."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print(f"setting up {PEER_VENV} (torch 2.13.0, devinterp 1.3.2) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q"]
        subprocess.run(pip + ["torch==2.13.0"], check=True)
        subprocess.run(pip + ["devinterp==1.3.2"], check=True)
    return str(python)


def part_a(steps: int, chains: int = 100) -> None:
    import warnings

    from estimators import LLCWarning, estimate_llc
    from singular.models import RegressionModel
    from validation.torch_models import regression_data, regression_module

    warnings.simplefilter("ignore", LLCWarning)
    model = RegressionModel("a*b*x + c*d**2*x + e*f*x**2", params="a,b,c,d,e,f", inputs="x")
    x, y, loss_fn = regression_data(model, 1000, seed=0)
    module = regression_module(model)
    run = dict(loss_fn=loss_fn, step_size=1e-3, num_draws=steps, num_burnin=0, batch_size=100, checks=False)

    start = time.perf_counter()
    estimate_llc(module, (x, y), num_chains=chains, seed=0, **run)
    vectorized = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(chains):
        estimate_llc(module, (x, y), num_chains=1, seed=i, **run)
    one_at_a_time = time.perf_counter() - start
    start = time.perf_counter()
    estimate_llc(module, (x, y), num_chains=chains, seed=0, vectorize=False, **run)
    sequential = time.perf_counter() - start
    print(f"(a) analytic model, 6 parameters, {chains} chains × {steps} SGLD steps, batch 100 of 1000")
    print(f"    vectorized (one call)             {vectorized:8.2f} s")
    print(f"    one chain at a time ({chains} calls)   {one_at_a_time:8.2f} s   ratio {one_at_a_time / vectorized:6.1f}×"
          f"   (target ≥ 30×)")
    print(f"    sequential fallback (one call)    {sequential:8.2f} s   ratio {sequential / vectorized:6.1f}×")


def part_b(steps: int, chains: int, skip_peer: bool) -> None:
    names = ["ours", "plain"] + ([] if skip_peer else ["devinterp"])
    results = {}
    for name in names:
        python = ensure_peer_venv() if name == "devinterp" else sys.executable
        results[name] = _run_worker(name, 64, steps, chains, python)
    total = steps * chains
    print(f"(b) MLP 10-64-64-1 (4,929 parameters), n = {N}, batch {BATCH}, {chains} chains × {steps} steps")
    ours = results["ours"]["seconds"]
    for name in names:
        sec = results[name]["seconds"]
        print(f"    {name:10s} {sec:8.2f} s   {total / sec:9.0f} steps/s   ours/this time ratio {ours / sec:5.2f}")
    print(f"    (not timed: our first call's one-off torch.func import, {results['ours']['warmup']:.1f} s)")
    print(f"    overhead over the plain loop: {ours / results['plain']['seconds']:.2f}× (target ≤ 1.15×)")
    if "devinterp" in results:
        print(f"    throughput over devinterp 1.3.2: {results['devinterp']['seconds'] / ours:.2f}× (target ≥ 3×)")


def part_c(steps: int, chains: int, skip_peer: bool) -> None:
    hidden = 1024
    params = INPUTS * hidden + hidden + hidden * hidden + hidden + hidden + 1
    param_mb = params * 4 / 2**20
    print(f"(c) memory: MLP 10-{hidden}-{hidden}-1 ({params:,} parameters, {param_mb:.1f} MB), {chains} chains, "
          f"{steps} steps; peak RSS above baseline")
    for name in ["ours", "plain"] + ([] if skip_peer else ["devinterp"]):
        python = ensure_peer_venv() if name == "devinterp" else sys.executable
        r = _run_worker(name, hidden, steps, chains, python)
        extra = r["peak_mb"] - r["base_mb"]
        print(f"    {name:10s} {extra:8.1f} MB = {extra / param_mb:5.1f}× parameters "
              f"({extra / param_mb / chains:4.1f}× per chain)   {r['seconds']:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--worker", choices=sorted(WORKERS))
    parser.add_argument("--part", choices=("a", "b", "c", "all"), default="all")
    parser.add_argument("--skip-devinterp", action="store_true")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.hidden, args.steps, args.chains)))
        return
    if args.part in ("a", "all"):
        part_a(args.steps)
    if args.part in ("b", "all"):
        part_b(args.steps, args.chains, args.skip_devinterp)
    if args.part in ("c", "all"):
        part_c(min(args.steps, 200), args.chains, args.skip_devinterp)


if __name__ == "__main__":
    main()
