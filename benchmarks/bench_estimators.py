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
(c) Memory: peak resident memory above the process's baseline (model and data built, torch and
    torch.func loaded), in units of the parameter size, for a wider MLP (two hidden layers of
    1024, ~1.06M parameters): of the whole estimate, and of the chains' steps (the peak while
    ``ChainRunner.run`` runs) per chain, with ``chain_batch="auto"`` (one chain per vectorized
    step at this size) and with all chains in one step, against the plain loop (which holds one
    chain at a time: one training loop).  Target: the chains' steps ≤ 1.5× the plain loop's
    memory per chain, and their throughput within 10% of the one-step run's.  Both again with
    glibc's mmap threshold fixed at 64 kB (``MALLOC_MMAP_THRESHOLD_``), which returns every freed
    block to the system: the memory the program holds, without the allocator's retention.  Then (d) one
    estimate of a ~10⁷-parameter MLP (two hidden layers of 3162), few draws, with its time, its
    peak memory and its verdict (``--skip-large`` skips it).

Every number is measured in the run that prints it; each method runs in its own subprocess so that
peak memory is its own.  Memory is the resident set sampled every millisecond by a thread
(/proc/self/statm, Linux), so that the peak of one phase can be told from another's.  Threads are
pinned (OMP_NUM_THREADS=1, torch.set_num_threads(1)): the ratios are what this script is for, on
a shared machine the absolute times are not.

Run: python benchmarks/bench_estimators.py [--steps 1000] [--skip-devinterp] [--skip-large]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import resource
import subprocess
import sys
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
PEER_VENV = HERE / ".venv-devinterp"
N, BATCH, INPUTS, STEP, NBETA, GAMMA = 10_000, 256, 10, 1e-4, 10_000 / math.log(10_000), 1.0
PINNED = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
FIXED_MMAP = {"MALLOC_MMAP_THRESHOLD_": "65536"}  # glibc: every block ≥ 64 kB its own mapping, returned when freed


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Sampled:
    """The resident set sampled every millisecond, its peak kept per phase (``phase`` is a label)."""

    def __init__(self):
        self.page = os.sysconf("SC_PAGE_SIZE") / 2**20
        self.phase, self.peaks = "setup", {}
        threading.Thread(target=self._poll, daemon=True).start()

    def now(self) -> float:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * self.page

    def _poll(self) -> None:
        while True:
            mb, phase = self.now(), self.phase
            self.peaks[phase] = max(self.peaks.get(phase, 0.0), mb)
            time.sleep(0.001)

    def peak(self, *phases: str) -> float:
        return max((self.peaks.get(p, 0.0) for p in phases), default=0.0)


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


def worker_ours(hidden: int, steps: int, chains: int, chain_batch: int = 0) -> dict:
    """``estimate_llc`` without the self-checks (timed in bench_autotune.py); ``chain_batch`` 0 is "auto".

    Reports the seconds of the whole call and of the chains' steps (``ChainRunner.run``), and the
    peak resident memory above the baseline of each."""
    import warnings

    import torch

    from estimators import LLCWarning, estimate_llc
    from estimators._run import ChainRunner

    torch.set_num_threads(1)
    warnings.simplefilter("ignore", LLCWarning)
    memory = _Sampled()
    stepping = {"seconds": 0.0}
    run_steps = ChainRunner.run

    def timed_run(self, *args, **kwargs):
        memory.phase, start = "chains", time.perf_counter()
        try:
            return run_steps(self, *args, **kwargs)
        finally:
            stepping["seconds"] += time.perf_counter() - start
            memory.phase = "estimate"

    ChainRunner.run = timed_run

    def run(module, x, y, draws):
        return estimate_llc(module, (x, y), loss_fn=_mse_half, step_size=STEP, nbeta=NBETA, localization=GAMMA,
                            num_chains=chains, num_draws=draws, num_burnin=0, batch_size=BATCH, seed=0,
                            checks=False, chain_batch=chain_batch or "auto")

    start = time.perf_counter()
    run(*_mlp_and_data(4), 4)  # torch.func loads its machinery (and sympy) on first use: ~2 s once per process
    first = time.perf_counter() - start
    model, x, y = _mlp_and_data(hidden)
    time.sleep(0.01)
    base = memory.now()
    memory.peaks.clear()
    memory.phase, stepping["seconds"] = "estimate", 0.0
    start = time.perf_counter()
    est = run(model, x, y, steps)
    seconds = time.perf_counter() - start
    time.sleep(0.01)
    return {"seconds": seconds, "step_seconds": stepping["seconds"], "base_mb": base,
            "peak_mb": memory.peak("estimate", "chains"), "chains_peak_mb": memory.peak("chains"), "warmup": first,
            "llc": est.mean, "std_err": est.std_err, "verdict": est.verdict, "chain_batch": est.config.chain_batch}


def worker_plain(hidden: int, steps: int, chains: int, chain_batch: int = 0) -> dict:
    import copy

    import torch

    torch.set_num_threads(1)
    memory = _Sampled()
    model, x, y = _mlp_and_data(hidden)
    time.sleep(0.01)
    base = memory.now()
    memory.peaks.clear()
    memory.phase = "chains"
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
    seconds = time.perf_counter() - start
    time.sleep(0.01)
    peak = memory.peak("chains")
    return {"seconds": seconds, "step_seconds": seconds, "base_mb": base, "peak_mb": peak, "chains_peak_mb": peak}


def worker_devinterp(hidden: int, steps: int, chains: int, chain_batch: int = 0) -> dict:
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


def _run_worker(name: str, hidden: int, steps: int, chains: int, python: str = sys.executable,
                chain_batch: int = 0, env: dict | None = None) -> dict:
    out = subprocess.run(
        [python, str(pathlib.Path(__file__).resolve()), "--worker", name, "--hidden", str(hidden),
         "--steps", str(steps), "--chains", str(chains), "--chain-batch", str(chain_batch)],
        capture_output=True, text=True, check=True, cwd=HERE.parent, env={**os.environ, **PINNED, **(env or {})},
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

    import torch

    from estimators import LLCWarning, estimate_llc
    from singular.models import RegressionModel
    from validation.torch_bridge import regression_data, regression_module

    torch.set_num_threads(1)
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


def _mlp_size(hidden: int) -> int:
    return INPUTS * hidden + hidden + hidden * hidden + hidden + hidden + 1


def part_c(steps: int, chains: int, skip_peer: bool) -> None:
    hidden = 1024
    params = _mlp_size(hidden)
    param_mb = params * 4 / 2**20
    runs = {"ours, chain_batch auto": _run_worker("ours", hidden, steps, chains),
            "ours, all chains one step": _run_worker("ours", hidden, steps, chains, chain_batch=chains),
            "plain loop": _run_worker("plain", hidden, steps, chains),
            "ours, auto, fixed mmap": _run_worker("ours", hidden, steps, chains, env=FIXED_MMAP),
            "plain loop, fixed mmap": _run_worker("plain", hidden, steps, chains, env=FIXED_MMAP)}
    if not skip_peer:
        runs["devinterp 1.3.2"] = _run_worker("devinterp", hidden, steps, chains, ensure_peer_venv())
    print(f"(c) memory: MLP 10-{hidden}-{hidden}-1 ({params:,} parameters, {param_mb:.1f} MB), {chains} chains, "
          f"{steps} steps, batch {BATCH}; peak resident memory above the baseline, in parameter sizes")
    print(f"    {'':28s} {'whole call':>10s} {'steps':>7s} {'per chain':>9s} {'steps s':>8s} {'call s':>7s}")
    for label, r in runs.items():
        whole = (r["peak_mb"] - r["base_mb"]) / param_mb
        stepping = (r.get("chains_peak_mb", r["peak_mb"]) - r["base_mb"]) / param_mb
        print(f"    {label:28s} {whole:9.1f}× {stepping:6.1f}× {stepping / chains:8.1f}× "
              f"{r.get('step_seconds', r['seconds']):8.1f} {r['seconds']:7.1f}")
    auto, together, plain = runs["ours, chain_batch auto"], runs["ours, all chains one step"], runs["plain loop"]
    per_chain = (auto["chains_peak_mb"] - auto["base_mb"]) / chains
    loop = plain["chains_peak_mb"] - plain["base_mb"]
    print(f"    chain_batch auto = {auto['chain_batch']}; the plain loop holds one chain at a time (one training loop)")
    print(f"    chains' steps per chain over the plain loop's per chain: {per_chain / (loop / chains):.2f}× "
          f"(target ≤ 1.5×); over the plain loop's whole (one chain at a time): {per_chain / loop:.2f}×")
    fixed, fixed_loop = runs["ours, auto, fixed mmap"], runs["plain loop, fixed mmap"]
    print(f"    the same with a fixed mmap threshold (no heap reuse of freed blocks: the memory held, not glibc's "
          f"retention): {(fixed['chains_peak_mb'] - fixed['base_mb']) / (fixed_loop['chains_peak_mb'] - fixed_loop['base_mb']):.2f}×")
    print(f"    steps' throughput, auto over all chains in one step: {together['step_seconds'] / auto['step_seconds']:.2f}×"
          f" (target ≥ 0.9×); whole call {together['seconds'] / auto['seconds']:.2f}×")


def part_d(steps: int, chains: int) -> None:
    hidden = 3162
    params = _mlp_size(hidden)
    param_mb = params * 4 / 2**20
    r = _run_worker("ours", hidden, steps, chains)
    whole = r["peak_mb"] - r["base_mb"]
    print(f"(d) MLP 10-{hidden}-{hidden}-1 ({params:,} parameters, {param_mb:.0f} MB), {chains} chains × {steps} draws, "
          f"batch {BATCH}, chain_batch {r['chain_batch']}, no self-checks")
    print(f"    LLC {r['llc']:.4g} ± {r['std_err']:.2g}, verdict {r['verdict']!r} (few draws: a measurement of cost, "
          "not of the network)")
    print(f"    {r['seconds']:.0f} s ({r['step_seconds']:.0f} s of steps); peak {whole:.0f} MB above the baseline = "
          f"{whole / param_mb:.1f}× parameters (steps {(r['chains_peak_mb'] - r['base_mb']) / param_mb:.1f}×)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--worker", choices=sorted(WORKERS))
    parser.add_argument("--chain-batch", type=int, default=0, help="workers only: 0 for 'auto'")
    parser.add_argument("--part", choices=("a", "b", "c", "d", "all"), default="all")
    parser.add_argument("--skip-devinterp", action="store_true")
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()
    os.environ.update(PINNED)
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.hidden, args.steps, args.chains, args.chain_batch)))
        return
    print(f"load average {os.getloadavg()[0]:.2f} over {os.cpu_count()} cores")
    if args.part in ("a", "all"):
        part_a(args.steps)
    if args.part in ("b", "all"):
        part_b(args.steps, args.chains, args.skip_devinterp)
    if args.part in ("c", "all"):
        part_c(min(args.steps, 200), args.chains, args.skip_devinterp)
    if args.part == "d" or (args.part == "all" and not args.skip_large):
        part_d(30, 2)


if __name__ == "__main__":
    main()
